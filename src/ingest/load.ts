/**
 * Load stage: one file on disk → LoadedFile (Unicode text with \n line ends).
 * Format-specific layout repair (PDF page numbers, hard-wrapped lines, HTML chrome) happens here;
 * text-level artifact removal that applies to every format lives in clean.ts.
 */
import { readFile, stat } from "node:fs/promises";
import { inflateRawSync } from "node:zlib";
import { createRequire } from "node:module";
import path from "node:path";
import type { CheerioAPI } from "cheerio";
import iconv from "iconv-lite";
import { LoadError } from "../errors.js";
import { keepingBuiltins } from "./builtins.js";
import type { LoadedFile } from "../types.js";

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

/** Caps that keep one hostile or broken file from exhausting memory or the stack. */
export interface LoadLimits {
  /** Largest file read (bytes). */
  maxFileBytes: number;
  /** Largest total inflated size of a DOCX's zip entries (bytes). */
  maxUnzippedBytes: number;
  /** Longest extracted text (characters), for every format; PDF extraction stops as soon as it is exceeded. */
  maxTextChars: number;
}

const MB = 1024 * 1024;

/** The caps from settings (MAX_FILE_MB, MAX_UNZIPPED_MB, MAX_TEXT_CHARS). */
export function loadLimitsFrom(s: { MAX_FILE_MB: number; MAX_UNZIPPED_MB: number; MAX_TEXT_CHARS: number }): LoadLimits {
  return { maxFileBytes: s.MAX_FILE_MB * MB, maxUnzippedBytes: s.MAX_UNZIPPED_MB * MB, maxTextChars: s.MAX_TEXT_CHARS };
}

let defaultLimits: LoadLimits | null = null;
/** Caps from the environment (same names and defaults as src/config.ts), read once. */
function limitsFromEnv(): LoadLimits {
  if (defaultLimits) return defaultLimits;
  const num = (name: string, def: number) => {
    const v = Number(process.env[name]);
    return Number.isInteger(v) && v > 0 ? v : def;
  };
  defaultLimits = loadLimitsFrom({ MAX_FILE_MB: num("MAX_FILE_MB", 64), MAX_UNZIPPED_MB: num("MAX_UNZIPPED_MB", 256), MAX_TEXT_CHARS: num("MAX_TEXT_CHARS", 20_000_000) });
  return defaultLimits;
}

function size(n: number): string {
  return n >= MB ? `${Math.round(n / MB)} MB` : `${n} bytes`;
}

/**
 * Loads `absPath`; `bytes`, when the caller has already read the file, saves reading it again.
 * Only a regular file is opened (a FIFO would block forever, a device never ends); `limits` default to the settings.
 */
export async function loadFile(absPath: string, source: string, bytes?: Buffer, limits: LoadLimits = limitsFromEnv()): Promise<LoadedFile> {
  const ext = path.extname(absPath).toLowerCase();
  const format = (FORMAT_BY_EXT as Record<string, Format | undefined>)[ext];
  if (!format) throw new LoadError(source, `unsupported file type ${ext || "(no extension)"}`);

  let buf: Buffer;
  try {
    if (!bytes) {
      const st = await stat(absPath);
      if (!st.isFile()) throw new LoadError(source, "不是普通文件 / not a regular file (FIFO, device or socket)");
      if (st.size > limits.maxFileBytes) throw new LoadError(source, `文件过大 / file too large: ${size(st.size)} > ${size(limits.maxFileBytes)}`);
    }
    buf = bytes ?? (await readFile(absPath));
  } catch (err) {
    if (err instanceof LoadError) throw err;
    throw new LoadError(source, `cannot read file: ${firstLine(err)}`, { cause: err });
  }
  if (buf.length === 0) throw new LoadError(source, "empty file");
  if (buf.length > limits.maxFileBytes) throw new LoadError(source, `文件过大 / file too large: ${size(buf.length)} > ${size(limits.maxFileBytes)}`);

  try {
    const { text, encoding } = await extract(format, buf, source, limits);
    if (text.trim() === "") {
      throw new LoadError(source, format === "pdf" ? "PDF has no text layer (scanned?)" : "empty file");
    }
    if (text.length > limits.maxTextChars) throw textTooLong(source, text.length, limits);
    return { source, format, encoding, text };
  } catch (err) {
    if (err instanceof LoadError) throw err;
    // A parser drowning in a huge or deeply nested file: name the file and the cause, not the stack.
    if (err instanceof RangeError && /call stack|Invalid string length|Array buffer allocation|Invalid array length/i.test(err.message))
      throw new LoadError(source, `文件内容过大或嵌套过深，无法解析 / too large or too deeply nested to parse (${firstLine(err)})`, { cause: err });
    // Anything unexpected from a parser still becomes a one-line, file-named error.
    throw new LoadError(source, `cannot parse ${format}: ${firstLine(err)}`, { cause: err });
  }
}

function textTooLong(source: string, chars: number | null, limits: LoadLimits): LoadError {
  const got = chars === null ? "" : `${chars} `;
  return new LoadError(source, `解压后超过文本上限 / extracted text exceeds the cap: ${got}> ${limits.maxTextChars} characters (MAX_TEXT_CHARS)`);
}

