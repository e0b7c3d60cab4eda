import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { AnswerEngine, ConversationState } from "../../src/answer/api.js";
import { loadSettings } from "../../src/config.js";
import { createOfficeBot, type OfficeBotOptions } from "../../src/office/core.js";
import { parseCommand } from "../../src/office/texts.js";
import type { IncomingMessage, OnMessage, Reply, Transport } from "../../src/office/types.js";
import type { OfficeRenderer, OutgoingMessage } from "../../src/present/office.js";
import { draftCheckMarkdown, packBlocks, utf8Bytes } from "../../src/present/office.js";
import type { Answer, Citation } from "../../src/types.js";

/** The core over an in-memory transport, a renderer that tags what it renders, and an engine that records its calls. */
const cite = (n: number, cell = false): Citation =>
  ({
    id: `chunk:c${n}`,
    title: `报告${n}`,
    body: "示例市",
    region: "示例市",
    year: 2020 + n,
    section: "二、主动公开",
    quote: `引文${n}`,
    source: `r${n}.txt`,
    kind: "report",
    cell: cell ? { table: "表三", row: "本年新收", column: "总计", value: 10 * n } : undefined,
  }) as unknown as Citation;

function engineStub() {
  const asked: Array<{ q: string; state: ConversationState | null }> = [];
  const engine: AnswerEngine = {
    async ask(q, state) {
      asked.push({ q, state: state ?? null });
      const answer: Answer = { question: q, found: true, answer: `答：${q}`, citations: [cite(1, true), cite(2)], mode: "extractive" };
      return { answer, state: { n: asked.length, q } as unknown as ConversationState };
    },
    coverage: () => ({ reports: [{ region: "示例市", issuer: null, years: [2021] }], governing: [], documents: 2, chunks: 5 }),
    fullSection: () => null,
    source: (id) => ({ id, title: "报告1", section: "二、主动公开", text: `全文 ${id}`, source: "r1.txt", published: null, url: null }),
  };
  return { engine, asked };
}

const renderer: OfficeRenderer = {
  limit: 1000,
  answer: (a) => [{ format: "markdown", content: `ANSWER ${a.answer} [${a.citations.length}]` }],
  source: (n, v) => [{ format: "markdown", content: `SOURCE ${n} ${v.text}` }],
  coverage: (c) => [{ format: "markdown", content: `COVERAGE ${c.documents}` }],
  notice: (md) => [{ format: "markdown", content: `NOTICE ${md}` }],
  csvBlock: (name, csv) => [{ format: "markdown", content: `CSV ${name} ${csv.length}` }],
};

class MemoryTransport implements Transport {
  readonly platform = "wecom" as const;
  handler: OnMessage | null = null;
  async start(h: OnMessage) {
    this.handler = h;
  }
  async stop() {
    this.handler = null;
  }
}

let seq = 0;
function msg(over: Partial<IncomingMessage> = {}): IncomingMessage {
  return { platform: "wecom", id: `m${++seq}`, chatId: "u1", chatType: "private", userId: "u1", text: "问题", mentioned: true, kind: "text", ...over };
}

