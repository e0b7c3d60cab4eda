import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSettings } from "../../src/config.js";
import { createWecomTransport, stripMention } from "../../src/office/wecom.js";
import type { IncomingMessage, Reply, Transport } from "../../src/office/types.js";
import { utf8Bytes } from "../../src/present/office.js";
import { WECOM_MARKDOWN_LIMIT, wecomRenderer } from "../../src/present/wecom.js";
import type { Answer } from "../../src/types.js";
import { WecomFake } from "../helpers/office/wecomFake.js";

/**
 * The WeCom transport end to end: the official SDK (@wecom/aibot-node-sdk) inside createWecomTransport, its
 * WECOM_WS_URL pointed at a fake WeCom speaking the real long-connection protocol on 127.0.0.1
 * (test/helpers/office/wecomFake.ts).
 */

const RECONNECT = { initialMs: 20, maxMs: 200 };

interface Got {
  m: IncomingMessage;
  reply: Reply;
  /** Lets the handler (the "core") finish; until then its answer is not ready. */
  release: () => void;
}

/** A handler that records every message and holds it until the test releases it (a slow answer). */
function inbox() {
  const got: Got[] = [];
  const waiting: Array<(g: Got) => void> = [];
  const handler = (m: IncomingMessage, reply: Reply) =>
    new Promise<void>((release) => {
      const g = { m, reply, release };
      const w = waiting.shift();
      if (w) w(g);
      else got.push(g);
    });
  const next = (timeoutMs = 20_000) =>
    new Promise<Got>((resolve, reject) => {
      const g = got.shift();
      if (g) return resolve(g);
      const timer = setTimeout(() => reject(new Error("no message reached the handler")), timeoutMs);
      waiting.push((x) => {
        clearTimeout(timer);
        resolve(x);
      });
    });
  return { handler, next, pending: () => got.length };
}

function transportFor(settings: Record<string, string>, logs: Array<Record<string, unknown>>): Transport {
  return createWecomTransport({ settings: loadSettings(settings), log: (e) => logs.push(e), reconnect: RECONNECT });
}

const answer: Answer = {
  question: "沈阳2013年受理了多少件申请？",
  found: true,
  answer: "沈阳市2013年共受理政府信息公开申请249件。",
  citations: [
    {
      title: "沈阳市2013年度政府信息公开工作报告",
      region: "沈阳市",
      year: 2013,
      section: "三、依申请公开政府信息情况",
      quote: "2013年，共受理政府信息公开申请249件。",
      source: "000_0ce3f265a70a93e0.txt",
      url: "https://www.shenyang.gov.cn/r.html",
    },
  ],
  mode: "extractive",
};

