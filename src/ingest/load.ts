/**
 * Load stage: one file on disk → LoadedFile (Unicode text with \n line ends).
 * Format-specific layout repair (PDF page numbers, hard-wrapped lines, HTML chrome) happens here;
 * text-level artifact removal that applies to every format lives in clean.ts.
 */
import { readFile, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import type { CheerioAPI } from "cheerio";
import iconv from "iconv-lite";
import { FileLimitError, LoadError } from "../errors.js";
import type { LoadLimits } from "../limits.js";
import { keepingBuiltins } from "./builtins.js";
import { checkHtmlStructure, checkPdfStructure, checkZipSize, pdfTooManyPages, sizeText as size } from "./prescan.js";
import { extractInSandbox, type SandboxFormat } from "./sandbox.js";
import type { LoadedFile } from "../types.js";

export { checkZipSize };

export const SUPPORTED_EXTENSIONS = [".txt", ".md", ".html", ".htm", ".pdf", ".docx"] as const;

type Format = LoadedFile["format"];

const FORMAT_BY_EXT: Record<(typeof SUPPORTED_EXTENSIONS)[number], Format> = {
  ".txt": "txt",
  ".md": "md",
  ".html": "html",
  ".htm": "html",
  ".pdf": "pdf",
  ".docx": "docx",
};

export type { LoadLimits } from "../limits.js";

function tooLarge(source: string, n: number, limits: LoadLimits): FileLimitError {
  return new FileLimitError(source, "too_large", `文件过大：${size(n)} > ${size(limits.maxFileBytes)}`, `file too large: ${size(n)} > ${size(limits.maxFileBytes)}`);
}

let inSandbox = false;
/** Called in a sandbox process: it is the sandbox, so loadFile extracts there instead of handing the file on. */
export function extractHere(): void {
  inSandbox = true;
}

/**
 * Loads `absPath`; `bytes`, when the caller has already read the file, saves reading it again.
 * Only a regular file is opened (a FIFO would block forever, a device never ends); `limits` default to the settings.
 * PDF, DOCX and HTML are parsed in the sandbox's separate process (src/ingest/sandbox.ts), under its time and
 * memory limits and after the structural caps; plain text is decoded here (linear, and bounded by the size cap).
 */
export async function loadFile(absPath: string, source: string, bytes?: Buffer, given?: LoadLimits): Promise<LoadedFile> {
  const limits = given ?? (await import("../limits.js")).limitsFromEnv();
  const ext = path.extname(absPath).toLowerCase();
  const format = (FORMAT_BY_EXT as Record<string, Format | undefined>)[ext];
  if (!format) throw new LoadError(source, `unsupported file type ${ext || "(no extension)"}`);

  let buf: Buffer;
  try {
    if (!bytes) {
      const st = await stat(absPath);
      if (!st.isFile()) throw new LoadError(source, "不是普通文件 / not a regular file (FIFO, device or socket)");
      if (st.size > limits.maxFileBytes) throw tooLarge(source, st.size, limits);
    }
    buf = bytes ?? (await readFile(absPath));
  } catch (err) {
    if (err instanceof LoadError) throw err;
    throw new LoadError(source, `cannot read file: ${firstLine(err)}`, { cause: err });
  }
  if (buf.length === 0) throw new LoadError(source, "empty file");
  if (buf.length > limits.maxFileBytes) throw tooLarge(source, buf.length, limits);

  try {
    const { text, encoding } =
      format === "txt" || format === "md"
        ? decodeText(buf, source)
        : inSandbox
          ? await extractInProcess(format, buf, source, limits)
          : await extractInSandbox(format, buf, source, limits);
    if (text.trim() === "") {
      throw new LoadError(source, format === "pdf" ? "PDF has no text layer (scanned?)" : "empty file");
    }
    if (text.length > limits.maxTextChars) throw textTooLong(source, text.length, limits);
    return { source, format, encoding, text };
  } catch (err) {
    throw asLoadError(err, source, format);
  }
}

/**
 * Text of a PDF, DOCX or HTML file, parsed in this process: what the sandbox's child runs for loadFile. The
 * structural caps come first; every failure is a one-line LoadError naming the file.
 */
export async function extractInProcess(format: SandboxFormat, buf: Buffer, source: string, limits: LoadLimits): Promise<{ text: string; encoding: string | null }> {
  try {
    const r = await extract(format, buf, source, limits);
    if (r.text.length > limits.maxTextChars) throw textTooLong(source, r.text.length, limits);
    return r;
  } catch (err) {
    throw asLoadError(err, source, format);
  }
}

function asLoadError(err: unknown, source: string, format: Format): LoadError {
  if (err instanceof LoadError) return err;
  // A parser drowning in a huge or deeply nested file: name the file and the cause, not the stack.
  if (err instanceof RangeError && /call stack|Invalid string length|Array buffer allocation|Invalid array length/i.test(err.message))
    return new FileLimitError(source, "too_complex", `文件内容过大或嵌套过深，无法解析（${firstLine(err)}）`, `too large or too deeply nested to parse (${firstLine(err)})`);
  // Anything unexpected from a parser still becomes a one-line, file-named error.
  return new LoadError(source, `cannot parse ${format}: ${firstLine(err)}`, { cause: err });
}

function textTooLong(source: string, chars: number | null, limits: LoadLimits): FileLimitError {
  const got = chars === null ? "" : `${chars} `;
  return new FileLimitError(
    source,
    "too_large",
    `解压后超过文本上限：${got}> ${limits.maxTextChars} 个字符（MAX_TEXT_CHARS）`,
    `extracted text exceeds the cap: ${got}> ${limits.maxTextChars} characters (MAX_TEXT_CHARS)`,
  );
}

/**
 * How the parsers are imported. The sandbox's child replaces these with imports made outside tsx's loader
 * (src/ingest/sandboxEntry.mjs): through it, pdf-parse took 7–10 s and 400 MB to load, natively 0.3 s and 40 MB.
 */
export const parserImports = {
  pdf: () => import("pdf-parse"),
  docx: () => import("mammoth"),
  html: () => import("cheerio"),
};

async function extract(
  format: SandboxFormat,
  buf: Buffer,
  source: string,
  limits: LoadLimits,
): Promise<{ text: string; encoding: string | null }> {
  switch (format) {
    case "html":
      return await htmlToText(buf, source, limits);
    case "pdf":
      await checkPdfStructure(buf, source, limits);
      return { text: await pdfToText(buf, source, limits), encoding: null };
    case "docx":
      await checkZipSize(buf, source, limits);
      return { text: await docxToText(buf, source), encoding: null };
  }
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return (msg.split("\n")[0] ?? "").trim() || "unknown error";
}

// ---------------------------------------------------------------------------------------------
// Plain text decoding

/**
 * Decode bytes of a text file: BOM-marked UTF-8/UTF-16 first, then strict UTF-8, then GB18030
 * (a superset of GBK/GB2312, the usual encoding of files saved by Chinese Windows tools).
 * Throws LoadError when the bytes do not look like text in any of these encodings.
 */
export function decodeText(buf: Buffer, source = "(buffer)"): { text: string; encoding: string } {
  const { text, encoding } = decodeBytes(buf);
  if (text.trim() === "") throw new LoadError(source, "empty file");
  if (looksBinary(text)) throw new LoadError(source, "binary file, not text");
  return { text: normalizeNewlines(text), encoding };
}

function decodeBytes(buf: Buffer): { text: string; encoding: string } {
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
    return { text: new TextDecoder("utf-8").decode(buf.subarray(3)), encoding: "utf-8" };
  }
  if (buf[0] === 0xff && buf[1] === 0xfe) {
    return { text: new TextDecoder("utf-16le").decode(buf.subarray(2)), encoding: "utf-16le" };
  }
  if (buf[0] === 0xfe && buf[1] === 0xff) {
    return { text: iconv.decode(buf.subarray(2), "utf-16be"), encoding: "utf-16be" };
  }
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(buf), encoding: "utf-8" };
  } catch {
    // Not valid UTF-8: GB18030 decodes every GBK/GB2312 file; garbage is caught by looksBinary.
    return { text: iconv.decode(buf, "gb18030"), encoding: "gb18030" };
  }
}

