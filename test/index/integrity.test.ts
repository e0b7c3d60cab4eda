import { execFile, spawn } from "node:child_process";
import { closeSync, cpSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryIo } from "../helpers/cli.js";
import { defaultDeps } from "../../src/cli/deps.js";
import { openEngine } from "../../src/app/open.js";
import { settingsSchema } from "../../src/config.js";
import { ingest } from "../../src/index/build.js";
import { acquireWriteLock, bootId, claimIndexFolder, LOCK_FILE, ownLockHolder, parseLockHolder, processStartTime, VERIFIED_FILE } from "../../src/index/guard.js";
import { currentGeneration, readIndexData, verifyIndex } from "../../src/index/store.js";

/**
 * Issue 19's integrity defects, each on a small real corpus: index files whose bytes change while their size and
 * modification time do not (the graph hnswlib parses natively, the statistics database), `--verify`, and a write
 * lock whose pid now belongs to another process.
 */

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const settings = settingsSchema.parse({});
const SMALL = ["平潭综合实验区-2021-年度报告.txt", "平潭综合实验区-2022-年度报告.txt", "regulation-2019.txt", "overrides.json"];
const GRAPH = "hnsw/hnswlib.index";
const FACTS = "facts.sqlite";
let tmp: string;
let corpus: string;

beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), "nianbao-integrity-"));
  corpus = path.join(tmp, "corpus");
  mkdirSync(corpus);
  for (const f of SMALL) cpSync(path.join(ROOT, "corpus", f), path.join(corpus, f));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A built index that was opened once (so every file counts as verified, as in a served index). */
async function builtIndex(name: string): Promise<{ dir: string; gen: string }> {
  const dir = path.join(tmp, name);
  await ingest({ corpusDir: corpus, indexDir: dir, settings });
  await readIndexData(dir);
  return { dir, gen: (await currentGeneration(dir))! };
}

/**
 * Changes `length` bytes in the middle of a file and puts its modification time back to the nanosecond (touch -r),
 * so the file keeps the size and mtime it had: what bit rot or a careful hand leaves.
 */
async function damageKeepingSizeAndMtime(file: string, length: number): Promise<void> {
  const before = statSync(file, { bigint: true });
  const ref = `${file}.times`;
  await promisify(execFile)("touch", ["-r", file, ref]);
  const fd = openSync(file, "r+");
  const offset = Math.floor(Number(before.size) / 2 / 4096) * 4096;
  const buf = Buffer.alloc(length);
  readSync(fd, buf, 0, length, offset);
  for (let i = 0; i < length; i++) buf[i] ^= 0xa5;
  writeSync(fd, buf, 0, length, offset);
  closeSync(fd);
  await promisify(execFile)("touch", ["-r", ref, file]);
  rmSync(ref);
  const after = statSync(file, { bigint: true });
  expect([after.size, after.mtimeNs]).toEqual([before.size, before.mtimeNs]);
}