describe("WeCom transport against a fake WeCom, through the official SDK", () => {
  let fake: WecomFake;
  let transport: Transport;
  const logs: Array<Record<string, unknown>> = [];
  const box = inbox();

  beforeAll(async () => {
    fake = await WecomFake.start();
    transport = transportFor(fake.settings, logs);
    await transport.start(box.handler);
  });
  afterAll(async () => {
    await transport?.stop();
    await fake?.close();
  });

  it("connects and subscribes with the bot id and secret", () => {
    expect(fake.connections).toBe(1);
    expect(logs).toContainEqual({ platform: "wecom", event: "office_connected" });
  });

  it("passes a private text message on with its fields, acknowledged before the answer is ready, and streams the reply back", async () => {
    const delivered = fake.deliver({ chatType: "private", userId: "zhangsan", text: "  沈阳2013年受理了多少件申请？ " });
    const got = await box.next();
    // The fake resolves deliver() only on the bot's ack; the handler has not answered yet.
    const msgId = await delivered;
    expect(got.m).toMatchObject({
      platform: "wecom",
      id: msgId,
      chatId: fake.privateChatOf("zhangsan"),
      chatType: "private",
      userId: "zhangsan",
      text: "沈阳2013年受理了多少件申请？",
      mentioned: true,
      kind: "text",
    });
    expect(Math.abs(got.m.sentAt! - Date.now())).toBeLessThan(60_000);
    const ack = fake.acks.find((a) => a.msgId === msgId)!;
    const first = fake.frames.find((f) => f.headers.req_id === ack.reqId)!;
    expect(first.cmd).toBe("aibot_respond_msg");
    expect(first.body.stream).toMatchObject({ finish: false, content: "" });
    expect(fake.sent(fake.privateChatOf("zhangsan"))).toEqual([]);

    const rendered = wecomRenderer.answer(answer);
    await got.reply.send(rendered);
    got.release();
    const [sent] = await fake.waitForSent(fake.privateChatOf("zhangsan"), 1);
    expect(sent.type).toBe("markdown");
    expect(sent.content).toBe(rendered[0].content);
    expect(sent.content).toContain("[原文链接](https://www.shenyang.gov.cn/r.html)");
    const last = (sent.raw as { body: { stream: { id: string; finish: boolean } } }).body.stream;
    expect(last.finish).toBe(true);
    expect(last.id).toBe(first.body.stream.id);
  });

  it("sends a long answer as several messages under 20,480 bytes: the stream first, then pushes into the chat", async () => {
    const long: Answer = {
      ...answer,
      citations: Array.from({ length: 150 }, (_, i) => ({ ...answer.citations[0], section: `第${i + 1}节`, quote: "引文".repeat(60) })),
    };
    const parts = wecomRenderer.answer(long);
    expect(parts.length).toBeGreaterThan(1);
    await fake.deliver({ chatType: "private", userId: "lisi", text: "长答案" });
    const got = await box.next();
    await got.reply.send(parts);
    got.release();
    const sent = await fake.waitForSent("lisi", parts.length);
    expect(sent.map((s) => s.content)).toEqual(parts.map((p) => p.content));
    for (const s of sent) expect(utf8Bytes(s.content)).toBeLessThanOrEqual(WECOM_MARKDOWN_LIMIT);
    const cmds = sent.map((s) => (s.raw as { cmd?: string; body: { msgtype: string } }).body.msgtype);
    expect(cmds[0]).toBe("stream");
    expect(cmds.slice(1).every((c) => c === "markdown")).toBe(true);
  });

  it("has the platform refuse a message over its size limit, and send() rejects with a code", async () => {
    await fake.deliver({ chatType: "private", userId: "wangwu", text: "超长" });
    const got = await box.next();
    const err = await got.reply.send([{ format: "markdown", content: "年".repeat(7000) }]).catch((e) => e);
    got.release();
    expect(err.code).toBe("send_failed");
    expect(err.message).toMatch(/errcode \d+/);
    expect(fake.sent("wangwu")).toEqual([]);
  });

  it("passes a group message that @-mentions the bot with the mention removed; one without @ never reaches the bot", async () => {
    const unmentioned = await fake.deliver({ chatType: "group", chatId: "wrGroupA", userId: "zhaoliu", text: "大家好", mentioned: false });
    expect(fake.unpushed.map((m) => m.msgId)).toContain(unmentioned);
    await fake.deliver({ chatType: "group", chatId: "wrGroupA", userId: "zhaoliu", text: "2014年呢？", mentioned: true });
    const got = await box.next();
    expect(got.m).toMatchObject({ chatType: "group", chatId: "wrGroupA", userId: "zhaoliu", text: "2014年呢？", mentioned: true, kind: "text" });
    expect(box.pending()).toBe(0);
    await got.reply.send(wecomRenderer.notice("**好的**"));
    got.release();
    const [sent] = await fake.waitForSent("wrGroupA", 1);
    expect(sent.content).toBe("**好的**");
  });

  it("sends a file into the conversation, uploaded in chunks over the socket", async () => {
    await fake.deliver({ chatType: "group", chatId: "wrGroupB", userId: "zhaoliu", text: "导出", mentioned: true });
    const got = await box.next();
    expect(got.reply.sendFile).toBeTypeOf("function");
    const data = Buffer.concat([Buffer.from("\ufeff机关,年份,数\r\n"), Buffer.alloc(700 * 1024, "沈阳市,2013,249\r\n")]);
    await got.reply.sendFile!("nianbao-20250101-000000.csv", data, "text/csv");
    got.release();
    const [file] = await fake.waitForSent("wrGroupB", 1);
    expect(file.type).toBe("file");
    expect(file.content).toBe("nianbao-20250101-000000.csv");
    expect(file.data!.equals(data)).toBe(true);
    expect(fake.frames.filter((f) => f.cmd === "aibot_upload_media_chunk").length).toBeGreaterThanOrEqual(2);
  });

  it("passes a file on with its name and a download that decrypts it and keeps to a size cap", async () => {
    const bytes = Buffer.from("PK\u0003\u0004 a docx draft ".repeat(100));
    await fake.deliver({ chatType: "private", userId: "zhangsan", kind: "file", file: { name: "沈阳市2024年报告（草稿）.docx", data: bytes } });
    const got = await box.next();
    expect(got.m.kind).toBe("file");
    expect(got.m.file!.name).toBe("沈阳市2024年报告（草稿）.docx");
    expect(got.m.file!.size).toBeGreaterThanOrEqual(bytes.length);
    expect((await got.m.file!.download(1_000_000)).equals(bytes)).toBe(true);
    const err = await got.m.file!.download(100).catch((e) => e);
    expect(err.code).toBe("too_large");
    got.release();
  });

  it("passes images and voice on with their kind (voice with WeCom's transcript)", async () => {
    await fake.deliver({ chatType: "private", userId: "zhangsan", kind: "image" });
    const img = await box.next();
    expect(img.m).toMatchObject({ kind: "image", text: "" });
    img.release();
    await fake.deliver({ chatType: "private", userId: "zhangsan", kind: "voice", text: "沈阳的申请数" });
    const voice = await box.next();
    expect(voice.m).toMatchObject({ kind: "voice", text: "沈阳的申请数" });
    voice.release();
  });

  it("passes a redelivered message on again with the same id", async () => {
    const id = await fake.deliver({ chatType: "private", userId: "zhangsan", text: "重复", msgId: "msg-redelivered-1" });
    const a = await box.next();
    a.release();
    await fake.deliver({ chatType: "private", userId: "zhangsan", text: "重复", msgId: id });
    const b = await box.next();
    b.release();
    expect([a.m.id, b.m.id]).toEqual(["msg-redelivered-1", "msg-redelivered-1"]);
  });

  it("reconnects after the connection is dropped, logs it, and messages flow again", async () => {
    const before = fake.connections;
    fake.drop();
    await fake.waitForConnections(before + 1);
    await fake.deliver({ chatType: "private", userId: "sunqi", text: "还在吗？" });
    const got = await box.next();
    await got.reply.send(wecomRenderer.notice("在。"));
    got.release();
    await fake.waitForSent("sunqi", 1);
    expect(logs.filter((l) => l.event === "office_reconnecting")).toHaveLength(1);
    expect(logs.filter((l) => l.event === "office_connected").length).toBeGreaterThanOrEqual(2);
  });

  it("keeps trying while WeCom is down, with one log line a minute at most", async () => {
    const before = fake.connections;
    const lines = logs.filter((l) => l.event === "office_reconnecting").length;
    fake.offline = true;
    fake.drop();
    // Several failed attempts (each one a connection the fake accepted and closed)…
    await fake.waitForConnections(before + 6);
    fake.offline = false;
    await fake.waitForSubscribed();
    // …and within the minute of the previous line, no new one.
    expect(logs.filter((l) => l.event === "office_reconnecting").length).toBe(lines);
    await fake.deliver({ chatType: "private", userId: "sunqi", text: "回来了吗？" });
    (await box.next()).release();
  });

  it("holds an answer that is ready while the connection is down and sends it once reconnected", async () => {
    await fake.deliver({ chatType: "private", userId: "zhouba", text: "慢问题" });
    const got = await box.next();
    const before = fake.connections;
    fake.offline = true;
    fake.drop();
    await fake.waitForConnections(before + 2);
    const sending = got.reply.send(wecomRenderer.notice("答案来了。"));
    fake.offline = false;
    await sending;
    got.release();
    const [sent] = await fake.waitForSent("zhouba", 1);
    expect(sent.content).toBe("答案来了。");
  });

  it("never logs the secret", () => {
    expect(JSON.stringify(logs)).not.toContain(fake.secret);
  });
});

