import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { settingsSchema } from "../../src/config.js";
import { createEmbedder } from "../../src/embed/factory.js";
import { HashingEmbeddings } from "../../src/embed/hashing.js";
import { ingest } from "../../src/index/build.js";
import { currentGeneration, loadIndex, readIndexData } from "../../src/index/store.js";
import { FACTS_FILE, FactsDb } from "../../src/stats/db.js";

/**
 * The compact embedded index (issue 18 part 4): the chunk text is stored once (LangChain's docstore.json no longer
 * repeats it, and LangChain's own searches still return it), and the extraction results an incremental ingest
 * reuses are kept compactly and read back exactly. Tiny synthetic corpus.
 */

const settings = settingsSchema.parse({});
const MARK = "这一段用于检验正文只保存一次的独特标记句子";
const report = (body: string, year: number, extra = "") =>
  `${body}${year}年政府信息公开工作年度报告\n\n一、总体情况\n\n${year}年，${body}认真贯彻落实《中华人民共和国政府信息公开条例》。${extra}\n\n二、依申请公开情况\n\n${year}年共受理政府信息公开申请${year - 1990}件，其中当面申请${year - 2000}件。\n`;

let tmp: string;
let corpus: string;
let index: string;
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));

beforeAll(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), "nianbao-compact-"));
  corpus = path.join(tmp, "corpus");
  index = path.join(tmp, "index");
  mkdirSync(corpus);
  writeFileSync(path.join(corpus, "a.txt"), report("甲市人民政府", 2016, MARK));
  writeFileSync(path.join(corpus, "b.txt"), report("乙县人民政府", 2017));
  const old = new Date(Date.now() - 3600_000);
  for (const f of ["a.txt", "b.txt"]) utimesSync(path.join(corpus, f), old, old);
  await ingest({ corpusDir: corpus, indexDir: index, settings });
}, 60_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("compact generation", () => {
  it("stores a chunk's text in one file only, and LangChain's store still returns it", async () => {
    const gen = (await currentGeneration(index))!;
    const holding = files(gen).filter((f) => readFileSync(f).includes(Buffer.from(MARK)));
    expect(holding.map((f) => path.relative(gen, f))).toEqual(["chunks.json"]);
    const data = (await readIndexData(index))!;
    const { embedder } = await createEmbedder(settings, data.stats);
    const loaded = await loadIndex(index, embedder, data);
    const [top] = await (await loaded.langchainStore()).similaritySearch(MARK, 1);
    expect(top.pageContent).toContain(MARK);
  });

  it("stores each document's metadata once, not on every chunk, and reads every chunk back whole", async () => {
    const gen = (await currentGeneration(index))!;
    const raw = readFileSync(path.join(gen, "chunks.json"), "utf8");
    const data = (await readIndexData(index))!;
    const own = data.chunks.filter((c) => c.meta.docId === "a.txt#0");
    expect(own.length).toBeGreaterThanOrEqual(2);
    expect(raw.split('"a.txt#0"').length - 1).toBe(1);
    for (const c of own) expect(c.meta).toMatchObject({ source: "a.txt", title: expect.stringContaining("甲市人民政府"), docId: "a.txt#0" });
  });

  it("stores the built-in embedder's chunks as terms, not vectors: each row recomputed is the chunk's embedding", async () => {
    const gen = (await currentGeneration(index))!;
    const names = files(gen).map((f) => path.relative(gen, f));
    expect(names).toContain("terms.bin");
    expect(names).not.toContain("vectors.f32");
    const data = (await readIndexData(index))!;
    const embedder = new HashingEmbeddings(data.stats!);
    expect(data.vectors.size).toBe(data.chunks.length);
    data.chunks.forEach((c, i) => {
      const want = embedder.embedText(c.indexText);
      Array.from(data.vectors.row(i)).forEach((x, k) => expect(x).toBeCloseTo(want[k], 6));
    });
  });

  it("a row's dot product with a query, summed over its terms' buckets only, is bit for bit the full row's", async () => {
    const data = (await readIndexData(index))!;
    const embedder = new HashingEmbeddings(data.stats!);
    for (const q of ["政府信息公开申请", "甲市人民政府 总体情况", "主动公开"]) {
      const v = embedder.embedText(q);
      for (let r = 0; r < data.vectors.size; r++) {
        const row = data.vectors.row(r);
        let full = 0;
        for (let i = 0; i < row.length; i++) full += row[i] * v[i];
        expect(data.vectors.dot(r, v)).toBe(full);
      }
    }
  });

  it("an incremental ingest reuses the saved extraction results exactly (the kept report's facts are unchanged)", async () => {
    const factsOf = async () => {
      const db = new FactsDb(path.join((await currentGeneration(index))!, FACTS_FILE));
      try {
        return db.reports().map((r) => ({ report: r, facts: db.facts(r.docId), checks: db.checks(r.docId) }));
      } finally {
        db.close();
      }
    };
    const before = await factsOf();
    expect(before.flatMap((r) => r.facts).length).toBeGreaterThan(0);
    writeFileSync(path.join(corpus, "c.txt"), report("丙区人民政府", 2018));
    const s = await ingest({ corpusDir: corpus, indexDir: index, settings });
    expect(s.written).toBe(true);
    const after = await factsOf();
    for (const r of before) expect(after.find((x) => x.report.docId === r.report.docId)).toEqual(r);
    // The saved results are a small fraction of the facts database they are read back into.
    const gen = (await currentGeneration(index))!;
    expect(statSync(path.join(gen, "statistics.bin")).size).toBeLessThan(statSync(path.join(gen, FACTS_FILE)).size);
  });

  it("the statistics database keeps text-keyed rows in their key's b-tree: no automatic index repeating every key", async () => {
    const db = new Database(path.join((await currentGeneration(index))!, FACTS_FILE), { readonly: true });
    try {
      const auto = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'sqlite_autoindex_%'").all() as Array<{ name: string }>;
      expect(auto.map((r) => r.name).filter((n) => /cells|row_quotes|tables/.test(n))).toEqual([]);
    } finally {
      db.close();
    }
  });
});
