import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { run as ingestCli } from "../../src/cli/ingest.js";
import { defaultDeps } from "../../src/cli/deps.js";
import { createEmbedder } from "../../src/embed/factory.js";
import { fitHashStatsOnTerms, HashingEmbeddings, type HashStats } from "../../src/embed/hashing.js";
import { analyze } from "../../src/embed/tokenize.js";
import { IndexStoreError } from "../../src/errors.js";
import { Bm25Index } from "../../src/index/bm25.js";
import { ingest, readFailed } from "../../src/index/build.js";
import { HASH_GRAPH_DIM } from "../../src/index/dense.js";
import { DenseRows, type RowVectors } from "../../src/index/rows.js";
import { checkEmbedder, currentGeneration, graphParams, INDEX_FORMAT_VERSION, loadIndex, readIndexData, writeIndex, type IndexData, type LoadedIndex } from "../../src/index/store.js";
import { parseText } from "../../src/ingest/document.js";
import { memoryIo } from "../helpers/cli.js";
import { copyFixture, FIXTURE_CORPUS, type FixtureCopy } from "../helpers/fixture.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CORPUS = path.join(ROOT, "corpus");
// Lifecycle tests run on a copy of the fixture corpus (test/fixtures/corpus) and of its index, built once per run.
const CHANGED = "平潭综合实验区-2019-年度报告.txt";
const REMOVED = "平潭县人民政府-2011-年度报告.txt";
const CORRUPTED = "平潭综合实验区-2021-年度报告.html";

let fx: FixtureCopy;
let tmp: string;
let corpus: string;
let indexDir: string;
/** Chunks of the fixture index as built. */
let firstChunks: number;

const run = (o: { paths?: string[]; indexDir?: string; corpusDir?: string } = {}) =>
  ingest({ corpusDir: o.corpusDir ?? corpus, indexDir: o.indexDir ?? indexDir, paths: o.paths, settings: {} });

async function open(dir = indexDir): Promise<LoadedIndex> {
  const data = await readIndexData(dir);
  return loadIndex(dir, new HashingEmbeddings(data!.stats!));
}

/** chunk id → its stored vector. */
function vectorsById(ix: { chunks: Array<{ id: string }>; vectors: RowVectors }) {
  return new Map(ix.chunks.map((c, i) => [c.id, Array.from(ix.vectors.row(i))]));
}

