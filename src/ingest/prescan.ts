/**
 * Structural caps checked before a parser runs: cheap, linear scans of a file's own structure that refuse it with
 * a FileLimitError when parsing it would cost more time or memory than the sandbox allows. Inflating is
 * streamed and counted, never held: a bomb costs the time to inflate up to the cap and a few chunks of memory.
 *   DOCX  zip directory's declared sizes, then every entry inflated and counted; XML parts' bytes, paragraphs, elements
 *   PDF   the page tree's page count; every FlateDecode stream (image streams aside) inflated and counted
 *   HTML  nesting depth and element count from a scan of the tags
 */
import { createInflate, createInflateRaw, type Inflate, type InflateRaw } from "node:zlib";
import { FileLimitError, type FileLimit } from "../errors.js";
import type { LoadLimits } from "../limits.js";

/** The caps the scans need (a subset of LoadLimits, declared there once). */
export type StructureLimits = Pick<
  LoadLimits,
  "maxUnzippedBytes" | "maxPdfPages" | "maxDocxXmlBytes" | "maxDocxParagraphs" | "maxDocxElements" | "maxHtmlDepth" | "maxHtmlElements"
>;

const MB = 1024 * 1024;

export function sizeText(n: number): string {
  return n >= MB ? `${Math.round(n / MB)} MB` : `${n} bytes`;
}

function limitError(source: string, limit: FileLimit, zh: string, en: string): FileLimitError {
  return new FileLimitError(source, limit, zh, en);
}

/** A stop signal thrown from a chunk consumer to end inflating early. */
class Stop extends Error {}

/**
 * Inflates `data` (raw deflate, or zlib when `zlib`) chunk by chunk, handing each chunk to `consume`, which may
 * throw to stop. A damaged stream ends quietly (the parser reports it if it matters). `layers` > 1 inflates the
 * output again (a PDF stream with several FlateDecode filters).
 */
function inflateChunks(data: Uint8Array, opts: { zlib: boolean; layers?: number }, consume: (chunk: Buffer) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const layers = Math.max(1, opts.layers ?? 1);
    const streams: Array<Inflate | InflateRaw> = [];
    for (let i = 0; i < layers; i++) streams.push(i === 0 && !opts.zlib ? createInflateRaw({ chunkSize: 64 * 1024 }) : createInflate({ chunkSize: 64 * 1024 }));
    let done = false;
    const finish = (err?: unknown) => {
      if (done) return;
      done = true;
      for (const s of streams) s.destroy();
      if (err && !(err instanceof Stop)) reject(err);
      else resolve();
    };
    const last = streams[streams.length - 1];
    for (let i = 0; i < streams.length; i++) {
      // A damaged or truncated stream (bad header, wrong checksum, trailing bytes) ends the count where it broke.
      streams[i].on("error", () => finish());
      if (i + 1 < streams.length) streams[i].pipe(streams[i + 1]);
    }
    last.on("data", (chunk: Buffer) => {
      if (done) return;
      try {
        consume(chunk);
      } catch (err) {
        finish(err);
      }
    });
    last.on("end", () => finish());
    streams[0].end(data);
  });
}

// ---------------------------------------------------------------------------------------------
// DOCX (zip)

const EOCD_SIG = 0x06054b50;
const CEN_SIG = 0x02014b50;
const LOC_SIG = 0x04034b50;

interface ZipEntry {
  name: string;
  method: number;
  compressed: number;
  declared: number;
  local: number;
}

