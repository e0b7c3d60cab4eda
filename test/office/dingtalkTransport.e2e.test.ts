import { afterEach, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadSettings } from "../../src/config.js";
import { createDingtalkTransport } from "../../src/office/dingtalk.js";
import { dingtalkRenderer } from "../../src/present/dingtalk.js";
import type { IncomingMessage, Reply, Transport } from "../../src/office/types.js";
import { startDingtalkFake, type DingtalkFake } from "../helpers/office/dingtalkFake.js";

/**
 * The DingTalk transport end to end: the official SDK (dingtalk-stream) against a fake DingTalk on 127.0.0.1 that
 * speaks Stream mode (gateway → ticket → WebSocket, CALLBACK frames that must be acked, sessionWebhook replies).
 */

interface Got {
  msg: IncomingMessage;
  reply: Reply;
}

let fake: DingtalkFake | null = null;
let transport: Transport | null = null;

afterEach(async () => {
  await transport?.stop();
  transport = null;
  await fake?.close();
  fake = null;
});

/** A transport on the fake; messages queue up in `got`, the handler awaits `hold` when one is given. */
async function connect(f: DingtalkFake, hold?: Promise<void>) {
  const logs: Array<Record<string, unknown>> = [];
  const got: Got[] = [];
  const waiters: Array<() => void> = [];
  const t = createDingtalkTransport({ settings: loadSettings(f.settings), log: (e) => logs.push(e), reconnect: { initialMs: 50, maxMs: 200 } });
  transport = t;
  await t.start(async (msg, reply) => {
    got.push({ msg, reply });
    for (const w of waiters.splice(0)) w();
    if (hold) await hold;
  });
  const next = async (n: number) => {
    while (got.length < n) await new Promise<void>((r) => waiters.push(r));
    return got[n - 1];
  };
  return { t, logs, got, next };
}

