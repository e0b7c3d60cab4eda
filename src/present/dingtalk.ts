import type { Answer, AnswerTable, Citation, SourceView } from "../types.js";
import type { Coverage } from "../answer/api.js";
import { OFFICE_HINTS, footnoteMarkdown, packBlocks, utf8Bytes, type MarkdownDialect, type OfficeRenderer, type OutgoingMessage } from "./office.js";
import { computedLines, formatCoverageText, hasFigures, isWebUrl, previewSection, sourceText, tableLines } from "./text.js";

/**
 * DingTalk's renderer: its markdown (msgtype "markdown": a title for the notification and a text) understands
 * headings, bold, italic, links, lists and quotes, but no tables; a table is sent as a fenced monospace block of
 * aligned lines. A single "\n" is not a line break in DingTalk markdown, so lines inside a paragraph end with two
 * spaces ("  \n"). Robots may send about 20 messages a minute into one conversation, so the limit per message is
 * generous and a long answer stays within a few messages. Pure functions; the transport (src/office/dingtalk.ts)
 * posts what is returned here to the message's sessionWebhook.
 */

/**
 * Most UTF-8 bytes of one markdown text. The platform refuses much larger texts (the fake in the tests: 20 000
 * bytes); 6 000 bytes (about 2 000 Chinese characters) keeps one message one screenful or three on a phone.
 */
export const DINGTALK_MARKDOWN_LIMIT = 6000;

/** Longest notification title (characters) before "…". */
const TITLE_CHARS = 24;

const BR = "  \n";