/** The central directory's entries; null when the buffer is not a readable zip (mammoth then names it corrupt). */
function zipEntries(buf: Buffer, tooBig: (n: number | null) => FileLimitError): ZipEntry[] | null {
  // End of central directory: last 22 bytes plus a comment of up to 65535 bytes.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === EOCD_SIG) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return null;
  let count = buf.readUInt16LE(eocd + 10);
  let cdOffset = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdOffset === 0xffffffff) {
    // Zip64: the zip64 end-of-central-directory locator sits just before the EOCD.
    const loc = eocd - 20;
    if (loc < 0 || buf.readUInt32LE(loc) !== 0x07064b50) throw tooBig(null);
    const z64 = Number(buf.readBigUInt64LE(loc + 8));
    if (z64 + 56 > buf.length || buf.readUInt32LE(z64) !== 0x06064b50) throw tooBig(null);
    count = Number(buf.readBigUInt64LE(z64 + 32));
    cdOffset = Number(buf.readBigUInt64LE(z64 + 48));
  }
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let n = 0; n < count; n++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== CEN_SIG) return entries.length ? entries : null; // damaged directory
    const method = buf.readUInt16LE(p + 10);
    let compressed = buf.readUInt32LE(p + 20);
    let declared = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    let local = buf.readUInt32LE(p + 42);
    const name = buf.toString("utf8", p + 46, Math.min(buf.length, p + 46 + nameLen));
    if (declared === 0xffffffff || compressed === 0xffffffff || local === 0xffffffff) {
      // Zip64 extended information: the 8-byte values present, in this order, for the fields set to 0xffffffff.
      let e = p + 46 + nameLen;
      const end = Math.min(buf.length, e + extraLen);
      let found = false;
      while (e + 4 <= end) {
        const id = buf.readUInt16LE(e);
        const len = buf.readUInt16LE(e + 2);
        if (id === 0x0001) {
          let q = e + 4;
          if (declared === 0xffffffff && q + 8 <= end) (declared = Number(buf.readBigUInt64LE(q))), (q += 8);
          if (compressed === 0xffffffff && q + 8 <= end) (compressed = Number(buf.readBigUInt64LE(q))), (q += 8);
          if (local === 0xffffffff && q + 8 <= end) local = Number(buf.readBigUInt64LE(q));
          found = true;
          break;
        }
        e += 4 + len;
      }
      if (!found) throw tooBig(null);
    }
    entries.push({ name, method, compressed, declared, local });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

const isXmlPart = (name: string) => /\.(?:xml|rels)$/i.test(name);
/** Parts whose paragraphs mammoth reads (document, footnotes, endnotes, comments). */
const isWordPart = (name: string) => /^word\/[^/]+\.xml$/i.test(name);

/**
 * Counts XML start tags and WordprocessingML paragraphs (`<w:p>`, `<w:p …>`, `<w:p/>`) across chunks: a small
 * state machine, so a tag split between two chunks is counted once.
 */
class XmlCounter {
  elements = 0;
  paragraphs = 0;
  /** 0 text; 1 after "<"; 2 "<w"; 3 "<w:"; 4 "<w:p". */
  private state = 0;
  feed(chunk: Uint8Array, countParagraphs: boolean): void {
    let s = this.state;
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (s === 0) {
        const next = chunk.indexOf(0x3c, i); // "<"
        if (next < 0) break;
        i = next + 1;
        s = 1;
        continue;
      }
      const c = chunk[i++];
      if (s === 1) {
        // A start tag's name begins with a letter, "_" or ":" (or any non-ASCII byte); "/", "!" and "?" are not elements.
        const start = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x3a || c >= 0x80;
        if (start) this.elements++;
        s = start && c === 0x77 && countParagraphs ? 2 : c === 0x3c ? 1 : 0;
      } else if (s === 2) s = c === 0x3a ? 3 : c === 0x3c ? 1 : 0;
      else if (s === 3) s = c === 0x70 ? 4 : c === 0x3c ? 1 : 0;
      else {
        // "<w:p" then a space, ">", "/" or a line break: a paragraph (not <w:pPr>, <w:proofErr>, …).
        if (c === 0x20 || c === 0x3e || c === 0x2f || c === 0x09 || c === 0x0a || c === 0x0d) this.paragraphs++;
        s = c === 0x3c ? 1 : 0;
      }
    }
    this.state = s;
  }
}

/**
 * Refuses a zip (DOCX) before mammoth reads it when its entries inflate beyond MAX_UNZIPPED_MB, its XML parts
 * beyond DOCX_MAX_XML_MB, or they hold more than DOCX_MAX_PARAGRAPHS paragraphs or DOCX_MAX_ELEMENTS elements.
 * The central directory's declared sizes are checked first (no inflating at all); then every entry is inflated
 * for real, counted and dropped, so a directory that lies about its sizes is caught as well. A buffer that is not a
 * zip is left to mammoth (which names it corrupt).
 */
