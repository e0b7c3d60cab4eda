import { describe, expect, it } from "vitest";
import { fitHashStatsOnCounts, HashingEmbeddings } from "../../src/embed/hashing.js";
import { TermCounter } from "../../src/embed/termCounts.js";
import { TermRows } from "../../src/index/rows.js";

/**
 * TermRows (terms.bin): a chunk's vector recomputed from its saved terms is bit for bit the vector ingest computed
 * from its term counts, for short chunks and for chunks with more distinct terms than the decoder's first buffer
 * (256), in any order of reading, and after a round trip through the file's bytes.
 */

const CHARS = "政府信息公开申请受理答复主动依法行政复议诉讼年度报告工作情况统计数据办理结果费用减免不予公开部分公开";
/** A text with about `n` distinct bigrams and words, deterministic. */
function text(n: number, seed: number): string {
  let x = seed;
  let out = "";
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out += CHARS[x % CHARS.length];
    if (i % 7 === 6) out += "，";
  }
  return out;
}

describe("TermRows", () => {
  const texts = [text(20, 1), text(1200, 2), text(40, 3), text(900, 4), text(5, 5)];
  const counter = new TermCounter();
  for (const t of texts) counter.add(t);
  const counts = counter.result();
  const stats = fitHashStatsOnCounts(counts, 768);
  const embedder = new HashingEmbeddings(stats);
  const slots = embedder.slotsFor(counts);
  const want = texts.map((_, i) => {
    const v = new Float32Array(stats.dim);
    embedder.embedCountedInto(counts, i, v, slots);
    return Array.from(v);
  });

  it("has chunks with more than 256 distinct terms (the case a reused decode buffer must grow for)", () => {
    expect(counts.offsets[2] - counts.offsets[1]).toBeGreaterThan(256);
  });

  it("recomputes every row bit for bit, whichever row is read first, also from the saved bytes", () => {
    for (const rows of [TermRows.fromCounts(counts, stats), TermRows.fromCounts(counts, stats)]) {
      // The long rows first: the decoder's buffers grow while a row is read.
      for (const r of [1, 3, 0, 2, 4]) expect(Array.from(rows.row(r)), `row ${r}`).toEqual(want[r]);
    }
    const copy = TermRows.parse(TermRows.fromCounts(counts, stats).bytes(), counts.terms, stats);
    for (const r of [3, 1, 4]) expect(Array.from(copy.row(r))).toEqual(want[r]);
  });

  it("dot(row, query) equals the full row's dot product exactly", () => {
    const rows = TermRows.fromCounts(counts, stats);
    const q = embedder.embedText(text(60, 9));
    for (const r of [1, 0, 3, 2, 4]) {
      let full = 0;
      for (let i = 0; i < stats.dim; i++) full += want[r][i] * q[i];
      expect(rows.dot(r, q), `row ${r}`).toBe(full);
    }
  });
});
