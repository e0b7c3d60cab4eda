import type { DocKind, Section, TableKind } from "../types.js";
import { APPLICATIONS_TABLE_END, STANDARD_TITLES, TABLE_LABELS, TABLE_ROW_TITLE } from "../domain/sections.js";
import { parseChineseNumber, parseCircled } from "./numerals.js";

/**
 * Recovers the heading tree of a Chinese official document.
 *
 * Many corpus files lost their line breaks, so headings are searched both at line starts and inline
 * (after a sentence end). A candidate only becomes a heading when its numbering continues the sequence
 * of its level (一、 after nothing, 二、 after 一、 …) — that is what separates real headings from
 * enumerations and table row labels that look the same.
 */

export type MarkerType = "zh" | "paren_zh" | "num" | "paren_num" | "circled" | "chapter" | "jie" | "article";

export interface HeadingCandidate {
  /** Offset of the marker. */
  start: number;
  /** Offset where the heading text ends (body starts). */
  end: number;
  type: MarkerType;
  n: number;
  /** Heading as displayed: marker + title. */
  heading: string;
}

export interface TableSpan {
  start: number;
  /** Exclusive end; null = the table runs to the end of its section. */
  end: number | null;
  kind: TableKind;
}

export { TABLE_LABELS, STANDARD_TITLES } from "../domain/sections.js";

const TITLES_BY_LENGTH = [...STANDARD_TITLES].sort((a, b) => b.length - a.length);
/** Longest first within each group; a title can only be at a position holding its first character. */
const TITLES_BY_FIRST_CHAR = groupByFirstChar(TITLES_BY_LENGTH);

function groupByFirstChar(titles: string[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const t of titles) groups.set(t[0], [...(groups.get(t[0]) ?? []), t]);
  return groups;
}

const ZH_DIGITS = "一二三四五六七八九十百零〇两";
const ZH_NUM = `[${ZH_DIGITS}]`;
const CIRCLED_DIGITS = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳";
/** `lead`: the characters the marker can start with, so a position is only tried against markers that can fit. */
const MARKERS: Array<{ type: MarkerType; lead: string; re: RegExp; num: (m: RegExpExecArray) => number }> = [
  { type: "chapter", lead: "第", re: new RegExp(`第(${ZH_NUM}{1,4})章`, "y"), num: (m) => parseChineseNumber(m[1]) },
  { type: "jie", lead: "第", re: new RegExp(`第(${ZH_NUM}{1,4})节`, "y"), num: (m) => parseChineseNumber(m[1]) },
  { type: "article", lead: "第", re: new RegExp(`第(${ZH_NUM}{1,4})条`, "y"), num: (m) => parseChineseNumber(m[1]) },
  // A heading number starts with 一…十 (never 百, 零, 〇 or 两).
  { type: "zh", lead: "一二三四五六七八九十", re: new RegExp(`(${ZH_NUM}{1,3})\\s?[、]`, "y"), num: (m) => parseChineseNumber(m[1]) },
  { type: "paren_zh", lead: "（(", re: new RegExp(`[（(]\\s?(${ZH_NUM}{1,3})\\s?[）)]`, "y"), num: (m) => parseChineseNumber(m[1]) },
  { type: "paren_num", lead: "（(", re: /[（(]\s?(\d{1,2})\s?[）)]/y, num: (m) => Number(m[1]) },
  // "1." must not be a decimal ("1.5万") and "1、" must not be a date or a list of numbers.
  { type: "num", lead: "0123456789", re: /(\d{1,2})\s?(?:、|[.．](?!\d))/y, num: (m) => Number(m[1]) },
  { type: "circled", lead: CIRCLED_DIGITS, re: new RegExp(`([${CIRCLED_DIGITS}])`, "y"), num: (m) => parseCircled(m[1]) },
];

const LEGAL_TYPES = new Set<MarkerType>(["chapter", "jie", "article"]);
const REPORT_TYPES = new Set<MarkerType>(["zh", "paren_zh", "num", "paren_num", "circled"]);

