import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { npmStart } from "../helpers/npmStart.js";
import type { FakePlatform } from "../helpers/office/fake.js";
import { OFFICE_PLATFORMS } from "./platforms.js";

/**
 * `npm start` as an operator runs it, with the three office platforms' settings in the environment (pointed at
 * their fakes): every bot connects and answers beside the web server, SIGTERM stops them all; a malformed setting
 * and a refused secret each stop the start with one line naming the setting.
 */
const REPORT = "平潭综合实验区-2020-年度报告.txt";
const root = mkdtempSync(path.join(tmpdir(), "nianbao-office-start-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const base = (name: string) => {
  const corpus = path.join(root, `${name}-corpus`);
  mkdirSync(corpus, { recursive: true });
  copyFileSync(path.join("corpus", REPORT), path.join(corpus, REPORT));
  return {
    HOST: "127.0.0.1", PORT: "0", CORPUS_DIR: corpus, NIANBAO_INDEX_DIR: path.join(root, `${name}-index`), OFFICE_STATE_DIR: path.join(root, `${name}-state`),
    LLM_BASE_URL: "", EMBEDDINGS_BASE_URL: "", TELEGRAM_BOT_TOKEN: "", WEBHOOK_URL: "", NIANBAO_API_KEYS: "", LOG_LEVEL: "info",
    WECOM_BOT_ID: "", WECOM_BOT_SECRET: "", DINGTALK_CLIENT_ID: "", DINGTALK_CLIENT_SECRET: "", FEISHU_APP_ID: "", FEISHU_APP_SECRET: "",
  };
};

describe("npm start with the office channels' settings", () => {
  it("starts all three bots beside the web server, answers on each, stops on SIGTERM", async () => {
    const fakes: FakePlatform[] = [];
    try {
      for (const p of OFFICE_PLATFORMS) fakes.push(await p.startFake());
      const app = npmStart({ ...base("all"), ...Object.assign({}, ...fakes.map((f) => f.settings)) });
      try {
        await app.ready;
        for (const line of ["企业微信机器人（长连接）已启动", "钉钉机器人（长连接）已启动", "飞书机器人（长连接）已启动"]) expect(app.stderr()).toContain(line);
        for (const fake of fakes) {
          const chat = fake.privateChatOf("user-a");
          await fake.deliver({ chatType: "private", userId: "user-a", text: "平潭综合实验区2020年政府信息公开工作存在的主要问题是什么？" });
          const sent = await fake.waitForSent(chat, 1, 60_000);
          expect(sent.map((s) => s.content).join("\n")).toMatch(/平潭/);
        }
      } finally {
        app.child.kill("SIGTERM");
      }
      const exit = await app.exited;
      expect(exit.code).toBe(0);
      expect(app.stderr()).not.toMatch(new RegExp(fakes.map((f) => Object.entries(f.settings).find(([k]) => /SECRET/.test(k))![1]).join("|")));
    } finally {
      await Promise.all(fakes.map((f) => f.close()));
    }
  }, 240_000);

  it("refuses a malformed address and a wrong secret with one line naming the setting, exit 1", async () => {
    // These starts end before the page and the ready line: those promises reject, as expected here.
    const quiet = (s: ReturnType<typeof npmStart>) => (s.url.catch(() => undefined), s.ready.catch(() => undefined), s);
    const bad = quiet(npmStart({ ...base("bad-url"), WECOM_BOT_ID: "bot", WECOM_BOT_SECRET: "s", WECOM_WS_URL: "http://127.0.0.1:1" }));
    expect((await bad.exited).code).toBe(1);
    expect(bad.stderr()).toMatch(/WECOM_WS_URL/);
    expect(bad.stderr()).not.toMatch(/\n\s+at /); // no stack trace

    const fake = await OFFICE_PLATFORMS.find((p) => p.id === "feishu")!.startFake();
    try {
      const wrong = quiet(npmStart({ ...base("bad-secret"), ...fake.badSettings }));
      expect((await wrong.exited).code).toBe(1);
      expect(wrong.stderr()).toMatch(/启动失败：.*FEISHU_APP_SECRET/);
      expect(wrong.stderr()).not.toMatch(/\n\s+at /);
    } finally {
      await fake.close();
    }
  }, 240_000);
});