/** Deterministic "random" bytes (no flaky tests). */
function noise(n: number): Buffer {
  const b = Buffer.alloc(n);
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

beforeAll(async () => {
  fx = copyFixture("nianbao-store-");
  ({ root: tmp, corpus, index: indexDir } = fx);
  firstChunks = (await readIndexData(indexDir))!.chunks.length;
});
afterAll(() => fx.cleanup());

describe("full ingest of the real corpus (the index test/globalSetup.ts built)", () => {
  it("indexes every file without failures", async () => {
    const dir = inject("realIndexDir");
    const files = readdirSync(CORPUS).filter((f) => /\.(txt|pdf)$/.test(f));
    expect(await readFailed(dir)).toEqual({});
    const ix = await open(dir);
    expect(ix.manifest.chunkCount).toBe(ix.chunks.length);
    expect(ix.manifest.formatVersion).toBe(INDEX_FORMAT_VERSION);
    expect(Object.keys(ix.manifest.files).sort()).toEqual(files.sort());
    expect(ix.manifest.documents).toHaveLength(files.length + 2); // the seed page holds three reports
    expect(ix.manifest.documents.find((d) => d.source === "沭阳县人民政府-2025-年度报告.txt")!.aliases).toContain("沐阳县");
    // Every chunk has its vector, and both retrievers hold every chunk.
    expect(ix.vectors.size).toBe(ix.chunks.length);
    expect(ix.vectors.dim).toBe(ix.manifest.embedder.dim);
    expect(ix.bm25.size).toBe(ix.chunks.length);
    expect((await ix.dense.graph()).getCurrentCount()).toBe(ix.chunks.length);
  });
});

describe("save → load round trip", () => {
  it("dense and BM25 results are the same before saving and after loading", async () => {
    const files = ["平潭综合实验区-2019-年度报告.txt", "平潭综合实验区-2023-年度报告.txt", "regulation-2019.txt", "judicial-interpretation-2011-政府信息公开行政案件.txt"];
    const chunks = files.flatMap((f) => parseText(readFileSync(path.join(CORPUS, f), "utf8"), f).flatMap((d) => d.chunks));
    const { embedder, stats } = await createEmbedder({}, null, (dim) => fitHashStatsOnTerms(chunks.map((c) => analyze(c.indexText)), dim));
    const dim = embedder.descriptor.dim;
    const vectors = new Float32Array(chunks.length * dim);
    (await embedder.embedDocuments(chunks.map((c) => c.indexText))).forEach((v, i) => vectors.set(v, i * dim));
    const bm25 = Bm25Index.build(chunks.map((c) => analyze(c.indexText)));
    const data: IndexData = {
      manifest: {
        formatVersion: INDEX_FORMAT_VERSION,
        embedder: embedder.descriptor,
        graph: graphParams(embedder.descriptor),
        createdAt: new Date().toISOString(),
        files: {},
        documents: [],
        chunkCount: chunks.length,
      },
      chunks,
      vectors: new DenseRows(vectors, dim),
      stats,
      bm25,
      statistics: {},
    };
    const dir = path.join(tmp, "roundtrip");
    await writeIndex(dir, data, embedder);
    const loaded = await loadIndex(dir, new HashingEmbeddings(JSON.parse(JSON.stringify(stats)) as HashStats));

    expect(loaded.chunks).toEqual(chunks);
    expect(chunks.flatMap((_, i) => Array.from(loaded.vectors.row(i)))).toEqual(Array.from(vectors));
    expect(loaded.stats).toEqual(stats);

    const queries = ["农业机械农具购置补贴信息公开", "行政机关应当建立健全政府信息公开协调机制", "本年新收政府信息公开申请数量", "人民法院审理政府信息公开行政案件"];
    for (const q of queries) {
      expect(loaded.bm25.search(analyze(q), 10)).toEqual(bm25.search(analyze(q), 10));
      // Before saving: exact cosine over the in-memory vectors. After loading: graph candidates, re-ranked.
      const qv = await embedder.embedQuery(q);
      const exact = chunks
        .map((c, i) => ({ id: c.id, s: qv.reduce((acc, x, k) => acc + x * vectors[i * dim + k], 0) }))
        .sort((a, b) => b.s - a.s)
        .slice(0, 5);
      const dense = await loaded.dense.search(qv, 5);
      expect(dense.map(([row]) => chunks[row].id), q).toEqual(exact.map((e) => e.id));
      dense.forEach(([, s], i) => expect(s).toBeCloseTo(exact[i].s, 5));
    }
    // A filter keeps only its rows, in exact order; one that leaves fewer rows than asked for returns them all.
    const qv = await embedder.embedQuery("政府信息公开申请");
    const some = new Set([3, 17, 40]);
    const exactSome = [...some].map((r) => [r, qv.reduce((acc, x, k) => acc + x * vectors[r * dim + k], 0)] as const).sort((a, b) => b[1] - a[1]);
    const filtered = await loaded.dense.search(qv, 5, (r) => some.has(r));
    expect(filtered.map(([r]) => r)).toEqual(exactSome.map(([r]) => r));
    const odd = await loaded.dense.search(qv, 10, (r) => r % 2 === 1);
    expect(odd).toHaveLength(10);
    expect(odd.every(([r]) => r % 2 === 1)).toBe(true);
    // The graph holds the folded vectors, and LangChain's own text search on it finds the passage asked for.
    expect(loaded.manifest.graph.dim).toBe(HASH_GRAPH_DIM);
    expect((await loaded.dense.graph()).getNumDimensions()).toBe(HASH_GRAPH_DIM);
    const [top] = await (await loaded.langchainStore()).similaritySearch("农业机械农具购置补贴", 1);
    expect(top.pageContent).toContain("农业机械农具购置补贴");
  }, 30_000);
});

describe("refusing an index it cannot use", () => {
  it("refuses a manifest with another format version (IndexStoreError)", async () => {
    const copy = path.join(tmp, "badversion");
    cpSync(indexDir, copy, { recursive: true });
    const gen = (await currentGeneration(copy))!;
    const file = path.join(gen, "manifest.json");
    const m = JSON.parse(readFileSync(file, "utf8"));
    const stats = (await readIndexData(indexDir))!.stats!;
    writeFileSync(file, JSON.stringify({ ...m, formatVersion: INDEX_FORMAT_VERSION + 98 }));
    await expect(readIndexData(copy)).rejects.toBeInstanceOf(IndexStoreError);
    await expect(loadIndex(copy, new HashingEmbeddings(stats))).rejects.toThrow(new RegExp(`版本 ${INDEX_FORMAT_VERSION + 98} 不受支持.*--rebuild`));
  });

  it("refuses a damaged binary file (truncated bm25.i32, truncated terms.bin) with IndexStoreError", async () => {
    for (const [file, cut] of [["bm25.i32", 8], ["terms.bin", 2]] as const) {
      const copy = path.join(tmp, `damaged-${file}`);
      cpSync(indexDir, copy, { recursive: true });
      const target = path.join((await currentGeneration(copy))!, file);
      const bytes = readFileSync(target);
      writeFileSync(target, bytes.subarray(0, bytes.length - cut));
      const err = await readIndexData(copy).catch((e: unknown) => e);
      expect(err, file).toBeInstanceOf(IndexStoreError);
      expect((err as Error).message).toContain(file);
    }
  });

  it("refuses to load with a different embedder, naming both", async () => {
    const data = (await readIndexData(indexDir))!;
    const other = new HashingEmbeddings({ ...data.stats!, dim: 512 });
    const err = await loadIndex(indexDir, other).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IndexStoreError);
    expect((err as Error).message).toMatch(/nianbao-hash-v1（768 维）.*nianbao-hash-v1（512 维）.*--rebuild/);
    expect(() => checkEmbedder(data.manifest, { name: "openai:bge-m3@http://127.0.0.1:11434/v1", dim: 768, distance: "cosine" })).toThrow(
      /由嵌入模型 nianbao-hash-v1（768 维）构建，当前配置的是 openai:bge-m3@http:\/\/127\.0\.0\.1:11434\/v1/,
    );
    expect(() => checkEmbedder(data.manifest, data.manifest.embedder)).not.toThrow();
  });

  it("refuses a missing index with IndexStoreError", async () => {
    const stats = (await readIndexData(indexDir))!.stats!;
    await expect(loadIndex(path.join(tmp, "nothing-here"), new HashingEmbeddings(stats))).rejects.toBeInstanceOf(IndexStoreError);
  });
});