function replyRecorder(withFiles = true) {
  const sent: OutgoingMessage[] = [];
  const files: Array<{ name: string; data: Buffer }> = [];
  const reply: Reply = {
    send: async (ms) => void sent.push(...ms),
    sendFile: withFiles ? async (name, data) => void files.push({ name, data }) : undefined,
  };
  return { reply, sent, files, text: () => sent.map((m) => m.content).join("\n") };
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(over: Partial<OfficeBotOptions> = {}, env: Record<string, string> = {}) {
  const { engine, asked } = engineStub();
  const transport = new MemoryTransport();
  const bot = createOfficeBot({ transport, renderer, engine, settings: loadSettings({ RATE_LIMIT_PER_MINUTE: "3", ...env }), allowed: null, stateFile: null, ...over });
  return { bot, asked, transport };
}

describe("office core", () => {
  it("answers a private question with the renderer's messages and keeps follow-up state per conversation", async () => {
    const { bot, asked } = setup();
    const r = replyRecorder();
    await bot.handle(msg({ text: "沈阳2013年受理了多少件？" }), r.reply);
    await bot.handle(msg({ text: "2014年呢？" }), r.reply);
    expect(r.text()).toContain("ANSWER 答：沈阳2013年受理了多少件？ [2]");
    expect(asked[0].state).toBeNull();
    expect(asked[1].state).toMatchObject({ n: 1, q: "沈阳2013年受理了多少件？" });
  });

  it("in a group answers only when @-mentioned, and keeps each person's follow-ups apart", async () => {
    const { bot, asked } = setup();
    const r = replyRecorder();
    await bot.handle(msg({ chatType: "group", chatId: "g1", userId: "a", mentioned: false, text: "闲聊" }), r.reply);
    expect(r.sent).toHaveLength(0);
    await bot.handle(msg({ chatType: "group", chatId: "g1", userId: "a", text: "问甲" }), r.reply);
    await bot.handle(msg({ chatType: "group", chatId: "g1", userId: "b", text: "问乙" }), r.reply);
    expect(asked.map((x) => x.state)).toEqual([null, null]);
  });

  it("answers a redelivered message once, across a restart; one taken but never answered is answered after it", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "office-ledger-"));
    dirs.push(dir);
    const stateFile = path.join(dir, "wecom.json");
    const first = setup({ stateFile });
    const r = replyRecorder();
    const m = msg({ id: "dup-1" });
    await Promise.all([first.bot.handle(m, r.reply), first.bot.handle(m, r.reply)]);
    await first.bot.handle(m, r.reply);
    expect(first.asked).toHaveLength(1);
    // A second process over the same file: the answered id is dropped.
    const second = setup({ stateFile });
    await second.bot.handle(m, r.reply);
    expect(second.asked).toHaveLength(0);
    // An id recorded as taken by a process that died before answering is answered by the next one.
    const saved = JSON.parse(readFileSync(stateFile, "utf8"));
    saved.inProgress.push(["orphan-1", Date.now()]);
    const { writeFileSync } = await import("node:fs");
    writeFileSync(stateFile, JSON.stringify(saved));
    const third = setup({ stateFile });
    await third.bot.handle(msg({ id: "orphan-1" }), r.reply);
    expect(third.asked).toHaveLength(1);
  });

  it("refuses users and groups outside the allow-list, once", async () => {
    const { bot, asked } = setup({ allowed: new Set(["boss", "g-ok"]) });
    const r = replyRecorder();
    await bot.handle(msg({ userId: "x", chatId: "x" }), r.reply);
    await bot.handle(msg({ userId: "x", chatId: "x" }), r.reply);
    await bot.handle(msg({ userId: "boss", chatId: "boss" }), r.reply);
    await bot.handle(msg({ chatType: "group", chatId: "g-ok", userId: "anyone" }), r.reply);
    expect(asked).toHaveLength(2);
    expect(r.text().match(/仅在获得授权的会话中提供服务/g)).toHaveLength(1);
  });

  it("limits questions per user per minute, with one notice", async () => {
    let t = 1_000_000;
    const { bot, asked } = setup({ now: () => t });
    const r = replyRecorder();
    for (let i = 0; i < 5; i++) await bot.handle(msg(), r.reply);
    expect(asked).toHaveLength(3);
    expect(r.text().match(/每分钟最多 3 个问题/g)).toHaveLength(1);
    t += 61_000;
    await bot.handle(msg(), r.reply);
    expect(asked).toHaveLength(4);
  });

  it("answers unsupported content briefly, and commands without asking the engine", async () => {
    const { bot, asked } = setup();
    const r = replyRecorder();
    await bot.handle(msg({ kind: "image", text: "" }), r.reply);
    expect(r.text()).toContain("只能阅读文字消息");
    await bot.handle(msg({ text: "帮助" }), r.reply);
    expect(r.text()).toContain("原文 1");
    await bot.handle(msg({ text: "/收录" }), r.reply);
    expect(r.text()).toContain("COVERAGE 2");
    await bot.handle(msg({ text: "原文 1" }), r.reply);
    expect(r.text()).toContain("还没有可查看的来源");
    await bot.handle(msg({ text: "导出" }), r.reply);
    expect(r.text()).toContain("还没有可导出的数字答案");
    expect(asked).toHaveLength(0);
  });

  it("opens the last answer's sources by number and exports its figures as a file, or as a message without files", async () => {
    const { bot } = setup();
    const r = replyRecorder();
    await bot.handle(msg({ text: "问题一" }), r.reply);
    await bot.handle(msg({ text: "原文 2" }), r.reply);
    expect(r.text()).toContain("SOURCE 2 全文 chunk:c2");
    await bot.handle(msg({ text: "原文 ３" }), r.reply);
    expect(r.text()).toContain("只有 2 条来源，没有第 3 条");
    await bot.handle(msg({ text: "导出" }), r.reply);
    expect(r.files).toHaveLength(1);
    expect(r.files[0].name).toMatch(/^nianbao-\d{8}-\d{6}\.csv$/);
    expect(r.files[0].data.toString("utf8")).toContain("表三");
    const noFiles = replyRecorder(false);
    await bot.handle(msg({ text: "导出" }), noFiles.reply);
    expect(noFiles.text()).toMatch(/^CSV nianbao-.*\.csv \d+$/);
  });

  it("checks a draft sent as a file, and declines other files", async () => {
    const checked: string[] = [];
    const { bot } = setup({
      checkDraft: async (bytes, name) => {
        checked.push(`${name}:${bytes.length}`);
        return { filename: name, report: null, cells: [], checks: [{ rule: "t3.row-sum", label: "表三 各列之和等于总计", ok: false, expr: "1+2 = 3 ≠ 4", cells: [] }], ok: false };
      },
    });
    const r = replyRecorder();
    const file = (name: string) => ({ name, size: 3, download: async () => Buffer.from("abc") });
    await bot.handle(msg({ kind: "file", text: "", file: file("草稿.docx") }), r.reply);
    await bot.handle(msg({ kind: "file", text: "", file: file("照片.jpg") }), r.reply);
    expect(checked).toEqual(["草稿.docx:3"]);
    expect(r.text()).toContain("不成立：表三 各列之和等于总计（1+2 = 3 ≠ 4）");
    expect(r.text()).toContain("这个文件我读不了");
  });

  it("apologises when answering fails, and still records the message as handled", async () => {
    const { bot } = setup();
    const r = replyRecorder();
    const failing = { ...r.reply, send: async (ms: OutgoingMessage[]) => (ms[0].content.startsWith("ANSWER") ? Promise.reject(new Error("boom")) : void r.sent.push(...ms)) };
    await bot.handle(msg(), failing);
    expect(r.text()).toContain("处理您的请求时出现了问题");
  });
});

