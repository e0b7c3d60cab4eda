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
  }
}

/**
 * Builds the real-corpus index once, through the same API the product uses (openEngine builds a missing
 * index with ingest), so whatever the index holds — generations, statistics database — comes with it.
 * Test files that mutate an index (ingest/store tests) keep building their own.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  const dir = mkdtempSync(path.join(tmpdir(), "nianbao-shared-index-"));
  const t0 = Date.now();
  // An empty environment: a developer's shell (LLM_BASE_URL, EMBEDDINGS_*) must not change the shared index.
  await openEngine({ indexDir: dir, corpusDir: "corpus", settings: settingsSchema.parse({}) });
  if (process.env.NIANBAO_TEST_TIMING) console.error(`shared index built in ${Date.now() - t0} ms: ${dir}`);
  project.provide("realIndexDir", dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
