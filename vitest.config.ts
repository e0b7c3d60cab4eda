import { defineConfig } from "vitest/config";

/**
 * Four projects, chosen by file name:
 *  - unit    `*.test.ts`: pure code on tiny inputs; no global setup, no index; runs in seconds.
 *  - corpus  `*.corpus.test.ts`: golden tests on the real corpus, and index-lifecycle tests on the fixture corpus
 *            (test/fixtures/corpus/); test/globalSetup.ts builds both indexes once per run.
 *  - e2e     `*.e2e.test.ts`: child processes, the browser, kills and restarts.
 *  - pg      `test/pg/*.pg.test.ts`: the PostgreSQL backend against real servers that test/pg/globalSetup.ts starts
 *            once per run (Debian's PostgreSQL 15 in a temporary folder; PGlite with pgvector over its socket).
 * `npm test` runs unit and corpus; `npm run test:e2e` runs e2e and pg. Timeouts are sized for a loaded 2-core machine.
 * Unit and corpus test files share their worker's modules (isolate: false): each file no longer re-imports the
 * code (and the corpus files no longer re-open the real index, see test/helpers/engine.ts), so a test must leave
 * no state behind (restore spies, close servers, do not change a shared engine).
 */
const CORPUS = "test/**/*.corpus.test.ts";
const E2E = "test/**/*.e2e.test.ts";
const PG = "test/pg/*.pg.test.ts";

export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: { name: "unit", include: ["test/**/*.test.ts"], exclude: [CORPUS, E2E, PG], isolate: false, testTimeout: 20_000, hookTimeout: 30_000 },
      },
      {
        extends: true,
        test: { name: "corpus", include: [CORPUS], globalSetup: ["test/globalSetup.ts"], isolate: false, testTimeout: 60_000, hookTimeout: 300_000 },
      },
      {
        extends: true,
        test: { name: "e2e", include: [E2E], globalSetup: ["test/globalSetup.ts"], testTimeout: 120_000, hookTimeout: 300_000 },
      },
      {
        extends: true,
        // One worker at a time: the files share the two database servers (and the fault test stops one of them).
        test: { name: "pg", include: [PG], globalSetup: ["test/pg/globalSetup.ts"], fileParallelism: false, testTimeout: 60_000, hookTimeout: 300_000 },
      },
    ],
  },
});
