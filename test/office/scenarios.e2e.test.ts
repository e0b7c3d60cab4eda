import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AnswerEngine } from "../../src/answer/api.js";
import { defaultDeps } from "../../src/cli/deps.js";
import { settingsSchema, type Settings } from "../../src/config.js";
import { OFFICE_PLATFORMS } from "./platforms.js";
import type { FakePlatform, FakeSent, FakeUserMessage } from "../helpers/office/fake.js";
import { useRealEngine } from "../helpers/engine.js";

/**
 * The office bots end to end, the same scenarios on each platform: the official SDK connected to a fake of the
 * platform (speaking its protocol on 127.0.0.1), the shared core, the platform's renderer, and the real engine on
 * the real corpus. What a user of each platform would see is what the fake received.
 */
const { engine } = useRealEngine();
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const joined = (sent: FakeSent[]) => sent.map((s) => s.content).join("\n");

/** Every footnote number [n] of a message that starts a footnote line must be whole (not cut across messages). */
function footnoteNumbers(sent: FakeSent[]): number[] {
  return sent.flatMap((s) => [...s.content.matchAll(/^\s*(?:[-*]\s+)?(?:\*\*)?\\?\[(\d{1,3})\\?\]/gm)].map((m) => Number(m[1])));
}

/** An engine whose answers to "LONG:" questions repeat a real answer's citations until the answer is long. */
function longAnswers(realOf: () => AnswerEngine, copies: number): AnswerEngine & { lastLong: number } {
  return {
    lastLong: 0,
    coverage: () => realOf().coverage(),
    fullSection: (c) => realOf().fullSection(c),
    source: (id) => realOf().source(id),
    async ask(q, state) {
      const real = realOf();
      if (!q.startsWith("LONG:")) return real.ask(q, state);
      const r = await real.ask(q.slice(5), state);
      const citations = Array.from({ length: copies }, (_, i) => r.answer.citations.map((c) => ({ ...c, quote: `${"（第" + (i + 1) + "份）"}${c.quote}`.repeat(3) }))).flat();
      this.lastLong = citations.length;
      return { ...r, answer: { ...r.answer, citations } };
    },
  };
}

