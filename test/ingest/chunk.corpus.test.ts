import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { chunkDocument, DEFAULT_CHUNK_OPTIONS, packSentences, SECTION_SEPARATOR, splitSentences, type ChunkOptions } from "../../src/ingest/chunk.js";
import { parseText, type ParsedDocument } from "../../src/ingest/document.js";
import { flattenSections } from "../../src/ingest/structure.js";
import type { Chunk, Section } from "../../src/types.js";
import { CORPUS_FILES, corpusPath, parsed } from "./corpusFixture.js";

const SENTENCE_END = /[。！？；!?][”’」』）)]*$/;

/** Where each chunk came from: its section, and the chunk text without the heading lines it opens with. */
function locate(doc: ParsedDocument): Array<{ chunk: Chunk; sec: Section; body: string; last: boolean }> {
  const byPath = new Map(flattenSections(doc.sections).map((s) => [s.path.join(SECTION_SEPARATOR), s]));
  return doc.chunks.map((chunk, i) => {
    const sec = byPath.get(chunk.meta.section);
    if (!sec) throw new Error(`chunk ${chunk.id} names an unknown section ${chunk.meta.section}`);
    let body = chunk.text;
    // Leading heading lines are headings of this section or of its ancestors.
    for (const h of sec.path) if (body.startsWith(`${h}\n`) || body === h) body = body.slice(h.length).replace(/^\n/, "");
    const next = doc.chunks[i + 1];
    return { chunk, sec, body, last: !next || next.meta.section !== chunk.meta.section };
  });
}

/** The sentence (between sentence ends or line breaks) of `text` that contains offset `pos`. */
function sentenceAround(text: string, pos: number): string {
  let a = pos;
  while (a > 0 && !/[。！？；!?\n]/.test(text[a - 1])) a--;
  let b = pos;
  while (b < text.length && !/[。！？；!?\n]/.test(text[b])) b++;
  return text.slice(a, b + 1);
}

async function everyDoc(): Promise<Array<{ file: string; doc: ParsedDocument }>> {
  const out: Array<{ file: string; doc: ParsedDocument }> = [];
  for (const file of CORPUS_FILES) for (const doc of await parsed(file)) out.push({ file, doc });
  return out;
}

