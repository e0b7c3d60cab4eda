import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBot } from "../../src/bot/bot.js";
import type { CliDeps, CliServer } from "../../src/cli/deps.js";
import { run } from "../../src/cli/start.js";
import { buildServer } from "../../src/server/app.js";
import { cliEngine, fakeDeps, memoryIo } from "../helpers/cli.js";
import { FakeBotApi } from "../helpers/fakeBotApi.js";
import { FakeEngine, FakeStats } from "../server/fakes.js";

// `npm start` in process: the real server and bot over a fake engine, stopped through io.signal as SIGTERM does.
const TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijklmno";
const Q = "沈阳2013年受理了多少件政府信息公开申请？";
let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), "nianbao-start-unit-"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const env = (over: Record<string, string> = {}) => ({ PORT: "0", NIANBAO_INDEX_DIR: path.join(tmp, "index"), BOT_STATE_FILE: path.join(tmp, "bot-state.json"), ...over });

/** The production server and bot factories over a fake engine with fake statistics. */
function deps(over: Partial<CliDeps> = {}): CliDeps {
  const engine = cliEngine(Object.assign(new FakeEngine(), { stats: () => new FakeStats() }));
  return fakeDeps({ indexExists: async () => true, openEngine: async () => engine, buildServer, launchBot, ...over });
}

/** Starts run() and resolves with the URL it prints (watching stdout's state, no sleeping). */
async function started(io: ReturnType<typeof memoryIo>, done: Promise<number>): Promise<string> {
  let url: string | undefined;
  await expect
    .poll(async () => {
      const settled = await Promise.race([done.then((c) => `exited ${c}: ${io.err()}`), Promise.resolve(null)]);
      if (settled) throw new Error(settled);
      url = /http:\/\/127\.0\.0\.1:\d+\//.exec(io.out())?.[0];
      return url;
    }, { timeout: 30_000, interval: 20 })
    .toBeDefined();
  return url!;
}

describe("npm start: run()", () => {
  it("stops on a bad setting with one line naming it, no stack trace", async () => {
    const io = memoryIo({ env: env({ TELEGRAM_API_ROOT: "not a url" }) });
    expect(await run([], io, fakeDeps())).toBe(1);
    const lines = io.err().trim().split("\n");
    expect(lines).toEqual([expect.stringMatching(/^启动失败：.*TELEGRAM_API_ROOT/)]);
    expect(io.err()).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it("refuses a webhook on the web page's port", async () => {
    const io = memoryIo({ env: env({ TELEGRAM_BOT_TOKEN: TOKEN, WEBHOOK_URL: "https://bot.example.org/hook", WEBHOOK_SECRET: "s", PORT: "8080", WEBHOOK_PORT: "8080" }) });
    expect(await run([], io, fakeDeps())).toBe(1);
    expect(io.err()).toContain("WEBHOOK_PORT: must differ from PORT (8080)");
    expect(io.err()).not.toContain(TOKEN);
  });

  it("serves the page and the APIs, prints the URL, logs JSON lines without the key, and returns 0 once io.signal is aborted", async () => {
    const ac = new AbortController();
    const io = memoryIo({ env: env({ NIANBAO_API_KEYS: "secret-key-123" }), signal: ac.signal });
    const done = run([], io, deps({ indexExists: async () => false }));
    const url = await started(io, done);
    expect(io.err()).toContain("首次启动：正在从 corpus/ 构建索引");
    expect(io.err()).toContain("已启用 API 密钥");
    expect((await fetch(url)).status).toBe(200);
    expect((await fetch(`${url}api/coverage`)).status).toBe(401);
    const res = await fetch(`${url}api/ask`, { method: "POST", headers: { "content-type": "application/json", authorization: "Bearer secret-key-123" }, body: JSON.stringify({ question: Q }) });
    expect(((await res.json()) as { answer: string }).answer).toContain("249件");
    ac.abort("SIGTERM");
    expect(await done).toBe(0);
    await expect(fetch(url)).rejects.toThrow(); // the server is closed
    const events = io.err().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
    expect(events.some((e) => e.event === "http" && e.path === "/api/ask" && e.status === 200)).toBe(true);
    expect(events.at(-1)).toMatchObject({ event: "shutdown", signal: "SIGTERM" });
    expect(io.err()).not.toContain("secret-key-123");
  });

  it("a port in use: 启动失败 with the hint, exit 1", async () => {
    const busy: CliServer = {
      listen: async () => Promise.reject(Object.assign(new Error("listen EADDRINUSE: address already in use 127.0.0.1:8080"), { code: "EADDRINUSE" })),
      close: async () => undefined,
      server: { address: () => null },
    };
    const io = memoryIo({ env: env() });
    expect(await run([], io, deps({ buildServer: async () => busy }))).toBe(1);
    expect(io.err()).toMatch(/启动失败：listen EADDRINUSE.*（端口已被占用，请设置其他 PORT）/);
  });

  it("with a token serves Telegram through TELEGRAM_API_ROOT and stops cleanly when aborted", async () => {
    const api = await new FakeBotApi(TOKEN).start();
    const ac = new AbortController();
    const io = memoryIo({ env: env({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: api.url }), signal: ac.signal });
    try {
      const done = run([], io, deps());
      await api.waitForCall("getUpdates", () => true, 30_000);
      api.pushText({ chatId: 4242, text: Q });
      const reply = await api.waitForCall("sendMessage", (p) => p.chat_id === 4242 && String(p.text).includes("249"), 30_000);
      expect(reply.params.parse_mode).toBe("HTML");
      expect(io.err()).toContain("Telegram 机器人（长轮询）已启动。");
      ac.abort("SIGTERM");
      expect(await done).toBe(0);
      expect(io.err()).not.toContain(TOKEN);
    } finally {
      ac.abort();
      await api.close();
    }
  });

  it("with the Bot API unreachable retries, says so, returns 1 after BOT_START_TIMEOUT_SECONDS, never says the bot started", async () => {
    // Port 9 (discard) on 127.0.0.1: connection refused.
    const io = memoryIo({ env: env({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: "http://127.0.0.1:9", BOT_START_TIMEOUT_SECONDS: "1" }) });
    expect(await run([], io, deps())).toBe(1);
    expect(io.err()).toContain("无法连接 Telegram Bot API");
    expect(io.err()).toMatch(/"event":"bot_api_unreachable"/);
    expect(io.err()).not.toContain("Telegram 机器人（长轮询）已启动");
    expect(io.err()).not.toContain(TOKEN);
  });
});
