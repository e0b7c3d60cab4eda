import type { Answer, Citation, SourceView } from "../types.js";
import type { Coverage } from "../answer/api.js";
import type { DraftCheck } from "../stats/api.js";
import { cellLine, citationLabel, isWebUrl, shortQuote } from "./text.js";

/**
 * What the office channels (WeCom, DingTalk, Feishu) send, and the renderer each platform implements
 * (src/present/wecom.ts, dingtalk.ts, feishu.ts). The shared core (src/office/core.ts) only ever calls a renderer;
 * the platform dialects (WeCom markdown-v2, DingTalk markdown without tables, Feishu card markdown with tables) and
 * the platforms' size limits live in the renderers.
 */

/** One message, rendered for a platform and under its size limit. */
export interface OutgoingMessage {
  /** "markdown" in the platform's own dialect, "card" (content = the card's markdown, card = its JSON), or "text". */
  format: "markdown" | "text" | "card";
  content: string;
  /** The card JSON for format "card". */
  card?: unknown;
  /** A title where the platform wants one (DingTalk markdown's notification title). */
  title?: string;
}

/**
 * A platform's renderer. Citations are numbered footnotes [1], [2]… with body · year · section (and the table cell)
 * and 原文链接; a long answer is split into several messages under `limit` without cutting a footnote or a table
 * row; each message stays readable alone. "查看原文 n" is the follow-up command that opens footnote n.
 */
export interface OfficeRenderer {
  /** The platform's limit for one message, in the unit it counts (WeCom: UTF-8 bytes; others: see the renderer). */
  readonly limit: number;
  answer(answer: Answer): OutgoingMessage[];
  /** A citation's source opened by 查看原文 n: its section, the cited cell named. */
  source(n: number, view: SourceView): OutgoingMessage[];
  /** The reports and governing texts held (/reports, 收录). */
  coverage(cov: Coverage): OutgoingMessage[];
  /** A fixed text of the bot (help, refusal, rate limit…), given as simple markdown: **bold**, lists, `code`. */
  notice(markdown: string): OutgoingMessage[];
  /** The CSV of /export sent as a message where no file can be sent (a code block, cut to the limit with a note). */
  csvBlock(fileName: string, csv: string): OutgoingMessage[];
}

/**
 * The hints under an answer, the same on every office platform and naming the commands the bots read
 * (src/office/texts.ts): "原文 n", "导出", "收录".
 */
export const OFFICE_HINTS = {
  notFound: (q: string) => `您的问题：“${q}”。可发送“收录”查看已收录的报告，或换一种问法（写明地区和年份）。`,
  source: "发送“原文 1”可查看第 1 条来源的原文。",
  export: "发送“导出”可把这组数字下载为 CSV 表格。",
};

/** What differs between the platforms' markdown where a footnote is written. */
export interface MarkdownDialect {
  /** Corpus text made literal. */
  escape(s: string): string;
  /** A URL as it may stand inside a link's (…). */
  linkTarget(url: string): string;
  /** The quote line of a passage, from already escaped text (a block quote, or quotation marks). */
  quote(escaped: string): string;
  /** The line break inside one block. */
  br: string;
}

/** One footnote: [n] label, its table cell, 发布日期 and 原文链接, and a short quote for a passage (not for a cell). */
export function footnoteMarkdown(c: Citation, n: number, d: MarkdownDialect): string {
  const lines = [`**[${n}]** ${d.escape(citationLabel(c))}`];
  const cell = cellLine(c);
  if (cell) lines.push(d.escape(cell));
  const meta: string[] = [];
  if (c.published) meta.push(`发布日期：${d.escape(c.published)}`);
  if (isWebUrl(c.url)) meta.push(`[原文链接](${d.linkTarget(c.url)})`);
  else if (c.url) meta.push(`原文链接：${d.escape(c.url)}`);
  if (meta.length) lines.push(meta.join(" · "));
  const q = cell ? "" : shortQuote(c.quote ?? "");
  // The quote last: in the block-quote dialects ">" runs to the end of the paragraph.
  if (q) lines.push(d.quote(d.escape(q)));
  return lines.join(d.br);
}

/** UTF-8 length of a string (WeCom counts bytes). */
export function utf8Bytes(s: string): number {
  return Buffer.byteLength(s, "utf8");
}

/**
 * Packs blocks (paragraphs, one footnote each, table rows…) into messages of at most `limit` by `measure`, joined by
 * `sep`; never cuts a block unless one block alone is over the limit, and then cuts it at line ends (or, for one
 * over-long line, at a character boundary).
 */
export function packBlocks(blocks: string[], limit: number, measure: (s: string) => number = (s) => s.length, sep = "\n\n"): string[] {
  const out: string[] = [];
  let cur = "";
  const push = (b: string) => {
    if (!cur) cur = b;
    else if (measure(cur + sep + b) <= limit) cur += sep + b;
    else {
      out.push(cur);
      cur = b;
    }
  };
  for (const block of blocks) {
    if (measure(block) <= limit) {
      push(block);
      continue;
    }
    for (const piece of cutBlock(block, limit, measure)) push(piece);
  }
  if (cur) out.push(cur);
  return out;
}

function cutBlock(block: string, limit: number, measure: (s: string) => number): string[] {
  const pieces: string[] = [];
  let cur = "";
  for (const line of block.split("\n")) {
    const candidate = cur ? `${cur}\n${line}` : line;
    if (measure(candidate) <= limit) {
      cur = candidate;
      continue;
    }
    if (cur) pieces.push(cur);
    if (measure(line) <= limit) {
      cur = line;
      continue;
    }
    // One line over the limit: cut at code points.
    let part = "";
    for (const ch of line) {
      if (measure(part + ch) > limit) {
        pieces.push(part);
        part = "";
      }
      part += ch;
    }
    cur = part;
  }
  if (cur) pieces.push(cur);
  return pieces;
}

/** The check of a draft report sent as a file, as simple markdown (the web page's 报告核对 in a message). */
export function draftCheckMarkdown(check: DraftCheck, maxListed = 12): string {
  const lines = [`**报告核对：${plainInline(check.filename)}**`];
  const r = check.report;
  lines.push(r ? `识别为：${plainInline([r.body, r.year ? `${r.year}年` : "", r.title ? `《${r.title.replace(/^《|》$/g, "")}》` : ""].filter(Boolean).join(" "))}` : "未能识别为政府信息公开工作年度报告。");
  const failed = check.checks.filter((c) => c.ok === false);
  const open = check.checks.filter((c) => c.ok === null);
  const held = check.checks.filter((c) => c.ok === true);
  if (!check.checks.length) lines.push("没有读到可核对的统计表。");
  else if (check.ok) lines.push(`结论：${held.length} 条勾稽关系全部成立。`);
  else lines.push(`结论：${failed.length} 条不成立，${open.length} 条无法核对，${held.length} 条成立。`);
  const listed = [...failed, ...open].slice(0, maxListed);
  for (const c of listed) lines.push(`- ${c.ok === false ? "不成立" : "无法核对"}：${plainInline(c.label)}${c.expr ? `（${plainInline(c.expr)}）` : ""}`);
  const more = failed.length + open.length - listed.length;
  if (more > 0) lines.push(`- …另有 ${more} 条，请在网页“报告核对”中查看全部。`);
  return lines.join("\n");
}

/** Text from a file or the corpus inside simple markdown: markup characters made literal. */
export function plainInline(s: string): string {
  return s.replace(/\s+/g, " ").replace(/([\\`*_[\]<>#|])/g, "\\$1");
}
