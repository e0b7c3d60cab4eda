/**
 * Generators of hostile files, built in memory in a few milliseconds and a few MB: decompression bombs, PDFs of
 * tens of thousands of pages, deeply nested HTML, broken multipart bodies. Nothing here is stored in the
 * repository; tests of the loader, the sandbox, ingest and the HTTP upload all draw on the same files.
 *
 * Large inflated content is made without ever holding it: a deflate block of one chunk, emitted with a sync
 * flush (byte-aligned, not final, no back-references outside itself), is repeated; the CRC-32 and Adler-32 of
 * the repeated content are combined mathematically (zlib's crc32_combine / adler32_combine).
 */
import { constants, deflateRawSync } from "node:zlib";

// ---------------------------------------------------------------------------------------------
// Checksums of repeated content

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(buf: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

function gf2Times(mat: Uint32Array, vec: number): number {
  let sum = 0;
  for (let i = 0; vec; i++, vec >>>= 1) if (vec & 1) sum ^= mat[i];
  return sum >>> 0;
}
function gf2Square(square: Uint32Array, mat: Uint32Array): void {
  for (let n = 0; n < 32; n++) square[n] = gf2Times(mat, mat[n]);
}
/** CRC-32 of A followed by B, from crc(A), crc(B) and the length of B (zlib's crc32_combine). */
export function crc32Combine(crc1: number, crc2: number, len2: number): number {
  if (len2 <= 0) return crc1 >>> 0;
  const even = new Uint32Array(32);
  const odd = new Uint32Array(32);
  odd[0] = 0xedb88320;
  let row = 1;
  for (let n = 1; n < 32; n++, row <<= 1) odd[n] = row;
  gf2Square(even, odd);
  gf2Square(odd, even);
  let c = crc1 >>> 0;
  let len = len2;
  do {
    gf2Square(even, odd);
    if (len % 2) c = gf2Times(even, c);
    len = Math.floor(len / 2);
    if (!len) break;
    gf2Square(odd, even);
    if (len % 2) c = gf2Times(odd, c);
    len = Math.floor(len / 2);
  } while (len);
  return (c ^ crc2) >>> 0;
}

const ADLER_MOD = 65521;
export function adler32(buf: Uint8Array, adler = 1): number {
  let a = adler & 0xffff;
  let b = adler >>> 16;
  for (let i = 0; i < buf.length; i++) {
    a = (a + buf[i]) % ADLER_MOD;
    b = (b + a) % ADLER_MOD;
  }
  return ((b << 16) | a) >>> 0;
}
/** Adler-32 of A followed by B (zlib's adler32_combine). */
export function adler32Combine(adler1: number, adler2: number, len2: number): number {
  const rem = len2 % ADLER_MOD;
  let sum1 = adler1 & 0xffff;
  let sum2 = Number((BigInt(rem) * BigInt(sum1)) % BigInt(ADLER_MOD));
  sum1 += (adler2 & 0xffff) + ADLER_MOD - 1;
  sum2 += (adler1 >>> 16) + (adler2 >>> 16) + ADLER_MOD - rem;
  if (sum1 >= ADLER_MOD) sum1 -= ADLER_MOD;
  if (sum1 >= ADLER_MOD) sum1 -= ADLER_MOD;
  if (sum2 >= ADLER_MOD << 1) sum2 -= ADLER_MOD << 1;
  if (sum2 >= ADLER_MOD) sum2 -= ADLER_MOD;
  return ((sum2 << 16) | sum1) >>> 0;
}

// ---------------------------------------------------------------------------------------------
// Deflate of repeated content

/** Content described as pieces, each repeated: inflates to sum(data.length × times) bytes. */
export type Pieces = Array<{ data: Buffer; times?: number }>;

export interface Deflated {
  /** Raw deflate data (no zlib or gzip header). */
  raw: Buffer;
  /** Inflated length, CRC-32 and Adler-32 of the content. */
  size: number;
  crc: number;
  adler: number;
}

/** Repeats `x` n times by doubling (for checksums of repeated content). */
function repeatCombine(one: number, len: number, times: number, combine: (a: number, b: number, len2: number) => number, empty: number): number {
  let result = empty;
  let resultLen = 0;
  let block = one;
  let blockLen = len;
  let n = times;
  while (n > 0) {
    if (n & 1) {
      result = resultLen === 0 ? block : combine(result, block, blockLen);
      resultLen += blockLen;
    }
    n = Math.floor(n / 2);
    if (n) {
      block = combine(block, block, blockLen);
      blockLen *= 2;
    }
  }
  return result;
}

/** Deflates content given as repeated pieces; a piece's deflate block is computed once and repeated. */
export function deflatePieces(pieces: Pieces): Deflated {
  const parts: Buffer[] = [];
  let size = 0;
  let crc = 0;
  let adler = 1;
  for (const { data, times = 1 } of pieces) {
    if (times <= 0 || data.length === 0) continue;
    const block = deflateRawSync(data, { finishFlush: constants.Z_SYNC_FLUSH, level: 9 });
    for (let i = 0; i < times; i++) parts.push(block);
    const len = data.length * times;
    const c = repeatCombine(crc32(data), data.length, times, crc32Combine, 0);
    const a = repeatCombine(adler32(data), data.length, times, adler32Combine, 1);
    crc = size === 0 ? c : crc32Combine(crc, c, len);
    adler = size === 0 ? a : adler32Combine(adler, a, len);
    size += len;
  }
  // A final, empty block with fixed Huffman codes ends the stream.
  parts.push(Buffer.from([0x03, 0x00]));
  return { raw: Buffer.concat(parts), size, crc, adler };
}

/** Pieces for `unit` repeated `count` times, in chunks of about 1 MB (one deflate block per chunk). */
export function repeated(unit: string | Buffer, count: number): Pieces {
  const u = Buffer.isBuffer(unit) ? unit : Buffer.from(unit, "utf8");
  const perChunk = Math.max(1, Math.floor((1 << 20) / u.length));
  const out: Pieces = [];
  const full = Math.floor(count / perChunk);
  if (full) out.push({ data: Buffer.concat(Array(perChunk).fill(u)), times: full });
  const rest = count - full * perChunk;
  if (rest) out.push({ data: Buffer.concat(Array(rest).fill(u)) });
  return out;
}

/** zlib-wrapped (RFC 1950) deflate of the pieces, as a PDF FlateDecode stream holds it. */
export function zlibPieces(pieces: Pieces): { data: Buffer; size: number } {
  const d = deflatePieces(pieces);
  const trailer = Buffer.alloc(4);
  trailer.writeUInt32BE(d.adler, 0);
  return { data: Buffer.concat([Buffer.from([0x78, 0xda]), d.raw, trailer]), size: d.size };
}

// ---------------------------------------------------------------------------------------------
// Zip and DOCX

/** A zip of deflated entries; `declare` replaces every entry's uncompressed size in the headers (a lying directory). */
export function zip(entries: Record<string, Pieces | Buffer>, declare?: number): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of Object.entries(entries)) {
    const nameBuf = Buffer.from(name, "utf8");
    const d = deflatePieces(Buffer.isBuffer(content) ? [{ data: content }] : content);
    const size = declare ?? d.size;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(d.crc, 14);
    local.writeUInt32LE(d.raw.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(d.crc, 16);
    central.writeUInt32LE(d.raw.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(nameBuf.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBuf, d.raw);
    centrals.push(central, nameBuf);
    offset += 30 + nameBuf.length + d.raw.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  const n = Object.keys(entries).length;
  end.writeUInt16LE(n, 8);
  end.writeUInt16LE(n, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

const CONTENT_TYPES = Buffer.from(
  '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
    '<Default Extension="xml" ContentType="application/xml"/>' +
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
);
const RELS = Buffer.from(
  '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
);
const DOC_HEAD = '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>';
const DOC_TAIL = "</w:body></w:document>";

/** A DOCX whose document.xml holds `paragraph` (raw WordprocessingML) `count` times. */
export function docxOf(paragraph: string, count: number, opts: { declare?: number } = {}): Buffer {
  const body: Pieces = [{ data: Buffer.from(DOC_HEAD) }, ...repeated(paragraph, count), { data: Buffer.from(DOC_TAIL) }];
  return zip({ "[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": RELS, "word/document.xml": body }, opts.declare);
}

/** Inflated size of `docxOf(paragraph, count)`'s document.xml. */
export function docxXmlSize(paragraph: string, count: number): number {
  return Buffer.byteLength(DOC_HEAD) + Buffer.byteLength(paragraph) * count + Buffer.byteLength(DOC_TAIL);
}

export const EMPTY_PARAGRAPH = "<w:p/>";
export const TEXT_PARAGRAPH = "<w:p><w:r><w:t>全年共受理政府信息公开申请249件，均已按期答复。</w:t></w:r></w:p>";

/** The probe's DOCX: empty paragraphs inflating to `mb` MB (250 as the probe sent, under the old 256 MB cap) in a file of a few hundred KB. */
export function docxEmptyParagraphs(mb = 250): Buffer {
  return docxOf(EMPTY_PARAGRAPH, Math.ceil((mb * 1024 * 1024) / EMPTY_PARAGRAPH.length));
}

/** A DOCX with `mb` MB of ordinary text paragraphs (under the inflated-size cap, over the XML caps). */
export function docxLargeXml(mb = 120): Buffer {
  return docxOf(TEXT_PARAGRAPH, Math.ceil((mb * 1024 * 1024) / Buffer.byteLength(TEXT_PARAGRAPH)));
}

// ---------------------------------------------------------------------------------------------
// PDF

/** Assembles numbered objects (1…n, in order) into a PDF with a correct cross-reference table. */
export function pdfDocument(objects: Array<Buffer | string>, root = 1): Buffer {
  const parts: Buffer[] = [Buffer.from("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "latin1")];
  let pos = parts[0].length;
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(pos);
    const b = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`), Buffer.isBuffer(body) ? body : Buffer.from(body, "latin1"), Buffer.from("\nendobj\n")]);
    parts.push(b);
    pos += b.length;
  });
  const xref = [`xref\n0 ${objects.length + 1}\n`, "0000000000 65535 f \n", ...offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`)].join("");
  parts.push(Buffer.from(`${xref}trailer\n<< /Size ${objects.length + 1} /Root ${root} 0 R >>\nstartxref\n${pos}\n%%EOF\n`, "latin1"));
  return Buffer.concat(parts);
}

function streamObject(dict: string, data: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`<< ${dict} /Length ${data.length} >>\nstream\n`, "latin1"), data, Buffer.from("\nendstream", "latin1")]);
}

/**
 * A PDF of `pages` pages sharing one content stream (`text` shown on each, or none: empty pages). Objects:
 * 1 catalog, 2 page tree, 3 font, 4 content, 5… pages.
 */
export function pdfPages(pages: number, text: string | null = "Page"): Buffer {
  const content = text === null ? Buffer.alloc(0) : Buffer.from(`BT /F1 12 Tf 72 720 Td (${text}) Tj ET`, "latin1");
  const kids = Array.from({ length: pages }, (_, i) => `${i + 5} 0 R`).join(" ");
  const objects: Array<string | Buffer> = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    `<< /Type /Pages /Count ${pages} /Kids [${kids}] >>`,
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    streamObject("", content),
  ];
  for (let i = 0; i < pages; i++) objects.push("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>");
  return pdfDocument(objects);
}

