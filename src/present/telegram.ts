import type { Answer, AnswerTable, Citation } from "../types.js";
import type { Coverage } from "../answer/api.js";
import { SOURCE_PREVIEW_CHARS, cellLine, citationLabel, computedLines, formatCoverageText, hasFigures, isWebUrl, previewSection, shortQuote, tableLines } from "./text.js";

/**
 * Pure formatting for Telegram HTML (parse_mode "HTML"); the plain pieces (labels, aligned tables, computed working)
 * come from src/present/text.ts, which also renders the terminal. Nothing here talks to the network, so every rule
 * about escaping and splitting can be tested directly.
 */

/** Telegram's hard limit for one text message. */
export const TELEGRAM_MESSAGE_LIMIT = 4096;

export { QUOTE_PREVIEW_CHARS, SOURCE_PREVIEW_CHARS, citationLabel, formatCoverageText, formatYears, previewSection, shortQuote } from "./text.js";

/** Escape text for Telegram HTML. Telegram understands exactly these four named entities. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Inverse of the markup: plain text of Telegram HTML, used when Telegram rejects a part's HTML. */
export function htmlToText(html: string): string {
  return html
    .replace(/<[^<>]*>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&amp;/g, "&");
}

export const NOT_FOUND_HINT = "可发送 /reports 查看已收录的报告，或换一种问法（写明地区和年份）。";

/** Under a table cut to fit one message. */
export const TABLE_CUT_HINT = "…（完整数据请用 /export）";
/** Under a figure answer: how to get its data. */
export const EXPORT_HINT = "发送 /export 可把这组数字导出为 CSV 表格。";

/**
 * A table as an aligned, escaped <pre> block of at most `budget` characters: rows that do not fit are left out and
 * the block is followed by TABLE_CUT_HINT.
 */
export function formatTableHtml(table: AnswerTable, budget = 3000): string {
  const [head, rule, ...rows] = tableLines(table).map(escapeHtml);
  const wrap = (ls: string[]) => `<pre>${ls.join("\n")}</pre>`;
  const kept = [head, rule];
  let len = wrap(kept).length;
  const hintLen = TABLE_CUT_HINT.length + 1;
  for (let i = 0; i < rows.length; i++) {
    const room = i === rows.length - 1 ? budget : budget - hintLen;
    if (len + rows[i].length + 1 > room) return `${wrap(kept)}\n${escapeHtml(TABLE_CUT_HINT)}`;
    kept.push(rows[i]);
    len += rows[i].length + 1;
  }
  return wrap(kept);
}

/** One citation: number and label, the table cell, 发布日期 and 原文链接 (a link), a short quote for a passage. */
function citationHtml(c: Citation, n: number): string {
  const lines = [`<b>[${n}]</b> ${escapeHtml(citationLabel(c))}`];
  const cell = cellLine(c);
  if (cell) lines.push(escapeHtml(cell));
  const meta: string[] = [];
  if (c.published) meta.push(`发布日期：${escapeHtml(c.published)}`);
  if (isWebUrl(c.url)) meta.push(`<a href="${escapeHtml(c.url)}">原文链接</a>`);
  else if (c.url) meta.push(`原文链接：${escapeHtml(c.url)}`);
  if (meta.length) lines.push(meta.join(" · "));
  const q = cell ? "" : shortQuote(c.quote ?? "");
  if (q) lines.push(`<blockquote>${escapeHtml(q)}</blockquote>`);
  return lines.join("\n");
}

/**
 * Answer first, then its table in <pre> (cut to leave room in the first message), the working of computed numbers,
 * and numbered citations. All corpus/user text is escaped.
 */
export function formatAnswerHtml(answer: Answer, limit = TELEGRAM_MESSAGE_LIMIT): string {
  const out: string[] = [escapeHtml(answer.answer.trim() || "（没有找到相关内容）")];
  // Echo the question when nothing was found, so the user sees what was searched and can rephrase it.
  if (!answer.found) out.push(`<i>${escapeHtml(`您的问题：“${answer.question}”。${NOT_FOUND_HINT}`)}</i>`);
  if (answer.table && answer.table.rows.length) {
    const budget = Math.min(3000, Math.max(800, limit - out.join("\n\n").length - 200));
    out.push(formatTableHtml(answer.table, budget));
  }
  const working = computedLines(answer);
  if (working.length) out.push(escapeHtml(working.join("\n")));
  if (answer.citations.length > 0) out.push(["<b>依据</b>", ...answer.citations.map((c, i) => citationHtml(c, i + 1))].join("\n"));
  if (hasFigures(answer)) out.push(`<i>${escapeHtml(EXPORT_HINT)}</i>`);
  return out.join("\n\n");
}

/** The full cited section, for the "📄 来源N" button. */
/** How much of a cited section one source message (or the terminal's /source N) shows. */
/** The "see the full text" hint under a shortened section. */
export function sourceCutHint(shown: number, total: number, c: Citation, how: string): string {
  return `（以上为节选：前 ${shown} 字，全文 ${total} 字。查看全文：${how}原文件 ${c.source}）`;
}

/**
 * One source message: the section's first part (at most SOURCE_PREVIEW_CHARS characters, and always within one
 * Telegram message after escaping) and a "查看全文" hint when it was shortened — never a burst of messages.
 */
