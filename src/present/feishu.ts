import type { Answer, AnswerTable, Citation, SourceView } from "../types.js";
import type { Coverage } from "../answer/api.js";
import { OFFICE_HINTS, footnoteMarkdown, packBlocks, utf8Bytes, type MarkdownDialect, type OfficeRenderer, type OutgoingMessage } from "./office.js";
import { cellText, computedLines, formatCoverageText, hasFigures, isWebUrl, previewSection, sourceText } from "./text.js";

/**
 * Feishu (飞书) rendering: every message is an interactive card in card JSON 2.0 whose body is one markdown element.
 * Card markdown renders real tables, so an answer's table is a markdown table (split into several tables, each with
 * its header, when it is long). Feishu caps a card message at 30 KB; the limit here counts the UTF-8 bytes of the
 * card JSON as sent (the `content` of im.message.create), with a margin. Pure functions: nothing talks to Feishu.
 */

/** Feishu accepts a card of at most 30 KB (30 720 bytes); this leaves room for the request's own framing. */
export const FEISHU_CARD_LIMIT = 30_000;

/** Characters card markdown would read as markup, and the HTML entities Feishu's card markdown renders instead. */
const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  "*": "&#42;",
  _: "&#95;",
  "~": "&#126;",
  "`": "&#96;",
  "[": "&#91;",
  "]": "&#93;",
  "#": "&#35;",
  "|": "&#124;",
  "\\": "&#92;",
};

/**
 * Corpus or user text made inert for card markdown: emphasis, links, headings, table pipes, code, `<at>`/`<font>`
 * tags and entities all show as the characters they are. Newlines are kept.
 */
