import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AnswerEngine } from "../../src/answer/api.js";
import { settingsSchema } from "../../src/config.js";
import { createBot, startPolling, startWebhook, type PollingHandle } from "../../src/bot/bot.js";
import { formatSourceHtml, htmlToText } from "../../src/present/telegram.js";
import { useRealEngine } from "../helpers/engine.js";
import { FakeBotApi, FAKE_BOT, startFakeBotApi, type FakeUpdateInput, type RecordedCall } from "../helpers/fakeBotApi.js";
import { assertValidParts } from "./htmlAsserts.js";
import { exampleQuestions } from "../../src/bot/texts.js";

/**
 * End to end: grammY's real HTTP client ↔ fake Bot API on 127.0.0.1, with the real answer engine over corpus/.
 */

// Shaped like a real token so that redact() recognises it.
const TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijklmnop";
const FIGURE_Q = "沈阳2013年受理了多少件政府信息公开申请？";

const real = useRealEngine();
let engine: AnswerEngine;
beforeAll(() => {
  engine = real.engine();
});

interface Harness {
  api: FakeBotApi;
  logs: Record<string, unknown>[];
  polling: PollingHandle;
  stop(): Promise<void>;
}

async function harness(env: Record<string, string> = {}, eng: AnswerEngine = engine, now?: () => number): Promise<Harness> {
  const api = await startFakeBotApi(TOKEN);
  const logs: Record<string, unknown>[] = [];
  const bot = createBot({
    token: TOKEN,
    engine: eng,
    settings: settingsSchema.parse(env),
    apiRoot: api.url,
    log: (e) => logs.push(e),
    now,
  });
  const polling = await startPolling(bot, { timeoutSeconds: 1 });
  return {
    api,
    logs,
    polling,
    async stop() {
      await polling.stop();
      await api.close();
    },
  };
}

/** Send a text message and collect every message the bot sends back to that chat until it goes quiet. */
async function converse(h: Harness, input: FakeUpdateInput, timeoutMs = 30_000): Promise<{ replies: RecordedCall[]; messageId: number }> {
  const from = h.api.mark();
  const messageId = h.api.pushText(input);
  await h.api.waitForCall("sendMessage", (p) => p.chat_id === input.chatId, timeoutMs, from);
  await h.api.settle(250);
  return { replies: h.api.callsOf("sendMessage", from).filter((c) => c.params.chat_id === input.chatId && c.status === 200), messageId };
}

/** Sends a message and checks that the bot stays silent (rate-limited user, refused chat). */
async function expectNoReply(h: Harness, input: FakeUpdateInput): Promise<void> {
  const from = h.api.mark();
  h.api.pushText(input);
  await h.api.settle(500);
  expect(h.api.callsOf("sendMessage", from)).toHaveLength(0);
}

const textOf = (calls: RecordedCall[]) => calls.map((c) => htmlToText(String(c.params.text))).join("\n");
const buttonsOf = (call: RecordedCall) =>
  ((call.params.reply_markup?.inline_keyboard ?? []) as Array<Array<{ text: string; callback_data: string }>>).flat();