describe("incremental ingest", () => {
  it("an unchanged corpus embeds nothing and writes nothing", async () => {
    const before = readFileSync(path.join(indexDir, "CURRENT"), "utf8");
    const s = await run();
    expect(s.embedded).toBe(0);
    expect(s.written).toBe(false);
    expect(s.failures).toEqual([]);
    expect(s.chunks).toBe(firstChunks);
    expect(s.reused).toBe(firstChunks);
    expect(readFileSync(path.join(indexDir, "CURRENT"), "utf8")).toBe(before);
  });

  it("changing one file re-embeds only that file's chunks", async () => {
    const before = await open();
    const oldVecs = vectorsById(before);
    const file = path.join(corpus, CHANGED);
    writeFileSync(file, readFileSync(file, "utf8") + "我区在海坛古城设立了政务公开体验角，全年接待群众查阅一千余人次。");
    const s = await run();
    expect(s.written).toBe(true);
    expect(s.failures).toEqual([]);
    const after = await open();
    const own = after.chunks.filter((c) => c.meta.source === CHANGED);
    expect(s.embedded).toBe(after.manifest.files[CHANGED].chunks);
    expect(s.embedded).toBe(own.length);
    expect(s.reused).toBe(after.chunks.length - own.length);
    // Every other chunk keeps exactly its old vector.
    const newVecs = vectorsById(after);
    for (const c of after.chunks) if (c.meta.source !== CHANGED) expect(newVecs.get(c.id)).toEqual(oldVecs.get(c.id));
    // The new sentence is searchable in both retrievers.
    const q = "海坛古城政务公开体验角";
    const lex = after.bm25.search(analyze(q), 1)[0];
    expect(after.chunks[lex[0]].text).toContain("海坛古城");
    const dense = await (await after.langchainStore()).similaritySearch(q, 1);
    expect(dense[0].pageContent).toContain("海坛古城");
    // The previous generation is kept, intact, next to the live one.
    const gens = readdirSync(indexDir).filter((e) => e.startsWith("gen-") && !e.endsWith(".tmp"));
    expect(gens).toHaveLength(2);
    const prevGen = gens.find((g) => path.join(indexDir, g) !== after.dir)!;
    expect(JSON.parse(readFileSync(path.join(indexDir, prevGen, "chunks.json"), "utf8")).chunks).toHaveLength(firstChunks);
  }, 60_000);

  it("editing the override of one document of a multi-document file re-ingests that file", async () => {
    const file = path.join(corpus, "overrides.json");
    const original = readFileSync(file, "utf8");
    const seed = "000_0ce3f265a70a93e0.txt";
    const parsed = JSON.parse(original);
    writeFileSync(file, JSON.stringify({ ...parsed, files: { ...parsed.files, [`${seed}#2`]: { issuer: "沈阳市人民政府" } } }));
    try {
      const s = await run();
      const ix = await open();
      expect(s.written).toBe(true);
      expect(s.embedded).toBe(ix.manifest.files[seed].chunks);
      expect(ix.manifest.documents.find((d) => d.docId === `${seed}#2`)!.issuer).toBe("沈阳市人民政府");
      expect(ix.chunks.find((c) => c.meta.docId === `${seed}#2`)!.meta.issuer).toBe("沈阳市人民政府");
    } finally {
      writeFileSync(file, original);
    }
    const back = await run();
    expect(back.embedded).toBe((await open()).manifest.files[seed].chunks);
  }, 30_000);

  it("removing a file drops its chunks and documents", async () => {
    unlinkSync(path.join(corpus, REMOVED));
    const s = await run();
    expect(s.removed).toEqual([REMOVED]);
    expect(s.embedded).toBe(0);
    expect(s.written).toBe(true);
    const ix = await open();
    expect(ix.chunks.some((c) => c.meta.source === REMOVED)).toBe(false);
    expect(ix.manifest.files[REMOVED]).toBeUndefined();
    expect(ix.manifest.documents.some((d) => d.source === REMOVED)).toBe(false);
    expect(ix.bm25.size).toBe(ix.chunks.length);
    expect((await ix.dense.graph()).getCurrentCount()).toBe(ix.chunks.length);
  });
});

