/**
 * A bot process for restart tests: the real createBot + startPolling (as `npm start` runs them) over a stub
 * engine whose answers take DELAY_MS, or never come for questions listed in HANG ("Q1,Q2"). Stops on SIGTERM
 * the way `npm start` does (src/bin/start.ts). Env: API_ROOT, TOKEN, STATE_FILE, DELAY_MS, HANG.
 */
import type { AnswerEngine } from "../../src/answer/api.js";
import { createBot, startPolling } from "../../src/bot/bot.js";
import { settingsSchema } from "../../src/config.js";

const delay = Number(process.env.DELAY_MS ?? 0);
const hang = new Set((process.env.HANG ?? "").split(",").filter(Boolean));
const engine: AnswerEngine = {
  async ask(question) {
    await new Promise((r) => setTimeout(r, hang.has(question) ? 3_600_000 : delay));
    return {
      answer: { question, found: true, answer: `回答：${question}`, citations: [], mode: "extractive" },
      state: { plan: null, words: "", lastQuestion: question, updatedAt: Date.now() },
    };
  },
  coverage: () => ({ reports: [], governing: [], documents: 0, chunks: 0 }),
  fullSection: () => null,
  source: () => null,
};

const bot = createBot({
  token: process.env.TOKEN!,
  engine,
  settings: settingsSchema.parse({ RATE_LIMIT_PER_MINUTE: "1000", LOG_LEVEL: "warn" }),
  apiRoot: process.env.API_ROOT,
  log: (e) => process.stderr.write(`${JSON.stringify(e)}\n`),
});
const polling = await startPolling(bot, { timeoutSeconds: 1, stateFile: process.env.STATE_FILE });
process.stdout.write("ready\n");
process.once("SIGTERM", () => {
  const stopped = polling.stop(); // stops fetching synchronously, then finishes what it holds
  process.stdout.write("stopping\n");
  void stopped.then(() => process.exit(0));
});