describe("Telegram bot end to end (real engine)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness({ RATE_LIMIT_PER_MINUTE: "100" });
  }, 30_000);
  afterAll(async () => h?.stop());

  it("registers commands and answers /start with example-question buttons", async () => {
    const cmds = await h.api.waitForCall("setMyCommands");
    expect(cmds.params.commands.map((c: { command: string }) => c.command)).toEqual(["start", "ask", "reports", "export", "help", "about"]);
    expect(h.api.callsOf("deleteWebhook")).toHaveLength(1);

    const { replies } = await converse(h, { chatId: 501, text: "/start" });
    const start = replies[0];
    expect(start.params.parse_mode).toBe("HTML");
    expect(htmlToText(start.params.text)).toContain("年报");
    expect(htmlToText(start.params.text)).toContain("沈阳市");
    expect(htmlToText(start.params.text)).toContain("平潭综合实验区");
    const buttons = buttonsOf(start);
    expect(buttons).toHaveLength(3);
    expect(buttons.map((b) => b.callback_data)).toEqual(["ex:0", "ex:1", "ex:2"]);

    // Pressing an example asks it.
    const from = h.api.mark();
    h.api.pushCallback({ chatId: 501, data: "ex:0" });
    await h.api.waitForCall("answerCallbackQuery", () => true, 10_000, from);
    const answer = await h.api.waitForCall("sendMessage", (p) => p.chat_id === 501, 30_000, from);
    expect(htmlToText(answer.params.text)).toContain(`问：${buttons[0].text}`);
    // Every example leads to a real answer.
    for (const q of exampleQuestions(engine.coverage())) expect((await engine.ask(q, null)).answer.found, q).toBe(true);
  });

  it("answers a figure question in a private chat with the number and citations, then a follow-up", async () => {
    const from = h.api.mark();
    const { replies } = await converse(h, { chatId: 502, text: FIGURE_Q });
    const text = textOf(replies);
    expect(text).toContain("249");
    expect(text).toContain("沈阳");
    expect(text).toMatch(/\[1\] 《[^》]*》/);
    expect(h.api.callsOf("sendChatAction", from).some((c) => c.params.chat_id === 502 && c.params.action === "typing")).toBe(true);
    const last = replies[replies.length - 1];
    const buttons = buttonsOf(last);
    expect(buttons.length).toBeGreaterThan(0);
    expect(buttons[0].text).toBe("📄 来源1");
    for (const b of buttons) expect(Buffer.byteLength(b.callback_data)).toBeLessThanOrEqual(64);

    const follow = await converse(h, { chatId: 502, text: "那行政复议呢？" });
    const ftext = textOf(follow.replies);
    expect(ftext).toContain("22件");
    expect(ftext).toContain("沈阳");
  });

  it("shows the full cited section when a source button is pressed", async () => {
    const { replies } = await converse(h, { chatId: 503, text: FIGURE_Q });
    const withButtons = replies[replies.length - 1];
    const b = buttonsOf(withButtons)[0];
    const from = h.api.mark();
    h.api.pushCallback({ chatId: 503, data: b.callback_data, messageId: 42 });
    const ack = await h.api.waitForCall("answerCallbackQuery", () => true, 10_000, from);
    expect(ack.params.text).toBeUndefined();
    const src = await h.api.waitForCall("sendMessage", (p) => p.chat_id === 503, 10_000, from);
    const text = htmlToText(src.params.text);
    expect(text.startsWith("📄 来源1")).toBe(true);
    expect(text).toContain("249");
    expect(src.params.reply_parameters?.message_id).toBe(42);

    // An unknown key (e.g. from before a restart) is answered, not ignored.
    const from2 = h.api.mark();
    h.api.pushCallback({ chatId: 503, data: "src:zzz:1" });
    const expired = await h.api.waitForCall("answerCallbackQuery", () => true, 10_000, from2);
    expect(expired.params.text).toContain("过期");
  });

  it("in groups answers only /ask, mentions and replies to the bot", async () => {
    const group = -100777;
    const from = h.api.mark();
    h.api.pushText({ chatId: group, chatType: "supergroup", userId: 11, text: FIGURE_Q });
    h.api.pushText({ chatId: group, chatType: "supergroup", userId: 11, text: "/ask@some_other_bot " + FIGURE_Q });
    await h.api.settle(600);
    expect(h.api.callsOf("sendMessage", from).filter((c) => c.params.chat_id === group)).toHaveLength(0);

    const mention = `@${FAKE_BOT.username} ${FIGURE_Q}`;
    const m = await converse(h, {
      chatId: group,
      chatType: "supergroup",
      userId: 11,
      text: mention,
      entities: [{ type: "mention", offset: 0, length: FAKE_BOT.username.length + 1 }],
    });
    expect(textOf(m.replies)).toContain("249");
    expect(m.replies[0].params.reply_parameters?.message_id).toBe(m.messageId);

    // Replying to the bot's answer is a follow-up addressed to the bot.
    const botMessageId = [...h.api.sentMessages.entries()].filter(([, v]) => v.chatId === group).pop()![0];
    const r = await converse(h, {
      chatId: group,
      chatType: "supergroup",
      userId: 11,
      text: "那行政复议呢？",
      replyTo: { messageId: botMessageId, fromBot: true },
    });
    expect(textOf(r.replies)).toContain("22件");

    // A reply to someone else is not for the bot.
    const from2 = h.api.mark();
    h.api.pushText({ chatId: group, chatType: "supergroup", userId: 12, text: "同意", replyTo: { messageId: 5, fromBot: false } });
    await h.api.settle(600);
    expect(h.api.callsOf("sendMessage", from2).filter((c) => c.params.chat_id === group)).toHaveLength(0);

    const ask = await converse(h, { chatId: group, chatType: "supergroup", userId: 12, text: `/ask@${FAKE_BOT.username} ${FIGURE_Q}` });
    expect(textOf(ask.replies)).toContain("249");
    const empty = await converse(h, { chatId: group, chatType: "supergroup", userId: 12, text: "/ask" });
    expect(textOf(empty.replies)).toContain("/ask 后面写上问题");
  });

  it("a long source section is one message: its first part and a 查看全文 hint (was up to 38 messages)", async () => {
    // A drafting question about one report cites its whole 总体情况 section (平潭 2020: ~4,100 chars). Pick the first
    // candidate whose cited section is longer than one message; the engine is deterministic, so the bot sees the same.
    const candidates = [
      "平潭综合实验区2020年报告的总体情况是怎么写的？",
      "平潭综合实验区2018年报告的概述部分是怎么写的？",
      "年度报告的总结完善有什么要求？",
      "年度报告格式通知对报告内容有什么要求？",
      "如何起草政府信息公开工作年度报告？",
      "政府信息公开工作年度报告应当包括哪些内容？",
    ];
    let pick: { q: string; n: number } | null = null;
    for (const q of candidates) {
      const { answer } = await engine.ask(q, null);
      const n = answer.citations.findIndex((c) => (engine.fullSection(c) ?? "").length > 4096);
      if (n >= 0) {
        pick = { q, n };
        break;
      }
    }
    expect(pick, "no candidate question cites a section longer than one message").not.toBeNull();
    const { replies } = await converse(h, { chatId: 504, text: pick!.q });
    const button = buttonsOf(replies[replies.length - 1])[pick!.n];
    expect(button.text).toBe(`📄 来源${pick!.n + 1}`);
    const from = h.api.mark();
    h.api.pushCallback({ chatId: 504, data: button.callback_data });
    await h.api.waitForCall("sendMessage", (p) => p.chat_id === 504, 10_000, from);
    await h.api.settle(300);
    const parts = h.api.callsOf("sendMessage", from).filter((c) => c.params.chat_id === 504);
    expect(parts).toHaveLength(1);
    assertValidParts(parts.map((p) => String(p.params.text)));
    expect(parts[0].params.parse_mode).toBe("HTML");
    const text = htmlToText(String(parts[0].params.text));
    expect(text).toContain("查看全文");
    // The part shown is the section's beginning, verbatim.
    const { answer } = await engine.ask(pick!.q, null);
    const full = engine.fullSection(answer.citations[pick!.n])!;
    expect(text.replace(/\s+/g, "")).toContain(full.trim().slice(0, 300).replace(/\s+/g, ""));
  });

  it("a source message stays one message even when escaping inflates it", () => {
    const c = { title: "测试报告", region: "沈阳市", year: 2013, section: "一、概述", quote: "", source: "x.txt" };
    const html = formatSourceHtml(1, c, "&<>".repeat(3000));
    expect(html.length).toBeLessThanOrEqual(4096);
    expect(htmlToText(html)).toContain("查看全文");
  });

  it("escapes markup typed by the user", async () => {
    // Answered: the reply is still valid HTML.
    const found = await converse(h, { chatId: 505, text: "沈阳2013年<b>&受理了多少件申请？" });
    expect(textOf(found.replies)).toContain("249");
    for (const r of found.replies) assertValidParts([String(r.params.text)]);
    // Not found: the question is echoed back, escaped.
    const nf = await converse(h, { chatId: 505, text: "abc<b>&xyz</b>" });
    const html = nf.replies.map((r) => String(r.params.text)).join("\n");
    expect(html).toContain("abc&lt;b&gt;&amp;xyz&lt;/b&gt;");
    expect(html).not.toContain("<b>&");
    expect(textOf(nf.replies)).toContain("abc<b>&xyz</b>");
    for (const r of nf.replies) assertValidParts([String(r.params.text)]);
  });

  it("shows a series as a <pre> table and /export sends that chat's last figure answer as a CSV document", async () => {
    // Nothing to export yet in this chat.
    const none = await converse(h, { chatId: 509, text: "/export" });
    expect(textOf(none.replies)).toContain("还没有可导出的数字答案");

    const { replies } = await converse(h, { chatId: 509, text: "平潭综合实验区历年收到多少件申请" });
    assertValidParts(replies.map((r) => String(r.params.text)));
    const html = replies.map((r) => String(r.params.text)).join("\n");
    const pre = /<pre>([\s\S]*?)<\/pre>/.exec(html)?.[1];
    expect(pre, "the table is sent inside <pre>").toBeDefined();
    expect(htmlToText(pre!)).toMatch(/^平潭综合实验区 +2024 +218 +表三$/m);
    expect(textOf(replies)).toContain("表三 · 行：一、本年新收政府信息公开申请数量 · 列：总计");
    expect(textOf(replies)).toContain("/export");
    // An answer without figures in between does not replace the one to export.
    await converse(h, { chatId: 509, text: "申请内容不明确怎么处理？" });

    const from = h.api.mark();
    h.api.pushText({ chatId: 509, text: "/export" });
    const doc = await h.api.waitForCall("sendDocument", (p) => Number(p.chat_id) === 509, 10_000, from);
    const file = doc.params.document as { filename: string; bytes: Buffer };
    expect(file.filename).toMatch(/^nianbao-\d{8}-\d{6}\.csv$/);
    const csv = file.bytes.toString("utf8");
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    const lines = csv.slice(1).trimEnd().split("\r\n");
    expect(lines[0]).toBe("机关,年份,本年新收政府信息公开申请数量,出处");
    expect(lines.find((l) => l.startsWith("平潭综合实验区,2024,218,"))).toContain("《平潭综合实验区2024年");
    expect(String(doc.params.caption)).toContain("平潭综合实验区历年收到多少件申请");
    // Another chat has its own (empty) export.
    const other = await converse(h, { chatId: 510, text: "/export" });
    expect(textOf(other.replies)).toContain("还没有可导出的数字答案");
  });

  it("shows a difference's working and each cited cell with its 表/行/列", async () => {
    const { replies } = await converse(h, { chatId: 511, text: "平潭综合实验区2023年和2024年申请数相差多少" });
    const text = textOf(replies);
    expect(text).toContain("计算：218 − 81 = 137");
    expect(text).toMatch(/\[1\] 《平潭综合实验区2023年[^》]*》 · 平潭综合实验区 · 2023年/);
    expect(text).toContain("表三 · 行：一、本年新收政府信息公开申请数量 · 列：总计 · 数值：81");
  });

  it("refuses questions over the length limit and explains empty input", async () => {
    const long = await converse(h, { chatId: 506, text: "字".repeat(501) });
    expect(textOf(long.replies)).toContain("500 字以内");
  });

  it("retries after a 429 and a 500 from Telegram", async () => {
    h.api.failNext("sendMessage", 429, 1);
    const from = h.api.mark();
    const { replies } = await converse(h, { chatId: 507, text: FIGURE_Q });
    expect(textOf(replies)).toContain("249");
    const sends = h.api.callsOf("sendMessage", from);
    expect(sends[0].status).toBe(429);
    expect(sends[1].status).toBe(200);
    expect(sends[1].at - sends[0].at).toBeGreaterThanOrEqual(900);

    h.api.failNext("sendMessage", 500);
    const again = await converse(h, { chatId: 507, text: "/help" }, 15_000);
    expect(textOf(again.replies)).toContain("使用说明");
  }, 30_000);
});

