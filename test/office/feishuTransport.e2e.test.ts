import { createHook } from "node:async_hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSettings } from "../../src/config.js";
import { createFeishuTransport } from "../../src/office/feishu.js";
import type { IncomingMessage, Reply, Transport } from "../../src/office/types.js";
import { feishuRenderer } from "../../src/present/feishu.js";
import type { Answer } from "../../src/types.js";
import { FeishuFake, startFeishuFake } from "../helpers/office/feishuFake.js";

/**
 * The Feishu transport end to end: the official SDK (@larksuiteoapi/node-sdk) with FEISHU_DOMAIN pointed at a fake
 * Feishu on 127.0.0.1 (test/helpers/office/feishuFake.ts) that speaks the real protocol: the token and endpoint
 * requests, the long connection's protobuf frames and acks, and the message, file and resource APIs.
 */

interface Got {
  message: IncomingMessage;
  reply: Reply;
}

/** Messages the transport hands over, in order; next() waits for the following one. */
class Inbox {
  private items: Got[] = [];
  private waiters: Array<(g: Got) => void> = [];
  /** Runs for each message before it is queued (e.g. to answer it). */
  handler: ((g: Got) => Promise<void>) | null = null;
  readonly onMessage = async (message: IncomingMessage, reply: Reply) => {
    const g = { message, reply };
    const w = this.waiters.shift();
    if (w) w(g);
    else this.items.push(g);
    if (this.handler) await this.handler(g);
  };
  next(): Promise<Got> {
    const g = this.items.shift();
    if (g) return Promise.resolve(g);
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

const answer: Answer = {
  question: "平潭2023年新收申请多少件？",
  found: true,
  answer: "平潭综合实验区2023年本年新收政府信息公开申请 81 件 [1]。",
  citations: [
    {
      id: "cell:x",
      title: "平潭综合实验区2023年政府信息公开工作年度报告",
      region: "平潭综合实验区",
      year: 2023,
      section: "五、收到和处理政府信息公开申请情况 › 表三",
      quote: "",
      source: "corpus/x.md",
      url: "https://www.pingtan.gov.cn/x.htm",
      cell: { table: "表三", row: "一、本年新收政府信息公开申请数量", column: "总计", value: 81 },
    },
  ],
  mode: "extractive",
  table: { columns: ["年份", "新收申请"], rows: [[2022, 75], [2023, 81]] },
};

describe("feishu transport through the official SDK", () => {
  let fake: FeishuFake;
  let transport: Transport;
  const logs: Array<Record<string, unknown>> = [];
  const logWaiters = new Set<() => void>();
  const log = (e: Record<string, unknown>) => {
    logs.push(e);
    for (const w of [...logWaiters]) w();
  };
  /** Resolves when at least n log lines of this event have been written. */
  const waitForLog = (event: string, n: number) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (logs.filter((e) => e.event === event).length < n) return;
        logWaiters.delete(check);
        resolve();
      };
      logWaiters.add(check);
      check();
    });
  const inbox = new Inbox();

  beforeAll(async () => {
    fake = await startFeishuFake({ ackTimeoutMs: 5_000 });
    transport = createFeishuTransport({ settings: loadSettings(fake.settings), log, reconnect: { initialMs: 50, maxMs: 400 } });
    await transport.start(inbox.onMessage);
  });

  afterAll(async () => {
    await transport?.stop();
    await fake?.close();
  });

  it("connects: token, bot info, endpoint, then one long connection", async () => {
    expect(fake.connections).toBe(1);
    expect(logs).toContainEqual(expect.objectContaining({ event: "office_connected", platform: "feishu" }));
    const paths = fake.requests.map((r) => r.path);
    expect(paths.slice(0, 3)).toEqual(["/open-apis/auth/v3/tenant_access_token/internal", "/open-apis/bot/v3/info", "/callback/ws/endpoint"]);
    // The SDK pings on open (a control frame) and the fake answers with the ClientConfig.
    await fake.waitForPings(1);
  });

