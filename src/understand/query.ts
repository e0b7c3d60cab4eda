import type { DocKind } from "../types.js";
import { jiebaWords } from "../embed/tokenize.js";


/**
 * Resolvers used by understand.ts, as pure functions over the question and what the corpus holds: held regions
 * and unknown places named, years, claimed numbers, the kind of answer wanted, and the content words.
 */

import type { Intent } from "./types.js";
import { KNOWN_PLACES } from "../domain/places.js";

export type { Intent } from "./types.js";

export interface RegionEntry {
  /** Canonical region as stored on documents (e.g. 沈阳市). */
  region: string;
  /** Names a user may write for it (沈阳市, 沈阳). */
  names: string[];
}


const ADMIN_SUFFIX = /(综合实验区|自治州|自治县|省|市|县|区|旗)$/;

/** Names users write for a region: the full name and, where unambiguous, the name without its suffix. */
/** A region's name without its administrative suffix: 沈阳市 → 沈阳, 平潭综合实验区 → 平潭. */
export function bareRegion(region: string): string {
  return region.replace(ADMIN_SUFFIX, "");
}

export function regionNames(region: string, aliases: string[] = []): string[] {
  const names = new Set<string>([region, ...aliases]);
  const bare = bareRegion(region);
  if (bare.length >= 2) names.add(bare);
  if (region.endsWith("综合实验区")) {
    names.add(region.replace("综合实验区", "实验区"));
    names.add(region.replace("综合实验区", "综合试验区"));
  }
  for (const a of aliases) {
    const b = bareRegion(a);
    if (b.length >= 2) names.add(b);
  }
  return [...names].sort((a, b) => b.length - a.length);
}

/** Words for a kind of area, not a name: what is left before one of them must still name a place. */
const GENERIC_AREA = /(?:(?:实验|试验|开发|保护|高新|辖|城|社|园|景|片|新|地|市|县|小|学|校|厂|矿)区|(?:城|地|县|大|小)市|(?:市|大|小)县)$/;

const INJECTION =
  /(忽略|无视|忘记|忘掉|不要理会|跳过).{0,12}(指令|指示|提示|规则|设定|要求|限制|说明)|(系统|system)\s*(提示|prompt)|提示词|你的(指令|设定|规则|提示)|你现在是|现在你是|扮演|角色扮演|越狱|jailbreak|ignore\s+(all|any|previous|the)|disregard|developer mode|DAN\b|输出.{0,6}(prompt|指令|提示)|写(一)?首诗|讲个笑话/i;

const COMPARE = /谁|哪方|比怎么样|怎么样|跟.{0,10}比|与.{0,10}比|同比|较上年|是多了还是少了|多了还是少了|哪(一)?年|哪(一)?个|哪家|哪里|比较|对比|相比|比.{0,6}(多|少|高|低)|多还是|少还是|更多|更少|最多|最少|差距|差异|变化|增加了|减少了|增长|下降|分别/;
const VERIFY = /对吗|是吗|对不对|是不是|是否属实|是否正确|没错吧|真的吗|确实/;
const FIGURE = /多少|几(件|条|个|次|场|期|人|项|篇|份|家|批)|数量|总数|共计|合计|金额|占比|比例|百分之|几成|总量/;
const DEFINITION =
  /什么是|是什么|什么意思|啥意思|含义|指的?是|定义|怎么处理|如何处理|怎么办|怎样处理|如何答复|怎么答复|如何认定|怎么认定|哪些情形|什么情况下|什么情形|依据|规定|条例|第.{1,4}条|期限|多长时间|多久|工作日|怎么收|如何收|收费标准|能不能|可以不|是否可以|应当如何|怎么算|如何界定|区别|司法解释|法院/;
const DRAFTING = /写法|借鉴|可以参考|参照|有没有.{0,6}(报告|年报).{0,12}(写|做法|段落)|统计哪些|填报哪些|怎么填|如何填|填哪些|有什么要求|什么要求|要求是什么|应(该|当)?写|怎么写|如何写|写哪些|写什么|包括哪些内容|包含哪些|应当包括|应包括|范例|示例|样例|参考|别人(写|是怎么|怎么|的(写法|报告|年报|做法))|给我看看|看看.{0,8}(怎么|如何)|模板|格式要求|怎么编写|如何编写|编写/;
const FOLLOWUP = /^(那|那么|还有|另外|再|同样|同期|这|该|如果|要是|假如|此外|因此|其中|其余|上述|它们|这些)|呢[？?]?$|^[^，。]{0,8}(呢|吗)[？?]?$|因此|这种情况|这样的话/;