describe("index files whose bytes change while size and mtime do not", () => {
  it("64 bytes of the HNSW graph: refused before hnswlib reads it, and ingest repairs it (no 'up to date'), saying so in one line", async () => {
    const { dir, gen } = await builtIndex("idx-graph");
    await damageKeepingSizeAndMtime(path.join(gen, GRAPH), 64);
    const err = await readIndexData(dir).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "index_damaged" });
    expect((err as Error).message).toContain(GRAPH);

    const lines: string[] = [];
    const s = await ingest({ corpusDir: corpus, indexDir: dir, settings, log: (l) => lines.push(l) });
    expect(s.written).toBe(true);
    expect(s.damaged.map((p) => [p.file, p.code])).toEqual([[GRAPH, "index_file_hash"]]);
    // Only the graph was damaged: it is written again from the saved vectors, nothing is parsed or embedded.
    expect(s.repaired).toBe("parts");
    expect(s.embedded).toBe(0);
    const said = lines.filter((l) => l.startsWith("索引已修复"));
    expect(said).toHaveLength(1);
    expect(said[0]).toContain(GRAPH);

    const engine = await openEngine({ indexDir: dir, corpusDir: corpus, settings, refresh: false });
    expect((await engine.ask("平潭综合实验区2021年收到多少件申请？")).answer.answer).toContain("70件");
    expect(await verifyIndex(dir, () => undefined)).toBe(true);
  }, 120_000);

  it("4 KB of facts.sqlite: opening finds it, repairs it and answers the table's figure", async () => {
    const { dir, gen } = await builtIndex("idx-facts");
    await damageKeepingSizeAndMtime(path.join(gen, FACTS), 4096);
    const events: Array<Record<string, unknown>> = [];
    const engine = await openEngine({ indexDir: dir, corpusDir: corpus, settings, log: (e) => events.push(e) });
    expect(events.find((e) => e.event === "index_damaged")?.reason).toContain(FACTS);
    expect(events.find((e) => e.event === "index_repaired")).toMatchObject({ how: "parts", files: [FACTS] });
    const { answer } = await engine.ask("平潭综合实验区2021年收到多少件申请？");
    expect(answer.answer).toContain("70件");
    expect(answer.citations[0].cell).not.toBeNull();
    expect(await verifyIndex(dir, () => undefined)).toBe(true);
  }, 120_000);

  it("a change no file time shows (under the file system): graph, database and chunks are hashed on every open, every file by --verify and by ingest", async () => {
    const { dir, gen } = await builtIndex("idx-rot");
    const record = path.join(gen, VERIFIED_FILE);
    // Damage, then make the verification record describe the damaged files as they are now: as if the change
    // had happened below the file system, which changes no size, time or inode.
    const pristine = readFileSync(record, "utf8");
    const rotten = ["chunks.json", FACTS, GRAPH, "terms.bin"];
    for (const rel of rotten) await damageKeepingSizeAndMtime(path.join(gen, rel), 64);
    const r = JSON.parse(pristine) as { files: Record<string, { size: number; mtime: string; ctime: string; ino: string }> };
    for (const rel of rotten) {
      const st = statSync(path.join(gen, rel), { bigint: true });
      Object.assign(r.files[rel], { size: Number(st.size), mtime: String(st.mtimeNs), ctime: String(st.ctimeNs), ino: String(st.ino) });
    }
    writeFileSync(record, JSON.stringify(r));
    // An open: the three files whose damage would crash the process or change an answer.
    const err = (await readIndexData(dir).catch((e: unknown) => e)) as { code: string; problems: Array<{ file: string; code: string }> };
    expect(err.code).toBe("index_damaged");
    expect(err.problems.map((p) => [p.file, p.code])).toEqual(["chunks.json", FACTS, GRAPH].map((f) => [f, "index_file_hash"]));
    // --verify: every file.
    const lines: string[] = [];
    expect(await verifyIndex(dir, (l) => lines.push(l))).toBe(false);
    expect(lines.filter((l) => l.includes("[index_file_hash]"))).toEqual(rotten.map((f) => expect.stringContaining(`：${f}（`)));
    // An ingest hashes every file before reusing it: the damaged vectors are not carried into the next generation.
    const s = await ingest({ corpusDir: corpus, indexDir: dir, settings });
    expect(s.damaged.map((p) => p.file)).toEqual(rotten);
    expect(s.repaired).toBe("all");
    expect(await verifyIndex(dir, () => undefined)).toBe(true);
  }, 120_000);
});

describe("the manifest (it holds the hashes, so nothing hashes it)", () => {
  it("an unreadable manifest.json is damage like any other: opening rebuilds the index from the sources and answers", async () => {
    const { dir, gen } = await builtIndex("idx-manifest");
    const file = path.join(gen, "manifest.json");
    writeFileSync(file, readFileSync(file).subarray(0, 1000));
    const events: Array<Record<string, unknown>> = [];
    const engine = await openEngine({ indexDir: dir, corpusDir: corpus, settings, log: (e) => events.push(e) });
    expect(events.map((e) => e.event)).toEqual(expect.arrayContaining(["index_damaged", "index_repair"]));
    expect((await engine.ask("平潭综合实验区2021年收到多少件申请？")).answer.answer).toContain("70件");
  }, 120_000);
});