describe("DingTalk transport over dingtalk-stream", () => {
  it("connects through DINGTALK_GATEWAY_URL, subscribes to robot messages only, and answers the server's ping", async () => {
    fake = await startDingtalkFake();
    const { logs } = await connect(fake);
    expect(fake.connections).toBe(1);
    expect(fake.gatewayRequests).toEqual([{ clientId: fake.settings.DINGTALK_CLIENT_ID, subscriptions: [{ type: "CALLBACK", topic: "/v1.0/im/bot/messages/get" }] }]);
    expect(logs).toContainEqual(expect.objectContaining({ event: "office_connected", platform: "dingtalk" }));
    const echo = await fake.ping();
    expect(echo).toMatchObject({ code: 200, message: "OK" });
  });

  it("passes a private message on after acking it, and its markdown reply reaches the conversation", async () => {
    fake = await startDingtalkFake();
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    const { next } = await connect(fake, hold);
    // deliver() resolves only on the frame's ack: it resolves while the handler is still held, so the ack came first.
    const id = await fake.deliver({ chatType: "private", userId: "zhangsan", userName: "张三", text: "  平潭2023年收到多少申请？ " });
    const { msg, reply } = await next(1);
    expect(msg).toMatchObject({
      platform: "dingtalk",
      id,
      chatId: fake.privateChatOf("zhangsan"),
      chatType: "private",
      userId: "zhangsan",
      userName: "张三",
      text: "平潭2023年收到多少申请？",
      mentioned: true,
      kind: "text",
    });
    expect(msg.sentAt).toBeGreaterThan(Date.now() - 60_000);
    const frameId = fake.framesOf(id)[0];
    expect(fake.acks.find((a) => a.messageId === frameId)?.frame).toMatchObject({ code: 200, headers: { messageId: frameId } });
    expect(fake.sent()).toHaveLength(0);

    const out = dingtalkRenderer.notice("**平潭**：新收申请 81 件。\n见 [1]");
    await reply.send(out);
    release();
    const [sent] = await fake.waitForSent(fake.privateChatOf("zhangsan"), 1);
    expect(sent.type).toBe("markdown");
    expect(sent.content).toBe("**平潭**：新收申请 81 件。  \n见 [1]");
    expect(sent.raw).toEqual({ msgtype: "markdown", markdown: { title: "平潭：新收申请 81 件。", text: sent.content } });
    await reply.send([{ format: "text", content: "纯文本" }]);
    expect(fake.sent(fake.privateChatOf("zhangsan"))[1]).toMatchObject({ type: "text", content: "纯文本" });
  });

  it("marks a group message mentioned only when it @s the robot, with the mention gone from the text", async () => {
    fake = await startDingtalkFake({ groupReceivesAll: true });
    const { next } = await connect(fake);
    await fake.deliver({ chatType: "group", chatId: "cidGroupA", userId: "lisi", text: "2022年复议多少件", mentioned: true });
    expect((await next(1)).msg).toMatchObject({ chatType: "group", chatId: "cidGroupA", userId: "lisi", mentioned: true, text: "2022年复议多少件" });
    await fake.deliver({ chatType: "group", chatId: "cidGroupA", userId: "lisi", text: "大家好", mentioned: false });
    expect((await next(2)).msg).toMatchObject({ chatType: "group", mentioned: false, text: "大家好" });
    const { reply } = await next(2);
    await reply.send([{ format: "markdown", content: "群里回复", title: "回复" }]);
    expect(await fake.waitForSent("cidGroupA", 1)).toMatchObject([{ chatId: "cidGroupA", content: "群里回复" }]);
  });

  it("sees in a group only what @s the robot, as DingTalk delivers", async () => {
    fake = await startDingtalkFake();
    const { got, next } = await connect(fake);
    await fake.deliver({ chatType: "group", chatId: "cidGroupB", userId: "wangwu", text: "闲聊", mentioned: false });
    await fake.deliver({ chatType: "group", chatId: "cidGroupB", userId: "wangwu", text: "问题", mentioned: true });
    await next(1);
    expect(got.map((g) => g.msg.text)).toEqual(["问题"]);
  });

  it("maps pictures, voice and files to their kinds; a file downloads through the robot file API, capped", async () => {
    fake = await startDingtalkFake();
    const { next } = await connect(fake);
    await fake.deliver({ chatType: "private", userId: "u1", kind: "image" });
    expect((await next(1)).msg).toMatchObject({ kind: "image", text: "" });
    await fake.deliver({ chatType: "private", userId: "u1", kind: "voice", text: "语音识别" });
    expect((await next(2)).msg).toMatchObject({ kind: "voice", text: "" });
    const data = Buffer.from("平潭综合实验区2023年政府信息公开工作年度报告\n".repeat(50));
    await fake.deliver({ chatType: "private", userId: "u1", kind: "file", file: { name: "报告.txt", data } });
    const { msg } = await next(3);
    expect(msg).toMatchObject({ kind: "file", file: { name: "报告.txt" } });
    expect((await msg.file!.download(1_000_000)).equals(data)).toBe(true);
    await expect(msg.file!.download(100)).rejects.toMatchObject({ code: "too_large" });
  });

  it("passes a redelivered message on again with the same id (the core answers it once)", async () => {
    fake = await startDingtalkFake();
    const { next } = await connect(fake);
    const id = await fake.deliver({ chatType: "private", userId: "u2", text: "重复" });
    await fake.deliver({ chatType: "private", userId: "u2", text: "重复", msgId: id });
    expect((await next(1)).msg.id).toBe(id);
    expect((await next(2)).msg.id).toBe(id);
    expect(fake.framesOf(id)).toHaveLength(2);
  });

  it("refuses a reply over the platform's size limit with a coded error", async () => {
    fake = await startDingtalkFake({ maxBytes: 1000 });
    const { next } = await connect(fake);
    await fake.deliver({ chatType: "private", userId: "u3", text: "长" });
    const { reply } = await next(1);
    await expect(reply.send([{ format: "markdown", title: "长", content: "字".repeat(400) }])).rejects.toMatchObject({ code: "send_failed" });
    expect(fake.sent()).toHaveLength(0);
  });

  it("refuses to reply through an expired sessionWebhook with a coded error", async () => {
    fake = await startDingtalkFake({ sessionTtlMs: 30 });
    const { next } = await connect(fake);
    await fake.deliver({ chatType: "private", userId: "u5", text: "慢" });
    const { reply } = await next(1);
    await new Promise((r) => setTimeout(r, 60));
    await expect(reply.send([{ format: "text", content: "迟到的回答" }])).rejects.toMatchObject({ code: "session_expired" });
    expect(fake.sent()).toHaveLength(0);
  });

  it("reconnects after the server drops the connection, and messages flow again", async () => {
    fake = await startDingtalkFake();
    const { logs, next } = await connect(fake);
    fake.drop();
    await fake.waitForConnections(2);
    const id = await fake.deliver({ chatType: "private", userId: "u4", text: "重连后" });
    expect((await next(1)).msg).toMatchObject({ id, text: "重连后" });
    const reconnecting = logs.filter((l) => l.event === "office_reconnecting");
    expect(reconnecting).toEqual([{ event: "office_reconnecting", platform: "dingtalk", attempt: 1, delayMs: 50 }]);
    expect(logs.filter((l) => l.event === "office_connected")).toHaveLength(2);
    // Dropped again within the minute: reconnected, and still one line (at most one a minute, even when flapping).
    fake.drop();
    await fake.waitForConnections(3);
    const again = await fake.deliver({ chatType: "private", userId: "u4", text: "再次重连后" });
    expect((await next(2)).msg.id).toBe(again);
    expect(logs.filter((l) => l.event === "office_reconnecting")).toHaveLength(1);
    expect(logs.filter((l) => l.event === "office_connected")).toHaveLength(3);
  });

  it("backs off while the gateway refuses, and logs at most one line a minute", async () => {
    fake = await startDingtalkFake();
    const { t, logs } = await connect(fake);
    // The platform goes away and its gateway comes back answering 503: every reconnect attempt fails.
    const port = fake.port;
    await fake.close();
    fake = null;
    const attempts: number[] = [];
    const down = createServer((req, res) => {
      attempts.push(Date.now());
      req.resume();
      res.writeHead(503, { "content-type": "application/json" }).end('{"code":"ServiceUnavailable"}');
    });
    await new Promise<void>((r) => down.listen(port, "127.0.0.1", () => r()));
    try {
      while (attempts.length < 6) await new Promise((r) => setTimeout(r, 50));
      const gaps = attempts.slice(1).map((a, i) => a - attempts[i]);
      // 50 → 100 → 200 ms (the bound) and no faster: exponential back-off capped at maxMs.
      expect(gaps[0]).toBeGreaterThanOrEqual(90);
      for (const g of gaps.slice(1)) expect(g).toBeGreaterThanOrEqual(190);
      expect(logs.filter((l) => l.event === "office_reconnecting")).toEqual([{ event: "office_reconnecting", platform: "dingtalk", attempt: 1, delayMs: 50 }]);
    } finally {
      await t.stop();
      down.closeAllConnections();
      await new Promise<void>((r) => down.close(() => r()));
    }
  });

  it("rejects start() with bad_credentials naming the setting, and never logs the secret", async () => {
    fake = await startDingtalkFake();
    const logs: Array<Record<string, unknown>> = [];
    const t = createDingtalkTransport({ settings: loadSettings(fake.badSettings), log: (e) => logs.push(e), reconnect: { initialMs: 50, maxMs: 200 } });
    transport = t;
    const err = await t.start(async () => {}).catch((e: unknown) => e as Error & { code?: string });
    expect(err).toMatchObject({ code: "bad_credentials" });
    expect(err!.message).toContain("DINGTALK_CLIENT_SECRET");
    expect(err!.message.split("\n")).toHaveLength(1);
    expect(err!.message).not.toContain(fake.badSettings.DINGTALK_CLIENT_SECRET);
    expect(JSON.stringify(logs)).not.toContain(fake.badSettings.DINGTALK_CLIENT_SECRET);
    expect(fake.connections).toBe(0);
  });

  it("stops cleanly: no reconnect afterwards and nothing left to keep a process alive", async () => {
    fake = await startDingtalkFake();
    await connect(fake);
    await transport!.stop();
    fake.drop();
    await new Promise((r) => setTimeout(r, 400));
    expect(fake.connections).toBe(1);

    // The same in a process of its own, which must exit by itself after stop() and close().
    const dir = mkdtempSync(join(tmpdir(), "nianbao-dingtalk-"));
    const root = resolve(import.meta.dirname, "../..");
    const script = join(dir, "exit.mts");
    writeFileSync(
      script,
      `import { loadSettings } from ${JSON.stringify(join(root, "src/config.ts"))};
import { createDingtalkTransport } from ${JSON.stringify(join(root, "src/office/dingtalk.ts"))};
import { startDingtalkFake } from ${JSON.stringify(join(root, "test/helpers/office/dingtalkFake.ts"))};
const fake = await startDingtalkFake();
const t = createDingtalkTransport({ settings: loadSettings(fake.settings), log: () => {}, reconnect: { initialMs: 20, maxMs: 100 } });
let answered = 0;
await t.start(async (m, r) => { await r.send([{ format: "text", content: "ok " + m.text }]); answered++; });
await fake.deliver({ chatType: "private", userId: "x", text: "1" });
fake.drop();
await fake.waitForConnections(2);
await fake.deliver({ chatType: "private", userId: "x", text: "2" });
await fake.waitForSent(undefined, 2);
await t.stop();
await fake.close();
console.log("stopped", answered);
`,
    );
    try {
      const child = spawn(process.execPath, ["--import", "tsx", script], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (out += d));
      const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      const code = await new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
      clearTimeout(killer);
      expect(out).toContain("stopped 2");
      expect(code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