for (const platform of OFFICE_PLATFORMS) {
  describe(`office bot on ${platform.name} (official SDK against a fake ${platform.name})`, () => {
    let fake: FakePlatform;
    let stopBot: (() => Promise<void>) | null = null;
    let settings: Settings;
    const logs: Array<Record<string, unknown>> = [];
    const long = longAnswers(engine, 150);
    /** A private message from `user`; resolves with what the bot sent back (once at least one message arrived). */
    const privately = async (user: string, m: Omit<FakeUserMessage, "chatType" | "userId">, timeoutMs = 60_000): Promise<FakeSent[]> => {
      const chat = fake.privateChatOf(user);
      const n = fake.sent(chat).length;
      await fake.deliver({ chatType: "private", userId: user, ...m });
      return (await fake.waitForSent(chat, n + 1, timeoutMs)).slice(n);
    };

    beforeAll(async () => {
      fake = await platform.startFake();
      const state = mkdtempSync(path.join(os.tmpdir(), `office-${platform.id}-`));
      dirs.push(state);
      settings = settingsSchema.parse({ ...fake.settings, OFFICE_STATE_DIR: state, RATE_LIMIT_PER_MINUTE: "1000" });
      const launched = await defaultDeps().launchOffice!(long, settings, (e) => logs.push(e), { cwd: state });
      expect(launched.platforms).toEqual([platform.id]);
      stopBot = launched.stop;
    }, 120_000);
    afterAll(async () => {
      await stopBot?.();
      await fake?.close();
    });

    it("answers a private question with its figure and numbered citations with 原文链接", async () => {
      const all = joined(await privately("zhangsan", { text: "平潭综合实验区2019年收到多少件政府信息公开申请？" }));
      expect(all).toMatch(/平潭/);
      expect(all).toMatch(/\[1\]/);
      expect(all).toMatch(/2019/);
    });

    it("in a group answers only when @-mentioned", async () => {
      const chat = "group-1";
      await fake.deliver({ chatType: "group", chatId: chat, userId: "lisi", text: "大家好，今天开会", mentioned: false });
      await fake.deliver({ chatType: "group", chatId: chat, userId: "lisi", text: "政府信息公开申请的答复期限是多少个工作日？", mentioned: true });
      const sent = await fake.waitForSent(chat, 1, 60_000);
      // The first message was not addressed to the bot: exactly one answer, to the second.
      await new Promise((r) => setTimeout(r, 300));
      expect(fake.sent(chat).length).toBeGreaterThanOrEqual(1);
      expect(sent.map((s) => s.content).join("\n")).toMatch(/工作日/);
      expect(fake.sent(chat).map((s) => s.content).join("\n")).not.toMatch(/开会/);
    });

    it("follows up within a conversation, then opens a source by number and exports the figures", async () => {
      const user = "wangwu";
      await privately(user, { text: "平潭综合实验区2019年收到多少件政府信息公开申请？" });
      expect(joined(await privately(user, { text: "2020年呢？" }))).toMatch(/2020/);
      expect(joined(await privately(user, { text: "原文 1" }))).toMatch(/平潭/);
      const exported = await privately(user, { text: "导出" });
      const csv = exported.find((s) => s.type === "file")?.data?.toString("utf8") ?? joined(exported);
      expect(csv).toMatch(/2020/);
      expect(csv).toMatch(/平潭/);
    });

    it("splits a long answer under the platform's limit without cutting a footnote", async () => {
      const user = "zhaoliu";
      const chat = fake.privateChatOf(user);
      const n = fake.sent(chat).length;
      await fake.deliver({ chatType: "private", userId: user, text: "LONG:平潭综合实验区2019年收到多少件政府信息公开申请？" });
      // The fake rejects what is over the platform's limit: reaching here means every part was accepted.
      const deadline = Date.now() + 60_000;
      const complete = () => long.lastLong > 0 && footnoteNumbers(fake.sent(chat).slice(n)).includes(long.lastLong);
      while (Date.now() < deadline && !complete()) await new Promise((r) => setTimeout(r, 100));
      const parts = fake.sent(chat).slice(n);
      expect(long.lastLong).toBeGreaterThan(100);
      expect(parts.length).toBeGreaterThan(1);
      const numbers = footnoteNumbers(parts);
      // Each footnote appears once, in order: none was cut in two or lost between messages.
      expect(numbers).toEqual(Array.from({ length: long.lastLong }, (_, i) => i + 1));
    });

    it("answers a redelivered message once", async () => {
      const user = "sunqi";
      const chat = fake.privateChatOf(user);
      const n = fake.sent(chat).length;
      const id = await fake.deliver({ chatType: "private", userId: user, text: "什么是依申请公开？" });
      await fake.waitForSent(chat, n + 1, 60_000);
      const after = fake.sent(chat).length;
      await fake.deliver({ chatType: "private", userId: user, text: "什么是依申请公开？", msgId: id });
      // A later message is answered: the redelivery before it was seen and dropped, not still pending.
      await fake.deliver({ chatType: "private", userId: user, text: "帮助" });
      const sent = await fake.waitForSent(chat, after + 1, 60_000);
      expect(sent.slice(after).map((s) => s.content).join("\n")).toMatch(/使用说明/);
      expect(sent.slice(after).map((s) => s.content).join("\n")).not.toMatch(/依申请公开/);
    });

    it("answers images and voice with one short sentence", async () => {
      expect(joined(await privately("zhouba", { kind: "image" }))).toMatch(/只能阅读文字消息/);
    });

    it("checks a draft report sent as a file, like the page's 报告核对", async () => {
      const data = readFileSync(path.join("corpus", "平潭综合实验区-2020-年度报告.txt"));
      const text = joined(await privately("qianshi", { kind: "file", file: { name: "年报草稿.txt", data } }, 90_000));
      expect(text).toMatch(/报告核对/);
      expect(text).toMatch(/年报草稿/);
      expect(text).toMatch(/结论：/);
    });

    it("reconnects after the connection drops, and answers again", async () => {
      const before = fake.connections;
      const connected = () => logs.filter((e) => e.event === "office_connected").length;
      const logged = connected();
      fake.drop();
      await fake.waitForConnections(before + 1, 60_000);
      // Connected again once the transport says so (the socket may be open before the SDK is ready to receive).
      const deadline = Date.now() + 60_000;
      while (connected() <= logged && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(connected()).toBeGreaterThan(logged);
      expect(joined(await privately("wujiu", { text: "帮助" }))).toMatch(/使用说明/);
    });

    it("refuses to start with a wrong secret, naming the setting", async () => {
      const bad = settingsSchema.parse({ ...fake.badSettings, OFFICE_STATE_DIR: dirs[0] });
      const err = await defaultDeps()
        .launchOffice!(engine(), bad, () => {}, { cwd: dirs[0] })
        .then(() => null, (e: unknown) => e as Error & { code?: string });
      expect(err?.code).toBe("bad_credentials");
      expect(err?.message).toMatch(platform.secretSetting);
    });
  });
}
