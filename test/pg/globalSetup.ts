import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import type { TestProject } from "vitest/node";
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
  const [local, pglite] = await Promise.all([
    initLocalPostgres(),
    (async () => {
      const db = await PGlite.create({ extensions: { vector } });
      // One connection at a time: PGlite is one session, and a multiplexed second connection would see the
      // first one's open transaction.
      const server = new PGLiteSocketServer({ db, port: 0, host: "127.0.0.1", maxConnections: 1 });
      await server.start();
      return { db, server };
    })(),
  ]);
  if (process.env.NIANBAO_TEST_TIMING) console.error(`pg servers started in ${Date.now() - t0} ms`);
  project.provide("localPg", local);
  project.provide("pgliteUrl", `postgres://postgres@${pglite.server.getServerConn()}/postgres`);
  return async () => {
    await pglite.server.stop().catch(() => {});
    await pglite.db.close().catch(() => {});
    removeLocalPostgres(local);
  };
}
