import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { openEngine, openStatistics, type OpenedEngine } from "../../src/app/open.js";
import { LiveEngine } from "../../src/app/live.js";
import { run as ingestCli } from "../../src/cli/ingest.js";
import { defaultDeps } from "../../src/cli/deps.js";
import { run as askCli } from "../../src/cli/ask.js";
import { settingsSchema } from "../../src/config.js";
import { directAnswer, type EvalItem } from "../../src/eval/metrics.js";
import { memoryIo } from "../helpers/cli.js";
import { freshPglite } from "./helpers.js";

/**
 * Parity: the real corpus ingested into PostgreSQL (PGlite with pgvector) by `npm run ingest` with
 * NIANBAO_DATABASE_URL set answers the evaluation sets over corpus/ as the embedded index does: at least 98 % of
 * the direct answers identical and identical first citations, every difference listed.
 */

const SETS = ["questions", "heldout", "sealed", "dev-rules", "sealed-rules"];
const items: EvalItem[] = SETS.flatMap((s) =>
  readFileSync(path.resolve("test/eval", `${s}.jsonl`), "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as EvalItem),
);

async function answers(engine: OpenedEngine, list: EvalItem[]): Promise<Array<{ direct: string; first: string }>> {
  const out: Array<{ direct: string; first: string }> = [];
  for (const item of list) {
    let state = null;
    for (const prev of item.previous === undefined ? [] : Array.isArray(item.previous) ? item.previous : [item.previous]) state = (await engine.ask(prev, state)).state;
    const { answer } = await engine.ask(item.question, state);
    const c = answer.citations[0];
    out.push({ direct: directAnswer(answer.answer), first: c ? `${c.source} | ${c.section} | ${c.quote ?? ""}` : "" });
  }
  return out;
}

describe("PostgreSQL backend and embedded index answer alike (real corpus)", () => {
  let url: string;
  let dir: string;
  let pgEngine: OpenedEngine;
  let local: OpenedEngine;
  beforeAll(async () => {
    url = await freshPglite();
    dir = mkdtempSync(path.join(tmpdir(), "nianbao-pg-parity-"));
    const io = memoryIo({ env: { NIANBAO_DATABASE_URL: url } });
    const code = await ingestCli(["--index", path.join(dir, "cache")], io, defaultDeps());
    expect(code, io.err()).toBe(0);
    expect(io.out()).toMatch(/database synced: \d+ files written/);
    pgEngine = await openEngine({ indexDir: path.join(dir, "nowhere"), corpusDir: "corpus", settings: settingsSchema.parse({ NIANBAO_DATABASE_URL: url }) });
    local = await openEngine({ indexDir: inject("realIndexDir"), corpusDir: "corpus", settings: settingsSchema.parse({}), refresh: false });
  }, 300_000);
  afterAll(async () => {
    pgEngine?.close?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it("holds the same documents and chunks, and an unchanged corpus is not written again", async () => {
    expect(pgEngine.coverage()).toEqual(local.coverage());
    expect(pgEngine.database?.generation).toBe(1);
    const io = memoryIo({ env: { NIANBAO_DATABASE_URL: url } });
    expect(await ingestCli(["--index", path.join(dir, "cache")], io, defaultDeps()), io.err()).toBe(0);
    expect(io.out()).toContain("database synced: 0 files written, 0 removed");
    expect(await pgEngine.database!.currentGeneration()).toBe(1);
  });

  it("`npm run stats` reads the same statistics from the database", async () => {
    const settings = settingsSchema.parse({ NIANBAO_DATABASE_URL: url });
    const fromDb = await openStatistics({ indexDir: path.join(dir, "nowhere"), corpusDir: "corpus", settings });
    const embedded = local.stats()!;
    expect(fromDb.stats.reports()).toEqual(embedded.reports());
    expect(fromDb.stats.cells({ year: 2019 })).toEqual(embedded.cells({ year: 2019 }));
  });

  it("`npm run ask` answers from the database", async () => {
    const io = memoryIo({ env: { NIANBAO_DATABASE_URL: url } });
    expect(await askCli(["--index", path.join(dir, "nowhere"), "沈阳市2013年共受理了多少件政府信息公开申请？"], io, defaultDeps()), io.err()).toBe(0);
    expect(io.out()).toContain("249");
  });

  it(`answers the ${items.length} evaluation questions as the embedded index does (≥ 98 % identical, first citations identical)`, async () => {
    // Side by side: PGlite answers in the main process, the embedded engine in this worker.
    const t0 = Date.now();
    const timed = async (e: OpenedEngine) => {
      const r = await answers(e, items);
      return { r, ms: Date.now() - t0 };
    };
    const [ta, tb] = await Promise.all([timed(local), timed(pgEngine)]);
    const [a, b] = [ta.r, tb.r];
    if (process.env.NIANBAO_TEST_TIMING) console.error(`parity: embedded ${ta.ms} ms, postgres ${tb.ms} ms for ${items.length} questions`);
    const differ = items.flatMap((item, i) => (a[i].direct === b[i].direct && a[i].first === b[i].first ? [] : [`${item.id}: ${item.question}\n  embedded: ${a[i].direct.slice(0, 120)} [${a[i].first.slice(0, 80)}]\n  postgres: ${b[i].direct.slice(0, 120)} [${b[i].first.slice(0, 80)}]`]));
    const sameDirect = items.filter((_, i) => a[i].direct === b[i].direct).length / items.length;
    const sameFirst = items.filter((_, i) => a[i].first === b[i].first).length;
    if (differ.length) console.error(`pg parity: ${differ.length} of ${items.length} differ\n${differ.join("\n")}`);
    expect(sameDirect, differ.join("\n")).toBeGreaterThanOrEqual(0.98);
    expect(sameFirst, differ.join("\n")).toBe(items.length);
  }, 300_000);

  it("a server follows the database: an ingest that adds a source is swapped in", async () => {
    const live = await LiveEngine.open({ indexDir: path.join(dir, "nowhere"), corpusDir: "corpus", settings: settingsSchema.parse({ NIANBAO_DATABASE_URL: url }), watchMs: 0 });
    try {
      const before = live.engine.coverage().documents;
      expect(await live.check()).toBe(false);
      const extra = path.join(dir, "extra.txt");
      copyFileSync(path.resolve("test/fixtures/corpus/平潭综合实验区-2019-年度报告.txt"), extra);
      const io = memoryIo({ env: { NIANBAO_DATABASE_URL: url } });
      expect(await ingestCli(["--index", path.join(dir, "cache"), extra], io, defaultDeps()), io.err()).toBe(0);
      expect(io.out()).toContain("database synced: 1 files written");
      expect(await live.check()).toBe(true);
      expect(live.engine.coverage().documents).toBe(before + 1);
      expect(live.engine.database?.generation).toBe(2);
    } finally {
      live.close();
    }
  });
});