describe("bad files", () => {
  it("reports each bad file by name, ingests the others, and keeps the last good version of a file that broke", async () => {
    const before = await open();
    const corruptedBefore = before.chunks.filter((c) => c.meta.source === CORRUPTED).map((c) => c.text);
    expect(corruptedBefore.length).toBeGreaterThan(5);
    const original = readFileSync(path.join(corpus, CORRUPTED));

    writeFileSync(path.join(corpus, "empty.txt"), "");
    writeFileSync(path.join(corpus, "random.txt"), noise(4096));
    writeFileSync(path.join(corpus, "truncated.pdf"), readFileSync(path.join(CORPUS, "洪泽区人民政府-2023-年度报告.pdf")).subarray(0, 3000));
    writeFileSync(path.join(corpus, CORRUPTED), "");
    // A good new file in the same run is still ingested.
    cpSync(path.join(FIXTURE_CORPUS, REMOVED), path.join(corpus, REMOVED));

    const s = await run();
    expect(s.failures.map((f) => f.source).sort()).toEqual(["empty.txt", "random.txt", "truncated.pdf", CORRUPTED].sort());
    for (const f of s.failures) expect(f.reason.length).toBeGreaterThan(3);
    expect(s.failures.find((f) => f.source === "random.txt")!.reason).toMatch(/binary/);
    expect(s.written).toBe(true);
    expect(s.embedded).toBe(s.chunks - s.reused);
    // The file kept at its last good version still counts in the summary.
    expect(s.files).toBe(Object.keys(before.manifest.files).length + 1);
    expect(s.sections).toBe(Object.values((await open()).manifest.files).reduce((n, f) => n + f.sections, 0));

    const ix = await open();
    expect(ix.chunks.some((c) => c.meta.source === REMOVED)).toBe(true);
    expect(ix.chunks.filter((c) => c.meta.source === CORRUPTED).map((c) => c.text)).toEqual(corruptedBefore);
    for (const bad of ["empty.txt", "random.txt", "truncated.pdf"]) expect(ix.manifest.files[bad]).toBeUndefined();

    // Restoring the file gives back the same hash: nothing to embed.
    writeFileSync(path.join(corpus, CORRUPTED), original);
    for (const bad of ["empty.txt", "truncated.pdf"]) unlinkSync(path.join(corpus, bad));
    const again = await run();
    expect(again.failures.map((f) => f.source)).toEqual(["random.txt"]);
    expect(again.embedded).toBe(0);
    expect(again.written).toBe(false);
  }, 30_000);
});

