import type { Answer, AnswerTable, Citation, SourceView } from "../types.js";
import type { Coverage } from "../answer/api.js";
import { OFFICE_HINTS, footnoteMarkdown, packBlocks, utf8Bytes, type MarkdownDialect, type OfficeRenderer, type OutgoingMessage } from "./office.js";
import { cellText, computedLines, formatCoverageText, hasFigures, isWebUrl, previewSection, sourceText } from "./text.js";

/**
 * WeCom (企业微信) AI bot replies in its markdown (the stream reply's and the active push's `markdown.content`,
 * markdown-v2: headings, **bold**, lists, quotes, links, `code`, fenced blocks and tables). WeCom counts a message's
 * size in UTF-8 bytes: at most 20,480 per message. Pure functions: the transport (src/office/wecom.ts) only sends.
 */

/** WeCom's limit for one markdown message (stream reply or active push), in UTF-8 bytes. */
export const WECOM_MARKDOWN_LIMIT = 20_480;

/** How much of a cited section "原文 n" shows (characters); the rest is one click away (原文链接). */
export const WECOM_SOURCE_CHARS = 3000;

/** Markdown characters that corpus or user text may contain and that must stay literal. */
const MD_SPECIAL = /[\\`*_[\]<>#|~]/g;

/** Text made literal inside a line of markdown: markup characters backslash-escaped, whitespace collapsed. */
export function escapeInline(s: string): string {
  return s.replace(/\s+/g, " ").replace(MD_SPECIAL, "\\$&");
}

/**
 * Several lines of text made literal: markup characters escaped, and what would start a list, a heading rule or a
 * numbered item at a line's start (“1. ”, “- ”, “+ ”, “---”) escaped as well. Line breaks are kept.
 */
export function escapeBlock(s: string): string {
  return s
    .replace(/\r\n?/g, "\n")
    .split("\n")
    .map((line) =>
      line
        .replace(MD_SPECIAL, "\\$&")
        .replace(/^(\s*)([-+=])(?=\s|[-=]*\s*$)/, "$1\\$2")
        .replace(/^(\s*\d+)([.)])(?=\s)/, "$1\\$2"),
    )
    .join("\n");
}

/** A web address as a markdown link target: parentheses and spaces percent-encoded so the link cannot break out. */
function linkTarget(url: string): string {
  return url.replace(/\(/g, "%28").replace(/\)/g, "%29").replace(/ /g, "%20");
}

export const WECOM_HINTS = OFFICE_HINTS;

// ---------------------------------------------------------------------------------------------------------------
// Tables

/** A table as markdown-v2 rows: header, alignment (numbers right-aligned), body; cells escaped. */
function tableRows(table: AnswerTable): { head: string[]; rows: string[] } {
  const numeric = table.columns.map((_, i) => table.rows.every((r) => r[i] === null || r[i] === undefined || typeof r[i] === "number"));
  const row = (cells: Array<string | number | null | undefined>) => `| ${cells.map((c) => escapeInline(cellText(c))).join(" | ")} |`;
  const head = [row(table.columns), `| ${numeric.map((n) => (n ? "---:" : "---")).join(" | ")} |`];
  return { head, rows: table.rows.map((r) => row(table.columns.map((_, i) => r[i]))) };
}

/**
 * A table as one or more markdown blocks, each under `budget` bytes and each with the header repeated, so a long
 * table split over messages stays readable in every one of them.
 */
export function tableBlocks(table: AnswerTable, budget: number): string[] {
  const { head, rows } = tableRows(table);
  const blocks: string[] = [];
  let cur = [...head];
  for (const r of rows) {
    if (cur.length > head.length && utf8Bytes([...cur, r].join("\n")) > budget) {
      blocks.push(cur.join("\n"));
      cur = [...head];
    }
    cur.push(r);
  }
  if (cur.length > head.length) blocks.push(cur.join("\n"));
  return blocks;
}

// ---------------------------------------------------------------------------------------------------------------
// Answers

const DIALECT: MarkdownDialect = { escape: escapeInline, linkTarget, quote: (q) => `> ${q}`, br: "\n" };

/** One footnote (present/office.ts footnoteMarkdown in WeCom's markdown). */
export function footnote(c: Citation, n: number): string {
  return footnoteMarkdown(c, n, DIALECT);
}

const messages = (parts: string[]): OutgoingMessage[] => parts.map((content) => ({ format: "markdown", content }));

/**
 * The answer, then its table (markdown table, split by rows with the header repeated), the working of computed
 * numbers, the footnotes (one block each, so a split never cuts one) and the hints for 原文 and 导出.
 */
export function wecomAnswer(a: Answer, limit = WECOM_MARKDOWN_LIMIT): OutgoingMessage[] {
  const blocks: string[] = [escapeBlock(a.answer.trim() || "（没有找到相关内容）")];
  if (!a.found) blocks.push(`*${escapeInline(WECOM_HINTS.notFound(a.question))}*`);
  if (a.table && a.table.rows.length) blocks.push(...tableBlocks(a.table, Math.floor(limit / 2)));
  const working = computedLines(a);
  if (working.length) blocks.push(escapeBlock(working.join("\n")));
  if (a.citations.length) {
    blocks.push("**依据**");
    a.citations.forEach((c, i) => blocks.push(footnote(c, i + 1)));
  }
  const hints = [a.citations.length ? WECOM_HINTS.source : "", hasFigures(a) ? WECOM_HINTS.export : ""].filter(Boolean);
  if (hints.length) blocks.push(hints.map((h) => `*${escapeInline(h)}*`).join("\n"));
  return messages(packBlocks(blocks, limit, utf8Bytes));
}

/** "原文 n": the cited section (the cell named first for a table cell), shortened to one message with a note. */
export function wecomSource(n: number, v: SourceView, limit = WECOM_MARKDOWN_LIMIT): OutgoingMessage[] {
  const label = [v.title.startsWith("《") ? v.title : `《${v.title}》`, v.section].filter(Boolean).join(" · ");
  const meta: string[] = [];
  if (v.published) meta.push(`发布日期：${escapeInline(v.published)}`);
  if (isWebUrl(v.url)) meta.push(`[原文链接](${linkTarget(v.url)})`);
  const head = `**📄 来源${n}** ${escapeInline(label)}${meta.length ? `\n${meta.join(" · ")}` : ""}`;
  for (let max = WECOM_SOURCE_CHARS; ; max = Math.floor(max * 0.75)) {
    const p = previewSection(sourceText(v), max);
    const note = p.truncated ? `\n\n*${escapeInline(`（以上为节选：前 ${p.shown} 字，全文 ${p.total} 字。${isWebUrl(v.url) ? "全文请看原文链接" : `原文件 ${v.source}`}）`)}*` : "";
    const content = `${head}\n\n${escapeBlock(p.text)}${note}`;
    if (utf8Bytes(content) <= limit || max < 50) return messages(packBlocks([content], limit, utf8Bytes));
  }
}

/** The reports and governing texts held: a bold first line, then one line each, split at line ends. */
export function wecomCoverage(cov: Coverage, limit = WECOM_MARKDOWN_LIMIT): OutgoingMessage[] {
  const [head, ...rest] = formatCoverageText(cov).split("\n");
  const lines = [`**${escapeInline(head)}**`, ...rest.map((l) => (l.trim() ? escapeBlock(l) : ""))];
  return messages(packBlocks([lines.join("\n")], limit, utf8Bytes));
}

/** A fixed text of the bot, already simple markdown: passed through, split at paragraphs under the limit. */
export function wecomNotice(markdown: string, limit = WECOM_MARKDOWN_LIMIT): OutgoingMessage[] {
  return messages(packBlocks(markdown.split(/\n{2,}/), limit, utf8Bytes));
}

/**
 * The CSV of "导出" as a fenced block (WeCom cannot take a file in every conversation): whole lines only, cut to one
 * message with a note saying how many rows are shown.
 */
export function wecomCsvBlock(fileName: string, csv: string, limit = WECOM_MARKDOWN_LIMIT): OutgoingMessage[] {
  const lines = csv.replace(/^\ufeff/, "").replace(/\r\n?/g, "\n").replace(/\n$/, "").split("\n");
  let fence = "```";
  while (csv.includes(fence)) fence += "`";
  const title = `**${escapeInline(fileName)}**`;
  const build = (n: number) => {
    const note = n < lines.length ? `\n*${escapeInline(`（内容过长，只显示前 ${Math.max(0, n - 1)} 行数据，共 ${lines.length - 1} 行；完整数据请在网页导出）`)}*` : "";
    return `${title}\n${fence}csv\n${lines.slice(0, n).join("\n")}\n${fence}${note}`;
  };
  let n = lines.length;
  while (n > 1 && utf8Bytes(build(n)) > limit) n = Math.max(1, Math.min(n - 1, Math.floor(n * 0.9)));
  return messages(packBlocks([build(n)], limit, utf8Bytes));
}

/** The WeCom renderer for the office core. */
export const wecomRenderer: OfficeRenderer = {
  limit: WECOM_MARKDOWN_LIMIT,
  answer: (a) => wecomAnswer(a),
  source: (n, v) => wecomSource(n, v),
  coverage: (cov) => wecomCoverage(cov),
  notice: (md) => wecomNotice(md),
  csvBlock: (name, csv) => wecomCsvBlock(name, csv),
};