export function escapeFeishu(text: string): string {
  return text.replace(/[&<>*_~`[\]#|\\]/g, (ch) => ESCAPES[ch]);
}

/** The card JSON 2.0 that carries one markdown body. */
export function feishuCard(markdown: string): Record<string, unknown> {
  return { schema: "2.0", config: { width_mode: "fill" }, body: { elements: [{ tag: "markdown", content: markdown }] } };
}

const CARD_OVERHEAD = utf8Bytes(JSON.stringify(feishuCard(""))) - utf8Bytes(JSON.stringify(""));

/** Size of the card that carries `markdown`, in the unit Feishu limits (UTF-8 bytes of the card JSON). */
export function feishuCardBytes(markdown: string): number {
  return CARD_OVERHEAD + utf8Bytes(JSON.stringify(markdown));
}

function card(markdown: string): OutgoingMessage {
  return { format: "card", content: markdown, card: feishuCard(markdown) };
}

/** Blocks packed into cards under the limit (a block is cut only when it alone is over the limit). */
function cards(blocks: string[], limit: number, sep = "\n\n"): OutgoingMessage[] {
  return packBlocks(blocks.filter((b) => b.trim() !== ""), limit, feishuCardBytes, sep).map(card);
}

/** A link target safe inside `[text](url)`: brackets and spaces percent-encoded. */
function linkTarget(url: string): string {
  return url.replace(/[()\s<>]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
}

/**
 * A table as markdown tables of at most `limit` card bytes each: every part repeats the header row, so each card
 * reads alone, and a row is never cut.
 */
export function feishuTables(table: AnswerTable, limit = FEISHU_CARD_LIMIT): string[] {
  const row = (cells: Array<string | number | null>) => `| ${cells.map((c) => escapeFeishu(cellText(c))).join(" | ")} |`;
  const numeric = table.columns.map((_, i) => table.rows.every((r) => r[i] === null || r[i] === undefined || typeof r[i] === "number"));
  const head = [row(table.columns), `|${numeric.map((n) => (n ? " ---: " : " --- ")).join("|")}|`].join("\n");
  const parts: string[] = [];
  let cur = head;
  let rows = 0;
  for (const r of table.rows) {
    const line = row(table.columns.map((_, i) => r[i] ?? null));
    if (rows > 0 && feishuCardBytes(`${cur}\n${line}`) > limit) {
      parts.push(cur);
      cur = head;
      rows = 0;
    }
    cur += `\n${line}`;
    rows++;
  }
  parts.push(cur);
  return parts;
}

const DIALECT: MarkdownDialect = { escape: escapeFeishu, linkTarget, quote: (q) => `“${q}”`, br: "\n" };

/** One footnote (present/office.ts footnoteMarkdown; the quote in quotation marks). */
export function feishuFootnote(c: Citation, n: number): string {
  return footnoteMarkdown(c, n, DIALECT);
}

/** Under the footnotes: how to open one. */
export const SOURCE_HINT = OFFICE_HINTS.source;

/**
 * Answer first, then its table (markdown tables), the working of computed numbers, the footnotes under 依据 and the
 * hints; packed into cards under `limit`, never cutting a footnote or a table row.
 */
export function feishuAnswer(answer: Answer, limit = FEISHU_CARD_LIMIT): OutgoingMessage[] {
  const blocks: string[] = [escapeFeishu(answer.answer.trim() || "（没有找到相关内容）")];
  if (!answer.found) blocks.push(`*${escapeFeishu(OFFICE_HINTS.notFound(answer.question))}*`);
  if (answer.table && answer.table.rows.length) blocks.push(...feishuTables(answer.table, limit));
  const working = computedLines(answer);
  if (working.length) blocks.push(escapeFeishu(working.join("\n")));
  answer.citations.forEach((c, i) => blocks.push(`${i === 0 ? "**依据**\n" : ""}${feishuFootnote(c, i + 1)}`));
  const hints = [answer.citations.length ? SOURCE_HINT : "", hasFigures(answer) ? OFFICE_HINTS.export : ""].filter(Boolean);
  if (hints.length) blocks.push(`*${escapeFeishu(hints.join(""))}*`);
  return cards(blocks, limit);
}

/** How much of a section 查看原文 shows (characters); Feishu's card limit leaves room for much more than Telegram. */
export const FEISHU_SOURCE_CHARS = 6000;

/** 查看原文 n: the cited section (the cell named first for a table cell), shortened with a note when it is long. */
export function feishuSource(n: number, view: SourceView, limit = FEISHU_CARD_LIMIT): OutgoingMessage[] {
  const title = view.title.startsWith("《") ? view.title : `《${view.title}》`;
  const head = [`**📄 原文 [${n}]** ${escapeFeishu([title, view.section].filter(Boolean).join(" · "))}`];
  const meta: string[] = [];
  if (view.published) meta.push(`发布日期：${escapeFeishu(view.published)}`);
  if (isWebUrl(view.url)) meta.push(`[原文链接](${linkTarget(view.url)})`);
  else if (view.url) meta.push(`原文链接：${escapeFeishu(view.url)}`);
  if (meta.length) head.push(meta.join(" · "));
  const p = previewSection(sourceText(view), FEISHU_SOURCE_CHARS);
  const blocks = [head.join("\n"), ...p.text.split(/\n{2,}/).map(escapeFeishu)];
  if (p.truncated) blocks.push(`*${escapeFeishu(`（以上为节选：前 ${p.shown} 字，全文 ${p.total} 字。全文见原文件 ${view.source}）`)}*`);
  return cards(blocks, limit);
}

/** The reports and governing texts held: the first line bold, one line per region, packed by lines. */
export function feishuCoverage(cov: Coverage, limit = FEISHU_CARD_LIMIT): OutgoingMessage[] {
  const [head, ...rest] = formatCoverageText(cov).split("\n");
  const paragraphs = rest.join("\n").split(/\n{2,}/).map(escapeFeishu);
  return cards([`**${escapeFeishu(head)}**\n${paragraphs.shift() ?? ""}`, ...paragraphs], limit);
}

/** A fixed text of the bot, already simple markdown (**bold**, lists, `code`) that card markdown reads as is. */
export function feishuNotice(markdown: string, limit = FEISHU_CARD_LIMIT): OutgoingMessage[] {
  return cards(markdown.split(/\n{2,}/), limit);
}

/**
 * The CSV of /export as a code block, for where no file can be sent: as many whole lines as fit in one card, then a
 * note saying how many were left out.
 */
export function feishuCsvBlock(fileName: string, csv: string, limit = FEISHU_CARD_LIMIT): OutgoingMessage[] {
  // A fence inside the data would end the block early.
  const lines = csv.replace(/^\uFEFF/, "").replace(/```/g, "'''").split(/\r?\n/).filter((l, i, a) => l !== "" || i < a.length - 1);
  const title = `**${escapeFeishu(fileName)}**`;
  const block = (ls: string[], note: string) => `${title}\n\`\`\`csv\n${ls.join("\n")}\n\`\`\`${note}`;
  const noteFor = (kept: number) => `\n*${escapeFeishu(`（共 ${lines.length} 行，此处只列出前 ${kept} 行。）`)}*`;
  if (feishuCardBytes(block(lines, "")) <= limit) return [card(block(lines, ""))];
  let kept = 0;
  while (kept < lines.length && feishuCardBytes(block(lines.slice(0, kept + 1), noteFor(kept + 1))) <= limit) kept++;
  return [card(block(lines.slice(0, kept), noteFor(kept)))];
}

export const feishuRenderer: OfficeRenderer = {
  limit: FEISHU_CARD_LIMIT,
  answer: (a) => feishuAnswer(a),
  source: (n, view) => feishuSource(n, view),
  coverage: (cov) => feishuCoverage(cov),
  notice: (md) => feishuNotice(md),
  csvBlock: (name, csv) => feishuCsvBlock(name, csv),
};
