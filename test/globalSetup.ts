import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { openEngine } from "../src/app/open.js";
import { settingsSchema } from "../src/config.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** Folder of the index built from corpus/ once for the whole run; open it read-only (refresh: false). */
    realIndexDir: string;
    /** Folder of the index built from test/fixtures/corpus/ once for the run; copy it before changing it (test/helpers/fixture.ts). */
    fixtureIndexDir: string;
  }
}

export const FIXTURE_CORPUS = path.resolve(__dirname, "fixtures/corpus");

/**
 * Builds the real-corpus index and the fixture-corpus index once, through the same API the product uses
 * (openEngine builds a missing index with ingest), so whatever the index holds — generations, statistics
 * database — comes with it. Tests that change an index work on a copy of the fixture's.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  const dir = mkdtempSync(path.join(tmpdir(), "nianbao-shared-index-"));
  const real = path.join(dir, "real");
  const fixture = path.join(dir, "fixture");
  // An empty environment: a developer's shell (LLM_BASE_URL, EMBEDDINGS_*) must not change the shared indexes.
  const settings = settingsSchema.parse({});
  const t0 = Date.now();
  await openEngine({ indexDir: real, corpusDir: "corpus", settings });
  const t1 = Date.now();
  await openEngine({ indexDir: fixture, corpusDir: FIXTURE_CORPUS, settings });
  if (process.env.NIANBAO_TEST_TIMING) console.error(`shared indexes built: real corpus ${t1 - t0} ms, fixture ${Date.now() - t1} ms: ${dir}`);
  project.provide("realIndexDir", real);
  project.provide("fixtureIndexDir", fixture);
  return () => rmSync(dir, { recursive: true, force: true });
}