export async function checkZipSize(buf: Buffer, source: string, limits: Pick<StructureLimits, "maxUnzippedBytes"> & Partial<StructureLimits>): Promise<void> {
  const cap = limits.maxUnzippedBytes;
  const xmlCap = limits.maxDocxXmlBytes ?? Infinity;
  const tooBig = (n: number | null) =>
    limitError(source, "too_large", `解压后超过上限：${n === null ? "" : `${sizeText(n)} `}> ${sizeText(cap)}（MAX_UNZIPPED_MB）`, `DOCX inflates beyond the cap: ${n === null ? "" : `${sizeText(n)} `}> ${sizeText(cap)} (MAX_UNZIPPED_MB)`);
  const xmlTooBig = (n: number | null) =>
    limitError(source, "too_large", `DOCX 的 XML 内容解压后超过上限：${n === null ? "" : `${sizeText(n)} `}> ${sizeText(xmlCap)}（DOCX_MAX_XML_MB）`, `DOCX XML parts inflate beyond the cap: ${n === null ? "" : `${sizeText(n)} `}> ${sizeText(xmlCap)} (DOCX_MAX_XML_MB)`);
  const entries = zipEntries(buf, tooBig);
  if (!entries) return;
  let declared = 0;
  let declaredXml = 0;
  for (const e of entries) {
    declared += e.declared;
    if (declared > cap) throw tooBig(declared);
    if (isXmlPart(e.name)) {
      declaredXml += e.declared;
      if (declaredXml > xmlCap) throw xmlTooBig(declaredXml);
    }
  }
  // Declared sizes can lie: inflate for real, keeping nothing, stopping at the first cap passed.
  const counter = new XmlCounter();
  const maxParagraphs = limits.maxDocxParagraphs ?? Infinity;
  const maxElements = limits.maxDocxElements ?? Infinity;
  let actual = 0;
  let actualXml = 0;
  for (const e of entries) {
    if (e.local + 30 > buf.length || buf.readUInt32LE(e.local) !== LOC_SIG) continue;
    const start = e.local + 30 + buf.readUInt16LE(e.local + 26) + buf.readUInt16LE(e.local + 28);
    const data = buf.subarray(start, Math.min(buf.length, start + e.compressed));
    const xml = isXmlPart(e.name);
    const word = isWordPart(e.name);
    const consume = (chunk: Uint8Array) => {
      actual += chunk.length;
      if (actual > cap) throw tooBig(null);
      if (!xml) return;
      actualXml += chunk.length;
      if (actualXml > xmlCap) throw xmlTooBig(null);
      counter.feed(chunk, word);
      if (counter.paragraphs > maxParagraphs)
        throw limitError(source, "too_large", `DOCX 段落过多：超过 ${maxParagraphs} 段（DOCX_MAX_PARAGRAPHS）`, `too many DOCX paragraphs: > ${maxParagraphs} (DOCX_MAX_PARAGRAPHS)`);
      if (counter.elements > maxElements)
        throw limitError(source, "too_large", `DOCX 内容元素过多：超过 ${maxElements} 个（DOCX_MAX_ELEMENTS）`, `too many XML elements in the DOCX: > ${maxElements} (DOCX_MAX_ELEMENTS)`);
    };
    if (e.method === 8) await inflateChunks(data, { zlib: false }, consume);
    else if (e.method === 0) consume(data);
  }
}

// ---------------------------------------------------------------------------------------------
// PDF

const STREAM = Buffer.from("stream", "latin1");
const ENDSTREAM = Buffer.from("endstream", "latin1");

/**
 * The largest page count a page tree node states (`/Count N`), fed raw bytes and inflated streams (page tree nodes
 * may sit in compressed object streams). The root node's count is the page count, so a PDF of 50,000 pages is
 * known from one regular-expression pass, before pdfjs spends seconds reading its 50,000 page objects. An outline
 * item's `/Count` (open bookmarks) is told apart by the `/First` or `/Outlines` an outline item with children has.
 */
class PageCountScan {
  max = 0;
  private tail = "";
  feed(chunk: Uint8Array): void {
    const text = this.tail + Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString("latin1");
    const re = /\/Count\s+(\d{1,12})/g;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const n = Number(m[1]);
      if (n <= this.max) continue;
      const around = text.slice(Math.max(0, m.index - 512), m.index + 512);
      if (/\/First\b|\/Outlines\b/.test(around)) continue;
      this.max = n;
    }
    // A "/Count" split between chunks is read whole in the next one.
    this.tail = text.slice(-600);
  }
}

