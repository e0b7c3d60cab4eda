import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { openDatabaseEngine, type DatabaseEngineParts } from "../../src/app/openDatabase.js";
import { run as startCli } from "../../src/cli/start.js";
import { defaultDeps } from "../../src/cli/deps.js";
import { settingsSchema } from "../../src/config.js";
import { buildServer } from "../../src/server/app.js";
import { Db } from "../../src/search/pg/connection.js";
import { ingestToDatabase } from "../../src/search/pg/ingest.js";
import { freePort, startLocalPostgres, stopLocalPostgres } from "./servers.js";
import { memoryIo } from "../helpers/cli.js";
import { freshLocalDatabase } from "./helpers.js";

/**
 * Faults of the PostgreSQL backend on a real server (Debian PostgreSQL 15, stopped and restarted here): an
 * unreachable database at start, the database lost and back while serving, an ingest interrupted between its
 * transactions, a schema version this release does not know.
 */

const FIXTURE = path.resolve("test/fixtures/corpus");
const settings = (url: string) => settingsSchema.parse({ NIANBAO_DATABASE_URL: url, PORT: "0" });

describe("PostgreSQL faults", () => {
  let url: string;
  let drop: () => Promise<void>;
  let dir: string;
  beforeAll(async () => {
    const fresh = await freshLocalDatabase("nb_faults");
    url = fresh.url;
    drop = fresh.drop;
    dir = mkdtempSync(path.join(tmpdir(), "nianbao-pg-faults-"));
    cpSync(FIXTURE, path.join(dir, "corpus"), { recursive: true });
    await ingestToDatabase({ databaseUrl: url, corpusDir: path.join(dir, "corpus"), indexDir: path.join(dir, "cache"), settings: settingsSchema.parse({}), arrayVectorsForTests: true });
  }, 120_000);
  afterAll(async () => {
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it("npm start with the database unreachable: one clear line, exit 1, no stack trace", async () => {
    const port = await freePort();
    const io = memoryIo({ env: { NIANBAO_DATABASE_URL: `postgres://nianbao:secret@127.0.0.1:${port}/nianbao`, PORT: "0" } });
    expect(await startCli([], io, defaultDeps())).toBe(1);
    const lines = io.err().trim().split("\n");
    expect(lines, io.err()).toHaveLength(1);
    expect(lines[0]).toMatch(/^启动失败：数据库无法访问（postgres:\/\/nianbao:\*\*\*@127\.0\.0\.1:\d+\/nianbao）/);
    expect(io.err()).not.toContain("secret");
    expect(io.err()).not.toMatch(/\n\s+at /);
  });

  it("a request while the database is down gets `unavailable` (503); the pool reconnects once it is back", async () => {
    const log: Array<Record<string, unknown>> = [];
    const parts: DatabaseEngineParts = await openDatabaseEngine({ settings: settings(url), log: (e) => log.push(e), arrayVectorsForTests: true });
    const app = await buildServer({ engine: parts.engine, stats: parts.stats, settings: settings(url) });
    const ask = () => app.inject({ method: "POST", url: "/api/ask", payload: { question: "平潭综合实验区2019年主动公开政府信息多少条？" } });
    try {
      const before = await ask();
      expect(before.statusCode, before.body).toBe(200);
      stopLocalPostgres(inject("localPg"));
      try {
        const down = await ask();
        expect(down.statusCode).toBe(503);
        expect(down.json()).toEqual({ error: { code: "unavailable", message: expect.stringMatching(/^抱歉/) } });
      } finally {
        startLocalPostgres(inject("localPg"));
      }
      const after = await ask();
      expect(after.statusCode, after.body).toBe(200);
      expect(after.json().answer).toBe(before.json().answer);
    } finally {
      await app.close();
      await parts.close();
    }
  });

  it("an ingest interrupted between transactions leaves every file as it was or as it is now, and the next ingest finishes it", async () => {
    const db = new Db(url);
    const state = async () => ({
      files: Object.fromEntries((await db.query<{ source: string; hash: string }>("SELECT source, hash FROM files ORDER BY source")).map((r) => [r.source, r.hash])),
      generation: Number((await db.query<{ value: string }>("SELECT value FROM nianbao_meta WHERE key = 'generation'"))[0].value),
      // BM25's totals agree with the chunks and postings after every transaction.
      consistent: (
        await db.query<{ ok: boolean }>(
          `SELECT (SELECT n FROM corpus_stats) = (SELECT count(*) FROM chunks)
              AND (SELECT total_len FROM corpus_stats) = (SELECT coalesce(sum(len), 0) FROM chunks)
              AND NOT EXISTS (SELECT 1 FROM terms t FULL JOIN (SELECT term, count(*) AS n FROM postings GROUP BY term) p USING (term) WHERE t.df IS DISTINCT FROM p.n) AS ok`,
        )
      )[0].ok,
    });
    try {
      const before = await state();
      expect(before.consistent).toBe(true);
      // Two files change; the first batch (one file) commits, then the ingest dies.
      for (const f of ["平潭县人民政府-2011-年度报告.txt", "regulation-2019.txt"]) {
        const p = path.join(dir, "corpus", f);
        writeFileSync(p, `${readFileSync(p, "utf8")}\n补充说明：本文件已更新。\n`);
      }
      const opts = { databaseUrl: url, corpusDir: path.join(dir, "corpus"), indexDir: path.join(dir, "cache"), settings: settingsSchema.parse({}), arrayVectorsForTests: true, batchChunks: 1 };
      await expect(
        ingestToDatabase({
          ...opts,
          afterBatch: (done) => {
            if (done === 1) throw new Error("killed");
          },
        }),
      ).rejects.toThrow("killed");
      const mid = await state();
      expect(mid.consistent).toBe(true);
      expect(mid.generation).toBe(before.generation);
      const changed = Object.keys(before.files).filter((s) => mid.files[s] !== before.files[s]);
      expect(changed).toHaveLength(1);
      // Still served: an engine opens on the half-updated database and answers.
      const parts = await openDatabaseEngine({ settings: settings(url), log: () => {}, arrayVectorsForTests: true });
      expect(parts.engine.coverage().documents).toBeGreaterThan(0);
      await parts.close();

      const done = await ingestToDatabase(opts);
      expect(done.database.written).toHaveLength(1);
      const after = await state();
      expect(after.consistent).toBe(true);
      expect(after.generation).toBe(before.generation + 1);
      expect(Object.keys(before.files).filter((s) => after.files[s] !== before.files[s])).toHaveLength(2);
    } finally {
      await db.close();
    }
  });

  it("refuses a database whose schema version this release does not know, for serving and for ingest", async () => {
    const db = new Db(url);
    try {
      await db.query("UPDATE nianbao_meta SET value = '99' WHERE key = 'schema_version'");
      await expect(openDatabaseEngine({ settings: settings(url), log: () => {}, arrayVectorsForTests: true })).rejects.toMatchObject({ code: "database_version", message: expect.stringContaining("版本未知") });
      await expect(
        ingestToDatabase({ databaseUrl: url, corpusDir: path.join(dir, "corpus"), indexDir: path.join(dir, "cache"), settings: settingsSchema.parse({}), arrayVectorsForTests: true }),
      ).rejects.toMatchObject({ code: "database_version" });
    } finally {
      await db.query("UPDATE nianbao_meta SET value = '1' WHERE key = 'schema_version'").catch(() => {});
      await db.close();
    }
  });
});