describe("WeCom transport: failures to start, and stop", () => {
  it("rejects start() with bad_credentials and a line naming the setting when the secret is wrong", async () => {
    const fake = await WecomFake.start();
    const logs: Array<Record<string, unknown>> = [];
    const t = transportFor(fake.badSettings, logs);
    try {
      const err = await t.start(async () => {}).catch((e) => e);
      expect(err.code).toBe("bad_credentials");
      expect(err.message).toMatch(/^企业微信登录失败：WECOM_BOT_SECRET.*invalid setting WECOM_BOT_SECRET/);
      expect(err.message).not.toContain(fake.badSettings.WECOM_BOT_SECRET);
      expect(fake.connections).toBe(1);
      expect(JSON.stringify(logs)).not.toContain(fake.badSettings.WECOM_BOT_SECRET);
    } finally {
      await t.stop();
      await fake.close();
    }
  });

  it("rejects start() with unreachable naming WECOM_WS_URL when nothing listens there", async () => {
    const fake = await WecomFake.start();
    const settings = fake.settings;
    await fake.close();
    const t = transportFor(settings, []);
    const err = await t.start(async () => {}).catch((e) => e);
    await t.stop();
    expect(err.code).toBe("unreachable");
    expect(err.message).toContain("WECOM_WS_URL");
  });

  it("stops cleanly: no reconnect afterwards and no handle left open", async () => {
    const open = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout" || r === "TCPSocketWrap").length;
    const baseline = open();
    const fake = await WecomFake.start();
    const t = transportFor(fake.settings, []);
    await t.start(async () => {});
    await t.stop();
    await fake.close();
    // Sockets close on the next turns of the loop; wait for the count to come back rather than for a fixed time.
    const deadline = Date.now() + 10_000;
    while (open() > baseline && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    expect(open()).toBeLessThanOrEqual(baseline);
    expect(fake.connections).toBe(1);
  });

  it("stop() during a connection attempt that WeCom never answers ends start() at once", async () => {
    // A server that accepts the TCP connection and never answers the WebSocket handshake.
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const url = `ws://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
    const t = transportFor({ WECOM_BOT_ID: "bot", WECOM_BOT_SECRET: "secret-xyz", WECOM_WS_URL: url }, []);
    const accepted = new Promise((r) => silent.once("connection", r));
    const started = t.start(async () => {}).catch((e) => e);
    await accepted;
    const t0 = Date.now();
    await t.stop();
    const err = await started;
    expect(err.code).toBe("stopped");
    expect(Date.now() - t0).toBeLessThan(2000);
    for (const s of sockets) s.destroy();
    await new Promise((r) => silent.close(r));
  });

  it("removes the bot's @mention however WeCom spaces it", () => {
    expect(stripMention("@年报助手 沈阳2013年")).toBe("沈阳2013年");
    expect(stripMention("@年报助手\u2005沈阳2013年")).toBe("沈阳2013年");
    expect(stripMention("请问 @年报助手 沈阳")).toBe("请问 沈阳");
    expect(stripMention("沈阳2013年")).toBe("沈阳2013年");
  });
});
