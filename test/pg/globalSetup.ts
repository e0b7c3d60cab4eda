import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { ingest } from "../../src/index/build.js";
import { stopSandbox } from "../../src/ingest/sandbox.js";
import { settingsSchema } from "../../src/config.js";
import { initLocalPostgres, removeLocalPostgres, type LocalPostgres } from "./servers.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** Debian PostgreSQL 15 (no pgvector) in a temporary folder, started for this run. */
    localPg: LocalPostgres;
    /** PGlite (PostgreSQL compiled to WASM) with pgvector, served over its socket for this run. */
    pgliteUrl: string;
  }
}

/**
 * Starts both test databases once per run. Either failing to start fails the run with its reason (never a silent
 * skip): PostgreSQL 15 is part of the CI image (.ci/run installs it), PGlite comes with the dev dependencies.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const t0 = Date.now();
  const dir = mkdtempSync(path.join(tmpdir(), "nianbao-pg-index-"));
  const real = path.join(dir, "real");
  const [local, pglite] = await Promise.all([
    initLocalPostgres(),
    (async () => {
      const db = await PGlite.create({ extensions: { vector } });
      // PGlite is one session: the server multiplexes connections query by query (a served engine's idle
      // connection and an ingest's may coexist; the tests never run two transactions at once).
      const server = new PGLiteSocketServer({ db, port: 0, host: "127.0.0.1", maxConnections: 8 });
      await server.start();
      return { db, server };
    })(),
  ]);
  const t1 = Date.now();
  // The embedded index of the real corpus: what the PostgreSQL backend is compared with (an empty environment).
  await ingest({ indexDir: real, corpusDir: path.resolve("corpus"), settings: settingsSchema.parse({}) });
  // The parser processes ingest keeps warm would hold this (main) process open for a minute after the run.
  stopSandbox();
  if (process.env.NIANBAO_TEST_TIMING) console.error(`pg servers started in ${t1 - t0} ms, real index built in ${Date.now() - t1} ms`);
  project.provide("realIndexDir", real);
  project.provide("localPg", local);
  project.provide("pgliteUrl", `postgres://postgres@${pglite.server.getServerConn()}/postgres`);
  return async () => {
    const t = Date.now();
    await pglite.server.stop().catch(() => {});
    const t1 = Date.now();
    await pglite.db.close().catch(() => {});
    const t2 = Date.now();
    removeLocalPostgres(local);
    rmSync(dir, { recursive: true, force: true });
    if (process.env.NIANBAO_TEST_TIMING) console.error(`pg teardown: socket ${t1 - t} ms, pglite ${t2 - t1} ms, postgres ${Date.now() - t2} ms`);
  };
}