  it("passes a private text message on, acks it before the answer is ready, and sends the answer as a card", async () => {
    // The answer waits for the ack: a transport that acked only after onMessage settled would never be acked.
    inbox.handler = async ({ message, reply }) => {
      await fake.waitForAcks(message.id);
      await reply.send(feishuRenderer.answer(answer));
    };
    try {
      const id = await fake.deliver({ chatType: "private", userId: "ou_alice", text: "  平潭2023年新收申请多少件？ " });
      const { message } = await inbox.next();
      expect(message).toEqual({
        platform: "feishu",
        id,
        chatId: fake.privateChatOf("ou_alice"),
        chatType: "private",
        userId: "ou_alice",
        text: "平潭2023年新收申请多少件？",
        mentioned: true,
        kind: "text",
        sentAt: expect.any(Number),
      });
      const [sent] = await fake.waitForSent(fake.privateChatOf("ou_alice"), 1);
      expect(sent.type).toBe("card");
      expect(sent.content).toContain("| 年份 | 新收申请 |");
      expect(sent.content).toContain("**[1]** 《平潭综合实验区2023年政府信息公开工作年度报告》 · 平潭综合实验区 · 2023年");
      expect(sent.content).toContain("[原文链接](https://www.pingtan.gov.cn/x.htm)");
      const raw = sent.raw as { msg_type: string; content: string; uuid: string };
      expect(raw.msg_type).toBe("interactive");
      expect(JSON.parse(raw.content)).toMatchObject({ schema: "2.0" });
      expect(fake.events.indexOf(`ack ${id}`)).toBeLessThan(fake.events.indexOf(`send ${fake.privateChatOf("ou_alice")}`));
    } finally {
      inbox.handler = null;
    }
  });

  it("marks a group message mentioned only when it @-mentions the bot, strips the mention, and replies in the group", async () => {
    await fake.deliver({ chatType: "group", chatId: "oc_group1", userId: "ou_bob", text: "福建省2022年的复议数量？", mentioned: true });
    const a = await inbox.next();
    expect(a.message).toMatchObject({ chatId: "oc_group1", chatType: "group", userId: "ou_bob", text: "福建省2022年的复议数量？", mentioned: true, kind: "text" });
    await fake.deliver({ chatType: "group", chatId: "oc_group1", userId: "ou_bob", text: "大家好" });
    const b = await inbox.next();
    expect(b.message).toMatchObject({ chatId: "oc_group1", chatType: "group", text: "大家好", mentioned: false });

    await a.reply.send([...feishuRenderer.notice("**第一条**"), { format: "text", content: "第二条" }]);
    const sent = await fake.waitForSent("oc_group1", 2);
    expect(sent.map((s) => [s.type, s.content])).toEqual([
      ["card", "**第一条**"],
      ["text", "第二条"],
    ]);
    // The first quotes the question (reply API), the next follows in the chat.
    expect(fake.requests.filter((r) => r.path === `/open-apis/im/v1/messages/${a.message.id}/reply`)).toHaveLength(1);
  });

  it("answers into the group when the question was withdrawn before the answer (nothing left to quote)", async () => {
    const id = await fake.deliver({ chatType: "group", chatId: "oc_group2", userId: "ou_bob", text: "问题", mentioned: true });
    const { reply } = await inbox.next();
    fake.withdraw(id);
    await reply.send(feishuRenderer.notice("答复"));
    const [sent] = await fake.waitForSent("oc_group2", 1);
    expect(sent.content).toBe("答复");
  });

  it("sends a file (the CSV of /export) into the conversation", async () => {
    await fake.deliver({ chatType: "private", userId: "ou_carol", text: "/export" });
    const { reply } = await inbox.next();
    expect(reply.sendFile).toBeTypeOf("function");
    const csv = Buffer.from("\uFEFF年份,新收申请\r\n2023,81\r\n", "utf8");
    await reply.sendFile!("nianbao-20250101-000000.csv", csv, "text/csv");
    const [sent] = await fake.waitForSent(fake.privateChatOf("ou_carol"), 1);
    expect(sent.type).toBe("file");
    expect(sent.content).toBe("nianbao-20250101-000000.csv");
    expect(sent.data?.equals(csv)).toBe(true);
  });

