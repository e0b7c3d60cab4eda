import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { analyze } from "../../src/embed/tokenize.js";
import { bm25, Bm25Index, DEFAULT_BM25 } from "../../src/index/bm25.js";
import { parseText } from "../../src/ingest/document.js";
import type { Chunk } from "../../src/types.js";

const CORPUS = fileURLToPath(new URL("../../corpus/", import.meta.url));

describe("bm25() scoring function", () => {
  const n = 700;
  const avg = 120;

  it("is monotone in term frequency", () => {
    let prev = 0;
    for (let tf = 1; tf <= 30; tf++) {
      const s = bm25(tf, 10, n, avg, avg);
      expect(s).toBeGreaterThan(prev);
      prev = s;
    }
  });

  it("saturates: each extra occurrence adds less, and the score stays below idf·(k1+1)", () => {
    const gains = [1, 2, 3, 4, 5, 10, 20].map((tf) => bm25(tf + 1, 10, n, avg, avg) - bm25(tf, 10, n, avg, avg));
    for (let i = 1; i < gains.length; i++) expect(gains[i]).toBeLessThan(gains[i - 1]);
    const idf = Math.log(1 + (n - 10 + 0.5) / (10 + 0.5));
    expect(bm25(1e6, 10, n, avg, avg)).toBeLessThan(idf * (DEFAULT_BM25.k1 + 1));
    expect(bm25(1e6, 10, n, avg, avg)).toBeGreaterThan(0.99 * idf * (DEFAULT_BM25.k1 + 1));
  });

  it("rarer terms score higher (idf ordering) and idf stays positive for very common terms", () => {
    const dfs = [1, 5, 50, 300, 699];
    const scores = dfs.map((df) => bm25(2, df, n, avg, avg));
    for (let i = 1; i < scores.length; i++) expect(scores[i]).toBeLessThan(scores[i - 1]);
    expect(scores[scores.length - 1]).toBeGreaterThan(0);
  });

  it("longer documents score lower for the same tf; b = 0 disables length normalization", () => {
    expect(bm25(2, 10, n, 60, avg)).toBeGreaterThan(bm25(2, 10, n, 240, avg));
    const noLen = { k1: 1.2, b: 0 };
    expect(bm25(2, 10, n, 60, avg, noLen)).toBeCloseTo(bm25(2, 10, n, 240, avg, noLen), 12);
    // k1 = 0: pure presence (tf no longer matters).
    expect(bm25(1, 10, n, avg, avg, { k1: 0, b: 0.75 })).toBeCloseTo(bm25(9, 10, n, avg, avg, { k1: 0, b: 0.75 }), 12);
  });
});

describe("Bm25Index over the real corpus", () => {
  let chunks: Chunk[];
  let index: Bm25Index;
  beforeAll(() => {
    chunks = readdirSync(CORPUS)
      .filter((f) => f.endsWith(".txt"))
      .sort()
      .flatMap((f) => parseText(readFileSync(CORPUS + f, "utf8"), f).flatMap((d) => d.chunks));
    index = Bm25Index.build(chunks.map((c) => analyze(c.indexText)));
  });

  const top = (q: string, k = 5, filter?: (d: number) => boolean) => index.search(analyze(q), k, undefined, filter).map(([d]) => chunks[d]);

  it("indexes every chunk and counts document frequencies", () => {
    expect(index.size).toBe(chunks.length);
    expect(index.df("公开")).toBeGreaterThan(index.df("农具"));
    expect(index.df("农具")).toBeGreaterThan(0);
    expect(index.df("不存在的词语xyz")).toBe(0);
  });

  it("ranks the right chunk first for distinctive queries", () => {
    expect(top("农业机械农具购置补贴信息公开")[0].text).toContain("农业机械农具购置补贴");
    const law = top("本条例自2019年5月15日起施行");
    expect(law[0].meta.source).toBe("regulation-2019.txt");
    expect(law[0].meta.section).toContain("第五十六条");
    const court = top("法释〔2025〕8号 政府信息公开行政案件适用法律若干问题的解释")[0];
    expect(court.meta.source).toBe("judicial-interpretation-2025-法释2025-8号-政府信息公开行政案件.txt");
  });

  it("returns scores sorted descending, at most k, and honours a filter", () => {
    const hits = index.search(analyze("行政复议 行政诉讼"), 10);
    expect(hits).toHaveLength(10);
    for (let i = 1; i < hits.length; i++) expect(hits[i][1]).toBeLessThanOrEqual(hits[i - 1][1]);
    const only2024 = top("行政复议 行政诉讼", 10, (d) => chunks[d].meta.year === 2024);
    expect(only2024.length).toBeGreaterThan(0);
    expect(only2024.every((c) => c.meta.year === 2024)).toBe(true);
    expect(index.search(analyze("zzzzqqqq xyzzy"), 5)).toEqual([]);
  });

  it("term weights change the ranking", () => {
    const terms = analyze("农具 诉讼");
    const w = new Map([["农具", 0], ["1:农具", 0]]);
    const first = chunks[index.search(terms, 1, w)[0][0]];
    expect(first.text).not.toContain("农具");
    expect(first.text).toContain("诉讼");
  });

  it("serializes losslessly: a JSON header and one Int32 buffer", () => {
    const { header, numbers } = index.serialize();
    const copy = Bm25Index.deserialize(JSON.parse(JSON.stringify(header)), Int32Array.from(numbers));
    const q = analyze("政府信息公开申请 本年新收");
    expect(copy.search(q, 20)).toEqual(index.search(q, 20));
    expect(copy.searchWithin(q, 20, [0, 3, 5, 8])).toEqual(index.searchWithin(q, 20, [0, 3, 5, 8]));
    expect(copy.df("1:申请")).toBe(index.df("1:申请"));
    expect(() => Bm25Index.deserialize(header, numbers.subarray(0, numbers.length - 2))).toThrow(RangeError);
  });

  it("stores its postings compressed: under 4 bytes a posting (a doc gap and a tf as varints), not two Int32s", () => {
    const { header, numbers } = index.serialize();
    const postings = index.terms.reduce((n, t) => n + index.df(t), 0);
    const fixed = 4 * (2 * header.terms.length + 1 + header.docCount);
    expect(numbers.byteLength - fixed).toBeLessThan(4 * postings);
    // Every list still decodes to what was counted.
    for (const t of index.terms.slice(0, 200)) expect(index.postingsOf(t).length).toBe(2 * index.df(t));
  });
});