/** Control chars, U+FFFD and private-use chars are what binary bytes turn into under any decoder. */
function looksBinary(text: string): boolean {
  if (text.includes("\u0000")) return true;
  let bad = 0;
  let total = 0;
  // Indexing by code point instead of iterating the string avoids a string per character.
  for (let i = 0; i < text.length; i++) {
    const c = text.codePointAt(i)!;
    if (c > 0xffff) i++;
    total++;
    const control = (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c) || (c >= 0x7f && c < 0xa0);
    const privateUse = (c >= 0xe000 && c <= 0xf8ff) || c >= 0xf0000;
    if (control || privateUse || c === 0xfffd) bad++;
  }
  return bad / total > 0.02;
}

function normalizeNewlines(text: string): string {
  // Most files already use \n; a substring check is much cheaper than a regex scan.
  if (!text.includes("\r")) return text;
  return text.replace(/\r\n?/g, "\n");
}

// ---------------------------------------------------------------------------------------------
// HTML

/** Charset declared in the first bytes of an HTML file (<meta charset> or http-equiv content-type). */
function declaredCharset(buf: Buffer): string | null {
  const head = buf.subarray(0, 4096).toString("latin1");
  const m = /<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)/i.exec(head);
  if (!m) return null;
  const cs = m[1].toLowerCase();
  // GBK and GB2312 pages often contain GB18030-only characters; the superset decodes both.
  if (cs === "gbk" || cs === "gb2312" || cs === "x-gbk") return "gb18030";
  return iconv.encodingExists(cs) ? cs : null;
}

