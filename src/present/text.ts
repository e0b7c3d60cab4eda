import type { Answer, AnswerTable, Citation, SourceView } from "../types.js";
import { csvDocument } from "./csv.js";
import type { Coverage } from "../answer/api.js";

/**
 * Rendering of a structured answer at the edge. The terminal text (`ask`, `npm run chat`) is built here; the pieces
 * that do not depend on the channel (citation labels, widths, aligned tables, the working of computed numbers, the
 * CSV of a figure answer) are shared with the Telegram formatter (src/present/telegram.ts), which adds only its markup.
 * The engine never renders: it returns `answer`, `table`, `computed` and citations with their cells.
 */

/** How much of a citation's quote is shown under an answer; the full section is one command away. */
export const QUOTE_PREVIEW_CHARS = 120;

/** Collapse whitespace and cut at `max` code points (never inside a surrogate pair), marking the cut with "…". */
export function shortQuote(quote: string, max = QUOTE_PREVIEW_CHARS): string {
  const flat = quote.replace(/\s+/g, " ").trim();
  const chars = [...flat];
  return chars.length <= max ? flat : chars.slice(0, max).join("").trimEnd() + "…";
}

/** "《title》 · body · 2013年 · section" — plain text, caller escapes. Missing parts are left out. */
export function citationLabel(c: Citation): string {
  const title = c.title.startsWith("《") ? c.title : `《${c.title}》`;
  const parts = [title];
  const who = c.body || c.region;
  if (who) parts.push(who);
  if (c.year != null) parts.push(`${c.year}年`);
  const section = citationSection(c);
  if (section) parts.push(section);
  return parts.join(" · ");
}

/** The section a citation points to; for a table cell without the "› 表三 › row › column" tail its cell line shows. */
export function citationSection(c: Citation): string {
  const s = (c.section ?? "").trim();
  if (!c.cell) return s;
  const at = s.indexOf(` › ${c.cell.table}`);
  return at > 0 ? s.slice(0, at) : at === 0 ? "" : s;
}

/** "表三 · 行：一、本年新收… · 列：总计 · 数值：81" for a citation of a statistics-table cell. */
export function cellLine(c: Citation): string | null {
  if (!c.cell) return null;
  const parts = [c.cell.table, `行：${c.cell.row}`];
  if (c.cell.column) parts.push(`列：${c.cell.column}`);
  if (c.cell.value !== undefined && c.cell.value !== null) parts.push(`数值：${c.cell.value}`);
  return parts.join(" · ");
}

/** Only web addresses become links (a corpus file could state anything as its 原文链接). */
export function isWebUrl(url: string | null | undefined): url is string {
  return !!url && /^https?:\/\/[^\s<>"]+$/i.test(url);
}

// ---------------------------------------------------------------------------------------------------------------
// Tables

const WIDE = /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1faff}\u{20000}-\u{3fffd}]/u;

/** Columns a string takes in a terminal or a monospace block: CJK and full-width characters take two. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += WIDE.test(ch) ? 2 : /[\u0300-\u036f\u200b-\u200f]/.test(ch) ? 0 : 1;
  return w;
}

/** A table cell as text: an unknown value is "—". */
export function cellText(v: string | number | null | undefined): string {
  if (v === null || v === undefined || v === "") return "—";
  return String(v).replace(/\s+/g, " ");
}

/**
 * A table as aligned lines: header, a rule, then the rows; numbers right-aligned, text left-aligned, columns two
 * spaces apart. Widths count CJK characters as two columns.
 */
export function tableLines(table: AnswerTable): string[] {
  const head = table.columns.map((c) => cellText(c));
  const body = table.rows.map((r) => table.columns.map((_, i) => cellText(r[i])));
  const numeric = table.columns.map((_, i) => table.rows.every((r) => r[i] === null || r[i] === undefined || typeof r[i] === "number"));
  const widths = head.map((h, i) => Math.max(displayWidth(h), ...body.map((r) => displayWidth(r[i]))));
  const fit = (s: string, i: number) => {
    const gap = " ".repeat(Math.max(0, widths[i] - displayWidth(s)));
    return numeric[i] ? gap + s : s + gap;
  };
  const line = (cells: string[]) => cells.map(fit).join("  ").trimEnd();
  return [line(head), widths.map((w) => "─".repeat(w)).join("  "), ...body.map(line)];
}

