import { createCipheriv, createHash, randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import type { FakePlatform, FakeSent, FakeUserMessage } from "./fake.js";

/**
 * A fake WeCom (企业微信) AI-bot long-connection server on 127.0.0.1, speaking the protocol the official SDK
 * (@wecom/aibot-node-sdk) speaks: JSON frames `{cmd, headers: {req_id}, body}` over one WebSocket; the bot subscribes
 * with `aibot_subscribe` {bot_id, secret}; the platform answers every command with `{headers: {req_id}, errcode,
 * errmsg[, body]}`; messages arrive as `aibot_msg_callback`; the bot replies with `aibot_respond_msg` (a stream
 * bound to the callback's req_id: the content replaces the previous one, `finish: true` ends it) or pushes with
 * `aibot_send_msg` {chatid, msgtype: markdown | file…}; files go up in chunks (`aibot_upload_media_init` →
 * `_chunk` × n → `_finish`). Inbound files are AES-256-CBC encrypted with a per-message aeskey (IV = the key's first
 * 16 bytes, PKCS#7 padding to 32 bytes) and served over HTTP with their name in Content-Disposition.
 *
 * Honest where it matters: credentials are checked (errcode 853000 "invalid bot_id or secret", as WeCom answers),
 * nothing but `aibot_subscribe` is accepted before subscribing, a callback counts as acknowledged only when the bot
 * answers its req_id with `aibot_respond_msg` (unacknowledged within ackTimeoutMs it is pushed again with a new
 * req_id and the same msgid, as WeCom does), markdown over 20,480 UTF-8 bytes is refused, a second subscription of
 * the same bot gets the older connection a `disconnected_event` and closes it, and a group message that does not
 * @-mention the bot is not pushed at all (WeCom delivers only @-mentions in groups). Error codes other than 853000
 * are the fake's own (WeCom's exact codes for those refusals were not verified).
 */

// `ws` comes with the SDK (no @types/ws in the project): loaded through require with the little it needs typed here.
interface WsLike {
  readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  on(ev: "message", fn: (data: Buffer) => void): void;
  on(ev: "close", fn: () => void): void;
}
interface WssLike {
  on(ev: "connection", fn: (ws: WsLike) => void): void;
  close(cb?: () => void): void;
}
const require = createRequire(import.meta.url);
const { WebSocketServer } = require("ws") as { WebSocketServer: new (o: { server: http.Server }) => WssLike };
const OPEN = 1;

export const WECOM_MARKDOWN_MAX_BYTES = 20_480;
const CHUNK_MAX_BYTES = 512 * 1024;
const MAX_CHUNKS = 100;

export interface WecomFakeOptions {
  botId?: string;
  secret?: string;
  /** The bot's display name, as it appears in a group @mention. */
  botName?: string;
  /** How long WeCom waits for the bot's answer to a callback before pushing it again (default 5 s). */
  ackTimeoutMs?: number;
  /** How many times an unacknowledged callback is pushed again before deliver() rejects (default 1). */
  redeliveries?: number;
}

interface Conn {
  ws: WsLike;
  subscribed: boolean;
}

interface Callback {
  msgId: string;
  chatKey: string;
  acked: boolean;
  onAck: () => void;
  stream?: { id: string; content: string; finished: boolean };
}

export interface WecomFakeAck {
  msgId: string;
  reqId: string;
  at: number;
}

export class WecomFake implements FakePlatform {
  readonly botId: string;
  readonly secret: string;
  readonly botName: string;
  /** Every frame the bot sent after subscribing (for protocol-level assertions). */
  readonly frames: Array<{ cmd: string; headers: { req_id: string }; body?: any }> = [];
  /** Callbacks acknowledged, in order (msgId, the req_id it was pushed with, when). */
  readonly acks: WecomFakeAck[] = [];
  /** Group messages without an @mention: recorded, not pushed (WeCom does not deliver them to the bot). */
  readonly unpushed: FakeUserMessage[] = [];
  private readonly ackTimeoutMs: number;
  private readonly redeliveries: number;
  private readonly server: http.Server;
  private readonly wss: WssLike;
  private port = 0;
  private conns: Conn[] = [];
  private accepted = 0;
  private seq = 0;
  private readonly events = new EventEmitter();
  private readonly log: FakeSent[] = [];
  private readonly callbacks = new Map<string, Callback>();
  private readonly files = new Map<string, { name: string; data: Buffer }>();
  private readonly uploads = new Map<string, { type: string; filename: string; size: number; total: number; md5: string; chunks: Map<number, Buffer> }>();
  private readonly media = new Map<string, { name: string; data: Buffer }>();
  /** Chats the bot may push into: group ids, and users who have written to it. */
  private readonly groups = new Set<string>();
  private readonly users = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** While true the platform is down: connections are accepted (and counted) and closed at once. */
  offline = false;

  private constructor(o: WecomFakeOptions) {
    this.botId = o.botId ?? "aibot-nianbao-test";
    this.secret = o.secret ?? "s3cret-wecom-0123456789";
    this.botName = o.botName ?? "年报助手";
    this.ackTimeoutMs = o.ackTimeoutMs ?? 5000;
    this.redeliveries = o.redeliveries ?? 1;
    this.events.setMaxListeners(0);
    this.server = http.createServer((req, res) => this.serveFile(req, res));
    this.wss = new WebSocketServer({ server: this.server });
    this.wss.on("connection", (ws) => this.accept(ws));
  }

  static async start(o: WecomFakeOptions = {}): Promise<WecomFake> {
    const fake = new WecomFake(o);
    await new Promise<void>((resolve) => fake.server.listen(0, "127.0.0.1", resolve));
    fake.port = (fake.server.address() as AddressInfo).port;
    return fake;
  }

  get settings(): Record<string, string> {
    return { WECOM_BOT_ID: this.botId, WECOM_BOT_SECRET: this.secret, WECOM_WS_URL: `ws://127.0.0.1:${this.port}` };
  }

  get badSettings(): Record<string, string> {
    return { ...this.settings, WECOM_BOT_SECRET: `${this.secret}-wrong` };
  }

  get connections(): number {
    return this.accepted;
  }

  privateChatOf(userId: string): string {
    return userId;
  }

  sent(chatId?: string): FakeSent[] {
    return chatId === undefined ? [...this.log] : this.log.filter((s) => s.chatId === chatId);
  }

  waitForSent(chatId: string | undefined, n: number, timeoutMs = 20_000): Promise<FakeSent[]> {
    return this.waitFor(() => (this.sent(chatId).length >= n ? this.sent(chatId) : null), timeoutMs, `${n} message(s) sent to ${chatId ?? "any chat"}`);
  }

  waitForConnections(n: number, timeoutMs = 20_000): Promise<void> {
    return this.waitFor(() => (this.accepted >= n ? true : null), timeoutMs, `${n} connection(s)`).then(() => undefined);
  }

  /** Resolves once a subscribed connection is open (the bot is online). */
  waitForSubscribed(timeoutMs = 20_000): Promise<void> {
    return this.waitFor(() => (this.active() ? true : null), timeoutMs, "a subscribed connection").then(() => undefined);
  }

  drop(): void {
    for (const c of this.conns) c.ws.terminate();
  }

  async deliver(m: FakeUserMessage): Promise<string> {
    const msgId = m.msgId ?? `msg${Date.now()}${++this.seq}`;
    if (m.chatType === "group" && !m.mentioned) {
      this.unpushed.push({ ...m, msgId });
      return msgId;
    }
    const chatKey = m.chatType === "group" ? m.chatId ?? "wrgroup-default" : this.privateChatOf(m.userId);
    if (m.chatType === "group") this.groups.add(chatKey);
    else this.users.add(m.userId);
    const body: Record<string, unknown> = {
      msgid: msgId,
      aibotid: this.botId,
      ...(m.chatType === "group" ? { chatid: chatKey } : {}),
      chattype: m.chatType === "group" ? "group" : "single",
      from: { userid: m.userId },
      create_time: Math.floor(Date.now() / 1000),
      ...this.content(m),
    };
    for (let attempt = 0; ; attempt++) {
      await this.waitForSubscribed();
      const reqId = `cb_${Date.now()}_${++this.seq}`;
      const acked = await this.push(reqId, msgId, chatKey, body);
      if (acked) return msgId;
      if (attempt >= this.redeliveries) throw new Error(`wecom fake: callback ${msgId} was not acknowledged within ${this.ackTimeoutMs} ms`);
    }
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const c of this.conns) c.ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---------------------------------------------------------------------------------------------------------------

  private waitFor<T>(check: () => T | null, timeoutMs: number, what: string): Promise<T> {
    const now = check();
    if (now !== null) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const onChange = () => {
        const v = check();
        if (v === null) return;
        cleanup();
        resolve(v);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`wecom fake: timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.events.off("change", onChange);
      };
      this.events.on("change", onChange);
    });
  }

  private changed(): void {
    this.events.emit("change");
  }

  private active(): Conn | undefined {
    return [...this.conns].reverse().find((c) => c.subscribed && c.ws.readyState === OPEN);
  }

  private content(m: FakeUserMessage): Record<string, unknown> {
    const kind = m.kind ?? "text";
    if (kind === "text") {
      const text = m.text ?? "";
      return { msgtype: "text", text: { content: m.chatType === "group" ? `@${this.botName} ${text}` : text } };
    }
    if (kind === "voice") return { msgtype: "voice", voice: { content: m.text ?? "" } };
    const data = kind === "file" ? m.file?.data ?? Buffer.alloc(0) : m.file?.data ?? randomBytes(64);
    const name = kind === "file" ? m.file?.name ?? "file.bin" : m.file?.name ?? "image.jpg";
    const { url, aeskey } = this.host(name, data);
    return kind === "file" ? { msgtype: "file", file: { url, aeskey } } : { msgtype: "image", image: { url, aeskey } };
  }

  /** Encrypts a file as WeCom does and serves it; returns its download URL and aeskey. */
  private host(name: string, data: Buffer): { url: string; aeskey: string } {
    const key = randomBytes(32);
    const pad = 32 - (data.length % 32);
    const cipher = createCipheriv("aes-256-cbc", key, key.subarray(0, 16));
    cipher.setAutoPadding(false);
    const enc = Buffer.concat([cipher.update(Buffer.concat([data, Buffer.alloc(pad, pad)])), cipher.final()]);
    const token = randomBytes(8).toString("hex");
    this.files.set(token, { name, data: enc });
    return { url: `http://127.0.0.1:${this.port}/cgi-bin/file/${token}`, aeskey: key.toString("base64") };
  }

  private serveFile(req: http.IncomingMessage, res: http.ServerResponse): void {
    const token = /^\/cgi-bin\/file\/([0-9a-f]+)$/.exec(req.url ?? "")?.[1];
    const f = token ? this.files.get(token) : undefined;
    if (!f) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      "content-type": "application/octet-stream",
      "content-length": String(f.data.length),
      "content-disposition": `attachment; filename*=UTF-8''${encodeURIComponent(f.name)}`,
    });
    res.end(f.data);
  }

  /** Pushes one callback; resolves true when the bot answers its req_id in time. */
  private push(reqId: string, msgId: string, chatKey: string, body: Record<string, unknown>): Promise<boolean> {
    const conn = this.active()!;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve(false);
      }, this.ackTimeoutMs);
      this.timers.add(timer);
      this.callbacks.set(reqId, {
        msgId,
        chatKey,
        acked: false,
        onAck: () => {
          clearTimeout(timer);
          this.timers.delete(timer);
          resolve(true);
        },
      });
      conn.ws.send(JSON.stringify({ cmd: "aibot_msg_callback", headers: { req_id: reqId }, body }));
    });
  }

  private accept(ws: WsLike): void {
    this.accepted++;
    if (this.offline) {
      ws.terminate();
      this.changed();
      return;
    }
    const conn: Conn = { ws, subscribed: false };
    this.conns.push(conn);
    ws.on("message", (data) => this.onFrame(conn, data));
    ws.on("close", () => {
      this.conns = this.conns.filter((c) => c !== conn);
      this.changed();
    });
    this.changed();
  }

  private onFrame(conn: Conn, data: Buffer): void {
    let f: { cmd?: string; headers?: { req_id?: string }; body?: any };
    try {
      f = JSON.parse(data.toString("utf8"));
    } catch {
      return;
    }
    const reqId = f.headers?.req_id ?? "";
    const respond = (errcode: number, errmsg: string, body?: unknown) => {
      if (conn.ws.readyState === OPEN) conn.ws.send(JSON.stringify({ headers: { req_id: reqId }, errcode, errmsg, ...(body ? { body } : {}) }));
    };
    if (f.cmd === "aibot_subscribe") {
      if (f.body?.bot_id !== this.botId || f.body?.secret !== this.secret) {
        respond(853000, "invalid bot_id or secret");
        return;
      }
      for (const other of this.conns)
        if (other !== conn && other.subscribed && other.ws.readyState === OPEN) {
          other.ws.send(
            JSON.stringify({
              cmd: "aibot_event_callback",
              headers: { req_id: `ev_${++this.seq}` },
              body: { msgid: `ev${this.seq}`, create_time: Math.floor(Date.now() / 1000), aibotid: this.botId, msgtype: "event", event: { eventtype: "disconnected_event" } },
            }),
          );
          other.ws.close(1000, "new connection");
        }
      conn.subscribed = true;
      respond(0, "ok");
      this.changed();
      return;
    }
    if (!conn.subscribed) {
      respond(846609, "not subscribed");
      return;
    }
    this.frames.push({ cmd: f.cmd ?? "", headers: { req_id: reqId }, body: f.body });
    switch (f.cmd) {
      case "ping":
        return respond(0, "ok");
      case "aibot_respond_msg":
        return this.onRespond(reqId, f, respond);
      case "aibot_send_msg":
        return this.onSend(f, respond);
      case "aibot_upload_media_init":
      case "aibot_upload_media_chunk":
      case "aibot_upload_media_finish":
        return this.onUpload(f.cmd, f.body, respond);
      default:
        return respond(846610, `unsupported cmd ${f.cmd}`);
    }
  }

  private tooLong(content: unknown): boolean {
    return typeof content !== "string" || Buffer.byteLength(content, "utf8") > WECOM_MARKDOWN_MAX_BYTES;
  }

  private record(s: FakeSent): void {
    this.log.push(s);
    this.changed();
  }

  private onRespond(reqId: string, f: { body?: any }, respond: (code: number, msg: string, body?: unknown) => void): void {
    const cb = this.callbacks.get(reqId);
    if (!cb) return respond(846605, "invalid req_id");
    const body = f.body ?? {};
    if (body.msgtype === "stream") {
      const s = body.stream ?? {};
      if (typeof s.id !== "string" || !s.id) return respond(846606, "stream.id missing");
      if (cb.stream && cb.stream.id !== s.id) return respond(846606, "stream.id does not match the stream of this req_id");
      if (cb.stream?.finished) return respond(846607, "stream already finished");
      if (this.tooLong(s.content ?? "")) return respond(846608, `content exceeds ${WECOM_MARKDOWN_MAX_BYTES} bytes`);
      cb.stream = { id: s.id, content: s.content ?? "", finished: !!s.finish };
      this.ack(reqId, cb);
      respond(0, "ok");
      if (cb.stream.finished && cb.stream.content) this.record({ chatId: cb.chatKey, type: "markdown", content: cb.stream.content, raw: f });
      return;
    }
    if (body.msgtype === "markdown" || body.msgtype === "text") {
      const content = body[body.msgtype]?.content;
      if (this.tooLong(content)) return respond(846608, `content exceeds ${WECOM_MARKDOWN_MAX_BYTES} bytes`);
      this.ack(reqId, cb);
      respond(0, "ok");
      return this.record({ chatId: cb.chatKey, type: body.msgtype, content, raw: f });
    }
    if (body.msgtype === "file") {
      const m = this.media.get(body.file?.media_id);
      if (!m) return respond(846611, "invalid media_id");
      this.ack(reqId, cb);
      respond(0, "ok");
      return this.record({ chatId: cb.chatKey, type: "file", content: m.name, raw: f, data: m.data });
    }
    return respond(846610, `unsupported msgtype ${body.msgtype}`);
  }

  private ack(reqId: string, cb: Callback): void {
    if (cb.acked) return;
    cb.acked = true;
    this.acks.push({ msgId: cb.msgId, reqId, at: Date.now() });
    cb.onAck();
  }

  private onSend(f: { body?: any }, respond: (code: number, msg: string, body?: unknown) => void): void {
    const body = f.body ?? {};
    const chatId = body.chatid;
    const isGroup = body.chat_type === 2 || (body.chat_type === undefined && this.groups.has(chatId));
    if (typeof chatId !== "string" || !(isGroup ? this.groups.has(chatId) : this.users.has(chatId))) return respond(846612, "invalid chatid");
    const chatKey = isGroup ? chatId : this.privateChatOf(chatId);
    if (body.msgtype === "markdown") {
      const content = body.markdown?.content;
      if (this.tooLong(content)) return respond(846608, `content exceeds ${WECOM_MARKDOWN_MAX_BYTES} bytes`);
      respond(0, "ok");
      return this.record({ chatId: chatKey, type: "markdown", content, raw: f });
    }
    if (body.msgtype === "file") {
      const m = this.media.get(body.file?.media_id);
      if (!m) return respond(846611, "invalid media_id");
      respond(0, "ok");
      return this.record({ chatId: chatKey, type: "file", content: m.name, raw: f, data: m.data });
    }
    if (body.msgtype === "template_card") {
      respond(0, "ok");
      return this.record({ chatId: chatKey, type: "card", content: JSON.stringify(body.template_card ?? {}), raw: f });
    }
    return respond(846610, `unsupported msgtype ${body.msgtype}`);
  }

  private onUpload(cmd: string, body: any, respond: (code: number, msg: string, body?: unknown) => void): void {
    body ??= {};
    if (cmd === "aibot_upload_media_init") {
      const total = Number(body.total_chunks);
      if (!body.filename || !Number.isInteger(total) || total < 1 || total > MAX_CHUNKS) return respond(846613, "invalid upload parameters");
      const uploadId = `up_${++this.seq}`;
      this.uploads.set(uploadId, { type: body.type, filename: body.filename, size: Number(body.total_size), total, md5: body.md5, chunks: new Map() });
      return respond(0, "ok", { upload_id: uploadId });
    }
    const up = this.uploads.get(body.upload_id);
    if (!up) return respond(846614, "invalid upload_id");
    if (cmd === "aibot_upload_media_chunk") {
      const chunk = Buffer.from(String(body.base64_data ?? ""), "base64");
      const i = Number(body.chunk_index);
      if (!Number.isInteger(i) || i < 0 || i >= up.total || chunk.length > CHUNK_MAX_BYTES) return respond(846613, "invalid chunk");
      up.chunks.set(i, chunk);
      return respond(0, "ok");
    }
    const data = Buffer.concat(Array.from({ length: up.total }, (_, i) => up.chunks.get(i) ?? Buffer.alloc(0)));
    if (up.chunks.size !== up.total || data.length !== up.size || createHash("md5").update(data).digest("hex") !== up.md5)
      return respond(846615, "upload incomplete or md5 mismatch");
    this.uploads.delete(body.upload_id);
    const mediaId = `media_${++this.seq}`;
    this.media.set(mediaId, { name: up.filename, data });
    return respond(0, "ok", { type: up.type, media_id: mediaId, created_at: String(Math.floor(Date.now() / 1000)) });
  }
}

export function startWecomFake(o: WecomFakeOptions = {}): Promise<WecomFake> {
  return WecomFake.start(o);
}