function decodeHtml(buf: Buffer, source: string): { text: string; encoding: string } {
  const charset = declaredCharset(buf);
  const hasBom = buf[0] === 0xef || buf[0] === 0xff || buf[0] === 0xfe;
  if (!charset || charset === "utf-8" || charset === "utf8" || hasBom) return decodeText(buf, source);
  const text = iconv.decode(buf, charset);
  if (looksBinary(text)) throw new LoadError(source, "binary file, not text");
  return { text: normalizeNewlines(text), encoding: charset };
}

/** Minimal structural view of the DOM cheerio builds (avoids depending on domhandler's types). */
interface DomNode {
  type: string;
  name?: string;
  data?: string;
  attribs?: Record<string, string>;
  children?: DomNode[];
}

const DROP_TAGS = new Set([
  "script", "style", "noscript", "template", "iframe", "svg", "canvas", "object",
  "nav", "header", "footer", "aside", "button", "select", "input", "textarea",
]);
const CHROME_ATTR = /(?:^|[\s_-])(?:nav|navbar|navigation|menu|menus|breadcrumbs?|crumbs?|footer|foot|sidebar|side-bar|topbar|toolbar|share|copyright)(?:$|[\s_\d-])/i;
const NEVER_DROP = new Set(["html", "body", "main", "article"]);
const BLOCK_TAGS = new Set([
  "address", "article", "blockquote", "body", "caption", "dd", "div", "dl", "dt", "fieldset",
  "figcaption", "figure", "form", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li", "main", "ol",
  "p", "pre", "section", "table", "tbody", "thead", "tfoot", "ul", "center", "title",
]);
const CONTENT_SELECTORS = ["article", "main", "[role=main]", "#content", ".content", "#main", ".main", ".article"];

