import { beforeAll, describe, expect, it } from "vitest";
import { fitHashStatsOnCounts, fitHashStatsOnTerms, HashingEmbeddings } from "../../src/embed/hashing.js";
import { TermCounter, type TermCounts } from "../../src/embed/termCounts.js";
import { analyze } from "../../src/embed/tokenize.js";
import { Bm25Index } from "../../src/index/bm25.js";
import type { Chunk } from "../../src/types.js";
import { CORPUS_FILES, parsed } from "../ingest/corpusFixture.js";

// Ingest's numbered path must give exactly what the string path gives, since queries go through `analyze`.
let chunks: Chunk[];
let counts: TermCounts;
let lists: string[][];
beforeAll(async () => {
  chunks = (await Promise.all(CORPUS_FILES.map(parsed))).flat().flatMap((d) => d.chunks);
  const counter = new TermCounter();
  chunks.forEach((c, i) => {
    // Half the chunks with title and section as cached context lines (ingest's way), half as whole texts: both
    // must agree with analyze(indexText).
    if (i % 2 === 0) counter.add(c.text, [c.meta.title, c.meta.section]);
    else counter.add(c.indexText);
  });
  counts = counter.result();
  lists = chunks.map((c) => analyze(c.indexText));
}, 60_000);

function bag(terms: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of terms) m.set(t, (m.get(t) ?? 0) + 1);
  return m;
}

describe("numbered term counts of the whole corpus", () => {
  it("hold, per chunk, the same terms with the same counts as analyze(indexText)", () => {
    expect(chunks.length).toBeGreaterThan(500);
    expect(counts.size).toBe(chunks.length);
    chunks.forEach((_, i) => {
      const got = new Map<string, number>();
      for (let k = counts.offsets[i]; k < counts.offsets[i + 1]; k++) got.set(counts.terms[counts.ids[k]], counts.tfs[k]);
      expect(got).toEqual(bag(lists[i]));
      expect(counts.lengths[i]).toBe(lists[i].length);
    });
    // Bigrams that are stop words ("我们", "什么") are dropped on both paths.
    expect(counts.terms).not.toContain("1:我们");
  });

  it("give the same corpus statistics, vectors and BM25 index as the string path", async () => {
    const stats = fitHashStatsOnCounts(counts, 768);
    expect(stats).toEqual(fitHashStatsOnTerms(lists, 768));
    const emb = new HashingEmbeddings(stats);
    const slots = emb.slotsFor(counts);
    const out = new Float32Array(768);
    for (const i of [0, 1, 7, Math.floor(chunks.length / 2), chunks.length - 1]) {
      emb.embedCountedInto(counts, i, out, slots);
      const want = await emb.embedQuery(chunks[i].indexText);
      want.forEach((x, j) => expect(out[j]).toBeCloseTo(x, 6));
    }
    const fromCounts = Bm25Index.fromCounts(counts);
    const built = Bm25Index.build(lists);
    expect(new Set(fromCounts.terms)).toEqual(new Set(built.terms));
    for (const t of built.terms) expect(fromCounts.postingsOf(t), t).toEqual(built.postingsOf(t));
    const q = analyze("本年新收政府信息公开申请数量");
    expect(fromCounts.search(q, 20)).toEqual(built.search(q, 20));
  });
});