/** The working of every computed number: "计算：218 − 81 = 137（据 [2]、[1]）". */
export function computedLines(a: Answer): string[] {
  return (a.computed ?? []).map((c) => {
    const refs = c.inputs.filter((i) => i >= 0 && i < a.citations.length).map((i) => `[${i + 1}]`);
    return `计算：${c.expr}${refs.length ? `（据 ${refs.join("、")}）` : ""}`;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Figure answers and their CSV

/** An answer with figures someone may want to reuse: a table, or numbers read from statistics-table cells. */
export function hasFigures(a: Answer | null | undefined): a is Answer {
  return !!a && ((a.table?.rows.length ?? 0) > 0 || a.citations.some((c) => c.cell));
}

/** Self-contained source of a CSV row: report, body, year, where in it (table cell or section), link. */
export function sourceLabel(c: Citation): string {
  const parts = [citationLabel(c)];
  const cell = cellLine(c);
  if (cell) parts.push(cell.replace(/ · 数值：.*$/, ""));
  if (c.published) parts.push(`发布日期 ${c.published}`);
  if (c.url) parts.push(c.url);
  return parts.join(" · ");
}

/**
 * Which citation each table row stands on, or null: the row must name the citation's year (2023 or "…2023年…")
 * or its body, and nothing it names may contradict it; among the fitting citations the one agreeing on most
 * (body, year, the cell's value) wins, and a tie is left unmapped rather than guessed.
 */
export function rowCitations(table: AnswerTable, citations: Citation[]): Array<number | null> {
  return table.rows.map((row) => {
    const texts = row.filter((v): v is string => typeof v === "string" && v.trim() !== "");
    const nums = row.filter((v): v is number => typeof v === "number");
    const rowYears = new Set<number>([
      ...nums.filter((n) => Number.isInteger(n) && n >= 1990 && n <= 2100),
      ...texts.flatMap((t) => [...t.matchAll(/((?:19|20)\d\d)\s*年/g)].map((m) => Number(m[1]))),
    ]);
    let best: number | null = null;
    let bestScore = 0;
    let tie = false;
    citations.forEach((c, i) => {
      const year = c.year != null && rowYears.has(c.year);
      if (rowYears.size && c.year != null && !year) return;
      const names = [c.body, c.region].filter((x): x is string => !!x);
      const exact = texts.some((t) => names.includes(t));
      const within = !exact && texts.some((t) => names.some((n) => t.includes(n)));
      if (!year && !exact && !within) return;
      const value = c.cell?.value != null && nums.includes(c.cell.value);
      const score = (year ? 4 : 0) + (exact ? 3 : within ? 2 : 0) + (value ? 1 : 0) + (c.cell ? 0.5 : 0);
      if (score > bestScore) [best, bestScore, tie] = [i, score, false];
      else if (score === bestScore) tie = true;
    });
    return tie ? null : best;
  });
}

const CELL_COLUMNS = ["机关", "年份", "报告", "表", "行", "列", "数值"];

/**
 * The CSV of a figure answer (UTF-8 BOM, header row), or null when it has no figures. The answer's table with an
 * 出处 column giving each row's citation (filled in when the table already has one); without a table, one row
 * per cited statistics-table cell.
 */
export function answerCsv(a: Answer): string | null {
  if (!hasFigures(a)) return null;
  if (a.table && a.table.rows.length) {
    const map = rowCitations(a.table, a.citations);
    const label = (i: number | null) => (i === null ? null : sourceLabel(a.citations[i]));
    if (!map.some((i) => i !== null)) return csvDocument(a.table.columns, a.table.rows);
    const at = a.table.columns.indexOf("出处");
    if (at >= 0) return csvDocument(a.table.columns, a.table.rows.map((r, k) => r.map((v, j) => (j === at ? label(map[k]) ?? v : v))));
    return csvDocument([...a.table.columns, "出处"], a.table.rows.map((r, k) => [...r, label(map[k])]));
  }
  const rows = a.citations
    .filter((c) => c.cell)
    .map((c) => [c.body || c.region, c.year, c.title, c.cell!.table, c.cell!.row, c.cell!.column, c.cell!.value ?? null, sourceLabel(c)]);
  return csvDocument([...CELL_COLUMNS, "出处"], rows);
}

/** A file name for an export: nianbao-20250123-093005.csv (local time). */
export function exportFileName(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `nianbao-${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}.csv`;
}

// ---------------------------------------------------------------------------------------------------------------
// Terminal text

export interface TextOptions {
  /** Put before the answer ("答：" in the chat). */
  lead?: string;
  /** Shown under an answer that found nothing. */
  notFoundHint?: string;
  /** Shown under the citations (how to see a source, how to export). */
  footer?: string[];
}

/** Citation lines: label, then its cell, 发布日期 and 原文链接, a short quote and the file it comes from. */
function citationLines(c: Citation, n: number): string[] {
  const lines = [`[${n}] ${citationLabel(c)}`];
  const cell = cellLine(c);
  if (cell) lines.push(`    ${cell}`);
  const meta = [c.published ? `发布日期：${c.published}` : null, c.url ? `原文链接：${c.url}` : null].filter(Boolean);
  if (meta.length) lines.push(`    ${meta.join("  ")}`);
  const q = cell ? "" : shortQuote(c.quote ?? "");
  if (q) lines.push(`    “${q}”`);
  lines.push(`    文件：${c.source}`);
  return lines;
}

/**
 * The answer for a terminal: its text, the table aligned, the working of computed numbers, then the citations
 * with their cells, 发布日期 and 原文链接.
 */
export function renderAnswerText(a: Answer, opts: TextOptions = {}): string {
  const blocks: string[] = [`${opts.lead ?? ""}${a.answer.trim() || "（没有找到相关内容）"}`];
  if (!a.found && opts.notFoundHint) blocks.push(opts.notFoundHint);
  if (a.table && a.table.rows.length) blocks.push(tableLines(a.table).join("\n"));
  const working = computedLines(a);
  if (working.length) blocks.push(working.join("\n"));
  if (a.citations.length) blocks.push(["出处：", ...a.citations.flatMap((c, i) => citationLines(c, i + 1))].join("\n"));
  if (opts.footer?.length) blocks.push(opts.footer.join("\n"));
  return blocks.join("\n\n");
}

/** The text "查看原文" shows for a citation's source: for a table cell, the cell named and its row first. */
export function sourceText(v: SourceView): string {
  if (!v.cell) return v.text;
  return `${v.cell.table} · ${v.cell.row} · ${v.cell.column}：【${v.cell.value ?? "未读出"}】\n${v.cell.rowText}\n\n${v.text}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Sources and coverage (every channel: terminal, Telegram, the office bots)

/** How much of a cited section a channel shows at once (characters). */
export const SOURCE_PREVIEW_CHARS = 1500;

/**
 * The first `max` characters (code points) of a section, cut at a sentence or line end when one lies in the
 * last third; `total` is the whole section's length in characters.
 */
export function previewSection(text: string, max = SOURCE_PREVIEW_CHARS): { text: string; truncated: boolean; shown: number; total: number } {
  const chars = [...text.trim()];
  if (chars.length <= max) return { text: chars.join(""), truncated: false, shown: chars.length, total: chars.length };
  let cut = max;
  for (let i = max; i > Math.floor((max * 2) / 3); i--) {
    if (/[。！？；\n]/.test(chars[i - 1])) {
      cut = i;
      break;
    }
  }
  const shown = chars.slice(0, cut).join("").trimEnd();
  return { text: shown, truncated: true, shown: [...shown].length, total: chars.length };
}

/** "2011–2015、2018" from a list of years: runs are compressed so that long series stay readable. */
export function formatYears(years: number[]): string {
  const ys = [...new Set(years)].sort((a, b) => a - b);
  const runs: string[] = [];
  for (let i = 0; i < ys.length; ) {
    let j = i;
    while (j + 1 < ys.length && ys[j + 1] === ys[j] + 1) j++;
    runs.push(j > i ? `${ys[i]}–${ys[j]}` : `${ys[i]}`);
    i = j + 1;
  }
  return runs.join("、");
}

const KIND_LABEL: Record<string, string> = {
  regulation: "条例",
  format_notice: "格式通知",
  judicial_interpretation: "司法解释",
  report: "年度报告",
  other: "其他",
};

/** Regions × years held, then the governing texts. Plain text; the HTML variant escapes it. */
export function formatCoverageText(cov: Coverage): string {
  const lines: string[] = [];
  const reportCount = cov.reports.reduce((n, r) => n + r.years.length, 0);
  lines.push(`已收录 ${cov.reports.length} 个地区或机关的年度报告（共 ${reportCount} 份）：`);
  for (const r of [...cov.reports].sort((a, b) => a.region.localeCompare(b.region, "zh") || (a.issuer ?? "").localeCompare(b.issuer ?? "", "zh"))) {
    const issuer = r.issuer && r.issuer !== r.region ? `（${r.issuer}）` : "";
    // Level and the body one level up, when the registry knows them: 片区，上级：平潭综合实验区.
    const where = r.level ? `〔${r.level}${r.parent ? `，上级：${r.parent}` : ""}〕` : "";
    lines.push(`• ${r.region}${issuer}${where}：${formatYears(r.years)} 年`);
  }
  if (cov.governing.length > 0) {
    lines.push("", "法规、通知与司法解释：");
    for (const g of cov.governing) {
      const title = g.title.startsWith("《") ? g.title : `《${g.title}》`;
      const meta = [KIND_LABEL[g.kind] ?? g.kind, g.year != null ? `${g.year}年` : null].filter(Boolean).join("，");
      lines.push(`• ${title}（${meta}）`);
    }
  }
  lines.push("", `合计 ${cov.documents} 份文件、${cov.chunks} 个段落。`);
  return lines.join("\n");
}