/** Question words and fillers: dropped from the topic (matched as whole jieba words, never inside a word). */
const QUESTION_NOISE = new Set(
  "请问 请 帮 帮我 告诉 告诉我 查 查一下 查询 一下 情况 多少 几 是 是多少 有 有多少 什么 是什么 怎么 怎么样 如何 哪些 哪个 哪 哪年 哪一年 年 年度 对 对吗 是吗 呢 吗 吧 啊 了 的 和 与 及 那 那么 还有 另外 再 同样 同期 共 一共 总共 我 你 一 个 件 条 次 多 少 更 比较 相比 对比 还是 分别 各 都 过 条数 件数 个数 次数 数量 数目 数字 几件 几条 几个 几次 有几件 多少件 多少条 多少次 具体 一共有 共有 管委会 管理委员会 人民政府 党工委 应该 应当 需要 多长 时间 多长时间 多久 什么时候 何时 最晚 最多 哪几种 几种 情形 规定 参考 借鉴 看看 给 给我 写法 别人 想 类似 段落 做法 体现 可以 一下 有没有 哪份 怎么 怎样 要 会 能 吗 么 里 所说 说".split(
    " ",
  ),
);

export function extractYears(q: string): number[] {
  const years = new Set<number>();
  for (const m of q.matchAll(/(?<!\d)((?:19|20)\d{2})(?!\d)/g)) years.add(Number(m[1]));
  return [...years];
}

/**
 * Markup and code in a question: a tag, a call, a link, a Latin identifier with digits (id123, v2), an id after
 * 编号/ID/No. A number inside them is part of the markup, never a figure the user asserts.
 */
