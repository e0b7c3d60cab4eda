import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AnswerEngine } from "../../src/answer/api.js";
import { checkQuestionLength } from "../../src/answer/limits.js";
import { createBot, startPolling } from "../../src/bot/bot.js";
import { settingsSchema } from "../../src/config.js";
import { BotError } from "../../src/errors.js";
import { FakeBotApi } from "../helpers/fakeBotApi.js";
import { useRealEngine } from "../helpers/engine.js";

/**
 * No question lost and none answered twice across SIGTERM, SIGKILL and an unreachable Bot API. The bot runs as a
 * real process (test/helpers/botChild.ts: createBot + startPolling over a stub engine) against the fake Bot API,
 * which forgets an update only when a getUpdates offset confirms it — as Telegram does.
 */

const TOKEN = "123456789:AAFakeTokenForTestsOnly_restartabcdefgh";
let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), "nianbao-restart-"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function startChild(
  api: FakeBotApi,
  env: Record<string, string>,
): { child: ChildProcess; ready: Promise<void>; stopping: Promise<void>; exited: Promise<number | null>; stderr: () => string } {
  // One process (node with tsx's loader), not the tsx wrapper: a SIGKILL must hit the bot itself.
  const child = spawn(process.execPath, ["--import", "tsx", "test/helpers/botChild.ts"], { env: { ...process.env, API_ROOT: api.url, TOKEN, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  child.stderr!.on("data", (b) => (err += b));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (b) => String(b).includes("ready") && resolve());
    child.once("exit", (code) => reject(new Error(`bot child exited (${code}) before ready: ${err}`)));
  });
  const stopping = new Promise<void>((resolve) => child.stdout!.on("data", (b) => String(b).includes("stopping") && resolve()));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return { child, ready, stopping, exited, stderr: () => err };
}

/** How many times the bot answered each question (its answers are "回答：Q<n>"). */
function answerCounts(api: FakeBotApi): Map<string, number> {
  const out = new Map<string, number>();
  for (const c of api.callsOf("sendMessage")) {
    const m = /回答：(Q\d+)/.exec(String(c.params.text));
    if (m) out.set(m[1], (out.get(m[1]) ?? 0) + 1);
  }
  return out;
}

/** The bot's state file (src/bot/polling.ts), or null while it does not exist or is being replaced. */
function readPollState(file: string): { offset: number; answered: number[]; inProgress: number[] } | null {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return null;
  }
}

const until = async (cond: () => boolean, ms: number, what: string) => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

describe("bot restarts", () => {
  it("SIGTERM: stops fetching, finishes what it holds, confirms only what it answered; the rest is answered after restart", async () => {
    const api = await new FakeBotApi(TOKEN).start();
    const state = path.join(tmp, "term.json");
    const children: ChildProcess[] = [];
    try {
      const first = startChild(api, { STATE_FILE: state, DELAY_MS: "1500" });
      children.push(first.child);
      await first.ready;
      for (let i = 1; i <= 30; i++) api.pushText({ chatId: 1000 + i, text: `Q${i}` });
      // All 30 fetched (held), none answered yet.
      await until(() => api.callsOf("sendChatAction").length >= 30, 20_000, "30 updates taken");
      first.child.kill("SIGTERM");
      await first.stopping;
      // Arriving once the bot is stopping: must not be fetched by it.
      for (let i = 31; i <= 35; i++) api.pushText({ chatId: 1000 + i, text: `Q${i}` });
      expect(await first.exited).toBe(0);
      const afterStop = answerCounts(api);
      expect([...afterStop.keys()].sort()).toEqual(Array.from({ length: 30 }, (_, i) => `Q${i + 1}`).sort());
      expect([...afterStop.values()].every((n) => n === 1)).toBe(true);
      // Telegram still holds exactly the unanswered ones.
      expect(api.unconfirmed()).toEqual([31, 32, 33, 34, 35]);

      const second = startChild(api, { STATE_FILE: state, DELAY_MS: "0" });
      children.push(second.child);
      await second.ready;
      await until(() => answerCounts(api).size === 35, 20_000, "35 answered");
      second.child.kill("SIGTERM");
      expect(await second.exited).toBe(0);
      expect([...answerCounts(api).values()].every((n) => n === 1)).toBe(true);
      expect(api.unconfirmed()).toEqual([]);
    } finally {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
      await api.close();
    }
  }, 120_000);

  it("SIGKILL: updates not answered are answered on restart, the answered ones not again", async () => {
    const api = await new FakeBotApi(TOKEN).start();
    const state = path.join(tmp, "kill.json");
    const children: ChildProcess[] = [];
    try {
      // Every third question is answered at once; the others never finish before the kill.
      const hang = Array.from({ length: 60 }, (_, i) => i + 1).filter((i) => i % 3 !== 0).map((i) => `Q${i}`);
      const first = startChild(api, { STATE_FILE: state, DELAY_MS: "0", HANG: hang.join(",") });
      children.push(first.child);
      await first.ready;
      for (let i = 1; i <= 60; i++) api.pushText({ chatId: 2000 + i, text: `Q${i}` });
      await until(() => answerCounts(api).size === 20, 20_000, "20 fast answers");
      // The bot's own record, not a guess at its timing: the 20 answered, the 40 hanging ones in progress
      // (update ids follow the questions: Q<n> is update n).
      const fast = Array.from({ length: 20 }, (_, i) => 3 * (i + 1));
      const slow = Array.from({ length: 60 }, (_, i) => i + 1).filter((i) => i % 3 !== 0);
      await until(() => {
        const s = readPollState(state);
        return JSON.stringify(s?.answered) === JSON.stringify(fast) && JSON.stringify(s?.inProgress) === JSON.stringify(slow);
      }, 20_000, `state file records 20 answered, 40 in progress: ${JSON.stringify(readPollState(state))}`);
      first.child.kill("SIGKILL");
      await first.exited;
      expect(answerCounts(api).size).toBe(20);

      const second = startChild(api, { STATE_FILE: state, DELAY_MS: "0" });
      children.push(second.child);
      await second.ready;
      await until(() => answerCounts(api).size === 60, 30_000, "all 60 answered");
      expect(second.stderr()).toContain(`"event":"resuming_updates","update_ids":${JSON.stringify(slow)}`);
      await api.settle(500);
      second.child.kill("SIGTERM");
      expect(await second.exited).toBe(0);
      const counts = answerCounts(api);
      expect(counts.size).toBe(60);
      expect([...counts.entries()].filter(([, n]) => n !== 1)).toEqual([]);
      expect(api.unconfirmed()).toEqual([]);
    } finally {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
      await api.close();
    }
  }, 120_000);
});

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

