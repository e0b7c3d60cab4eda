import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeBotApi } from "../helpers/fakeBotApi.js";

// `npm start` as a user runs it: the real entry point in a child process.
const tsx = path.resolve("node_modules/.bin/tsx");
const TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijklmno";
let dir: string;
const baseEnv = () => ({ ...process.env, LLM_BASE_URL: "", EMBEDDINGS_BASE_URL: "", TELEGRAM_BOT_TOKEN: "", WEBHOOK_URL: "", NIANBAO_API_KEYS: "", PORT: "0", NIANBAO_INDEX_DIR: dir, BOT_STATE_FILE: path.join(path.dirname(dir), "bot-state.json") });

beforeAll(() => {
  dir = path.join(mkdtempSync(path.join(tmpdir(), "nianbao-start-")), "index");
});
afterAll(() => rmSync(path.dirname(dir), { recursive: true, force: true }));

describe("npm start and npm run chat", () => {
  it("stops on a bad setting with one line naming it, no stack trace", () => {
    const r = spawnSync(tsx, ["src/cli/start.ts"], { encoding: "utf8", env: { ...baseEnv(), TELEGRAM_API_ROOT: "not a url" }, timeout: 60_000 });
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("TELEGRAM_API_ROOT");
    expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  }, 60_000);

  it("npm run chat builds the missing index, says so, and chats on piped stdin", () => {
    const r = spawnSync(tsx, ["src/cli/chat-main.ts"], {
      encoding: "utf8",
      env: baseEnv(),
      input: "沈阳2013年受理了多少件政府信息公开申请？\n那行政复议呢？\n/quit\n",
      timeout: 120_000,
    });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain("构建索引");
    expect(r.stdout).toContain("249件");
    expect(r.stdout).toContain("22件");
  }, 120_000);

  it("with a token serves Telegram through TELEGRAM_API_ROOT and stops cleanly on SIGTERM", async () => {
    const api = await new FakeBotApi(TOKEN).start();
    const child = spawn(tsx, ["src/cli/start.ts"], { env: { ...baseEnv(), TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: api.url } });
    let stderr = "";
    child.stderr.on("data", (b) => (stderr += b));
    try {
      await api.waitForCall("getUpdates", () => true, 60_000);
      api.pushText({ chatId: 4242, text: "沈阳2013年受理了多少件政府信息公开申请？" });
      const reply = await api.waitForCall("sendMessage", (p) => p.chat_id === 4242 && String(p.text).includes("249"), 60_000);
      expect(reply.params.parse_mode).toBe("HTML");
      const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(stderr).not.toContain(TOKEN);
    } finally {
      child.kill("SIGKILL");
      await api.close();
    }
  }, 120_000);

  it("with the Bot API unreachable retries, says so, exits 1 after BOT_START_TIMEOUT_SECONDS, never says the bot started", () => {
    const r = spawnSync(tsx, ["src/cli/start.ts"], {
      encoding: "utf8",
      // Port 9 (discard) on 127.0.0.1: connection refused.
      env: { ...baseEnv(), TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: "http://127.0.0.1:9", BOT_START_TIMEOUT_SECONDS: "3" },
      timeout: 120_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("无法连接 Telegram Bot API");
    expect(r.stderr).toMatch(/"event":"bot_api_unreachable"/);
    expect(r.stderr).not.toContain("Telegram 机器人（长轮询）已启动");
    expect(r.stderr).not.toContain(TOKEN);
  }, 120_000);
});
