import path from "node:path";
import { beforeAll, inject } from "vitest";
import { openEngine, type OpenedEngine as Engine } from "../../src/app/open.js";
import type { AnswerEngine, ConversationState } from "../../src/answer/api.js";
import type { Answer } from "../../src/types.js";
import { settingsSchema, type Settings } from "../../src/config.js";
import { defaultDeps, type CliDeps } from "../../src/cli/deps.js";

/** Engines opened in this worker, by settings: test files of the corpus project share a worker's modules. */
const opened = new Map<string, Promise<Engine>>();

/**
 * The real engine on the real corpus, opened on the index test/globalSetup.ts built once for the whole run:
 * no copy, no refresh (refresh: false), so nothing is written to it. Settings come from an empty environment
 * (plus `env`), so a developer's shell (LLM_BASE_URL…) cannot leak in; `env` must not change the embedder.
 * Without a `log`, the engine is opened once per worker and settings and shared by the test files it runs
 * (the corpus project does not isolate them): a test must not change it.
 */
export function useRealEngine(env: Record<string, string> = {}, log?: (e: Record<string, unknown>) => void): { engine: () => Engine; settings: Settings } {
  const settings = settingsSchema.parse(env);
  let engine: Engine | null = null;
  beforeAll(async () => {
    const open = () => openEngine({ indexDir: inject("realIndexDir"), corpusDir: "corpus", settings, log, refresh: false });
    if (log) engine = await open();
    else {
      const key = `${inject("realIndexDir")}\n${JSON.stringify(settings)}`;
      if (!opened.has(key)) opened.set(key, open());
      engine = await opened.get(key)!;
    }
  }, 300_000);
  return {
    engine: () => {
      if (!engine) throw new Error("engine not opened yet");
      return engine;
    },
    settings,
  };
}

/** Asks the last question after the earlier ones, carrying the conversation state. */
export async function askTurns(engine: Pick<AnswerEngine, "ask">, ...turns: string[]): Promise<Answer> {
  let state: ConversationState | null = null;
  let answer: Answer | null = null;
  for (const q of turns) {
    const r = await engine.ask(q, state);
    state = r.state;
    answer = r.answer;
  }
  return answer!;
}

/**
 * The production deps of the commands (src/cli/deps.ts), except that opening the engine on the shared index returns
 * the engine `useRealEngine` opened once for the file instead of opening it again for every command run.
 */
export function sharedIndexDeps(real: { engine: () => Engine }): CliDeps {
  const deps = defaultDeps();
  return {
    ...deps,
    openEngine: async (opts) => (path.resolve(opts.indexDir) === path.resolve(inject("realIndexDir")) ? real.engine() : deps.openEngine(opts)),
    openStats: async (opts) => deps.openStats(opts),
  };
}