/** Characters after which an inline heading may start. */
const BOUNDARY_BEFORE = /[。！？；：:\s」”"）)\]】]|^$/;

const MAX_TITLE = 40;
const FOUR_DIGITS = /^\d{4}/;

const STANDARD_TITLE_MARKER = /[一二三四五六七八九十]{1,2}、\s?/y;

function startsStandardTitle(text: string, i: number): boolean {
  STANDARD_TITLE_MARKER.lastIndex = i;
  const m = STANDARD_TITLE_MARKER.exec(text);
  if (!m) return false;
  return standardTitleAt(text, i + m[0].length) !== undefined;
}

/** The longest standard title starting at `i` in `s`, if any. */
function standardTitleAt(s: string, i: number): string | undefined {
  return TITLES_BY_FIRST_CHAR.get(s[i])?.find((t) => s.startsWith(t, i));
}

const LEAD_SPACE = /^[ \t\u3000]*/;
const SPACE = /\s/;
/**
 * ①…⑳ are one contiguous block (U+2460–U+2473). A code range check, because these hot loops only need a
 * yes/no and a lookup by string would hash a freshly made one-character string every time.
 */
const CIRCLED_FIRST = CIRCLED_DIGITS.charCodeAt(0);
const CIRCLED_LAST = CIRCLED_DIGITS.charCodeAt(CIRCLED_DIGITS.length - 1);
function isCircled(ch: string): boolean {
  const code = ch.charCodeAt(0);
  return code >= CIRCLED_FIRST && code <= CIRCLED_LAST;
}

function isDigit(ch: string): boolean {
  return ch >= "0" && ch <= "9";
}

/** Sticky, so a title scan does not copy the rest of the title for every character it checks. */
const ARTICLE = /第[一二三四五六七八九十百]+条/y;

function startsArticle(s: string, i: number): boolean {
  ARTICLE.lastIndex = i;
  return ARTICLE.test(s);
}

/** Finds where a heading title ends, starting right after its marker. Returns -1 when it does not look like a title. */
export function titleEnd(text: string, from: number, lineStart: boolean): number {
  const rest = text.slice(from, from + 120);
  const lead = LEAD_SPACE.exec(rest)![0].length;
  const body = rest.slice(lead);
  // "收到和处理政府信息公开申请情况" must not be cut before a longer variant written out in full.
  const standard = standardTitleAt(body, 0);
  if (standard) return from + lead + standard.length;
  // The last line of a document ends at the end of the text, not at a line break ("二、工作成效").
  const nl = body.indexOf("\n") >= 0 ? body.indexOf("\n") : from + lead + body.length === text.length ? body.length : -1;
  if (lineStart && nl >= 0 && nl <= MAX_TITLE && !/[。；！？：:]/.test(body.slice(0, nl).replace(/[。；！？]$/, ""))) {
    const line = body.slice(0, nl).replace(/[。；：:！？\s]+$/, "");
    if (line.length >= 1) return from + lead + line.length;
  }
  // Inline titles have no line end, so look for the first plausible stop and prefer short titles:
  // a title of more than ~30 characters is almost always a title that swallowed its body.
  const { hard, comma } = inlineStops(body, lineStart);
  // "…情况统计表" is one title (the appended statistics table of the old format).
  const word = TITLE_WORD_END.exec(body);
  const best = earliestStop(hard, word ? word[0].length : -1);
  if (best >= 1 && best <= 30) return from + lead + best;
  if (comma >= 2) return from + lead + comma;
  if (best >= 1) return from + lead + best;
  return -1;
}

/**
 * Words a section title ends with, when the body follows without a break ("概述根据上级…", "存在的问题目前，…",
 * "改进措施针对…", "主动公开政府信息的数量我局…", "附表指标名称…"). Not when the word goes on into a longer
 * title: "问题及改进措施", "问题和困难", "数量情况", "措施落实".
 */
const TITLE_WORD_END =
  /^(?:.{2,28}?(?:方面|情况(?:统计表)?)|.{0,28}?(?:(?:存在的|主要|存在)问题(?:和困难)?|改进措施|概述|困难|政府信息的(?:主要)?(?:数量|类别|形式)|附表)(?![及和与、的之上中情方工落]))(?=[\u4e00-\u9fff“\s])/;

/** The first hard stop of an inline title within MAX_TITLE characters, and the first comma before it (-1: none). */
function inlineStops(body: string, lineStart: boolean): { hard: number; comma: number } {
  const limit = Math.min(body.length, MAX_TITLE);
  let hard = -1;
  let comma = -1;
  for (let i = 0; i < limit && hard < 0; i++) {
    const ch = body[i];
    if ("。；！？：:\n".includes(ch)) hard = i;
    else if (i >= 2 && SPACE.test(ch)) hard = i;
    // "总体情况2021年，我区…" ends before the year.
    else if (i >= 2 && isDigit(ch) && !isDigit(body[i - 1])) hard = i;
    else if (i >= 2 && (ch === "（" || ch === "(") && !lineStart) hard = i;
    else if (i >= 2 && isCircled(ch)) hard = i;
    else if (i >= 2 && ((ch === "一" && body.startsWith("一是", i)) || (ch === "第" && startsArticle(body, i)))) hard = i;
    else if (comma < 0 && (ch === "，" || ch === ",")) comma = i;
  }
  return { hard, comma };
}

/** The smaller of two stop offsets, ignoring those below 1; -1 when neither counts. */
function earliestStop(a: number, b: number): number {
  if (a < 1) return b < 1 ? -1 : b;
  return b < 1 ? a : Math.min(a, b);
}

/** Characters a heading marker can start with: the markers' own leads. */
const MARKER_START = new RegExp(`[${[...new Set(MARKERS.flatMap((m) => [...m.lead]))].join("")}]`, "g");
/** Indentation and Markdown prefixes that still count as the start of a line ("## 一、…", "> 1."). */
const LINE_INDENT = new Set(Array.from(" \t\u3000#>*-", (ch) => ch.charCodeAt(0)));
const NEWLINE = 0x0a;

/**
 * True when only indentation stands between the previous line break and `i`. Looks back over the
 * indentation only, not to the line break, which may be far away in a file that lost its line breaks.
 */
function isLineStart(text: string, i: number): boolean {
  let j = i - 1;
  // Character codes: indexing the text would make a new string per character looked at.
  while (j >= 0 && LINE_INDENT.has(text.charCodeAt(j))) j--;
  return j < 0 || text.charCodeAt(j) === NEWLINE;
}

/** Every position where a heading marker could start, with its title. Sequence checks come later. */
export function findCandidates(text: string, kind: DocKind): HeadingCandidate[] {
  const allowed = kind === "regulation" || kind === "judicial_interpretation" ? LEGAL_TYPES : REPORT_TYPES;
  const out: HeadingCandidate[] = [];
  let lastEnd = -1;
  MARKER_START.lastIndex = 0;
  // test() instead of exec(): no match object per marker character, and every marker character is
  // one UTF-16 unit, so it sits right before lastIndex.
  while (MARKER_START.test(text)) {
    const i = MARKER_START.lastIndex - 1;
    const candidate = matchCandidate(text, i, isLineStart(text, i), lastEnd, allowed);
    if (candidate) {
      out.push(candidate);
      lastEnd = candidate.end;
    }
  }
  return out;
}

/** The heading candidate whose marker starts at `i`, if any. */
function matchCandidate(text: string, i: number, lineStart: boolean, lastEnd: number, allowed: Set<MarkerType>): HeadingCandidate | null {
  const c = text[i];
  const prev = i === 0 ? "" : text[i - 1];
  // Flattened tables end in digits right before the next heading ("…24252.311082三、收到和处理…"):
  // accept that only for the standard titles, where it cannot be an enumeration.
  // Bracketed and circled markers are rare inside running sentences, so they may follow any character;
  // "1." and "一、" need a sentence boundary or the end of the previous heading.
  const bracketed = c === "（" || c === "(" || isCircled(c);
  if (!lineStart && !bracketed && !BOUNDARY_BEFORE.test(prev) && i !== lastEnd && !startsStandardTitle(text, i)) return null;
  // 第二十条第（一）项, 第（三）项: references, not headings.
  if (prev === "第") return null;
  for (const m of MARKERS) {
    if (!allowed.has(m.type) || !m.lead.includes(c)) continue;
    m.re.lastIndex = i;
    const hit = m.re.exec(text);
    if (!hit) continue;
    const n = m.num(hit);
    if (!Number.isFinite(n) || n < 1) continue;
    const after = i + hit[0].length;
    if (m.type === "num" && FOUR_DIGITS.test(text.slice(i, i + 4))) continue;
    if (text[after] === "项" || text[after] === "款") continue;
    let end: number;
    if (LEGAL_TYPES.has(m.type)) {
      if (!lineStart && prev !== "。" && prev !== "\n") continue;
      if (m.type === "article") {
        end = after;
      } else {
        // Chapter titles run to the end of the line ("第一章　总 则").
        const nl = text.indexOf("\n", after);
        const lineEnd = nl < 0 ? text.length : nl;
        if (lineEnd - after > MAX_TITLE) continue;
        end = lineEnd;
      }
    } else {
      end = titleEnd(text, after, lineStart);
      if (end < 0) continue;
    }
    const title = text.slice(after, end).trim();
    if (m.type === "zh" && TABLE_ROW_TITLE.test(title)) continue;
    if (!LEGAL_TYPES.has(m.type) && title.length === 0) continue;
    const heading = (hit[0].replace(/\s+/g, "") + (m.type === "chapter" || m.type === "jie" ? " " : "") + title.replace(/[\s\u3000]+/g, " ")).trim();
    return { start: i, end, type: m.type, n, heading };
  }
  return null;
}

/** Spelled out rather than spread: copying by spread was most of the time spent accepting headings. */
function withLevel(c: HeadingCandidate, level: number): HeadingCandidate & { level: number } {
  return { start: c.start, end: c.end, type: c.type, n: c.n, heading: c.heading, level };
}

/** Keeps the candidates whose numbering continues the sequence of their level; returns them with their depth. */
export function acceptHeadings(cands: HeadingCandidate[]): Array<HeadingCandidate & { level: number }> {
  const stack: Array<{ type: MarkerType; n: number }> = [];
  const out: Array<HeadingCandidate & { level: number }> = [];
  for (const c of cands) {
    const at = stack.findIndex((s) => s.type === c.type);
    if (at >= 0) {
      if (c.n !== stack[at].n + 1) continue;
      stack.length = at;
    } else if (c.n !== 1) {
      continue;
    }
    // Articles keep their own numbering across chapters.
    if (c.type === "article" && at < 0 && out.some((o) => o.type === "article")) continue;
    stack.push({ type: c.type, n: c.n });
    out.push(withLevel(c, stack.length));
  }
  return out;
}

/** Article numbering runs across chapters, so an article is never reset by a new chapter. */
function acceptLegal(cands: HeadingCandidate[]): Array<HeadingCandidate & { level: number }> {
  const last: Partial<Record<MarkerType, number>> = {};
  const out: Array<HeadingCandidate & { level: number }> = [];
  const hasChapters = cands.some((c) => c.type === "chapter" && c.n === 1);
  for (const c of cands) {
    const prev = last[c.type] ?? 0;
    if (c.n !== prev + 1) continue;
    if (c.type === "chapter") last.jie = 0;
    last[c.type] = c.n;
    const level = c.type === "chapter" ? 1 : c.type === "jie" ? 2 : hasChapters ? (last.jie ? 3 : 2) : 1;
    out.push(withLevel(c, level));
  }
  return out;
}

/** Locates the standard statistical tables so their row labels are not read as headings. */
export function findTables(text: string): TableSpan[] {
  const spans: TableSpan[] = [];
  const apps = text.search(/[（(]本列数据的勾稽关系|申请人情况\s*自然人/);
  if (apps >= 0) {
    const endRe = new RegExp(APPLICATIONS_TABLE_END.source, "g");
    endRe.lastIndex = apps;
    const m = endRe.exec(text);
    spans.push({ start: apps, end: m ? m.index + m[0].length : null, kind: "applications" });
  }
  const art20 = text.search(/第二十条第[（(]一[）)]项/);
  if (art20 >= 0) spans.push({ start: art20, end: null, kind: "art20" });
  // Flattened ("行政复议行政诉讼结果维持…"), PDF cells ("行政复议 | 行政诉讼\n结果\n维持") or Markdown ("### 行政复议\n| 结果维持 |").
  const rev = text.search(/行政复议[\s|#]*(?:行政诉讼[\s|#]*)?结果[\s|]*维持/);
  if (rev >= 0) {
    const tail = /(尚未审结\s*总计)(?![\s\S]*尚未审结\s*总计)[\s\d]*/g;
    const rest = text.slice(rev, rev + 600);
    const m = tail.exec(rest);
    spans.push({ start: rev, end: m ? rev + m.index + m[0].length : null, kind: "review_litigation" });
  }
  // "指标名称 计量单位", and as bureau templates write it: "指 标 名 称 单位", "指 标 名 称 计量 单位".
  const stats = text.search(/指\s*标\s*名\s*称\s*(?:计\s*量\s*)?单\s*位/);
  if (stats >= 0) spans.push({ start: stats, end: null, kind: "stats" });
  return spans.sort((a, b) => a.start - b.start);
}

/** An open table runs until the next top-level style heading (一、…) outside any other table. */
function closeTables(spans: TableSpan[], cands: HeadingCandidate[]): TableSpan[] {
  const closed = spans.filter((t) => t.end !== null);
  const inClosed = (pos: number) => closed.some((t) => pos >= t.start && pos < t.end!);
  return spans.map((t) => {
    if (t.end !== null) return t;
    const next = cands.find((c) => c.type === "zh" && c.start > t.start && !inClosed(c.start));
    return { ...t, end: next ? next.start : null };
  });
}

const PREAMBLE = "前言";

/** Builds the section tree of one document's text. */
/** A line that opens an attachment: "附件：…", "…格式模板". */
const ATTACHMENT_LINE = /^[ \t]*(?:附件\s*\d*\s*[：:].{0,40}|[^\n。，；]{2,40}(?:格式模板|报告模板))[ \t]*$/m;

/**
 * Where attachments start: after an explicit attachment line ("附件：…", "…格式模板"), and, in a format
 * notice, at every line-start "一、" after the numbering before it reached 三 (the attached format and its
 * template each restart their numbering).
 */
export function findAttachments(text: string, kind: DocKind, cands: HeadingCandidate[]): Array<{ start: number; bodyStart: number; title: string }> {
  const out: Array<{ start: number; bodyStart: number; title: string }> = [];
  // The line regex tries every line start; most documents contain neither word it needs.
  const m = text.includes("附件") || text.includes("模板") ? ATTACHMENT_LINE.exec(text) : null;
  if (m && m.index > 0) out.push({ start: m.index, bodyStart: m.index + m[0].length, title: m[0].trim() });
  if (kind === "format_notice") {
    let top = 0;
    for (const c of cands) {
      if (c.type !== "zh") continue;
      const lineStart = c.start === 0 || text[c.start - 1] === "\n";
      if (c.n === 1 && top >= 3 && lineStart) {
        if (!out.some((a) => a.bodyStart <= c.start && c.start - a.bodyStart < 3)) out.push({ start: c.start, bodyStart: c.start, title: "" });
        top = 1;
      } else if (c.n === top + 1) top = c.n;
    }
  }
  out.sort((a, b) => a.start - b.start);
  out.forEach((a, i) => (a.title ||= `附件${out.length > 1 ? i + 1 : ""}`));
  return out;
}

function nestUnder(title: string, sections: Section[]): Section {
  const shift = (sec: Section, parent: string[]): Section => {
    const path = [...parent, sec.heading];
    return { ...sec, level: sec.level + 1, path, children: sec.children.map((c) => shift(c, path)) };
  };
  return { heading: title, level: 1, path: [title], body: "", children: sections.map((sec) => shift(sec, [title])) };
}

export function parseSections(text: string, kind: DocKind): Section[] {
  const legal = kind === "regulation" || kind === "judicial_interpretation";
  const all = findCandidates(text, kind);
  // Attachments (the format notice's format and template, an appended table) have their own numbering.
  const atts = legal ? [] : findAttachments(text, kind, all);
  if (atts.length) {
    const inner: DocKind = kind === "format_notice" ? "report" : kind;
    return [
      ...parseSections(text.slice(0, atts[0].start), inner),
      ...atts.map((a, i) => nestUnder(a.title, parseSections(text.slice(a.bodyStart, atts[i + 1]?.start ?? text.length), inner))),
    ];
  }
  const tables = legal ? [] : closeTables(findTables(text), all);
  const cands = all.filter((c) => !tables.some((t) => c.start >= t.start && c.start < (t.end ?? Infinity)));
  const heads = legal ? acceptLegal(cands) : acceptHeadings(cands);

  const roots: Section[] = [];
  const stack: Section[] = [];
  const push = (s: Section) => {
    while (stack.length && stack[stack.length - 1].level >= s.level) stack.pop();
    const parent = stack[stack.length - 1];
    s.path = parent ? [...parent.path, s.heading] : [s.heading];
    (parent ? parent.children : roots).push(s);
    stack.push(s);
  };

  const firstStart = heads.length ? heads[0].start : text.length;
  const pre = text.slice(0, firstStart).trim();
  if (pre) addBody({ heading: PREAMBLE, level: 1, path: [PREAMBLE], body: "", children: [] }, pre, 0, tables, roots, true);

  for (let h = 0; h < heads.length; h++) {
    const cur = heads[h];
    const bodyEnd = h + 1 < heads.length ? heads[h + 1].start : text.length;
    const sec: Section = { heading: cur.heading, level: cur.level, path: [], body: "", children: [] };
    push(sec);
    addBody(sec, text.slice(cur.end, bodyEnd), cur.end, tables, roots, false);
  }
  return roots;
}

/** Puts a section's own text in place, splitting out any standard table it contains as a labelled child. */
function addBody(sec: Section, raw: string, offset: number, tables: TableSpan[], roots: Section[], isRootPreamble: boolean): void {
  const end = offset + raw.length;
  const inside = tables.filter((t) => t.start >= offset && t.start < end);
  let cursor = offset;
  const parts: string[] = [];
  for (const t of inside) {
    parts.push(rawSlice(raw, offset, cursor, t.start));
    const tEnd = t.end === null ? end : Math.min(t.end, end);
    const label = TABLE_LABELS[t.kind];
    // An attached statistics table (附件：…统计表) belongs to no numbered section.
    const detached = t.kind === "stats" && !sec.path[0].includes("统计表");
    (detached ? roots : sec.children).push({
      heading: label,
      level: detached ? 1 : sec.level + 1,
      path: detached ? [label] : [...sec.path, label],
      body: tidy(rawSlice(raw, offset, t.start, tEnd)),
      table: t.kind,
      children: [],
    });
    cursor = tEnd;
  }
  parts.push(rawSlice(raw, offset, cursor, end));
  sec.body = tidy(parts.join("\n"));
  if (isRootPreamble) roots.push(sec);
}

function rawSlice(raw: string, offset: number, from: number, to: number): string {
  return raw.slice(from - offset, to - offset);
}

function tidy(s: string): string {
  return s
    .replace(/^[\s。；：:，,]+/, "")
    .replace(/[ \t\u3000]+\n/g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** Depth-first list of sections, parents before children. */
export function flattenSections(roots: Section[]): Section[] {
  const out: Section[] = [];
  const walk = (s: Section) => {
    out.push(s);
    s.children.forEach(walk);
  };
  roots.forEach(walk);
  return out;
}
