import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { fitHashStats, HashingEmbeddings } from "../../src/embed/hashing.js";
import { exactSearch, fold, graphDimFor, HASH_GRAPH_DIM } from "../../src/index/dense.js";
import { parseText } from "../../src/ingest/document.js";

const corpus = (name: string) => readFileSync(fileURLToPath(new URL(`../../corpus/${name}`, import.meta.url)), "utf8");
const chunks = ["平潭综合实验区-2023-年度报告.txt", "regulation-2019.txt"].flatMap((f) => parseText(corpus(f), f).flatMap((d) => d.chunks));

describe("folding the built-in embedder's vectors", () => {
  it("is the same as hashing into the graph's dimension directly (so the graph sees an unbiased, coarser tf-idf)", async () => {
    const stats = fitHashStats(chunks.map((c) => c.indexText), 768);
    const full = new HashingEmbeddings(stats);
    const coarse = new HashingEmbeddings({ ...stats, dim: HASH_GRAPH_DIM });
    for (const c of chunks.slice(0, 20)) {
      const folded = fold(await full.embedQuery(c.indexText), HASH_GRAPH_DIM);
      const direct = await coarse.embedQuery(c.indexText);
      folded.forEach((x, i) => expect(x).toBeCloseTo(direct[i], 6));
    }
  });

  it("applies to the hashing embedder only: learned embeddings keep their own dimension in the graph", () => {
    expect(graphDimFor({ name: "nianbao-hash-v1", dim: 768, distance: "cosine" })).toBe(HASH_GRAPH_DIM);
    expect(graphDimFor({ name: "openai:bge-m3@http://127.0.0.1:11434/v1", dim: 1024, distance: "cosine" })).toBe(1024);
    expect(graphDimFor({ name: "nianbao-hash-v1", dim: 200, distance: "cosine" })).toBe(200);
  });

  it("exact search ranks rows by cosine, best first, ties by row", () => {
    const vectors = Float32Array.from([1, 0, 0.6, 0.8, 0, 1, 1, 0]);
    expect(exactSearch(vectors, 2, [1, 0], [0, 1, 2, 3], 3)).toEqual([[0, 1], [3, 1], [1, expect.closeTo(0.6, 6)]]);
  });
});