/** cheerio and mammoth are imported on the first HTML/DOCX file: a question (`ask`) never needs them. */
async function htmlToText(buf: Buffer, source: string, limits: LoadLimits): Promise<{ text: string; encoding: string }> {
  const { text: html, encoding } = decodeHtml(buf, source);
  checkHtmlStructure(html, source, limits);
  const { load: loadHtml } = await parserImports.html();
  const $ = loadHtml(html);
  $("*").each((_, el) => {
    const node = el as unknown as DomNode;
    const name = node.name ?? "";
    if (NEVER_DROP.has(name)) return;
    const attrs = `${node.attribs?.class ?? ""} ${node.attribs?.id ?? ""}`;
    if (DROP_TAGS.has(name) || CHROME_ATTR.test(attrs)) $(el).remove();
  });
  const body = ($("body")[0] ?? $.root()[0]) as unknown as DomNode;
  const main = pickMainContent($, body);
  const lines = blockLines(main)
    .map((l) => l.replace(/[ \t\u00a0]+/g, " ").trim())
    .filter((l) => l !== "");
  return { text: lines.join("\n"), encoding };
}

/**
 * The first well-known content container that holds most of the page's CJK text; otherwise descend
 * from <body> into whichever child still holds ≥ 80% of it, which skips leftover side blocks.
 */
function pickMainContent($: CheerioAPI, body: DomNode): DomNode {
  const total = cjkCount(textOf(body));
  if (total === 0) return body;
  for (const sel of CONTENT_SELECTORS) {
    for (const el of $(sel).toArray()) {
      const node = el as unknown as DomNode;
      if (cjkCount(textOf(node)) >= 0.6 * total) return node;
    }
  }
  let cur = body;
  for (;;) {
    const next = (cur.children ?? []).find(
      (c) => c.type === "tag" && c.name !== "tr" && cjkCount(textOf(c)) >= 0.8 * total,
    );
    if (!next || next.name === "table" || next.name === "tbody") return cur;
    cur = next;
  }
}

function textOf(node: DomNode): string {
  if (node.type === "text") return node.data ?? "";
  return (node.children ?? []).map(textOf).join("");
}

function cjkCount(s: string): number {
  return s.match(/\p{Script=Han}/gu)?.length ?? 0;
}

/** Flatten the DOM into lines: block elements break lines, each <tr> is one "a | b | c" line. */
function blockLines(root: DomNode): string[] {
  const lines: string[] = [];
  let cur = "";
  const flush = () => {
    if (cur.trim() !== "") lines.push(cur);
    cur = "";
  };
  const walk = (n: DomNode) => {
    if (n.type === "text") {
      cur += (n.data ?? "").replace(/\s+/g, " ");
      return;
    }
    if (n.type !== "tag" && n.type !== "root") return;
    const name = n.name ?? "";
    if (name === "br") {
      flush();
      return;
    }
    if (name === "tr") {
      flush();
      const cells = (n.children ?? [])
        .filter((c) => c.type === "tag" && (c.name === "td" || c.name === "th"))
        .map((c) => textOf(c).replace(/\s+/g, " ").trim());
      if (cells.some((c) => c !== "")) lines.push(cells.join(" | "));
      return;
    }
    const block = BLOCK_TAGS.has(name);
    if (block) flush();
    for (const c of n.children ?? []) walk(c);
    if (block) flush();
  };
  walk(root);
  flush();
  return lines;
}

// ---------------------------------------------------------------------------------------------
// PDF

const require = createRequire(import.meta.url);
const PDFJS_ROOT = path.dirname(require.resolve("pdfjs-dist/package.json"));
// pdfjs treats these as URL prefixes: the trailing separator is required.
const CMAP_URL = path.join(PDFJS_ROOT, "cmaps") + path.sep;
const STANDARD_FONT_URL = path.join(PDFJS_ROOT, "standard_fonts") + path.sep;

/** pdf-parse is imported on the first PDF only (it is large) and never allowed to replace Node's built-ins. */
function pdfToText(buf: Buffer, source: string, limits: LoadLimits): Promise<string> {
  return keepingBuiltins(() => pdfToTextUnguarded(buf, source, limits));
}

/** Pages extracted per call: extraction stops at the first batch that takes the text over the cap. */
const PDF_PAGES_PER_BATCH = 25;

