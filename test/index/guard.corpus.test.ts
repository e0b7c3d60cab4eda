import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openEngine } from "../../src/app/open.js";
import { settingsSchema } from "../../src/config.js";
import { ingest, isUpToDate, readFailed } from "../../src/index/build.js";
import { acquireWriteLock, claimIndexFolder, LOCK_FILE, MARKER_FILE, parseLockHolder } from "../../src/index/guard.js";
import { currentGeneration, readIndexData } from "../../src/index/store.js";
import { copyFixture, FIXTURE_CORPUS, type FixtureCopy } from "../helpers/fixture.js";

/**
 * Issue 11's index defects, each on a copy of the fixture corpus and its index (built once per run): an index
 * knows its sources, never writes into a folder that is not an index, lets one writer in at a time, refuses
 * damaged files, and records failed files.
 */

const settings = settingsSchema.parse({});
let tmp: string;
let extra: string;
const copies: FixtureCopy[] = [];
/** A private copy of the fixture corpus and its built index. */
const fixture = () => {
  const c = copyFixture("nianbao-guard-");
  copies.push(c);
  return c;
};

beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), "nianbao-guard-"));
  extra = path.join(tmp, "extra");
  mkdirSync(extra);
  cpSync("corpus/平潭综合实验区财政金融局-2024-年度报告.txt", path.join(extra, "财金局-2024.txt"));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  for (const c of copies) c.cleanup();
});

const sourcesOf = async (dir: string) => (await readIndexData(dir))!.manifest.documents.map((d) => d.source).sort();

describe("an index knows what it is built from", () => {
  it("a path added with ingest stays in the index when the engine opens it later (it re-syncs the recorded sources, not corpus/ alone)", async () => {
    const { corpus, index: dir } = fixture();
    await ingest({ corpusDir: corpus, indexDir: dir, settings, paths: [extra] });
    expect(await sourcesOf(dir)).toContain("财金局-2024.txt");
    const engine = await openEngine({ indexDir: dir, corpusDir: corpus, settings });
    expect(engine.index.manifest.sources).toEqual([path.resolve(corpus), path.resolve(extra)]);
    expect(engine.index.manifest.documents.some((d) => d.source === "财金局-2024.txt")).toBe(true);
    // --forget removes one source and its documents.
    const s = await ingest({ corpusDir: corpus, indexDir: dir, settings, forget: [extra] });
    expect(s.removed).toEqual(["财金局-2024.txt"]);
    expect(await sourcesOf(dir)).not.toContain("财金局-2024.txt");
  });

  it("a source folder that is missing stops the ingest with an error: the index is never emptied", async () => {
    const { corpus: gone, index: dir } = fixture();
    const before = await sourcesOf(dir);
    rmSync(gone, { recursive: true, force: true });
    await expect(ingest({ corpusDir: gone, indexDir: dir, settings })).rejects.toMatchObject({ code: "ENOENT" });
    expect(await sourcesOf(dir)).toEqual(before);
    // Opening serves the last good generation with one warning line.
    const logs: Array<Record<string, unknown>> = [];
    const engine = await openEngine({ indexDir: dir, corpusDir: gone, settings, log: (e) => logs.push(e) });
    expect(engine.index.manifest.documents.map((d) => d.source).sort()).toEqual(before);
    expect(logs.filter((l) => l.event === "index_stale")).toHaveLength(1);
  });
});

describe("only an index folder is written into", () => {
  it("refuses a non-empty folder without the marker, and leaves its files (gen-* included) alone", async () => {
    const dir = path.join(tmp, "not-an-index");
    mkdirSync(dir);
    writeFileSync(path.join(dir, "notes.txt"), "mine");
    mkdirSync(path.join(dir, "gen-photos"));
    await expect(ingest({ corpusDir: FIXTURE_CORPUS, indexDir: dir, settings })).rejects.toMatchObject({ code: "not_an_index" });
    await expect(openEngine({ indexDir: dir, corpusDir: FIXTURE_CORPUS, settings })).rejects.toMatchObject({ code: "not_an_index" });
    expect(readdirSync(dir).sort()).toEqual(["gen-photos", "notes.txt"]);
  });

  it("claims an empty or missing folder with the marker file", async () => {
    const dir = path.join(tmp, "fresh", "index");
    await claimIndexFolder(dir);
    expect(existsSync(path.join(dir, MARKER_FILE))).toBe(true);
    await claimIndexFolder(dir);
  });
});

