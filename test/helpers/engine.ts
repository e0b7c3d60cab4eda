import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";
import { openEngine, type Engine } from "../../src/answer/engine.js";
import { settingsSchema, type Settings } from "../../src/config.js";

/**
 * The real engine on the real corpus, built into a fresh temporary index once per test file.
 * Settings come from an empty environment (plus `env`), so a developer's shell (LLM_BASE_URL…) cannot leak in.
 */
export function useRealEngine(env: Record<string, string> = {}, log?: (e: Record<string, unknown>) => void): { engine: () => Engine; settings: Settings } {
  const settings = settingsSchema.parse(env);
  let engine: Engine | null = null;
  let dir = "";
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "nianbao-test-"));
    engine = await openEngine({ indexDir: dir, corpusDir: "corpus", settings, log });
  }, 300_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return {
    engine: () => {
      if (!engine) throw new Error("engine not opened yet");
      return engine;
    },
    settings,
  };
}