async function pdfToTextUnguarded(buf: Buffer, source: string, limits: LoadLimits): Promise<string> {
  const { PDFParse } = await parserImports.pdf();
  const parser = new PDFParse({
    data: new Uint8Array(buf),
    cMapUrl: CMAP_URL,
    cMapPacked: true,
    standardFontDataUrl: STANDARD_FONT_URL,
    verbosity: 0,
  });
  try {
    // The page count pdfjs reads, before any page is read (pdf-parse's load() is what getText calls first): the
    // structural scan cannot see a page tree in an encrypted object stream.
    const load = (parser as unknown as { load?: () => Promise<{ numPages: number }> }).load;
    const numPages = typeof load === "function" ? (await load.call(parser)).numPages : 0;
    if (numPages > limits.maxPdfPages) throw pdfTooManyPages(source, numPages, limits.maxPdfPages);
    // A tab between text items lets repairPdfPages tell table cells from prose.
    const pages: string[] = [];
    let chars = 0;
    for (let first = 1, total = Infinity; first <= total; first += PDF_PAGES_PER_BATCH) {
      const result = await parser.getText({ pageJoiner: "", cellSeparator: "\t", first, last: first + PDF_PAGES_PER_BATCH - 1 });
      total = result.total;
      for (const p of result.pages) {
        chars += p.text.length;
        if (chars > limits.maxTextChars) throw textTooLong(source, null, limits);
        pages.push(p.text);
      }
      if (result.pages.length === 0) break;
    }
    return repairPdfPages(pages);
  } catch (err) {
    if (err instanceof LoadError) throw err;
    throw new LoadError(source, `corrupt or encrypted PDF: ${firstLine(err)}`, { cause: err });
  } finally {
    await parser.destroy().catch(() => undefined);
  }
}

const DASH = "-—–－‐―";
const PAGE_NUMBER_LINE = new RegExp(
  [
    `^[${DASH}]+\\s*\\d{1,4}\\s*[${DASH}]+$`, // - 1 -, — 2 —
    `^第\\s*\\d{1,4}\\s*页(?:\\s*[,，/]?\\s*共\\s*\\d{1,4}\\s*页)?$`, // 第 3 页, 第3页 共5页
    `^\\d{1,4}\\s*/\\s*\\d{1,4}$`, // 3/5
    `^(?:page|p\\.)\\s*\\d{1,4}(?:\\s*of\\s*\\d{1,4})?$`,
  ].join("|"),
  "i",
);

/** Remove page-number lines; bare digits count only as the first/last line of a page, where folios sit. */
export function stripPageNumbers(pageText: string): string[] {
  const lines = pageText.split("\n").map((l) => l.trim());
  const content = lines.map((l, i) => ({ l, i })).filter((x) => x.l !== "");
  const edge = new Set([content[0]?.i, content[content.length - 1]?.i]);
  return lines.filter((l, i) => {
    const flat = l.replace(/\s+/g, " ");
    if (PAGE_NUMBER_LINE.test(flat)) return false;
    if (edge.has(i) && content.length > 1 && /^\d{1,3}$/.test(flat)) return false;
    return true;
  });
}

const CJK = "\\p{Script=Han}\\u3000-\\u303f\\uff00-\\uffef\\u2018-\\u201f\\u2026\\u2014";
/** Whitespace touching a CJK char or full-width punctuation is layout, never content. */
const SPACE_NEAR_CJK = new RegExp(`(?<=[${CJK}])\\s+|\\s+(?=[${CJK}])`, "gu");
const NUMERIC_CELL = /^[-+]?\d[\d,]*(?:\.\d+)?%?$/;
const PROSE_PUNCT = /[，。；：！？,;]/;
const SENTENCE_END = /[。！？；：」”!?;:]$/;
const HEADING_START =
  /^(?:[一二三四五六七八九十百]+、|[（(][一二三四五六七八九十百]+[）)]|\d{1,2}[.、．](?!\d)|[（(]\d{1,2}[）)]|[①-⑳]|第[一二三四五六七八九十百零〇\d]+[章节条部分])/u;

/** "电子邮箱：" wrapped before "hzzwgk@126.com": a colon followed by Latin text is mid-sentence. */
function continuesAfterColon(line: string, next: string): boolean {
  return /[：:]$/.test(line) && /^[A-Za-z]/.test(next);
}