describe("safety", () => {
  it("rate-limits per user with one polite notice", async () => {
    const h = await harness({ RATE_LIMIT_PER_MINUTE: "2" });
    try {
      await converse(h, { chatId: 601, text: FIGURE_Q });
      await converse(h, { chatId: 601, text: "那行政复议呢？" });
      const third = await converse(h, { chatId: 601, text: FIGURE_Q });
      expect(textOf(third.replies)).toContain("每分钟最多 2 个问题");
      await expectNoReply(h, { chatId: 601, text: FIGURE_Q });
      // Another user is not affected.
      const other = await converse(h, { chatId: 602, text: FIGURE_Q });
      expect(textOf(other.replies)).toContain("249");
    } finally {
      await h.stop();
    }
  }, 60_000);

  it("serves only allow-listed chats and refuses others once", async () => {
    const h = await harness({ ALLOWED_CHAT_IDS: "701, -100701" });
    try {
      const refused = await converse(h, { chatId: 702, text: FIGURE_Q });
      expect(textOf(refused.replies)).toContain("仅在获得授权的会话中提供服务");
      await expectNoReply(h, { chatId: 702, text: "/start" });
      const ok = await converse(h, { chatId: 701, text: FIGURE_Q });
      expect(textOf(ok.replies)).toContain("249");
    } finally {
      await h.stop();
    }
  }, 60_000);

  it("answers a failing update politely, logs it redacted, and keeps serving", async () => {
    let failures = 1;
    const flaky: AnswerEngine = {
      coverage: () => engine.coverage(),
      fullSection: (c) => engine.fullSection(c),
      source: (id) => engine.source(id),
      ask: async (q, s) => {
        if (failures-- > 0) throw new Error(`boom at /work/main/src/secret.ts with ${TOKEN}`);
        return engine.ask(q, s);
      },
    };
    const h = await harness({}, flaky);
    try {
      const bad = await converse(h, { chatId: 801, text: FIGURE_Q });
      const text = textOf(bad.replies);
      expect(text).toContain("抱歉，处理您的请求时出现了问题");
      expect(text).not.toContain(TOKEN);
      expect(text).not.toMatch(/\/work|secret|boom|Error|at /);
      const logged = h.logs.find((e) => e.event === "update_failed")!;
      expect(logged).toBeDefined();
      expect(logged.level).toBe("error");
      expect(JSON.stringify(h.logs)).not.toContain(TOKEN);
      expect(String(logged.message)).toContain("boom");

      const good = await converse(h, { chatId: 801, text: FIGURE_Q });
      expect(textOf(good.replies)).toContain("249");
    } finally {
      await h.stop();
    }
  }, 60_000);
});