/** A one-page PDF whose FlateDecode content stream inflates to `mb` MB of text-showing operators. */
export function pdfFlateBomb(mb = 512): Buffer {
  const op = "(AAAAAAAA) Tj\n";
  const { data } = zlibPieces([{ data: Buffer.from("BT /F1 12 Tf 72 720 Td\n") }, ...repeated(op, Math.ceil((mb * 1024 * 1024) / op.length)), { data: Buffer.from("ET\n") }]);
  return pdfDocument([
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Count 1 /Kids [5 0 R] >>",
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    streamObject("/Filter /FlateDecode", data),
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>",
  ]);
}

// ---------------------------------------------------------------------------------------------
// HTML

/** HTML with `depth` nested <div>s around one line of text. */
export function htmlNested(depth: number, tag = "div"): Buffer {
  return Buffer.from(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>嵌套</title></head><body>${`<${tag}>`.repeat(depth)}政府信息公开${`</${tag}>`.repeat(depth)}</body></html>`);
}

/** HTML with `count` sibling elements (flat, shallow). */
export function htmlMany(count: number, element = "<span>年</span>"): Buffer {
  return Buffer.from(`<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>${element.repeat(count)}</body></html>`);
}

// ---------------------------------------------------------------------------------------------
// Multipart

export const BOUNDARY = "----nianbaoHostileBoundaryQ2x9";

/** A well-formed multipart/form-data body with one file field. */
export function multipart(filename: string, content: Buffer, field = "file"): { body: Buffer; contentType: string } {
  const head = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`;
  return { body: Buffer.concat([Buffer.from(head, "utf8"), content, Buffer.from(`\r\n--${BOUNDARY}--\r\n`)]), contentType: `multipart/form-data; boundary=${BOUNDARY}` };
}

/** Broken multipart requests the probe sent: no boundary parameter, a body cut off mid-file, a boundary the body never uses. */
export function brokenMultiparts(): Array<{ name: string; body: Buffer; contentType: string }> {
  const good = multipart("草稿.txt", Buffer.from("政府信息公开工作年度报告\n".repeat(50)));
  return [
    { name: "no boundary", body: good.body, contentType: "multipart/form-data" },
    { name: "truncated", body: good.body.subarray(0, Math.floor(good.body.length / 2)), contentType: good.contentType },
    { name: "wrong boundary", body: good.body, contentType: "multipart/form-data; boundary=notTheBoundaryUsed" },
    { name: "empty body", body: Buffer.alloc(0), contentType: good.contentType },
  ];
}
