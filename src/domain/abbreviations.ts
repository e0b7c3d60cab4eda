/**
 * How officials shorten the names of bodies, as data: the words of a department's name and the short forms they
 * take (人力资源和社会保障局 → 人社局, 国有资产管理局 → 国资局), and the endings (委员会 → 委, 办公室 → 办,
 * X片区管理局 → X片区). Short names are generated from a body's full name with these tables only, so a short name
 * always derives from the body it names: 国资局 comes from 国有资产管理局, never from 国土资源局 (国土局).
 */

/** Words of a body name → their short forms (a word may have several). The longest word matching at a position wins. */
export const WORD_ABBREVIATIONS: ReadonlyArray<readonly [string, string]> = [
  ["人力资源和社会保障", "人社"],
  ["人力资源与社会保障", "人社"],
  ["住房和城乡建设", "住建"],
  ["住房与城乡建设", "住建"],
  ["市场监督管理", "市场监管"],
  ["食品药品监督管理", "食药监"],
  ["安全生产监督管理", "安监"],
  ["质量技术监督", "质监"],
  ["工商行政管理", "工商"],
  ["卫生健康", "卫健"],
  ["卫生和计划生育", "卫计"],
  ["人口和计划生育", "计生"],
  ["国有资产", "国资"],
  ["国土资源", "国土"],
  ["环境保护", "环保"],
  ["财政金融", "财金"],
  ["旅游与文化体育", "旅文体"],
  ["旅游与文化体育", "文体旅"],
  ["文化和旅游", "文旅"],
  ["文化广电和旅游", "文广旅"],
  ["文化广电旅游", "文广旅"],
  ["教育和体育", "教体"],
  ["发展和改革", "发改"],
  ["发展改革", "发改"],
  ["投资促进", "投促"],
  ["行政审批", "审批"],
  ["经济发展", "经发"],
  ["农村发展", "农发"],
  ["交通与建设", "交建"],
  ["交通运输", "交通"],
  ["自然资源和规划", "资规"],
  ["科学技术", "科技"],
  ["工业和信息化", "工信"],
  ["退役军人事务", "退役军人"],
  ["医疗保障", "医保"],
  ["民族宗教事务", "民宗"],
  ["人民防空", "人防"],
  ["地方税务", "地税"],
  ["国家税务", "国税"],
  ["城市管理", "城管"],
  ["海洋与渔业", "海渔"],
  ["海洋和渔业", "海渔"],
  ["人民政府", "政府"],
  ["管委会", "管委"],
];

/** Endings of a body name → their short form (the longest ending wins). */
export const SUFFIX_ABBREVIATIONS: ReadonlyArray<readonly [string, string]> = [
  ["委员会", "委"],
  ["办公室", "办"],
  ["局", "局"],
  ["委", "委"],
  ["办", "办"],
  ["中心", "中心"],
];

/** A word dropped at the end of a name's core before its ending: 国有资产管理局 → 国资局, 应急管理局 → 应急局. */
export const DROPPED_BEFORE_SUFFIX = "管理";

/** A 片区's bureau or committee is called by the 片区 itself: 金井片区管理局 → 金井片区. */
export const AREA_BODY = /^(.{2,6}?片区)(?:管理局|管委会|管理委员会)$/;

/** A 街道's office is called by the 街道: 城关街道办事处 → 城关街道. */
export const TOWN_OFFICE = /^(.{2,6}?街道)办事处$/;
