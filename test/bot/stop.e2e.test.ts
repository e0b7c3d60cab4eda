import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FakeBotApi } from "../helpers/fakeBotApi.js";
import { alive, npmStart, type NpmStart } from "../helpers/npmStart.js";

/**
 * Stopping `npm start` while the bot's answer is stuck on Telegram's 429: the fake Bot API answers every sendMessage
 * with 429 and retry_after 30 s, so grammY's auto-retry sleeps between attempts (up to five of them). SIGTERM to npm,
 * as a supervisor or `kill` sends it: npm, and the server and bot behind it, are gone within the grace period; the
 * question is not lost — it stays unconfirmed with Telegram, recorded as in progress, and the next start answers it.
 */

const TOKEN = "123456789:AAFakeTokenForTestsOnly_stopabcdefghijk";
const REPORT = "平潭综合实验区-2020-年度报告.txt";
const root = mkdtempSync(path.join(tmpdir(), "nianbao-bot-stop-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("npm start with the bot, stopped while its sends wait on 429", () => {
  it("exits 0 within the grace period, leaves the question unconfirmed, and the next start answers it", async () => {
    const corpus = path.join(root, "corpus");
    mkdirSync(corpus);
    copyFileSync(path.join("corpus", REPORT), path.join(corpus, REPORT));
    const stateFile = path.join(root, "bot-state.json");
    const grace = 3000;
    const env = {
      HOST: "127.0.0.1", PORT: "0", CORPUS_DIR: corpus, NIANBAO_INDEX_DIR: path.join(root, "index"),
      LLM_BASE_URL: "", EMBEDDINGS_BASE_URL: "", NIANBAO_API_KEYS: "", WEBHOOK_URL: "",
      TELEGRAM_BOT_TOKEN: TOKEN, BOT_STATE_FILE: stateFile, SHUTDOWN_GRACE_MS: String(grace), LOG_LEVEL: "info",
    };
    const api = await new FakeBotApi(TOKEN).start();
    const started: NpmStart[] = [];
    const tree: number[] = [];
    try {
      const first = npmStart({ ...env, TELEGRAM_API_ROOT: api.url });
      started.push(first);
      await first.ready;
      api.failAlways("sendMessage", { code: 429, retryAfter: 30 });
      api.pushText({ chatId: 501, text: "平潭综合实验区2020年收到多少件政府信息公开申请？" });
      await until(() => api.calls.some((c) => c.method === "sendMessage" && c.status === 429), 60_000, "the answer stuck on 429");

      tree.push(...first.descendants());
      expect(tree.filter(alive).length).toBeGreaterThan(0);
      const t0 = Date.now();
      first.child.kill("SIGTERM");
      const exit = await Promise.race([
        first.exited,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`npm start still running ${grace + 15_000} ms after SIGTERM`)), grace + 15_000)),
      ]);
      const took = exit.at - t0;
      await until(() => tree.every((pid) => !alive(pid)), 5000, `processes left after npm exited: ${tree.filter(alive)}`);
      expect(exit.code).toBe(0);
      expect(took).toBeGreaterThanOrEqual(grace - 100);
      expect(took).toBeLessThan(grace + 7000);
      expect(first.stderr()).toContain('"event":"stop_grace_expired"');
      // Not answered, so not lost: Telegram still holds it and the state file says it was taken.
      expect(api.unconfirmed()).toEqual([1]);
      const state = JSON.parse(readFileSync(stateFile, "utf8"));
      expect(state.inProgress).toEqual([1]);
      expect(state.answered).toEqual([]);

      api.failAlways("sendMessage", null);
      const second = npmStart({ ...env, TELEGRAM_API_ROOT: api.url });
      started.push(second);
      await second.ready;
      const answer = await api.waitForCall("sendMessage", (p) => p.chat_id === 501 && /件/.test(String(p.text)), 60_000);
      expect(String(answer.params.text)).toContain("平潭综合实验区");
      tree.push(...second.descendants());
      second.child.kill("SIGTERM");
      expect((await second.exited).code).toBe(0);
      expect(api.unconfirmed()).toEqual([]);
      expect(second.stderr()).toContain('"event":"resuming_updates","update_ids":[1]');
    } finally {
      for (const s of started) for (const pid of [s.child.pid!, ...s.descendants()]) if (alive(pid)) process.kill(pid, "SIGKILL");
      for (const pid of tree) if (alive(pid)) process.kill(pid, "SIGKILL");
      await api.close();
    }
  }, 240_000);
});
