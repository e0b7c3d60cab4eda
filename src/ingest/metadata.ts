import type { DocKind } from "../types.js";
import { canonicalBody, placeChain } from "../domain/bodies.js";
import { parseChineseYear } from "./numerals.js";

/**
 * Detects what a document is from its own text: title, issuing body, region, year and kind.
 * The file name is only a last resort, so a report dropped into corpus/ under any name comes out right.
 */

export interface DetectedMeta {
  title: string;
  issuer: string | null;
  region: string | null;
  year: number | null;
  kind: DocKind;
}

const REPORT_TITLE =
  /^[ \t#]*([\u4e00-\u9fa5（）()]{2,30}?)\s*(\d{4})\s*年\s*(?:度)?\s*(?:政府)?\s*(?:信息公开|政务公开|信息工作公开)\s*(?:工作)?\s*(?:年度)?\s*(?:工作)?\s*报告/m;
const BARE_REPORT_TITLE = /^[ \t#]*关于\s*(\d{4})\s*年\s*度?\s*政府信息公开工作的?报告/m;
const BUREAU_SUFFIX = /[^区市县省旗]{1,5}局$/;
const NOT_A_PLACE = /^(全|本|我|各|该|市|县|区|省|城|地|辖|社|小|街|景|园|片|试|开发|保护|管|实验|政|山|矿|农|城乡|中心)/;

/** The place an issuer belongs to: the last place of the chain its name starts with (淮安市洪泽区财政局 → 洪泽区). */
export function regionOf(issuer: string): string | null {
  const units = placeChain(issuer);
  return units.length ? units[units.length - 1] : null;
}

/**
 * Most frequent named place in the body ("攀枝花市"), for reports whose title does not name one.
 * Every 2–4 character name before 市/县/综合实验区 is counted; a real name and its tails share one count,
 * so the longest of the most frequent wins.
 */
export function dominantPlace(text: string): string | null {
  const counts = new Map<string, number>();
  for (const m of text.matchAll(/(?:综合实验区|市|县)(?![级直委民场])/g)) {
    const suffix = m[0];
    for (let len = 2; len <= 4; len++) {
      const name = text.slice(m.index! - len, m.index!);
      if (name.length < len || !/^[\u4e00-\u9fa5]+$/.test(name)) break;
      if (NOT_A_PLACE.test(name) || /[我本全各该年月日的在和与及等对将为了是通过中其和省县市区政府]/.test(name)) continue;
      const key = name + suffix;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  let best: string | null = null;
  let n = 0;
  for (const [k, v] of counts) if (v > n || (v === n && best !== null && k.length > best.length && k.endsWith(best.slice(-1)))) { best = k; n = v; }
  return best;
}

/** True when the characters of `short` appear in `long` in order ("财金局" in "财政金融局"). */
function isAbbreviationOf(short: string, long: string): boolean {
  let j = 0;
  for (const ch of long) if (ch === short[j]) j++;
  return j === short.length;
}

/**
 * The name a bureau that titles itself by a short form ("财金局") has in its own text ("平潭综合实验区财政金融局"):
 * the most frequent "<region>…局" that starts like it and holds its characters in order. The short form itself
 * when the text writes "<region><short form>" or names no such bureau.
 */
function fullBureauName(text: string, region: string, short: string): string {
  if (text.includes(`${region}${short}`)) return short;
  const counts = new Map<string, number>();
  for (const m of text.matchAll(new RegExp(`${region}([\\u4e00-\\u9fa5]{${short.length},10}?局)`, "g"))) {
    const name = m[1];
    if (name[0] === short[0] && name.length > short.length && isAbbreviationOf(short, name)) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  let best = short;
  let n = 0;
  for (const [k, v] of counts) if (v > n) [best, n] = [k, v];
  return best;
}

export function detectKind(head: string): DocKind {
  const top = head.slice(0, 300);
  // A report quotes the format notice and the regulation in its first lines, so its own title and
  // "本报告" decide first.
  if (REPORT_TITLE.test(top) || BARE_REPORT_TITLE.test(top) || /本报告/.test(head.slice(0, 600))) return "report";
  if (/^\s*各省、自治区、直辖市/.test(top) || /年度报告格式/.test(top)) return "format_notice";
  if (/最高人民法院.{0,30}(规定|解释)|法释〔/.test(top)) return "judicial_interpretation";
  if (/条例/.test(top) && /国务院令|第[一二三四五六七八九十]+条/.test(head)) return "regulation";
  if (/年度报告|工作报告/.test(head)) return "report";
  return "other";
}

/** Dates that say when a text took effect are not the year it was issued. */
function issueYear(text: string): number | null {
  const line = text.match(/^\s*(\d{4})年\d{1,2}月\d{1,2}日\s*$/m);
  if (line) return Number(line[1]);
  const cn = text.slice(0, 600).match(/^\s*([一二三四五六七八九〇○零]{4})年[一二三四五六七八九十]{1,2}月/m);
  if (cn) return parseChineseYear(cn[1]);
  let best: number | null = null;
  for (const m of text.slice(0, 600).matchAll(/(\d{4})年\d{1,2}月\d{1,2}日(.{0,6})/g)) {
    if (/^\s*(起)?施行/.test(m[2])) continue;
    const y = Number(m[1]);
    if (best === null || y > best) best = y;
  }
  // A signature date further down, at the start of a line whose break was lost
  // ("2019年11月23日中华人民共和国政府信息公开工作年度报告格式（试行）").
  if (best === null) {
    const signed = text.match(/^\s*(\d{4})年\d{1,2}月\d{1,2}日(?!\s*起?施行)/m);
    if (signed) best = Number(signed[1]);
  }
  return best;
}

function firstLine(text: string): string {
  return (text.split("\n").find((l) => l.trim()) ?? "").replace(/^#+\s*/, "").trim();
}

function legalTitle(text: string): string {
  const head = text.slice(0, 800);
  const md = head.match(/^#\s*(.+)$/m);
  if (md) return md[1].trim();
  const quoted = head.match(/《((?:中华人民共和国|最高人民法院)[^》]{2,60})》/);
  const standalone = head.split("\n").map((l) => l.trim()).find((l) => /^(中华人民共和国|最高人民法院)[\u4e00-\u9fa5]{4,60}(条例|规定|解释)$/.test(l));
  return standalone ?? (quoted ? quoted[1] : firstLine(text).slice(0, 60));
}

function noticeTitle(text: string): string {
  const head = text.slice(0, 1500);
  const m = head.match(/关于(?:印发)?[《〈]?[^，。\n]{0,40}年度报告[^，。\n]{0,20}的通知/);
  if (m) return `国务院办公厅政府信息与政务公开办公室${m[0].startsWith("关于") ? "" : "关于"}${m[0]}`;
  if (/年度报告格式（试行）/.test(head)) return "国务院办公厅政府信息与政务公开办公室关于政府信息公开工作年度报告有关事项的通知";
  if (/年度报告格式/.test(head)) return "国务院办公厅政府信息与政务公开办公室关于印发《中华人民共和国政府信息公开工作年度报告格式》的通知";
  return firstLine(text).slice(0, 60);
}

/** How each field of a document's metadata was found, for `ingest --show`. */
export interface DetectionNotes {
  issuer: string;
  year: string;
  title: string;
}

/** A name that ends like a body: a bureau, committee, office, centre, government, 片区, town or 街道. */
const BODY_END = /(?:片区管理局|管理局|局|委员会|委|办公室|办公厅|办|中心|管委会|管理委员会|人民政府|政府|片区|镇|乡|街道办事处|街道)$/;
/** Words that end like a body but are not a name: 我局, 本委, 当局. */
const NOT_A_BODY = /^(?:我|本|该|各|当)?(?:局|委|办|单位|机关|部门|政府)$|^(?:政府信息|信息公开|年度|报告)/;

/** A candidate body name, trimmed of the words around it ("平潭综合实验区苏平片区管理局关于报送" → the 管理局), or null. */
export function bodyName(raw: string): string | null {
  const n = raw
    .replace(/\s+/g, "")
    .replace(/^(?:关于|#)+/, "")
    .replace(/(?:关于报送|关于印发|关于公布|关于发布|关于|的)+$/, "")
    .replace(/[“”"《》]/g, "");
  if (n.length < 2 || n.length > 40 || !BODY_END.test(n) || NOT_A_BODY.test(n) || /[，。、；：,;:!?！？]/.test(n)) return null;
  return n;
}

/** The unit of a body that handles enquiries, cut off its body: "…片区管理局党政办公室" → "…片区管理局". */
function withoutInnerUnit(n: string): string {
  const m = n.match(/^(.{2,}?(?:局|委员会|委|中心|管委会|管理委员会|人民政府|政府))(?:党政|综合|行政)?(?:办公室|办公厅|综合科|科|处|股|室)$/);
  return m ? m[1] : n;
}

/**
 * The issuing body named by the text itself when its title names none (or only its place): the opening sentence
 * ("本报告由XX局编制", "现将XX局2022年度政府信息公开工作…", "特向社会公布XX局2023年…年度报告"), the contact line
 * ("请与XX局办公室联系"), the signature above the closing date. In that order; null when none names a body.
 */
export function issuerInText(text: string): { name: string; how: string } | null {
  const head = text.slice(0, 1500);
  const tries: Array<[RegExp, string]> = [
    [/本(?:年度)?报告由\s*([^，。,；;（(]{2,40}?)\s*(?:负责|组织)?(?:编制|制作|编写|起草|发布)/, "开头一句（本报告由…编制）"],
    [/现将\s*([^，。,；;（(]{2,40}?)\s*\d{4}\s*年度?(?:政府|政务)?信息公开/, "开头一句（现将…情况）"],
    [/公布\s*([^，。,；;《》（(]{2,40}?)\s*\d{4}\s*年度?(?:政府|政务)?信息公开工作/, "开头一句（公布…年度报告）"],
  ];
  for (const [re, how] of tries) {
    const m = head.match(re);
    const n = m ? bodyName(m[1]) : null;
    if (n) return { name: n, how };
  }
  const contact = head.match(/请与\s*([^，。,；;（(：:]{2,40}?)\s*联系/);
  const c = contact ? bodyName(withoutInnerUnit(contact[1].replace(/\s+/g, ""))) : null;
  if (c && !/(?:办公室|办公厅|科|处|股|室)$/.test(c)) return { name: c, how: "联系方式（请与…联系）" };
  // The signature: a body name right before the closing date, near the end.
  const tail = text.slice(-400);
  let sig: string | null = null;
  for (const m of tail.matchAll(/([\u4e00-\u9fa5（）()]{4,40})\s*(\d{4}|[〇○零一二三四五六七八九]{4})\s*年\s*[\d一二三四五六七八九十]{1,2}\s*月\s*[\d一二三四五六七八九十]{1,3}\s*日/g)) {
    const n = bodyName(m[1].replace(/^.*?(?:附件|下载|报告)/, ""));
    if (n) sig = n;
  }
  return sig ? { name: sig, how: "落款" } : null;
}

/** Title patterns of a report: "<body>2024年度政府信息公开工作年度报告", "<body>政府信息公开工作2024年度报告". */
const ALT_TITLES = [
  /(?:^|\s)[ \t#]*([\u4e00-\u9fa5（）()]{2,30}?)\s*(?:政府|政务)?\s*信息公开(?:工作)?\s*(\d{4})\s*年度?\s*(?:工作)?\s*(?:报告|年报)/m,
  /(?:^|\s)[ \t#]*([\u4e00-\u9fa5（）()]{2,30}?)\s*(\d{4})\s*年\s*度?\s*(?:政府|政务)?\s*信息公开\s*年报/m,
];

/** The statistics period: "统计期限自2024年1月1日起至2024年12月31日止" → 2024 (its end year). */
function periodYear(text: string): number | null {
  const span = text.match(/统计(?:期限|时限|时间|区间|周期|数据时间段|数据的时间段|时段)?[^。；]{0,16}?(\d{4})\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*(?:起)?\s*(?:至|到|—|－|-|~)\s*(\d{4})\s*年\s*12\s*月\s*31\s*日/);
  if (span) return Number(span[2]);
  const start = text.match(/统计期限(?:为|从|自)?\s*(\d{4})年1月1日/);
  return start ? Number(start[1]) : null;
}

/**
 * `pageTitle`: the title a crawler header gives the page, tried before the text's own first lines; `header`: the
 * rest of that header (发布机构, 发布时间), used only when the text names no body, and for the year as a last resort.
 */
export function detectMeta(
  text: string,
  source: string,
  pageTitle: string | null = null,
  header: { agency?: string | null; published?: string | null } = {},
): DetectedMeta & { how: DetectionNotes } {
  const head = (pageTitle ? `${pageTitle}\n` : "") + text.slice(0, 1500);
  const kind = detectKind(head);
  if (kind === "regulation" || kind === "judicial_interpretation") {
    const issuer = kind === "regulation" ? "国务院" : "最高人民法院";
    return { title: legalTitle(text), issuer, region: null, year: issueYear(text), kind, how: { issuer: "文本类型", year: "发布或施行日期", title: "正文标题" } };
  }
  if (kind === "format_notice") {
    return { title: noticeTitle(text), issuer: "国务院办公厅政府信息与政务公开办公室", region: null, year: issueYear(text), kind, how: { issuer: "文本类型", year: "发布日期", title: "正文标题" } };
  }
  const how: DetectionNotes = { issuer: "—", year: "—", title: "—" };
  const titleFrom = (pageTitle ? "网页标题（采集头）" : "标题");
  const top = head.slice(0, 400);
  const t = top.match(REPORT_TITLE) ?? ALT_TITLES.map((re) => top.match(re)).find((m) => m) ?? null;
  const bare = top.match(BARE_REPORT_TITLE);
  let issuer: string | null = null;
  let year: number | null = null;
  let title: string;
  if (t && (!bare || (t.index ?? 0) <= (bare.index ?? 0))) {
    issuer = bodyName(t[1]) ?? (t[1].replace(/^(关于|#)+/, "").replace(/关于$/, "").trim() || null);
    year = Number(t[2]);
    how.year = titleFrom;
    title = t[0].replace(/^[\s#]+/, "").replace(/\s+/g, "").replace(/(?:关于报送|关于印发|关于公布)(?=\d{4})/, "");
    how.title = titleFrom;
    if (issuer) how.issuer = titleFrom;
  } else if (bare) {
    year = Number(bare[1]);
    how.year = titleFrom;
    title = bare[0].replace(/^[\s#]+/, "").replace(/\s+/g, "");
    how.title = titleFrom;
  } else {
    title = "";
  }
  const period = periodYear(text);
  if (period) {
    year = period;
    how.year = "统计期限";
  }
  if (year === null && header.published) {
    // Reports are published early in the following year.
    year = Number(header.published.slice(0, 4)) - 1;
    how.year = "发布日期的上一年";
  }
  if (year === null) {
    // The closing date of the signature: the report is signed early in the following year.
    const signed = [...text.slice(-400).matchAll(/(\d{4})\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日/g)].at(-1);
    if (signed) {
      year = Number(signed[1]) - 1;
      how.year = "落款日期的上一年";
    }
  }
  if (year === null) {
    const fromName = source.match(/(?:^|[^\d])(20\d{2}|19\d{2})(?:[^\d]|$)/);
    if (fromName) {
      year = Number(fromName[1]);
      how.year = "文件名";
    }
  }
  // A title naming only a place (or nothing) leaves the body to the text: a department's report says so in its
  // opening sentence, its contact line or its signature, and refers to itself as 我局/我委/我办.
  const titleNamesPlaceOnly = !issuer || canonicalBody(issuer, null).level !== "部门" && canonicalBody(issuer, null).level !== "片区";
  if (titleNamesPlaceOnly) {
    const own = issuerInText(text);
    const selfDept = /我(?:局|委|办)|本(?:局|委)/.test(text.slice(0, 3000));
    if (own && (!issuer || (selfDept && isUnitName(own.name)))) {
      issuer = own.name;
      how.issuer = own.how;
    } else if (!issuer && header.agency && bodyName(header.agency)) {
      issuer = bodyName(header.agency);
      how.issuer = "发布机构（采集头）";
    }
  }
  let region = issuer ? regionOf(issuer) : null;
  if (!region) {
    region = dominantPlace(text);
    // A department that names itself without its place ("公安局2009年度…") belongs to the place the text is about.
    if (region && issuer && placeChain(issuer).length === 0) issuer = `${region}${BUREAU_SUFFIX.test(issuer) ? fullBureauName(text, region, issuer) : issuer}`;
  }
  if (!issuer && region) {
    const agency = text.match(new RegExp(`${region}(?:党工委)?(管委会|管理委员会|人民政府)`));
    issuer = agency ? agency[0] : region;
    how.issuer = "正文中最常提到的地名";
  }
  if (!title) {
    title = `${issuer && isUnitName(issuer) ? issuer : region ?? ""}${year ?? ""}年政府信息公开工作年度报告`;
    how.title = "由机关和年份生成";
  } else if (issuer && !t) title = `${issuer}${title}`;
  return { title, issuer, region, year, kind, how };
}

/** A department, 片区 or town (not a government): a body inside its place. */
function isUnitName(name: string): boolean {
  const level = canonicalBody(name, null).level;
  return level === "部门" || level === "片区" || level === "乡镇";
}