describe("conversation state", () => {
  it("passes the previous turn's state per chat and drops it after 30 minutes", async () => {
    let clock = Date.now();
    const seen: Array<{ q: string; regions: string[] | null }> = [];
    const recording: AnswerEngine = {
      coverage: () => engine.coverage(),
      fullSection: (c) => engine.fullSection(c),
      source: (id) => engine.source(id),
      ask: async (q, s) => {
        seen.push({ q, regions: s ? s.plan?.bodies ?? [] : null });
        return engine.ask(q, s);
      },
    };
    const h = await harness({}, recording, () => clock);
    try {
      await converse(h, { chatId: 1001, text: FIGURE_Q });
      await converse(h, { chatId: 1002, text: "那行政复议呢？" });
      const follow = await converse(h, { chatId: 1001, text: "那行政复议呢？" });
      expect(textOf(follow.replies)).toContain("22件");
      clock += 31 * 60 * 1000;
      await converse(h, { chatId: 1001, text: "那行政复议呢？" });
      expect(seen.map((x) => x.regions)).toEqual([null, null, ["沈阳市"], null]);
    } finally {
      await h.stop();
    }
  }, 60_000);
});

describe("webhook mode", () => {
  it("accepts updates only with the secret token", async () => {
    const api = await startFakeBotApi(TOKEN);
    const bot = createBot({ token: TOKEN, engine, settings: settingsSchema.parse({}), apiRoot: api.url, log: () => undefined });
    const wh = await startWebhook(bot, { url: "https://bot.example.org/tg/hook", secret: "s3cret-value", port: 0, host: "127.0.0.1" });
    const post = (path: string, secret: string | null, body: unknown) =>
      new Promise<number>((resolve, reject) => {
        const data = JSON.stringify(body);
        const req = request(
          {
            host: "127.0.0.1",
            port: wh.port,
            path,
            method: "POST",
            headers: {
              "content-type": "application/json",
              ...(secret ? { "x-telegram-bot-api-secret-token": secret } : {}),
            },
          },
          (res) => {
            res.resume();
            res.on("end", () => resolve(res.statusCode ?? 0));
          },
        );
        req.on("error", reject);
        req.end(data);
      });
    const update = (id: number) => ({
      update_id: id,
      message: { message_id: id, date: 0, chat: { id: 901, type: "private" }, from: { id: 901, is_bot: false, first_name: "u" }, text: FIGURE_Q },
    });
    try {
      const set = await api.waitForCall("setWebhook");
      expect(set.params.secret_token).toBe("s3cret-value");
      expect(await post("/tg/hook", "wrong", update(1))).toBe(401);
      expect(await post("/tg/hook", null, update(2))).toBe(401);
      expect(await post("/elsewhere", "s3cret-value", update(3))).toBe(404);
      expect(await post("/tg/hook", "s3cret-value", update(4))).toBe(200);
      const reply = await api.waitForCall("sendMessage", (p) => p.chat_id === 901, 20_000);
      expect(htmlToText(reply.params.text)).toContain("249");
      expect(api.callsOf("sendMessage").filter((c) => c.params.chat_id === 901)).toHaveLength(1);
    } finally {
      await wh.stop();
      await api.close();
    }
  }, 60_000);
});