const CODE = /<[^<>]{0,200}>|[A-Za-z_$][\w$.]*\s*\([^()]{0,200}\)|https?:\/\/\S+|[A-Za-z_][\w-]*\d[\w-]*|(?:\b(?:id|ID|No\.?)|编号|序号|单号|工单号)\s*[:：#=]?\s*\d+|#\d+/g;
/** The question asserts something and asks whether it holds: "…对吗", "是不是249件", "报告说…", "…249件吗". */
const CLAIM_CUE = /对吗|是吗|对不对|是不是|是否属实|是否正确|是否为|没错吧|真的吗|确实|吗\s*[？?！!。]*\s*$|(?:报告|年报|据|听|有人|网上)(?:说|称|写|讲|显示)/;
/** A count or amount as a report states it: a number with its measure word or unit (249件, 1.5万条, 67.75%). */
const CLAIM_FIGURE = /(?<![\d.第])(\d+(?:\.\d+)?)(?![\d.])\s*(万|亿)?\s*(件|条|个|次|场|期|人次|人|项|篇|份|家|起|宗|所|万元|元|%)/g;

/**
 * Figures the user asserts about the report ("受理了300件，对吗", "只有6起吗", "报告说收到249件"): only a number with
 * its measure word, in a question that asserts and asks whether it holds. A bare number (99999), a number inside
 * code or markup (alert(1), <h1>), an id, an ordinal (第20条) or a year is no claim.
 */
export function extractClaimed(q: string): string[] {
  return CLAIM_CUE.test(q.replace(CODE, " ")) ? statedFigures(q) : [];
}

/** Numbers with their measure word the question states, outside code and markup ("收了3800元…是哪个部门收的"). */
export function statedFigures(q: string): string[] {
  return [...q.replace(CODE, " ").matchAll(CLAIM_FIGURE)].map((m) => m[0].replace(/\s+/g, ""));
}

/** The value a claim states: "249件" → 249, "1.5万条" → 15000, "67.75%" → 67.75. */
export function claimedValue(claim: string): number | null {
  const m = claim.match(/^(\d+(?:\.\d+)?)(万|亿)?/);
  if (!m) return null;
  const v = Number(m[1]) * (m[2] === "万" ? 1e4 : m[2] === "亿" ? 1e8 : 1);
  return Number.isFinite(v) ? Math.round(v * 1e6) / 1e6 : null;
}

/** Words that point at the governing texts rather than at a report, even when a year is named ("2008年施行的旧条例"). */
const LEGAL_CUE = /条例|司法解释|最高法|最高人民法院|法院|被告|立案|判决|审理|国务院令|法释/;

/** `stated`: the figures the question states, claimed or not (a question about a stated figure wants a figure). */
export function detectIntent(q: string, regions: string[], years: number[], claimed: string[], stated: string[] = claimed): Intent {
  const targets = Math.max(regions.length, 1) * Math.max(years.length, 1);
  if (regions.length === 0 && LEGAL_CUE.test(q)) return "definition";
  if (DRAFTING.test(q)) return "drafting";
  // A claim about a named report asked as a yes/no question ("…只有6起吗") is checked like "…，对吗".
  if (claimed.length > 0 && (VERIFY.test(q) || (/吗\s*[？?！!。]*\s*$/.test(q) && (regions.length > 0 || years.length > 0)))) return "verify";
  if (targets >= 2 && (COMPARE.test(q) || FIGURE.test(q))) return "comparison";
  if (regions.length === 0 && years.length === 0 && DEFINITION.test(q)) return "definition";
  if (FIGURE.test(q) || stated.length > 0) return "figure";
  if (regions.length === 0 && years.length === 0) return "definition";
  return "general";
}

export function kindsFor(intent: Intent): DocKind[] {
  switch (intent) {
    case "definition":
      return ["regulation", "format_notice", "judicial_interpretation"];
    case "drafting":
      return ["format_notice", "report"];
    default:
      return ["report"];
  }
}

export function topicOf(q: string, regionNamesFound: string[]): string {
  let t = q;
  for (const n of regionNamesFound) t = t.split(n).join(" ");
  const words = jiebaWords(t.replace(/(?<!\d)(?:19|20)\d{2}(?!\d)\s*年?度?/g, " ").replace(/\d+(\.\d+)?/g, " "));
  return words
    .map((w) => w.trim())
    .filter((w) => w && /[\p{L}]/u.test(w) && !QUESTION_NOISE.has(w))
    .join(" ");
}

/** Names users write for a department that issues its own report: 平潭综合实验区地方税务局 → 地方税务局, 地税局, 地税. */
export function departmentNames(issuer: string, region: string | null): string[] {
  const names = new Set<string>([issuer]);
  const own = region && issuer.startsWith(region) ? issuer.slice(region.length) : issuer;
  if (own.length >= 2) names.add(own);
  const m = own.match(/^地方(.)(.)局$/);
  if (m) {
    names.add(`地${m[1]}局`);
    names.add(`地${m[1]}`);
  }
  return [...names];
}

/** The held regions a question names (longest names first; an ambiguous bare name names every region carrying it). */
export function regionsNamed(q: string, regions: RegionEntry[]): { regions: string[]; names: string[]; rest: string } {
  const found: string[] = [];
  const namesFound: string[] = [];
  const byName = new Map<string, string[]>();
  for (const r of regions) for (const n of r.names) byName.set(n, [...(byName.get(n) ?? []), r.region]);
  let rest = q;
  for (const n of [...byName.keys()].sort((a, b) => b.length - a.length)) {
    if (!rest.includes(n)) continue;
    for (const r of byName.get(n)!) if (!found.includes(r)) found.push(r);
    namesFound.push(n);
    rest = rest.split(n).join("　");
  }
  return { regions: found, names: namesFound, rest };
}

/** A place the question names that is not held ("北京市2015年…"), from the text left once held names are taken out. */
export function unknownPlaceIn(rest: string): string | null {
  // "X区" is a place only where a place is expected (before a year or 政府); elsewhere 区 ends too many words.
  const place = rest.match(/([\u4e00-\u9fa5]{2,6}?)(省|市|县|自治区|自治州|区(?=\s*(?:(?:19|20)\d{2}|人民政府|政府|管委会|管理委员会|和|与|、)))(?![\u4e00-\u9fa5]{0,2}(政府信息|级))/);
  const known = KNOWN_PLACES.find((p) => rest.includes(p));
  if (known && known !== "全国" && known !== "国务院") return known;
  if (place) {
    const name = place[0].replace(/^(请问|请|想问|问)/, "");
    // A generic word (开发区, 辖区, 城区, 新区, 城市) names no place; a name before it does (东湖新区, 经济开发区).
    // Only the whole generic word counts: 云新县 is a name ending in 新, not the word 新区.
    const named = name.replace(GENERIC_AREA, "");
    if (named.length >= 2 && !/^(本|我|全|各|该|某|哪个|哪|这个|那个)/.test(named) && !/(政府|信息|公开|报告|申请|[的了是在要及等把被向对从以为和与跟同局委办])/.test(named)) return name;
  }
  return null;
}

export const isInjection = (q: string): boolean => INJECTION.test(q);
/** An explicit follow-up: "那…", "…呢", a bare fragment. */
export const isFollowUp = (q: string): boolean => FOLLOWUP.test(q);
/** A figure question ("多少", "几件"). */
export const asksFigure = (q: string): boolean => FIGURE.test(q);
/** Words that point at the governing texts rather than at a report. */
export const hasLegalCue = (q: string): boolean => LEGAL_CUE.test(q);


/** The term a "what is X" question asks about: 什么是政府信息 → 政府信息. */
export function definedTerm(q: string): string | null {
  const m =
    q.match(/(?:什么是|什么叫|何为|何谓)[“"「]?([\u4e00-\u9fa5]{2,12}?)[”"」]?[？?。]?$/) ??
    q.match(/[“"「]?([\u4e00-\u9fa5]{2,12}?)[”"」]?(?:是什么|指什么|是指什么|的定义|的含义|是什么意思)[？?。]?$/);
  return m ? m[1].replace(/^(条例里|条例中)?(所说的|所称的?|说的)/, "") : null;
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * A word the jieba dictionary knows (平安, 新华) is a word of its own and no misspelling of a body's name (平潭);
 * a misspelling (沈杨) is no word: the dictionary splits it.
 */
export function isDictionaryWord(w: string): boolean {
  const stem = w.replace(/(综合实验区|自治州|自治县|新区|省|市|县|区)$/, "");
  return [w, stem].some((x) => x.length >= 2 && jiebaWords(x).length === 1);
}
