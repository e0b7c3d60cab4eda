import type { DocKind } from "../types.js";
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
const AGENCY_SUFFIX = /(人民政府|党工委管委会|管委会|管理委员会|地方税务局|税务局|办公室|办公厅|委员会)$/;
const BUREAU_SUFFIX = /[^区市县省旗]{1,5}局$/;
const ADMIN_UNIT = /.+?(?:综合实验区|新区|自治州|自治县|特别行政区|自治区|省|市|县|区|旗)/g;
const ADMIN_UNIT_AT_START = /^.+?(?:综合实验区|新区|自治州|自治县|自治区|省|市|县|区|旗)/;
const NOT_A_PLACE = /^(全|本|我|各|该|市|县|区|省|城|地|辖|社|小|街|景|园|片|试|开发|保护|管|实验|政|山|矿|农|城乡|中心)/;

export function regionOf(issuer: string): string | null {
  const base = issuer.replace(AGENCY_SUFFIX, "").replace(BUREAU_SUFFIX, "");
  const units = base.match(ADMIN_UNIT);
  if (!units || units.length === 0) return null;
  return units[units.length - 1];
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

/** `pageTitle`: the title a crawler header gives the page, tried before the text's own first lines. */
export function detectMeta(text: string, source: string, pageTitle: string | null = null): DetectedMeta {
  const head = (pageTitle ? `${pageTitle}\n` : "") + text.slice(0, 1500);
  const kind = detectKind(head);
  if (kind === "regulation" || kind === "judicial_interpretation") {
    const issuer = kind === "regulation" ? "国务院" : "最高人民法院";
    return { title: legalTitle(text), issuer, region: null, year: issueYear(text), kind };
  }
  if (kind === "format_notice") {
    return { title: noticeTitle(text), issuer: "国务院办公厅政府信息与政务公开办公室", region: null, year: issueYear(text), kind };
  }
  const t = head.slice(0, 400).match(REPORT_TITLE);
  const bare = head.slice(0, 400).match(BARE_REPORT_TITLE);
  let issuer: string | null = null;
  let year: number | null = null;
  let title: string;
  if (t && (!bare || (t.index ?? 0) <= (bare.index ?? 0))) {
    issuer = t[1].replace(/^(关于|#)+/, "").replace(/关于$/, "").trim() || null;
    year = Number(t[2]);
    title = t[0].replace(/^[\s#]+/, "").replace(/\s+/g, "");
  } else if (bare) {
    year = Number(bare[1]);
    title = bare[0].replace(/^[\s#]+/, "").replace(/\s+/g, "");
  } else {
    title = "";
  }
  const period = text.match(/统计期限(?:为|从|自)?\s*(\d{4})年1月1日/);
  if (period) year = Number(period[1]);
  if (year === null) {
    const fromName = source.match(/(?:^|[^\d])(20\d{2}|19\d{2})(?:[^\d]|$)/);
    if (fromName) year = Number(fromName[1]);
  }
  let region = issuer ? regionOf(issuer) : null;
  if (!region) {
    region = dominantPlace(text);
    // A department that names itself without its place ("公安局2009年度…") belongs to the place the text is about.
    if (region && issuer && BUREAU_SUFFIX.test(issuer) && !ADMIN_UNIT_AT_START.test(issuer)) issuer = `${region}${fullBureauName(text, region, issuer)}`;
  }
  if (!issuer && region) {
    const agency = text.match(new RegExp(`${region}(?:党工委)?(管委会|管理委员会|人民政府)`));
    issuer = agency ? agency[0] : region;
  }
  if (!title) title = `${region ?? ""}${year ?? ""}年政府信息公开工作年度报告`;
  else if (issuer && !t) title = `${issuer}${title}`;
  return { title, issuer, region, year, kind };
}