describe("office commands and shared rendering", () => {
  it("reads commands with or without a slash, and the source number in full-width digits", () => {
    expect(parseCommand("原文 2")).toEqual({ command: "source", arg: "2" });
    expect(parseCommand("/原文２")).toEqual({ command: "source", arg: "2" });
    expect(parseCommand("帮助")).toEqual({ command: "help", arg: "" });
    expect(parseCommand("EXPORT")).toEqual({ command: "export", arg: "" });
    expect(parseCommand("原文里说了什么")).toBeNull();
    expect(parseCommand("帮助 3")).toBeNull();
  });

  it("packs blocks under a byte limit without cutting a block that fits", () => {
    const blocks = ["甲".repeat(10), "乙".repeat(10), "丙".repeat(10)];
    const parts = packBlocks(blocks, 70, utf8Bytes);
    expect(parts).toEqual([`${blocks[0]}\n\n${blocks[1]}`, blocks[2]]);
    expect(packBlocks(["一行\n".repeat(30).trim()], 20, utf8Bytes).every((p) => utf8Bytes(p) <= 20)).toBe(true);
    expect(packBlocks(["字".repeat(30)], 20, utf8Bytes).join("")).toBe("字".repeat(30));
  });

  it("writes a draft check's conclusion and escapes markup from the file", () => {
    const md = draftCheckMarkdown({ filename: "a*b_.docx", report: null, cells: [], checks: [], ok: false });
    expect(md).toContain("a\\*b\\_.docx");
    expect(md).toContain("没有读到可核对的统计表");
  });
});