export function formatSourceHtml(n: number, c: Citation, sectionText: string, limit = TELEGRAM_MESSAGE_LIMIT): string {
  const head = `<b>📄 来源${n}</b> ${escapeHtml(citationLabel(c))}\n\n`;
  for (let max = SOURCE_PREVIEW_CHARS; ; max = Math.floor(max * 0.75)) {
    const p = previewSection(sectionText, max);
    const body = escapeHtml(p.text) + (p.truncated ? `\n……\n\n<i>${escapeHtml(sourceCutHint(p.shown, p.total, c, ""))}</i>` : "");
    const html = head + body;
    if (html.length <= limit || max < 50) return html;
  }
}

export function formatCoverageHtml(cov: Coverage): string {
  const [head, ...rest] = formatCoverageText(cov).split("\n");
  return `<b>${escapeHtml(head)}</b>\n${escapeHtml(rest.join("\n"))}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Splitting

interface Tok {
  s: string;
  kind: "open" | "close" | "entity" | "text";
  /** Lower-cased tag name for open/close tokens. */
  name?: string;
}

const TOKEN_RE = /<(\/?)([a-zA-Z][\w-]*)[^<>]*>|&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{0,31});|[\s\S]/gu;

function tokenize(html: string): Tok[] {
  const toks: Tok[] = [];
  for (const m of html.matchAll(TOKEN_RE)) {
    const s = m[0];
    if (m[2]) toks.push({ s, kind: m[1] ? "close" : "open", name: m[2].toLowerCase() });
    else if (s.length > 1 && s.startsWith("&")) toks.push({ s, kind: "entity" });
    else toks.push({ s, kind: "text" });
  }
  return toks;
}

const closeTag = (t: Tok) => `</${t.name}>`;
const closersOf = (stack: Tok[]) => stack.slice().reverse().map(closeTag).join("");
const SENTENCE_END = new Set(["。", "！", "？", "!", "?", "；", "\n"]);

interface Cut {
  /** Token index where the next part starts. */
  next: number;
  /** Length of the part body (before closers). */
  len: number;
  /** Tags open at the cut. */
  stack: Tok[];
}

/** Visible text of an HTML fragment, to drop parts that would render empty. */
function visibleText(html: string): string {
  return html.replace(/<[^<>]*>/g, "").replace(/&[^;\s]+;/g, "x");
}

/**
 * Split Telegram HTML into messages of at most `limit` UTF-16 units. Cuts prefer paragraph ends, then sentence ends
 * (。！？ and line ends), and only as a last resort fall between two characters; never inside a tag, an entity or a
 * surrogate pair. Tags open at a cut are closed at the end of the part and reopened (same attributes) in the next.
 */
export function splitMessage(html: string, limit = TELEGRAM_MESSAGE_LIMIT): string[] {
  if (html.length <= limit) return visibleText(html).trim() ? [html] : [];
  const toks = tokenize(html);
  const parts: string[] = [];
  let carried: Tok[] = [];
  let i = 0;
  while (i < toks.length) {
    // A new part should not start with the blank lines that ended the previous one.
    while (i < toks.length && toks[i].kind === "text" && /^\s$/u.test(toks[i].s)) i++;
    if (i >= toks.length) break;

    const stack = carried.slice();
    let body = stack.map((t) => t.s).join("");
    let closeLen = closersOf(stack).length;
    let hasContent = false;
    let prevText = "";
    let para: Cut | null = null;
    let sentence: Cut | null = null;
    let j = i;
    for (; j < toks.length; j++) {
      const t = toks[j];
      let nextCloseLen = closeLen;
      let popIndex = -1;
      if (t.kind === "open") nextCloseLen += closeTag(t).length;
      else if (t.kind === "close") {
        for (let k = stack.length - 1; k >= 0; k--)
          if (stack[k].name === t.name) {
            popIndex = k;
            break;
          }
        if (popIndex >= 0) nextCloseLen -= stack.slice(popIndex).map(closeTag).join("").length;
      }
      if (hasContent && body.length + t.s.length + nextCloseLen > limit) break;
      body += t.s;
      closeLen = nextCloseLen;
      if (t.kind === "open") stack.push(t);
      else if (popIndex >= 0) {
        stack.length = popIndex;
        // A cut just before a closing tag is better taken after it: the next part then does not open an empty tag.
        for (const c of [para, sentence])
          if (c && c.next === j) {
            c.next = j + 1;
            c.len = body.length;
            c.stack = stack.slice();
          }
      } else if (t.kind === "text" || t.kind === "entity") {
        hasContent = true;
        if (t.kind === "text") {
          if (t.s === "\n" && prevText === "\n") para = { next: j + 1, len: body.length, stack: stack.slice() };
          else if (SENTENCE_END.has(t.s)) sentence = { next: j + 1, len: body.length, stack: stack.slice() };
        }
        prevText = t.kind === "text" ? t.s : "";
      }
    }
    if (j >= toks.length) {
      parts.push(body + closersOf(stack));
      break;
    }
    // Prefer a paragraph end unless it leaves this part too short; then a sentence end; then a hard cut here.
    const cut: Cut =
      (para && para.len >= limit * 0.5 ? para : null) ??
      (sentence && sentence.len >= limit * 0.3 ? sentence : null) ??
      para ??
      sentence ?? { next: j, len: body.length, stack: stack.slice() };
    parts.push(body.slice(0, cut.len) + closersOf(cut.stack));
    carried = cut.stack;
    i = cut.next;
  }
  return parts.filter((p) => visibleText(p).trim() !== "");
}