describe("crash safety", () => {
  it("a crashed build (leftover gen-…-99999.tmp, truncated CURRENT.tmp) does not affect the live index", async () => {
    const live = await open();
    const current = readFileSync(path.join(indexDir, "CURRENT"), "utf8");
    const crashed = path.join(indexDir, "gen-20200101000000000-99999.tmp");
    mkdirSync(path.join(crashed, "hnsw"), { recursive: true });
    writeFileSync(path.join(crashed, "manifest.json"), '{"formatVersion": 1, "embe');
    writeFileSync(path.join(indexDir, "CURRENT.tmp"), "gen-2020");

    const after = await open();
    expect(after.dir).toBe(live.dir);
    expect(after.chunks).toEqual(live.chunks);
    expect((await (await after.langchainStore()).similaritySearch("农业机械农具购置补贴", 1))[0].pageContent).toContain("农业机械农具购置补贴");
    expect(readFileSync(path.join(indexDir, "CURRENT"), "utf8")).toBe(current);
  });

  it("a build that fails while writing leaves CURRENT and the live generation untouched", async () => {
    const live = (await readIndexData(indexDir))!;
    const embedder = new HashingEmbeddings(live.stats!);
    // Vectors of the wrong size make the dense index build throw halfway through the write.
    const broken: IndexData = { ...live, vectors: new DenseRows(new Float32Array(7), live.vectors.dim) };
    await expect(writeIndex(indexDir, broken, embedder)).rejects.toThrow();
    const after = await open();
    expect(after.dir).toBe(live.dir);
    expect(after.chunks).toEqual(live.chunks);
  });

  it("the next successful build cleans up dead leftovers and keeps one previous generation", async () => {
    const file = path.join(corpus, CHANGED);
    writeFileSync(file, readFileSync(file, "utf8") + "另设自助查询终端三台。");
    unlinkSync(path.join(corpus, "random.txt"));
    const s = await run();
    expect(s.written).toBe(true);
    expect(s.failures).toEqual([]);
    const entries = readdirSync(indexDir);
    let deadPid = true;
    try {
      process.kill(99999, 0);
      deadPid = false;
    } catch {
      /* no such process: its leftovers must go */
    }
    if (deadPid) expect(entries).not.toContain("gen-20200101000000000-99999.tmp");
    expect(entries.filter((e) => e.startsWith("gen-") && e.endsWith(`-${process.pid}.tmp`))).toEqual([]);
    expect(entries.filter((e) => e.startsWith("gen-") && !e.endsWith(".tmp"))).toHaveLength(2);
    expect((await open()).chunks.some((c) => c.text.includes("自助查询终端三台"))).toBe(true);
  }, 30_000);
});

describe("npm run ingest", () => {
  it("over a corpus with a bad file exits 1 and prints one line naming it, on every run until it changes", async () => {
    const cliCorpus = path.join(tmp, "cli-corpus");
    const cliIndex = path.join(tmp, "cli-index");
    cpSync(FIXTURE_CORPUS, cliCorpus, { recursive: true });
    writeFileSync(path.join(cliCorpus, "坏文件.txt"), noise(2048));
    for (const expected of [/index written: cli-index — /, /index up to date, nothing to embed: cli-index — /]) {
      const io = memoryIo({ cwd: tmp, env: { CORPUS_DIR: "cli-corpus" } });
      expect(await ingestCli(["--index", "cli-index"], io, defaultDeps())).toBe(1);
      const errLines = io.err().split("\n").filter((l) => l.trim());
      expect(errLines).toHaveLength(1);
      expect(errLines[0]).toMatch(/坏文件\.txt: .*binary/);
      expect(io.out()).toMatch(expected);
    }
    expect(existsSync(path.join(cliIndex, "CURRENT"))).toBe(true);
  });
});