  it("refuses a card over Feishu's 30 KB limit with a coded error", async () => {
    await fake.deliver({ chatType: "private", userId: "ou_dave", text: "长" });
    const { reply } = await inbox.next();
    const big = "数".repeat(11_000);
    await expect(reply.send([{ format: "card", content: big, card: { schema: "2.0", body: { elements: [{ tag: "markdown", content: big }] } } }])).rejects.toMatchObject({
      code: "send_failed",
      message: expect.stringContaining("230025"),
    });
    expect(fake.sent(fake.privateChatOf("ou_dave"))).toHaveLength(0);
  });

  it("passes files on with a download function, and images and voice with their kind", async () => {
    const data = Buffer.from("第一段\n第二段\n", "utf8");
    await fake.deliver({ chatType: "private", userId: "ou_erin", kind: "file", file: { name: "草稿.txt", data } });
    const { message } = await inbox.next();
    expect(message).toMatchObject({ kind: "file", text: "", file: { name: "草稿.txt" } });
    expect((await message.file!.download(1024)).equals(data)).toBe(true);
    await expect(message.file!.download(5)).rejects.toMatchObject({ code: "too_large" });

    await fake.deliver({ chatType: "private", userId: "ou_erin", kind: "image" });
    expect((await inbox.next()).message).toMatchObject({ kind: "image", text: "" });
    await fake.deliver({ chatType: "private", userId: "ou_erin", kind: "voice" });
    expect((await inbox.next()).message).toMatchObject({ kind: "voice", text: "" });
  });

  it("passes a redelivered message on again with the same id (the core answers it once)", async () => {
    const id = await fake.deliver({ chatType: "private", userId: "ou_frank", text: "重复", msgId: "om_redelivered_0001" });
    await fake.deliver({ chatType: "private", userId: "ou_frank", text: "重复", msgId: id });
    const first = await inbox.next();
    const second = await inbox.next();
    expect([first.message.id, second.message.id]).toEqual([id, id]);
    // Even if both were answered, Feishu's idempotency key (uuid) shows the answer once.
    await first.reply.send(feishuRenderer.notice("答复"));
    await second.reply.send(feishuRenderer.notice("答复"));
    expect(fake.sent(fake.privateChatOf("ou_frank"))).toHaveLength(1);
  });

  it("reconnects with back-off after the connection drops, and messages flow again", async () => {
    const before = fake.connections;
    fake.drop();
    const connectedBefore = logs.filter((e) => e.event === "office_connected").length;
    await fake.waitForConnections(before + 1, 20_000);
    await waitForLog("office_connected", connectedBefore + 1);
    expect(logs).toContainEqual(expect.objectContaining({ event: "office_reconnecting", platform: "feishu", attempt: 1 }));
    await fake.deliver({ chatType: "private", userId: "ou_gina", text: "又连上了吗？" });
    expect((await inbox.next()).message.text).toBe("又连上了吗？");
    // The SDK's own retry (ReconnectInterval 120 s from the endpoint) did not run alongside ours.
    expect(fake.connections).toBe(before + 1);
  });

  it("keeps reconnecting while the platform refuses, logging at most one line a minute", async () => {
    const before = fake.connections;
    fake.refuseConnections = true;
    fake.drop();
    const from = fake.endpointCalls;
    await fake.waitForEndpointCalls(from + 4, 20_000);
    // Back-off: the attempts space out (50 ms doubling to 400 ms, jittered to 50–100 %), never a tight loop.
    const times = fake.endpointTimes.slice(from);
    expect(times[3] - times[2]).toBeGreaterThanOrEqual(200);
    // Two losses and several failed attempts within a minute: one line (from the first loss, above).
    expect(logs.filter((e) => e.event === "office_reconnecting")).toHaveLength(1);
    expect(JSON.stringify(logs)).not.toContain(fake.appSecret);
    fake.refuseConnections = false;
    const connected = logs.filter((e) => e.event === "office_connected").length;
    await fake.waitForConnections(before + 1, 20_000);
    await waitForLog("office_connected", connected + 1);
  });
});