describe("--verify on the commands", () => {
  // The commands in process, through run(argv, io, deps) with the production deps.
  const cli = async (script: "ask" | "ingest", args: string[]) => {
    const io = memoryIo({ cwd: ROOT, env: { CORPUS_DIR: corpus } });
    const run = script === "ask" ? (await import("../../src/cli/ask.js")).run : (await import("../../src/cli/ingest.js")).run;
    const code = await run(args, io, defaultDeps());
    return { code, stdout: io.out(), stderr: io.err() };
  };

  it("ask --verify reports each damaged file with its code and exits 1; ingest --verify repairs it (exit 1); then both pass", async () => {
    const { dir, gen } = await builtIndex("idx-cli");
    await damageKeepingSizeAndMtime(path.join(gen, GRAPH), 64);
    await damageKeepingSizeAndMtime(path.join(gen, FACTS), 4096);
    const ask = await cli("ask", ["--index", dir, "--verify"]);
    expect(ask.code).toBe(1);
    expect(ask.stderr).toContain(`[index_file_hash] 索引文件已损坏：${GRAPH}`);
    expect(ask.stderr).toContain(`[index_file_hash] 索引文件已损坏：${FACTS}`);

    const ing = await cli("ingest", ["--index", dir, "--verify"]);
    expect(ing.code).toBe(1);
    expect(ing.stdout).toContain(`[index_file_hash] 索引文件已损坏：${GRAPH}`);
    expect(ing.stdout.split("\n").filter((l) => l.startsWith("索引已修复"))).toHaveLength(1);
    expect(ing.stdout).toContain("index written");

    const again = await cli("ask", ["--index", dir, "--verify"]);
    expect(again.stderr).toContain("索引校验通过");
    expect(again.code).toBe(0);
    const ing2 = await cli("ingest", ["--index", dir, "--verify"]);
    expect(ing2.code).toBe(0);
    expect(ing2.stdout).toContain("索引校验通过");
    expect(ing2.stdout).toContain("index up to date");
  }, 180_000);
});

describe("a write lock whose pid now belongs to another process", () => {
  const lockIn = async (name: string) => {
    const dir = path.join(tmp, name);
    await claimIndexFolder(dir);
    return { dir, file: path.join(dir, LOCK_FILE) };
  };

  it("records the writer's start time and boot id with its pid", async () => {
    const { dir, file } = await lockIn("lock-record");
    const release = await acquireWriteLock(dir, { waitMs: 1000 });
    const holder = parseLockHolder(readFileSync(file, "utf8"));
    expect(holder).toEqual(await ownLockHolder());
    expect(holder?.start).toMatch(/^\d+$/);
    expect(holder?.boot).toBe(await bootId());
    await release();
  });

  it("pid 1 recorded on another boot, or with another start time, is taken over", async () => {
    const { dir, file } = await lockIn("lock-reused");
    const start = await processStartTime(1);
    expect(start).not.toBeNull();
    for (const gone of [
      { pid: 1, start, boot: "00000000-0000-0000-0000-000000000000" },
      { pid: 1, start: String(Number(start) + 12345), boot: await bootId() },
    ]) {
      writeFileSync(file, JSON.stringify(gone));
      const taken: number[] = [];
      const release = await acquireWriteLock(dir, { waitMs: 2000, pollMs: 50, onTakeover: (h) => taken.push(h.pid) });
      expect(taken).toEqual([1]);
      expect(parseLockHolder(readFileSync(file, "utf8"))?.pid).toBe(process.pid);
      await release();
    }
  });

  it("a lock held by a live process of ours (its pid, start time and boot id) is respected", async () => {
    const { dir, file } = await lockIn("lock-live");
    // Another process of ours, alive for the test's duration.
    const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
    try {
      writeFileSync(file, JSON.stringify({ pid: child.pid, start: await processStartTime(child.pid!), boot: await bootId() }));
      await expect(acquireWriteLock(dir, { waitMs: 300, pollMs: 50 })).rejects.toMatchObject({ code: "index_locked" });
      // And our own lock, taken a second time in this process.
      rmSync(file);
      const release = await acquireWriteLock(dir, { waitMs: 1000 });
      await expect(acquireWriteLock(dir, { waitMs: 300, pollMs: 50 })).rejects.toMatchObject({ code: "index_locked" });
      await release();
    } finally {
      child.kill();
    }
  });
});