/**
 * Refuses a PDF before pdfjs reads it when its page tree states more than PDF_MAX_PAGES pages, or when its
 * FlateDecode streams inflate, together, beyond MAX_UNZIPPED_MB (a content stream, an object stream or a font can
 * be a bomb). Image streams are left out: text extraction never decodes them. Each stream's data runs from its
 * `stream` keyword to the next `endstream`; a stream with several Flate filters is inflated through each.
 * Encrypted streams do not inflate and count for nothing here: for them the page count pdfjs reads and the
 * sandbox's time and memory limits remain.
 */
export async function checkPdfStructure(buf: Buffer, source: string, limits: Pick<StructureLimits, "maxUnzippedBytes" | "maxPdfPages">): Promise<void> {
  const cap = limits.maxUnzippedBytes;
  const pages = new PageCountScan();
  const checkPages = () => {
    if (pages.max > limits.maxPdfPages) throw pdfTooManyPages(source, pages.max, limits.maxPdfPages);
  };
  pages.feed(buf);
  checkPages();
  let total = 0;
  const consume = (chunk: Uint8Array) => {
    total += chunk.length;
    if (total > cap)
      throw limitError(source, "too_large", `PDF 的压缩内容解压后超过上限：> ${sizeText(cap)}（MAX_UNZIPPED_MB）`, `PDF streams inflate beyond the cap: > ${sizeText(cap)} (MAX_UNZIPPED_MB)`);
    pages.feed(chunk);
    checkPages();
  };
  let from = 0;
  for (;;) {
    const at = buf.indexOf(STREAM, from);
    if (at < 0) break;
    from = at + STREAM.length;
    // "endstream" contains "stream": skip it.
    if (at >= 3 && buf.toString("latin1", at - 3, at) === "end") continue;
    let dataStart = from;
    if (buf[dataStart] === 0x0d) dataStart++;
    if (buf[dataStart] === 0x0a) dataStart++;
    else if (dataStart === from) continue; // "stream" not followed by an end of line: not a keyword
    // The stream's dictionary: back to the start of its object (or 4 KB at most).
    const dictFrom = Math.max(0, at - 4096);
    let head = buf.toString("latin1", dictFrom, at);
    const obj = head.lastIndexOf(" obj");
    if (obj >= 0) head = head.slice(obj);
    const end = buf.indexOf(ENDSTREAM, dataStart);
    const dataEnd = end < 0 ? buf.length : end;
    from = Math.max(from, dataEnd);
    if (/\/Subtype\s*\/Image\b/.test(head)) continue;
    const filter = /\/Filter\s*(\[[^\]]*\]|\/[A-Za-z0-9]+)/.exec(head)?.[1] ?? "";
    const names = filter.match(/\/[A-Za-z0-9]+/g) ?? [];
    // Only a leading run of Flate filters is inflated (what follows another filter cannot be read here).
    let layers = 0;
    while (layers < names.length && (names[layers] === "/FlateDecode" || names[layers] === "/Fl")) layers++;
    if (layers === 0) continue;
    await inflateChunks(buf.subarray(dataStart, dataEnd), { zlib: true, layers }, consume);
  }
}

/** The error for a PDF over PDF_MAX_PAGES (from its page tree here, or from pdfjs in load.ts). */
export function pdfTooManyPages(source: string, pages: number, cap: number): FileLimitError {
  return limitError(source, "too_large", `PDF 页数过多：${pages} 页 > ${cap} 页（PDF_MAX_PAGES）`, `too many PDF pages: ${pages} > ${cap} (PDF_MAX_PAGES)`);
}

// ---------------------------------------------------------------------------------------------
// HTML