/** Escape corpus or user text for DingTalk markdown: inline markup characters, and line-start block markers. */
export function escapeDingtalk(text: string): string {
  return text
    .split("\n")
    .map((line) =>
      line
        // Inline markup (and "<", which would open a <font> tag; ">" which would open a quote).
        .replace(/([\\`*_[\]<>~])/g, "\\$1")
        // A heading, bullet or numbered item at the start of a line.
        .replace(/^(\s*)(#{1,6}|[-+]|\d+[.)])(?=\s|$)/, (_m, sp: string, mark: string) => `${sp}${mark.replace(/^([#+-])/, "\\$1").replace(/([.)])$/, "\\$1")}`),
    )
    .join("\n");
}

/** Lines of escaped text as one paragraph with hard line breaks. */
function para(text: string): string {
  return escapeDingtalk(text.trim())
    .split("\n")
    .map((l) => l.trimEnd())
    .join(BR);
}

/** A link target safe inside (…): only web addresses, with parentheses and spaces encoded. */
function linkTarget(url: string): string {
  return url.replace(/[()\s]/g, (ch) => encodeURIComponent(ch));
}

/** A fenced monospace block whose fence is longer than any run of backticks inside it. */
export function codeBlock(lines: string[]): string {
  const longest = Math.max(2, ...lines.map((l) => Math.max(0, ...[...l.matchAll(/`+/g)].map((m) => m[0].length))));
  const fence = "`".repeat(longest + 1);
  return [fence, ...lines, fence].join("\n");
}

/**
 * A table as fenced blocks of aligned lines, each under `limit` bytes with the header repeated, so that a table
 * longer than one message continues in the next one readable on its own.
 */
export function tableBlocks(table: AnswerTable, limit = DINGTALK_MARKDOWN_LIMIT): string[] {
  const [head, rule, ...rows] = tableLines(table);
  const blocks: string[] = [];
  let cur: string[] = [];
  for (const row of rows) {
    if (cur.length && utf8Bytes(codeBlock([head, rule, ...cur, row])) > limit) {
      blocks.push(codeBlock([head, rule, ...cur]));
      cur = [];
    }
    cur.push(row);
  }
  if (cur.length) blocks.push(codeBlock([head, rule, ...cur]));
  return blocks;
}

const DIALECT: MarkdownDialect = { escape: escapeDingtalk, linkTarget, quote: (q) => `> ${q}`, br: BR };

/** One footnote (present/office.ts footnoteMarkdown; DingTalk needs hard line breaks). */
export function footnote(c: Citation, n: number): string {
  return footnoteMarkdown(c, n, DIALECT);
}

/** Plain text for a notification title: first line of the text, markup removed, cut to TITLE_CHARS. */
export function titleOf(text: string): string {
  const first =
    text
      .split("\n")
      .map((l) => l.replace(/[\\`*_#>[\]]/g, "").replace(/\(https?:[^)]*\)/g, "").trim())
      .find((l) => l && !/^`+$/.test(l)) ?? "年报助手";
  const chars = [...first];
  return chars.length <= TITLE_CHARS ? first : chars.slice(0, TITLE_CHARS).join("") + "…";
}

/** Packs blocks under the limit; every message gets the title, numbered "（2/3）" when there are several. */
function messages(blocks: string[], title: string, limit: number, sep = "\n\n"): OutgoingMessage[] {
  const parts = packBlocks(blocks.filter((b) => b.trim()), limit, utf8Bytes, sep);
  return parts.map((content, i) => ({
    format: "markdown" as const,
    title: parts.length > 1 ? `${title}（${i + 1}/${parts.length}）` : title,
    content,
  }));
}

/** Simple markdown from the core (help, refusals): passed through, with line breaks made hard. */
function hardBreaks(markdown: string): string {
  return markdown
    .trim()
    .split(/\n{2,}/)
    .map((p) => p.split("\n").map((l) => l.trimEnd()).join(BR))
    .join("\n\n");
}

/** The CSV of /export as a code block cut to `limit` bytes at a row end, with a note when cut. */
function csvMessage(fileName: string, csv: string, limit: number): OutgoingMessage[] {
  const rows = csv.replace(/^\uFEFF/, "").replace(/\r\n/g, "\n").replace(/\n$/, "").split("\n");
  const head = `**${escapeDingtalk(fileName)}**`;
  const cutNote = (kept: number) => `（已截断：共 ${rows.length} 行，此处显示前 ${kept} 行）`;
  const build = (k: number) => [head, codeBlock(rows.slice(0, k)), ...(k < rows.length ? [escapeDingtalk(cutNote(k))] : [])].join("\n\n");
  // The most rows that fit (binary search: the size grows with the rows kept).
  let [lo, hi] = [1, rows.length];
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (utf8Bytes(build(mid)) <= limit) lo = mid;
    else hi = mid - 1;
  }
  let content = build(lo);
  if (utf8Bytes(content) > limit) content = packBlocks([content], limit, utf8Bytes)[0];
  return [{ format: "markdown", title: fileName, content }];
}

export function createDingtalkRenderer(limit = DINGTALK_MARKDOWN_LIMIT): OfficeRenderer {
  return {
    limit,
    answer(a: Answer): OutgoingMessage[] {
      const text = a.answer.trim() || "（没有找到相关内容）";
      const blocks: string[] = [para(text)];
      if (!a.found) blocks.push(`*${escapeDingtalk(OFFICE_HINTS.notFound(a.question))}*`);
      if (a.table && a.table.rows.length) blocks.push(...tableBlocks(a.table, limit));
      const working = computedLines(a);
      if (working.length) blocks.push(para(working.join("\n")));
      // "依据" travels with the first footnote so that it never ends a message alone.
      a.citations.forEach((c, i) => blocks.push(i === 0 ? `**依据**\n\n${footnote(c, 1)}` : footnote(c, i + 1)));
      if (hasFigures(a)) blocks.push(`*${escapeDingtalk(OFFICE_HINTS.export)}*`);
      return messages(blocks, titleOf(text), limit);
    },

    source(n: number, view: SourceView): OutgoingMessage[] {
      const head = `**📄 来源${n}** ${escapeDingtalk(`《${view.title.replace(/^《|》$/g, "")}》 · ${view.section}`)}`;
      const meta: string[] = [];
      if (view.published) meta.push(`发布日期：${escapeDingtalk(view.published)}`);
      if (isWebUrl(view.url)) meta.push(`[原文链接](${linkTarget(view.url)})`);
      const tail = meta.length ? [meta.join(" · ")] : [];
      // One message, never a burst: the section's first part, shortened until it fits.
      for (let max = 1500; ; max = Math.floor(max * 0.75)) {
        const p = previewSection(sourceText(view), max);
        const cut = p.truncated ? [`*${escapeDingtalk(`（以上为节选：前 ${p.shown} 字，全文 ${p.total} 字。原文件 ${view.source}）`)}*`] : [];
        const content = [head, ...p.text.split(/\n{2,}/).map(para), ...cut, ...tail].filter(Boolean).join("\n\n");
        if (utf8Bytes(content) <= limit || max < 50) return [{ format: "markdown", title: `来源${n}：${titleOf(view.title)}`, content }];
      }
    },

    coverage(cov: Coverage): OutgoingMessage[] {
      const [head, ...rest] = formatCoverageText(cov).split("\n");
      const lines = [`**${escapeDingtalk(head)}**`, ...rest.map((l) => (l.trim() ? escapeDingtalk(l) : ""))];
      // Line by line under the limit, so that a long list continues in the next message without cutting a line.
      const blocks = lines.join("\n").split(/\n\n/).map((b) => b.split("\n").join(BR));
      return messages(blocks.flatMap((b) => (utf8Bytes(b) > limit ? packBlocks(b.split(BR), limit, utf8Bytes, BR) : [b])), "已收录的报告", limit);
    },

    notice(markdown: string): OutgoingMessage[] {
      return messages(hardBreaks(markdown).split("\n\n"), titleOf(markdown), limit);
    },

    csvBlock(fileName: string, csv: string): OutgoingMessage[] {
      return csvMessage(fileName, csv, limit);
    },
  };
}

export const dingtalkRenderer: OfficeRenderer = createDingtalkRenderer();