async function extract(
  format: Format,
  buf: Buffer,
  source: string,
  limits: LoadLimits,
): Promise<{ text: string; encoding: string | null }> {
  switch (format) {
    case "txt":
    case "md":
      return decodeText(buf, source);
    case "html":
      return await htmlToText(buf, source);
    case "pdf":
      return { text: await pdfToText(buf, source, limits), encoding: null };
    case "docx":
      checkZipSize(buf, source, limits);
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
async function htmlToText(buf: Buffer, source: string): Promise<{ text: string; encoding: string }> {
  const { text: html, encoding } = decodeHtml(buf, source);
  const { load: loadHtml } = await import("cheerio");
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
  const { PDFParse } = await import("pdf-parse");
  const parser = new PDFParse({
    data: new Uint8Array(buf),
    cMapUrl: CMAP_URL,
    cMapPacked: true,
    standardFontDataUrl: STANDARD_FONT_URL,
    verbosity: 0,
  });
  try {
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

const EOCD_SIG = 0x06054b50;
const CEN_SIG = 0x02014b50;
const LOC_SIG = 0x04034b50;

/**
 * Refuses a zip (DOCX) whose entries inflate beyond the cap, before mammoth reads it. The central directory's
 * declared sizes are checked first (cheap); then every deflated entry is actually inflated with an output
 * limit, so a directory that lies about its sizes is caught as well. A buffer that is not a zip is left to
 * mammoth (which names it corrupt).
 */
export function checkZipSize(buf: Buffer, source: string, limits: Pick<LoadLimits, "maxUnzippedBytes">): void {
  const cap = limits.maxUnzippedBytes;
  const tooBig = (n: number | null) =>
    new LoadError(source, `解压后超过上限 / DOCX inflates beyond the cap: ${n === null ? "" : `${size(n)} `}> ${size(cap)} (MAX_UNZIPPED_MB)`);
  // End of central directory: last 22 bytes plus a comment of up to 65535 bytes.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === EOCD_SIG) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return;
  let entries = buf.readUInt16LE(eocd + 10);
  let cdOffset = buf.readUInt32LE(eocd + 16);
  if (entries === 0xffff || cdOffset === 0xffffffff) {
    // Zip64: the zip64 end-of-central-directory locator sits just before the EOCD.
    const loc = eocd - 20;
    if (loc < 0 || buf.readUInt32LE(loc) !== 0x07064b50) throw tooBig(null);
    const z64 = Number(buf.readBigUInt64LE(loc + 8));
    if (z64 + 56 > buf.length || buf.readUInt32LE(z64) !== 0x06064b50) throw tooBig(null);
    entries = Number(buf.readBigUInt64LE(z64 + 32));
    cdOffset = Number(buf.readBigUInt64LE(z64 + 48));
  }
  let declared = 0;
  const deflated: Array<{ local: number; compressed: number }> = [];
  let p = cdOffset;
  for (let n = 0; n < entries; n++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== CEN_SIG) return; // damaged directory: mammoth reports it
    const method = buf.readUInt16LE(p + 10);
    let compressed = buf.readUInt32LE(p + 20);
    let uncompressed = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    let local = buf.readUInt32LE(p + 42);
    if (uncompressed === 0xffffffff || compressed === 0xffffffff || local === 0xffffffff) {
      // Zip64 extended information: the 8-byte values present, in this order, for the fields set to 0xffffffff.
      let e = p + 46 + nameLen;
      const end = e + extraLen;
      let found = false;
      while (e + 4 <= end) {
        const id = buf.readUInt16LE(e);
        const len = buf.readUInt16LE(e + 2);
        if (id === 0x0001) {
          let q = e + 4;
          if (uncompressed === 0xffffffff) (uncompressed = Number(buf.readBigUInt64LE(q))), (q += 8);
          if (compressed === 0xffffffff) (compressed = Number(buf.readBigUInt64LE(q))), (q += 8);
          if (local === 0xffffffff) local = Number(buf.readBigUInt64LE(q));
          found = true;
          break;
        }
        e += 4 + len;
      }
      if (!found) throw tooBig(null);
    }
    declared += uncompressed;
    if (declared > cap) throw tooBig(declared);
    if (method === 8) deflated.push({ local, compressed });
    p += 46 + nameLen + extraLen + commentLen;
  }
  // Declared sizes can lie: inflate for real, never producing more than what is left of the cap.
  let actual = 0;
  for (const { local, compressed } of deflated) {
    if (local + 30 > buf.length || buf.readUInt32LE(local) !== LOC_SIG) continue;
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(start, Math.min(buf.length, start + compressed));
    try {
      actual += inflateRawSync(data, { maxOutputLength: cap - actual + 1 }).length;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") throw tooBig(null);
      continue; // a damaged entry: mammoth names the file corrupt if it needs it
    }
    if (actual > cap) throw tooBig(null);
  }
}

async function docxToText(buf: Buffer, source: string): Promise<string> {
  try {
    const { default: mammoth } = await import("mammoth");
    const { value } = await mammoth.extractRawText({ buffer: buf });
    return normalizeNewlines(value).replace(/\n{3,}/g, "\n\n").trim();
  } catch (err) {
    throw new LoadError(source, `corrupt DOCX: ${firstLine(err)}`, { cause: err });
  }
}