interface PdfLine {
  text: string;
  table: boolean;
}

/** Visual width in em: CJK and full-width forms are 1, everything else about half. */
const CJK_CHAR = new RegExp(`[${CJK}]`, "u");

function visualWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += CJK_CHAR.test(ch) ? 1 : 0.5;
  return w;
}

function joinProse(parts: string[]): string {
  return parts.join(" ").replace(SPACE_NEAR_CJK, "").replace(/\s+/g, " ").trim();
}

/**
 * Classify one extracted line. pdf-parse separates every text item with a tab, so tabs are not
 * reliable cell borders; a line is a table row when it ends in a run of numeric cells after a
 * short, unpunctuated label, or when it is a header row of several multi-char CJK labels.
 */
export function classifyPdfLine(raw: string): PdfLine {
  const tabCells = raw.split("\t").map((c) => c.trim()).filter((c) => c !== "");
  const tokens = raw.split(/\s+/).filter((c) => c !== "");
  const firstNum = tokens.findIndex((t) => NUMERIC_CELL.test(t));
  if (firstNum >= 0 && tokens.slice(firstNum).every((t) => NUMERIC_CELL.test(t))) {
    const labelParts = tokens.slice(0, firstNum);
    const label = labelParts.join(" ").replace(new RegExp(`(?<=[${CJK}])\\s+(?=[${CJK}])`, "gu"), "");
    if (!PROSE_PUNCT.test(label) && visualWidth(label) < 22) {
      const nums = tokens.slice(firstNum);
      return { text: [label, ...nums].filter((c) => c !== "").join(" | "), table: true };
    }
  }
  const headerRow =
    tabCells.length >= 2 &&
    tabCells.every((c) => /^[\p{Script=Han}（）()：:]{2,16}$/u.test(c.replace(/\s+/g, "")) && !/[，。；,;]/.test(c));
  if (headerRow) return { text: tabCells.map((c) => c.replace(/\s+/g, "")).join(" | "), table: true };
  return { text: joinProse([raw]), table: false };
}

/**
 * Turn per-page pdf-parse output into running text: drop folios, classify lines, then re-join
 * lines that were hard-wrapped inside a sentence. Only lines that fill (almost) the full text width
 * are continued, so short label lines of vertically extracted tables stay one item per line.
 */
export function repairPdfPages(pages: string[]): string {
  const lines = pages
    .flatMap(stripPageNumbers)
    .filter((l) => l.trim() !== "")
    .map(classifyPdfLine)
    .filter((l) => l.text !== "");
  const proseWidths = lines.filter((l) => !l.table).map((l) => visualWidth(l.text)).sort((a, b) => a - b);
  const fullWidth = proseWidths[Math.floor(proseWidths.length * 0.9)] ?? 0;

  const out: string[] = [];
  let cur: PdfLine | null = null;
  let curLastWidth = 0;
  for (const line of lines) {
    const continues =
      cur !== null &&
      !cur.table &&
      !line.table &&
      curLastWidth >= 0.85 * fullWidth &&
      (!SENTENCE_END.test(cur.text) || continuesAfterColon(cur.text, line.text)) &&
      !HEADING_START.test(line.text);
    if (continues && cur) {
      const glue: string = /[A-Za-z]$/.test(cur.text) && /^[A-Za-z]/.test(line.text) ? " " : "";
      cur = { text: cur.text + glue + line.text, table: false };
    } else {
      if (cur) out.push(cur.text);
      cur = { ...line };
    }
    curLastWidth = visualWidth(line.text);
  }
  if (cur) out.push(cur.text);
  return out.join("\n");
}

// ---------------------------------------------------------------------------------------------
// DOCX

async function docxToText(buf: Buffer, source: string): Promise<string> {
  try {
    const { default: mammoth } = await parserImports.docx();
    const { value } = await mammoth.extractRawText({ buffer: buf });
    return normalizeNewlines(value).replace(/\n{3,}/g, "\n\n").trim();
  } catch (err) {
    throw new LoadError(source, `corrupt DOCX: ${firstLine(err)}`, { cause: err });
  }
}