/** Elements with no content (never open a level). */
const VOID = new Set(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr", "basefont", "bgsound", "frame", "keygen"]);
/** Elements whose end tag may be left out: the parser closes them when a sibling starts, so they do not nest by themselves. */
const OPTIONAL_END = new Set(["p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "tbody", "thead", "tfoot", "colgroup", "caption", "rb", "rt", "rtc", "rp", "html", "head", "body"]);
/** Elements whose content is text up to their end tag. */
const RAW_TEXT = new Set(["script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript"]);
const FOREIGN = new Set(["svg", "math"]);

function isNameStart(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}
function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x3a || c === 0x5f || c === 0x2e;
}

/**
 * Refuses HTML nested deeper than HTML_MAX_DEPTH or with more than HTML_MAX_ELEMENTS elements, from one pass over
 * its tags, before cheerio (parse5) builds the tree: parse5's time grows with the square of the depth (200,000
 * levels ran for 15 minutes), and the DOM walk that follows recurses once per level. The scan follows the parser
 * where it matters for depth: void elements, optional end tags, raw-text elements, comments, an end tag closing
 * what it matches, self-closing tags inside svg/math. Each character is looked at a bounded number of times.
 */
export function checkHtmlStructure(html: string, source: string, limits: Pick<StructureLimits, "maxHtmlDepth" | "maxHtmlElements">): void {
  const { maxHtmlDepth: maxDepth, maxHtmlElements: maxElements } = limits;
  const lower = html.toLowerCase();
  const stack: string[] = [];
  const open = new Map<string, number>();
  let foreign = 0;
  let elements = 0;
  const pop = () => {
    const name = stack.pop()!;
    open.set(name, open.get(name)! - 1);
    if (FOREIGN.has(name)) foreign--;
  };
  let i = 0;
  const n = html.length;
  while (i < n) {
    const lt = html.indexOf("<", i);
    if (lt < 0) break;
    i = lt + 1;
    const c = html.charCodeAt(i);
    if (c === 0x21 /* ! */) {
      if (html.startsWith("!--", i)) {
        const end = html.indexOf("-->", i + 3);
        i = end < 0 ? n : end + 3;
      } else {
        const end = html.indexOf(">", i);
        i = end < 0 ? n : end + 1;
      }
      continue;
    }
    if (c === 0x3f /* ? */) {
      const end = html.indexOf(">", i);
      i = end < 0 ? n : end + 1;
      continue;
    }
    const closing = c === 0x2f; /* / */
    let j = closing ? i + 1 : i;
    if (!isNameStart(html.charCodeAt(j))) continue; // a "<" in text
    const nameStart = j;
    while (j < n && isNameChar(html.charCodeAt(j))) j++;
    const name = lower.slice(nameStart, j);
    // The end of the tag: the next ">" outside a quoted attribute value.
    let quote = 0;
    while (j < n) {
      const d = html.charCodeAt(j);
      if (quote) {
        if (d === quote) quote = 0;
      } else if (d === 0x22 || d === 0x27) quote = d;
      else if (d === 0x3e) break;
      j++;
    }
    const selfClosing = html.charCodeAt(j - 1) === 0x2f;
    i = j + 1;
    if (closing) {
      if ((open.get(name) ?? 0) > 0) {
        while (stack.length && stack[stack.length - 1] !== name) pop();
        if (stack.length) pop();
      }
      continue;
    }
    elements++;
    if (elements > maxElements)
      throw limitError(source, "too_large", `HTML 元素过多：超过 ${maxElements} 个（HTML_MAX_ELEMENTS）`, `too many HTML elements: > ${maxElements} (HTML_MAX_ELEMENTS)`);
    if (name === "plaintext") break;
    if (RAW_TEXT.has(name)) {
      const end = lower.indexOf(`</${name}`, i);
      i = end < 0 ? n : end;
      continue;
    }
    // "/>" closes an element only in foreign content (and <svg/>, <math/> themselves); <div/> opens a div.
    if (VOID.has(name) || OPTIONAL_END.has(name) || (selfClosing && (foreign > 0 || FOREIGN.has(name)))) continue;
    stack.push(name);
    open.set(name, (open.get(name) ?? 0) + 1);
    if (FOREIGN.has(name)) foreign++;
    if (stack.length > maxDepth)
      throw limitError(source, "too_complex", `HTML 嵌套过深：超过 ${maxDepth} 层（HTML_MAX_DEPTH）`, `HTML nested too deeply: > ${maxDepth} levels (HTML_MAX_DEPTH)`);
  }
}
