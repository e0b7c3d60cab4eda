// A namespace import: a named import of `hash` would fail to link on Node 20 releases before 20.12.
import * as crypto from "node:crypto";
import type { Chunk, DocMeta, Section } from "../types.js";
import { flattenSections } from "./structure.js";

/** What a chunk is indexed by: its report's title and its section path give context the passage itself lacks. */
export function indexTextOf(title: string, section: string, text: string): string {
  return `${title}\n${section}\n${text}`;
}

export interface ChunkOptions {
  /** Target chunk length in characters; Chinese sentences average 40–80 characters. */
  targetChars: number;
  /** Hard cap for prose chunks; a single longer sentence is cut at commas. */
  maxChars: number;
  /** Tables are kept whole up to this size because their rows only make sense together. */
  maxTableChars: number;
}

export const DEFAULT_CHUNK_OPTIONS: ChunkOptions = { targetChars: 350, maxChars: 600, maxTableChars: 2400 };

export const SECTION_SEPARATOR = " › ";

const SENTENCE = /[^。！？；!?\n]*(?:[。！？；!?]+[”’」』）)]*|\n|$)/g;

/** Splits Chinese text after sentence ends (。！？；), keeping closing quotes and brackets with their sentence. */
export function splitSentences(text: string): string[] {
  const out: string[] = [];
  // An exec loop over one shared regex: matchAll would clone the regex for every line of every body.
  SENTENCE.lastIndex = 0;
  for (let m = SENTENCE.exec(text); m; m = SENTENCE.exec(text)) {
    const s = m[0];
    if (s.trim()) out.push(s.endsWith("\n") ? s.slice(0, -1) : s);
    if (m.index >= text.length) break;
    if (s === "") SENTENCE.lastIndex++; // step over an empty match, as matchAll does
  }
  return out;
}

/** Packs sentences into pieces of about `target` characters without breaking a sentence (unless it alone exceeds `max`). */
export function packSentences(sentences: string[], target: number, max: number): string[] {
  const pieces: string[] = [];
  let cur = "";
  const flush = () => {
    if (cur.trim()) pieces.push(cur.trim());
    cur = "";
  };
  for (const s of sentences) {
    if (s.length > max) {
      flush();
      for (const part of cutLong(s, max)) pieces.push(part);
      continue;
    }
    if (cur && cur.length + s.length > target) flush();
    cur += s;
  }
  flush();
  return pieces;
}

function cutLong(s: string, max: number): string[] {
  const parts: string[] = [];
  let cur = "";
  for (const clause of s.split(/(?<=[，,、：:])/)) {
    if (cur && cur.length + clause.length > max) {
      parts.push(cur);
      cur = "";
    }
    cur += clause;
    while (cur.length > max) {
      parts.push(cur.slice(0, max));
      cur = cur.slice(max);
    }
  }
  if (cur) parts.push(cur);
  return parts.map((p) => p.trim()).filter(Boolean);
}

/**
 * Sentences of a body with the line break kept after the last sentence of each line, so packing
 * never glues two lines together ("12\n34" must not become "1234") and a chunk stays a verbatim slice.
 */
function lineSentences(body: string): string[] {
  const out: string[] = [];
  for (const line of body.split("\n")) {
    const ss = splitSentences(line);
    if (ss.length === 0) {
      out.push("\n"); // a blank line
      continue;
    }
    ss[ss.length - 1] += "\n";
    for (const s of ss) out.push(s);
  }
  return out;
}

/** Table rows: a table too long for one chunk is cut between rows, not inside a cell. */
function bodyLines(body: string): string[] {
  return body.split("\n").map((l) => `${l}\n`);
}

/**
 * One-shot crypto.hash (Node ≥ 20.12) skips building a Hash stream object per chunk, which cost more than
 * the hashing itself; older Node 20 releases fall back to createHash. Both hash the string's UTF-8 bytes.
 */
const sha1Hex: (data: string) => string =
  typeof crypto.hash === "function"
    ? (data) => crypto.hash("sha1", data, "hex")
    : (data) => crypto.createHash("sha1").update(data).digest("hex");

export function chunkId(meta: DocMeta, ord: number, text: string): string {
  // Hashing the joined string hashes the same bytes as one update per part.
  return sha1Hex(`${meta.docId}\0${ord}\0${text}`).slice(0, 16);
}

/** Turns a document's sections into chunks; a chunk never spans two sections, so never two top-level sections. */
export function chunkDocument(meta: DocMeta, sections: Section[], opts: ChunkOptions = DEFAULT_CHUNK_OPTIONS): Chunk[] {
  const chunks: Chunk[] = [];
  // Headings of sections without a body of their own ("二、主动公开政府信息情况" over its table) open the
  // first chunk below them, so their text is not lost; that chunk's section path already names them.
  let pending: string[] = [];
  for (const sec of flattenSections(sections)) {
    // A heading is part of the source text (it may even carry a figure: "5、新闻发布会:…40场"), so it
    // opens its section's first chunk; a childless heading with no body is a chunk of its own.
    const own = sec.table || sec.heading === "前言" ? "" : sec.heading;
    if (!sec.body && sec.children.length > 0) {
      if (own) pending.push(own);
      continue;
    }
    if (pending.length && !sec.path.includes(pending[0])) pending = [];
    if (!sec.body && !own) continue;
    const section = sec.path.join(SECTION_SEPARATOR);
    const pieces = sec.table
      ? packSentences(bodyLines(sec.body), opts.maxTableChars, opts.maxTableChars)
      : packSentences(lineSentences(sec.body), opts.targetChars, opts.maxChars);
    const lead = [...pending, own].filter(Boolean).join("\n");
    pending = [];
    if (lead) pieces[0] = pieces.length ? `${lead}\n${pieces[0]}` : lead;
    for (const text of pieces) {
      const ord = chunks.length;
      chunks.push({
        id: chunkId(meta, ord, text),
        text,
        indexText: indexTextOf(meta.title, section, text),
        meta: {
          docId: meta.docId,
          source: meta.source,
          title: meta.title,
          issuer: meta.issuer,
          region: meta.region,
          year: meta.year,
          kind: meta.kind,
          section,
          block: sec.table ?? "prose",
          ord,
        },
      });
    }
  }
  return chunks;
}