const stubEngine: AnswerEngine = {
  ask: async (q) => ({ answer: { question: q, found: false, answer: "无", citations: [], mode: "extractive" }, state: { plan: null, words: "", lastQuestion: q, updatedAt: 0 } }),
  coverage: () => ({ reports: [], governing: [], documents: 0, chunks: 0 }),
  fullSection: () => null,
  source: () => null,
};

describe("Bot API unreachable at start", () => {
  it("retries with back-off, says so in plain lines, gives up after the limit, and never logs bot_started", async () => {
    const port = await freePort();
    const logs: Record<string, unknown>[] = [];
    const notices: string[] = [];
    const bot = createBot({ token: TOKEN, engine: stubEngine, settings: settingsSchema.parse({}), apiRoot: `http://127.0.0.1:${port}`, log: (e) => logs.push(e) });
    const t0 = Date.now();
    const err = await startPolling(bot, { timeoutSeconds: 1, startLimitSeconds: 2, firstRetryMs: 100, noticeEveryMs: 700, notice: (l) => notices.push(l) }).catch((e: unknown) => e);
    const took = Date.now() - t0;
    expect(err).toBeInstanceOf(BotError);
    expect((err as Error).message).toMatch(/无法连接 Telegram Bot API/);
    expect(took).toBeGreaterThanOrEqual(2000);
    expect(took).toBeLessThan(6000);
    const retries = logs.filter((l) => l.event === "bot_api_unreachable");
    expect(retries.length).toBeGreaterThanOrEqual(3);
    const delays = retries.map((l) => Number(l.retry_ms));
    expect(delays[1]).toBeGreaterThan(delays[0]); // back-off
    expect(notices.length).toBeGreaterThanOrEqual(2);
    expect(notices[0]).toMatch(/无法连接 Telegram Bot API/);
    expect(logs.some((l) => l.event === "bot_started")).toBe(false);
  }, 20_000);

  it("starts once the Bot API comes up, and only then logs bot_started", async () => {
    const port = await freePort();
    const logs: Record<string, unknown>[] = [];
    const bot = createBot({ token: TOKEN, engine: stubEngine, settings: settingsSchema.parse({}), apiRoot: `http://127.0.0.1:${port}`, log: (e) => logs.push(e) });
    const api = new FakeBotApi(TOKEN);
    // The Bot API comes up only after the bot has found it unreachable (and said so).
    const late = until(() => logs.some((l) => l.event === "bot_api_unreachable"), 20_000, "a failed attempt").then(() => api.start(port));
    try {
      const polling = await startPolling(bot, { timeoutSeconds: 1, startLimitSeconds: 30, firstRetryMs: 200 });
      await late;
      const unreachable = logs.findIndex((l) => l.event === "bot_api_unreachable");
      const started = logs.findIndex((l) => l.event === "bot_started");
      expect(unreachable).toBeGreaterThanOrEqual(0);
      expect(started).toBeGreaterThan(unreachable);
      expect(api.callsOf("getMe").length).toBe(1);
      await polling.stop();
    } finally {
      await api.close();
    }
  }, 20_000);
});

describe("one length rule for bot and engine (characters, not UTF-16 units)", () => {
  const real = useRealEngine();
  it("500 emoji fit the 500-character limit in the engine as in the bot; 501 do not", async () => {
    const q500 = "😀".repeat(499) + "？";
    expect(checkQuestionLength(q500, 500).ok).toBe(true);
    const ok = await real.engine().ask(q500);
    expect(ok.answer.answer).not.toContain("问题过长");
    const over = await real.engine().ask("😀".repeat(501));
    expect(over.answer.answer).toContain("问题过长（501字）");
  });
});
