import { analyze } from "../../src/embed/tokenize.js";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { createEmbedder, HASH_DIM } from "../../src/embed/factory.js";
import { embedTerms, fitHashStats, fitHashStatsOnTerms, fnv1a, HASH_EMBEDDER_NAME, HashingEmbeddings, idf, type HashStats } from "../../src/embed/hashing.js";
import { parseText } from "../../src/ingest/document.js";
import type { Chunk } from "../../src/types.js";

const corpus = (name: string) => readFileSync(fileURLToPath(new URL(`../../corpus/${name}`, import.meta.url)), "utf8");
const FILES = ["平潭综合实验区-2019-年度报告.txt", "平潭综合实验区-2024-年度报告.txt", "regulation-2019.txt", "judicial-interpretation-2025-法释2025-8号-政府信息公开行政案件.txt"];

let chunks: Chunk[];
let stats: HashStats;
let emb: HashingEmbeddings;
beforeAll(() => {
  chunks = FILES.flatMap((f) => parseText(corpus(f), f).flatMap((d) => d.chunks));
  stats = fitHashStats(chunks.map((c) => c.indexText), 512);
  emb = new HashingEmbeddings(stats);
});

const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
const find = (needle: string) => {
  const c = chunks.find((x) => x.text.includes(needle));
  if (!c) throw new Error(`no chunk with ${needle}`);
  return c;
};

describe("HashingEmbeddings", () => {
  it("descriptor names the model and its dimension", () => {
    expect(emb.descriptor).toEqual({ name: HASH_EMBEDDER_NAME, dim: 512, distance: "cosine" });
    expect(HASH_EMBEDDER_NAME).toBe("nianbao-hash-v1");
  });

  it("the factory's offline default uses HASH_DIM and fits on the given texts", async () => {
    const { embedder, stats: s } = await createEmbedder({}, null, (dim) => fitHashStatsOnTerms(chunks.map((c) => analyze(c.indexText)), dim));
    expect(embedder.descriptor).toEqual({ name: HASH_EMBEDDER_NAME, dim: HASH_DIM, distance: "cosine" });
    expect(s!.n).toBe(chunks.length);
    // Saved statistics are reused as is, so unchanged chunks keep valid vectors.
    const again = await createEmbedder({}, stats);
    expect(again.stats).toBe(stats);
    expect(again.embedder.descriptor.dim).toBe(512);
  });

  it("is deterministic: same text → same vector, also across instances and stats round-tripped through JSON", async () => {
    const text = chunks[3].indexText;
    const a = emb.embedText(text);
    expect(emb.embedText(text)).toEqual(a);
    const other = new HashingEmbeddings(JSON.parse(JSON.stringify(stats)) as HashStats);
    expect(other.embedText(text)).toEqual(a);
    expect(await emb.embedDocuments([text])).toEqual([a]);
    expect(await emb.embedQuery(text)).toEqual(a);
    expect(fnv1a("政府信息")).toBe(fnv1a("政府信息"));
    expect(fnv1a("政府信息")).not.toBe(fnv1a("信息政府"));
  });

  it("vectors have the descriptor's length and unit norm", async () => {
    const vecs = await emb.embedDocuments(chunks.slice(0, 40).map((c) => c.indexText));
    for (const v of vecs) {
      expect(v).toHaveLength(512);
      expect(Math.sqrt(dot(v, v))).toBeCloseTo(1, 9);
    }
    // Nothing to embed gives the zero vector, not NaN.
    expect(embedTerms([], stats).every((x) => x === 0)).toBe(true);
  });

  it("a query is closer to the passage holding its words than to unrelated passages", async () => {
    const cases: Array<[string, string, string]> = [
      ["农业机械农具购置补贴信息公开", "推进农业机械农具购置补贴信息公开", "本条例自2019年5月15日起施行"],
      ["哪些政府信息因危及国家安全、社会稳定而不予公开", "依法确定为国家秘密的政府信息", "推进农业机械农具购置补贴信息公开"],
      ["不依法履行主动公开职责能否直接向人民法院提起诉讼", "直接向人民法院提起诉讼的，应当告知其先向行政机关申请", "推进农业机械农具购置补贴信息公开"],
    ];
    for (const [query, hit, miss] of cases) {
      const q = await emb.embedQuery(query);
      const good = dot(q, emb.embedText(find(hit).indexText));
      const bad = dot(q, emb.embedText(find(miss).indexText));
      expect(good, query).toBeGreaterThan(bad);
      expect(good).toBeGreaterThan(0.1);
    }
  });

  it("the passage holding the query's words ranks first among all chunks", () => {
    const q = emb.embedText("农业机械农具购置补贴");
    const ranked = chunks.map((c) => ({ c, s: dot(q, emb.embedText(c.indexText)) })).sort((a, b) => b.s - a.s);
    expect(ranked[0].c.text).toContain("农业机械农具购置补贴");
  });

  it("idf: rare terms weigh more than common ones; unseen terms count as rare", () => {
    const common = idf(stats, "公开");
    const rare = idf(stats, "农具");
    expect(stats.df["公开"]).toBeGreaterThan(stats.df["农具"]);
    expect(rare).toBeGreaterThan(common);
    expect(idf(stats, "从未出现的词")).toBeGreaterThanOrEqual(rare);
  });
});