describe("feishu transport: credentials, address and stopping", () => {
  let fake: FeishuFake;
  beforeAll(async () => {
    fake = await startFeishuFake();
  });
  afterAll(async () => {
    await fake?.close();
  });

  it("rejects a wrong secret with bad_credentials naming FEISHU_APP_SECRET, without the secret", async () => {
    const logs: Array<Record<string, unknown>> = [];
    const t = createFeishuTransport({ settings: loadSettings(fake.badSettings), log: (e) => logs.push(e) });
    const err = await t.start(async () => undefined).then(
      () => null,
      (e: unknown) => e as { code: string; message: string },
    );
    expect(err).toMatchObject({ code: "bad_credentials" });
    expect(err!.message).toMatch(/^飞书登录失败：FEISHU_APP_SECRET .* \/ invalid setting FEISHU_APP_SECRET/);
    expect(err!.message).not.toContain("\n");
    const secret = fake.badSettings.FEISHU_APP_SECRET;
    expect(err!.message).not.toContain(secret);
    expect(JSON.stringify(logs)).not.toContain(secret);
    expect(fake.connections).toBe(0);
    await t.stop();
  });

  it("rejects an app id of the wrong shape naming FEISHU_APP_ID (the SDK would ignore it silently)", async () => {
    const t = createFeishuTransport({ settings: loadSettings({ ...fake.settings, FEISHU_APP_ID: "cli_nothex" }), log: () => undefined });
    await expect(t.start(async () => undefined)).rejects.toMatchObject({ code: "bad_credentials", message: expect.stringContaining("FEISHU_APP_ID") });
  });

  it("rejects an unreachable FEISHU_DOMAIN with code unreachable", async () => {
    const t = createFeishuTransport({ settings: loadSettings({ ...fake.settings, FEISHU_DOMAIN: "http://127.0.0.1:9" }), log: () => undefined });
    await expect(t.start(async () => undefined)).rejects.toMatchObject({ code: "unreachable", message: expect.stringContaining("FEISHU_DOMAIN") });
  });

  it("stop() closes the connection and leaves no timers or sockets behind, even while reconnecting", async () => {
    // Every timer and TCP socket made while the transport runs (the fake's included) must be gone after stop().
    const live = new Map<number, string>();
    let tracking = true;
    const hook = createHook({
      init(id, type) {
        if (tracking && (type === "Timeout" || type === "TCPWRAP")) live.set(id, type);
      },
      destroy(id) {
        live.delete(id);
      },
    }).enable();
    try {
      const own = await startFeishuFake();
      let noticed!: () => void;
      const reconnecting = new Promise<void>((resolve) => (noticed = resolve));
      const t = createFeishuTransport({
        settings: loadSettings(own.settings),
        log: (e) => e.event === "office_reconnecting" && noticed(),
        reconnect: { initialMs: 60_000, maxMs: 60_000 },
      });
      await t.start(async () => undefined);
      own.drop();
      // The transport has noticed the loss and armed its (one-minute) back-off; stop it there.
      await reconnecting;
      await t.stop();
      await own.close();
      tracking = false;
      await settle(() => live.size === 0);
      expect([...live.values()]).toEqual([]);
      expect(own.connections).toBe(1);
    } finally {
      hook.disable();
    }
  });
});

/** Polls (at most 5 s) until `done` holds: closed sockets leave the event loop a few turns after close(). */
async function settle(done: () => boolean): Promise<void> {
  const until = Date.now() + 5_000;
  while (!done() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
}