describe("chunks on the real corpus", () => {
  it("a chunk never spans two sections: its text (after its headings) is a verbatim slice of its own section", async () => {
    let n = 0;
    for (const { file, doc } of await everyDoc()) {
      for (const { chunk, sec, body } of locate(doc)) {
        n++;
        if (body === "") continue; // a heading-only section
        expect(sec.body.includes(body), `${file} ${chunk.meta.section}: ${body.slice(0, 60)}`).toBe(true);
        expect(chunk.meta.block).toBe(sec.table ?? "prose");
      }
    }
    expect(n).toBeGreaterThan(600);
  });

  it("consecutive chunks of a section cover its body in order, without overlap", async () => {
    for (const { file, doc } of await everyDoc()) {
      const located = locate(doc);
      let cursor = 0;
      let section = "";
      for (const { chunk, sec, body } of located) {
        if (chunk.meta.section !== section) {
          section = chunk.meta.section;
          cursor = 0;
        }
        if (!body) continue;
        const at = sec.body.indexOf(body, cursor);
        expect(at, `${file} ${section}`).toBeGreaterThanOrEqual(cursor);
        // Only whitespace may lie between two chunks of one section.
        expect(sec.body.slice(cursor, at).trim(), `${file} ${section}`).toBe("");
        cursor = at + body.length;
      }
    }
  });

  it("prose chunks end at a sentence end, a line end or the section end — unless one sentence exceeded maxChars", async () => {
    let checked = 0;
    for (const { file, doc } of await everyDoc()) {
      for (const { chunk, sec, body, last } of locate(doc)) {
        if (chunk.meta.block !== "prose" || last || !body) continue;
        checked++;
        if (SENTENCE_END.test(body)) continue;
        const end = sec.body.indexOf(body) + body.length;
        const lineEnd = end === sec.body.length || /^[ \t]*\n/.test(sec.body.slice(end));
        if (lineEnd) continue;
        // Cut inside a sentence: only allowed when that sentence alone is longer than maxChars.
        expect(sentenceAround(sec.body, end - 1).length, `${file} ${chunk.meta.section}: …${body.slice(-30)}`).toBeGreaterThan(DEFAULT_CHUNK_OPTIONS.maxChars);
      }
    }
    expect(checked).toBeGreaterThan(50);
  });

  it("sizes stay within bounds", async () => {
    const { maxChars, maxTableChars } = DEFAULT_CHUNK_OPTIONS;
    for (const { file, doc } of await everyDoc()) {
      for (const { chunk, body } of locate(doc)) {
        expect(chunk.text.trim().length).toBeGreaterThan(0);
        expect(body.length, `${file} ${chunk.meta.section}`).toBeLessThanOrEqual(chunk.meta.block === "prose" ? maxChars : maxTableChars);
      }
    }
  });

  it("ords run 0…n-1 per document and ids are unique across the corpus", async () => {
    const ids = new Set<string>();
    for (const { doc } of await everyDoc()) {
      expect(doc.chunks.map((c) => c.meta.ord)).toEqual(doc.chunks.map((_, i) => i));
      for (const c of doc.chunks) {
        expect(ids.has(c.id)).toBe(false);
        ids.add(c.id);
      }
    }
  });

  it("small limits: long sections are packed into many pieces, each within maxChars, still at sentence ends", () => {
    const opts: ChunkOptions = { targetChars: 80, maxChars: 120, maxTableChars: 300 };
    const file = "平潭综合实验区-2020-年度报告.txt";
    const [doc] = parseText(readFileSync(corpusPath(file), "utf8"), file, {}, opts);
    const located = locate(doc);
    expect(doc.chunks.length).toBeGreaterThan(60);
    let sentenceEnds = 0;
    for (const { chunk, sec, body, last } of located) {
      expect(body.length).toBeLessThanOrEqual(chunk.meta.block === "prose" ? opts.maxChars : opts.maxTableChars);
      if (body) expect(sec.body.includes(body)).toBe(true);
      if (chunk.meta.block === "prose" && !last && SENTENCE_END.test(body)) sentenceEnds++;
    }
    expect(sentenceEnds).toBeGreaterThan(20);
    // A table longer than maxTableChars is cut between rows.
    const tables = located.filter((l) => l.chunk.meta.block === "applications");
    expect(tables.length).toBeGreaterThan(1);
  });

  it("line breaks inside a section survive chunking (lines are never glued: \"12\\n34\" is not \"1234\")", async () => {
    let multiLine = 0;
    for (const { doc } of await everyDoc()) {
      for (const { chunk, body } of locate(doc)) if (chunk.meta.block === "prose" && body.includes("\n")) multiLine++;
    }
    // Together with the verbatim-slice test above, this shows multi-line prose keeps its line breaks.
    expect(multiLine).toBeGreaterThan(20);
  });
});

describe("sentence splitting and packing", () => {
  const text = readFileSync(corpusPath("平潭综合实验区-2024-年度报告.txt"), "utf8");

  it("splitSentences cuts after 。！？； and keeps closing quotes with their sentence", () => {
    const s = splitSentences("他说：“好。”然后走了；再见！");
    expect(s).toEqual(["他说：“好。”", "然后走了；", "再见！"]);
    const real = splitSentences(text.slice(0, 2000));
    expect(real.join("")).toBe(text.slice(0, 2000).replace(/\n/g, ""));
    for (const x of real.slice(0, -1)) expect(x).toMatch(SENTENCE_END);
  });

  it("packSentences never exceeds max and never breaks a sentence shorter than max", () => {
    const sentences = splitSentences(text);
    const pieces = packSentences(sentences, 200, 300);
    expect(pieces.join("").replace(/\s+/g, "")).toBe(sentences.join("").replace(/\s+/g, ""));
    for (const p of pieces) expect(p.length).toBeLessThanOrEqual(300);
    const short = new Set(sentences.filter((s) => s.length <= 300).map((s) => s.trim()));
    // Every short sentence is found whole inside one piece.
    for (const s of short) expect(pieces.some((p) => p.includes(s)), s.slice(0, 40)).toBe(true);
  });

  it("chunkDocument gives a heading-only section a chunk of its own", () => {
    const meta = { docId: "x#0", source: "x", title: "t", issuer: null, region: null, year: null, kind: "report" as const };
    const secs: Section[] = [{ heading: "六、其他需要报告的事项", level: 1, path: ["六、其他需要报告的事项"], body: "", children: [] }];
    expect(chunkDocument(meta, secs).map((c) => c.text)).toEqual(["六、其他需要报告的事项"]);
  });
});