describe("one writer at a time", () => {
  it("two ingests adding different files at once both land (the second waits for the lock)", async () => {
    const { corpus, index: dir } = fixture();
    const a = path.join(tmp, "a");
    const b = path.join(tmp, "b");
    mkdirSync(a);
    mkdirSync(b);
    cpSync("corpus/平潭综合实验区经济发展局-2025-年度报告.txt", path.join(a, "经发局-2025.txt"));
    cpSync("corpus/平潭综合实验区行政审批局-2025-年度报告.txt", path.join(b, "审批局-2025.txt"));
    const waits: string[] = [];
    await Promise.all([
      ingest({ corpusDir: corpus, indexDir: dir, settings, paths: [a], log: (l) => waits.push(l) }),
      ingest({ corpusDir: corpus, indexDir: dir, settings, paths: [b], log: (l) => waits.push(l) }),
    ]);
    const sources = await sourcesOf(dir);
    expect(sources).toContain("经发局-2025.txt");
    expect(sources).toContain("审批局-2025.txt");
    expect(waits.some((l) => l.includes("等待"))).toBe(true);
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
  });

  it("a lock held by a live process makes a writer fail clearly after its wait; a stale lock is taken over", async () => {
    const dir = path.join(tmp, "idx-lock");
    await claimIndexFolder(dir);
    writeFileSync(path.join(dir, LOCK_FILE), String(process.ppid));
    await expect(acquireWriteLock(dir, { waitMs: 300, pollMs: 50 })).rejects.toMatchObject({ code: "index_locked" });
    writeFileSync(path.join(dir, LOCK_FILE), "999999999");
    const release = await acquireWriteLock(dir, { waitMs: 300, pollMs: 50 });
    expect(parseLockHolder(readFileSync(path.join(dir, LOCK_FILE), "utf8"))?.pid).toBe(process.pid);
    await release();
  });
});

describe("damage is found and repaired", () => {
  it("one changed digit in chunks.json is refused, and opening rebuilds the generation, saying so", async () => {
    const { corpus, index: dir } = fixture();
    const gen = (await currentGeneration(dir))!;
    const file = path.join(gen, "chunks.json");
    const text = readFileSync(file, "utf8");
    const i = text.search(/\d/);
    writeFileSync(file, text.slice(0, i) + String((Number(text[i]) + 1) % 10) + text.slice(i + 1));
    await expect(readIndexData(dir)).rejects.toMatchObject({ code: "index_damaged" });
    const logs: Array<Record<string, unknown>> = [];
    const engine = await openEngine({ indexDir: dir, corpusDir: corpus, settings, log: (e) => logs.push(e) });
    expect(logs.map((l) => l.event)).toContain("index_damaged");
    expect(logs.map((l) => l.event)).toContain("index_repair");
    expect((await engine.ask("平潭综合实验区2021年收到多少件申请？")).answer.answer).toContain("70件");
  });

  it("a truncated HNSW graph is refused by its size before hnswlib reads it (no crash)", async () => {
    const { index: dir } = fixture();
    const gen = (await currentGeneration(dir))!;
    const graph = readdirSync(path.join(gen, "hnsw")).find((f) => f.endsWith(".index") || f.includes("hnswlib"))!;
    const file = path.join(gen, "hnsw", graph);
    writeFileSync(file, readFileSync(file).subarray(0, 100));
    await expect(readIndexData(dir)).rejects.toMatchObject({ code: "index_damaged" });
  });
});

describe("failed files", () => {
  it("a file that fails is recorded as failed (never as ingested), reported on every ingest, and counts as known while unchanged", async () => {
    const { corpus: c, index: dir } = fixture();
    writeFileSync(path.join(c, "坏.txt"), Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 7919) % 256)));
    const first = await ingest({ corpusDir: c, indexDir: dir, settings });
    expect(first.failures.map((f) => f.source)).toEqual(["坏.txt"]);
    expect((await readIndexData(dir))!.manifest.files["坏.txt"]).toBeUndefined();
    expect(Object.keys(await readFailed(dir))).toEqual(["坏.txt"]);
    expect(await isUpToDate(c, dir)).toBe(true);
    const again = await ingest({ corpusDir: c, indexDir: dir, settings });
    expect(again.failures.map((f) => f.source)).toEqual(["坏.txt"]);
    expect(again.written).toBe(false);
    writeFileSync(path.join(c, "坏.txt"), "平潭综合实验区2030年政府信息公开工作年度报告。本报告所列数据的统计期限自2030年1月1日起至2030年12月31日止。");
    expect(await isUpToDate(c, dir)).toBe(false);
  });

  it("stale .tmp builds of dead processes are removed when the engine opens", async () => {
    const { corpus, index: dir } = fixture();
    mkdirSync(path.join(dir, "gen-20200101-999999999.tmp"));
    await openEngine({ indexDir: dir, corpusDir: corpus, settings });
    expect(existsSync(path.join(dir, "gen-20200101-999999999.tmp"))).toBe(false);
  });
});
