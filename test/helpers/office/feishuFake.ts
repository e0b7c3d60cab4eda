import http from "node:http";
import { multipartParts } from "../multipart.js";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { createHash, randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import type { FakePlatform, FakeSent, FakeUserMessage } from "./fake.js";

/**
 * A fake Feishu (飞书) open platform on 127.0.0.1 that the official SDK (@larksuiteoapi/node-sdk) talks to when
 * FEISHU_DOMAIN points here. It speaks the protocol the SDK speaks to open.feishu.cn:
 *
 *  - POST /open-apis/auth/v3/tenant_access_token/internal: app_id + app_secret → tenant_access_token; every other
 *    open API wants `Authorization: Bearer <that token>` (else code 99991663, as Feishu answers).
 *  - POST /callback/ws/endpoint: AppID + AppSecret → the long connection's URL (with a one-time ticket) and its
 *    ClientConfig (ping and reconnect intervals, given in seconds as Feishu gives them).
 *  - The long connection (WebSocket): binary frames in the pbbp2 protobuf schema (Frame: SeqID 1, LogID 2, service 3,
 *    method 4 (0 control, 1 data), headers 5 (key 1, value 2), payloadEncoding 6, payloadType 7, payload 8,
 *    LogIDNew 9), encoded here by hand from that schema rather than with the SDK's own codec. Events go out as data
 *    frames (headers type=event, message_id, sum, seq, trace_id; payload the event JSON); the client must answer
 *    each with a data frame carrying the same headers and a payload {"code":200}; that is the ack deliver() waits
 *    for. Control frames: the client's ping gets a pong whose payload is the ClientConfig.
 *  - GET /open-apis/bot/v3/info: the bot's open_id (what an @mention of the bot carries).
 *  - POST /open-apis/im/v1/messages?receive_id_type=chat_id and /open-apis/im/v1/messages/:id/reply: text,
 *    interactive (a card) or file messages; a card over 30 KB or a text over 150 KB is refused (code 230025), a
 *    repeated uuid is not sent twice (Feishu's idempotency key).
 *  - POST /open-apis/im/v1/files (multipart) and GET /open-apis/im/v1/messages/:id/resources/:key?type=file.
 *
 * Error codes and messages for bad credentials (10014 app secret invalid, 10003 invalid app_id, endpoint code 514)
 * follow Feishu's published codes and the SDK's own names; they were not checked against the live service.
 */

/** Feishu's limits on one message's `content`, in UTF-8 bytes. */
export const FEISHU_FAKE_LIMITS = { interactive: 30 * 1024, text: 150 * 1024, post: 150 * 1024 };

// ---------------------------------------------------------------------------------------------------------------
// pbbp2 frames, by hand

export interface PbHeader {
  key: string;
  value: string;
}
export interface PbFrame {
  SeqID: number;
  LogID: number;
  service: number;
  method: number;
  headers: PbHeader[];
  payloadEncoding?: string;
  payloadType?: string;
  payload?: Buffer;
  LogIDNew?: string;
}

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = BigInt(n);
  if (v < 0n) v += 1n << 64n;
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return Buffer.from(out);
}
const tag = (field: number, wire: number) => varint((field << 3) | wire);
const lenDelim = (field: number, body: Buffer) => Buffer.concat([tag(field, 2), varint(body.length), body]);

export function encodeFrame(f: PbFrame): Buffer {
  const parts = [tag(1, 0), varint(f.SeqID), tag(2, 0), varint(f.LogID), tag(3, 0), varint(f.service), tag(4, 0), varint(f.method)];
  for (const h of f.headers) parts.push(lenDelim(5, Buffer.concat([lenDelim(1, Buffer.from(h.key)), lenDelim(2, Buffer.from(h.value))])));
  if (f.payloadEncoding !== undefined) parts.push(lenDelim(6, Buffer.from(f.payloadEncoding)));
  if (f.payloadType !== undefined) parts.push(lenDelim(7, Buffer.from(f.payloadType)));
  if (f.payload !== undefined) parts.push(lenDelim(8, f.payload));
  if (f.LogIDNew !== undefined) parts.push(lenDelim(9, Buffer.from(f.LogIDNew)));
  return Buffer.concat(parts);
}

function readFields(buf: Buffer): Array<{ field: number; value: bigint | Buffer }> {
  const out: Array<{ field: number; value: bigint | Buffer }> = [];
  let pos = 0;
  const readVarint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= buf.length) throw new Error("truncated varint");
      const b = buf[pos++];
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
      shift += 7n;
    }
  };
  while (pos < buf.length) {
    const key = Number(readVarint());
    const field = key >> 3;
    const wire = key & 7;
    if (wire === 0) out.push({ field, value: readVarint() });
    else if (wire === 2) {
      const len = Number(readVarint());
      if (pos + len > buf.length) throw new Error("truncated field");
      out.push({ field, value: buf.subarray(pos, pos + len) });
      pos += len;
    } else throw new Error(`unexpected wire type ${wire}`);
  }
  return out;
}

export function decodeFrame(buf: Buffer): PbFrame {
  const f: Partial<PbFrame> & { headers: PbHeader[] } = { headers: [] };
  for (const { field, value } of readFields(buf)) {
    const str = () => (value as Buffer).toString("utf8");
    if (field === 1) f.SeqID = Number(value);
    else if (field === 2) f.LogID = Number(value);
    else if (field === 3) f.service = Number(BigInt.asIntN(32, value as bigint));
    else if (field === 4) f.method = Number(BigInt.asIntN(32, value as bigint));
    else if (field === 5) {
      const h: Partial<PbHeader> = {};
      for (const hf of readFields(value as Buffer)) {
        if (hf.field === 1) h.key = (hf.value as Buffer).toString("utf8");
        if (hf.field === 2) h.value = (hf.value as Buffer).toString("utf8");
      }
      if (h.key === undefined || h.value === undefined) throw new Error("header without key or value");
      f.headers.push(h as PbHeader);
    } else if (field === 6) f.payloadEncoding = str();
    else if (field === 7) f.payloadType = str();
    else if (field === 8) f.payload = Buffer.from(value as Buffer);
    else if (field === 9) f.LogIDNew = str();
  }
  // SeqID, LogID, service and method are required in pbbp2.
  if (f.SeqID === undefined || f.LogID === undefined || f.service === undefined || f.method === undefined) throw new Error("frame misses a required field");
  return f as PbFrame;
}

const headerOf = (f: PbFrame, key: string) => f.headers.find((h) => h.key === key)?.value;

// ---------------------------------------------------------------------------------------------------------------
// ws (a dependency of the SDK; it ships no types, so the little used here is typed by hand)

interface WsSocket {
  readyState: number;
  send(data: Buffer, cb?: (err?: Error) => void): void;
  on(event: "message", cb: (data: Buffer, isBinary: boolean) => void): void;
  on(event: "close", cb: () => void): void;
  on(event: "error", cb: (err: Error) => void): void;
  terminate(): void;
}
interface WsServer {
  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer, cb: (ws: WsSocket) => void): void;
  close(cb?: () => void): void;
}
const { WebSocketServer } = createRequire(import.meta.url)("ws") as { WebSocketServer: new (opts: { noServer: true }) => WsServer };

// ---------------------------------------------------------------------------------------------------------------

const hex = (bytes: number) => randomBytes(bytes).toString("hex");

interface DeliveredMessage {
  chatId: string;
  eventId: string;
  fileKey?: string;
}

interface PendingAck {
  resolve: () => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export interface FeishuFakeOptions {
  /** How long deliver() waits for the bot's ack (Feishu redelivers after a few seconds without one). */
  ackTimeoutMs?: number;
  /** ClientConfig handed out with the connection URL, in seconds (Feishu's own values by default). */
  clientConfig?: { PingInterval: number; ReconnectCount: number; ReconnectInterval: number; ReconnectNonce: number };
}

export class FeishuFake implements FakePlatform {
  readonly appId = `cli_${hex(8)}`;
  readonly appSecret = randomBytes(18).toString("base64url");
  readonly botOpenId = `ou_${hex(16)}`;
  readonly botName = "年报助手";
  readonly tenantKey = hex(8);
  /** Order of protocol events ("ack <message id>", "send <chat id>"), for assertions on what came first. */
  readonly events: string[] = [];
  /** Every frame the bot sent (decoded), for protocol-level assertions. */
  readonly framesIn: PbFrame[] = [];
  /** Every open-API request (method, path), in order. */
  readonly requests: Array<{ method: string; path: string }> = [];
  /** While true the long-connection endpoint answers 503 (the platform is down; the bot must keep retrying). */
  refuseConnections = false;
  /** Requests to the long-connection endpoint so far, and when each came (ms since the epoch). */
  endpointCalls = 0;
  readonly endpointTimes: number[] = [];

  private server: http.Server;
  private wss: WsServer = new WebSocketServer({ noServer: true });
  private port = 0;
  private readonly tokens = new Set<string>();
  private readonly tickets = new Set<string>();
  private readonly sockets = new Set<WsSocket>();
  private current: WsSocket | null = null;
  private readonly serviceId = 10000 + Math.floor(Math.random() * 9000);
  private seq = 1;
  private readonly pending = new Map<string, PendingAck>();
  private readonly messages = new Map<string, DeliveredMessage>();
  private readonly chats = new Set<string>();
  private readonly userFiles = new Map<string, Buffer>();
  private readonly uploads = new Map<string, { name: string; data: Buffer }>();
  private readonly uuids = new Map<string, string>();
  private readonly log: FakeSent[] = [];
  private listeners = new Set<() => void>();
  private accepted = 0;
  private readonly ackTimeoutMs: number;
  private readonly clientConfig: NonNullable<FeishuFakeOptions["clientConfig"]>;

  private constructor(opts: FeishuFakeOptions) {
    this.ackTimeoutMs = opts.ackTimeoutMs ?? 10_000;
    this.clientConfig = opts.clientConfig ?? { PingInterval: 120, ReconnectCount: -1, ReconnectInterval: 120, ReconnectNonce: 30 };
    this.server = http.createServer((req, res) => {
      this.route(req, res).catch((err: unknown) => {
        if (!res.headersSent) this.json(res, 500, { code: 1, msg: `fake error: ${(err as Error).message}` });
      });
    });
    this.server.on("upgrade", (req, socket, head) => this.upgrade(req, socket, head));
  }

  static async start(opts: FeishuFakeOptions = {}): Promise<FeishuFake> {
    const fake = new FeishuFake(opts);
    await new Promise<void>((resolve) => fake.server.listen(0, "127.0.0.1", resolve));
    fake.port = (fake.server.address() as AddressInfo).port;
    return fake;
  }

  get domain(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  get settings(): Record<string, string> {
    return { FEISHU_APP_ID: this.appId, FEISHU_APP_SECRET: this.appSecret, FEISHU_DOMAIN: this.domain };
  }
  get badSettings(): Record<string, string> {
    return { ...this.settings, FEISHU_APP_SECRET: `${this.appSecret}x` };
  }
  get connections(): number {
    return this.accepted;
  }

  privateChatOf(userId: string): string {
    return `oc_${createHash("sha1").update(`p2p:${userId}`).digest("hex").slice(0, 32)}`;
  }

  sent(chatId?: string): FakeSent[] {
    return chatId === undefined ? [...this.log] : this.log.filter((s) => s.chatId === chatId);
  }

  waitForSent(chatId: string | undefined, n: number, timeoutMs = 15_000): Promise<FakeSent[]> {
    return this.waitFor(() => (this.sent(chatId).length >= n ? this.sent(chatId) : null), timeoutMs, () => `${n} messages to ${chatId ?? "any chat"} (have ${this.sent(chatId).length})`);
  }

  waitForConnections(n: number, timeoutMs = 15_000): Promise<void> {
    return this.waitFor(() => (this.accepted >= n ? true : null), timeoutMs, () => `${n} connections (have ${this.accepted})`).then(() => undefined);
  }

  /** Resolves when the bot has acknowledged an event with this message id at least `n` times. */
  waitForAcks(messageId: string, n = 1, timeoutMs = 15_000): Promise<void> {
    const count = () => this.events.filter((e) => e === `ack ${messageId}`).length;
    return this.waitFor(() => (count() >= n ? true : null), timeoutMs, () => `${n} acks of ${messageId}`).then(() => undefined);
  }

  /** Resolves when the bot has sent at least n ping frames. */
  waitForPings(n = 1, timeoutMs = 15_000): Promise<void> {
    const count = () => this.framesIn.filter((f) => f.method === 0 && headerOf(f, "type") === "ping").length;
    return this.waitFor(() => (count() >= n ? true : null), timeoutMs, () => `${n} pings`).then(() => undefined);
  }

  waitForEndpointCalls(n: number, timeoutMs = 15_000): Promise<void> {
    return this.waitFor(() => (this.endpointCalls >= n ? true : null), timeoutMs, () => `${n} endpoint calls (have ${this.endpointCalls})`).then(() => undefined);
  }

  /** The user withdraws (撤回) a message: replying to it fails from now on, as on Feishu (code 230011). */
  withdraw(messageId: string): void {
    this.messages.delete(messageId);
  }

  drop(): void {
    for (const s of this.sockets) s.terminate();
    this.sockets.clear();
    this.current = null;
  }

  async deliver(m: FakeUserMessage): Promise<string> {
    const socket = await this.waitFor(() => (this.current && this.current.readyState === 1 ? this.current : null), 15_000, () => "an open long connection");
    const messageId = m.msgId ?? `om_${hex(16)}`;
    const chatId = m.chatType === "private" ? this.privateChatOf(m.userId) : m.chatId ?? "oc_group_default";
    this.chats.add(chatId);
    const known = this.messages.get(messageId);
    // A redelivered message keeps its event id, as Feishu's retries do.
    const record: DeliveredMessage = known ?? { chatId, eventId: hex(16) };
    this.messages.set(messageId, record);

    const kind = m.kind ?? "text";
    let messageType: string;
    let content: Record<string, unknown>;
    const mentions: unknown[] = [];
    if (kind === "text") {
      messageType = "text";
      let text = m.text ?? "";
      if (m.chatType === "group" && m.mentioned) {
        text = `@_user_1 ${text}`;
        mentions.push({ key: "@_user_1", id: { union_id: `on_${hex(16)}`, user_id: "", open_id: this.botOpenId }, name: this.botName, tenant_key: this.tenantKey });
      }
      content = { text };
    } else if (kind === "file") {
      if (!m.file) throw new Error("a file message needs file");
      const fileKey = record.fileKey ?? `file_v3_${hex(12)}`;
      record.fileKey = fileKey;
      this.userFiles.set(fileKey, m.file.data);
      messageType = "file";
      content = { file_key: fileKey, file_name: m.file.name };
    } else if (kind === "image") {
      messageType = "image";
      content = { image_key: `img_v3_${hex(12)}` };
    } else {
      messageType = "audio";
      content = { file_key: `file_v3_${hex(12)}`, duration: 2000 };
    }
    const now = Date.now();
    const event = {
      schema: "2.0",
      header: { event_id: record.eventId, token: "", create_time: String(now), event_type: "im.message.receive_v1", tenant_key: this.tenantKey, app_id: this.appId },
      event: {
        sender: { sender_id: { union_id: `on_${m.userId}`, user_id: "", open_id: m.userId }, sender_type: "user", tenant_key: this.tenantKey },
        message: {
          message_id: messageId,
          root_id: "",
          parent_id: "",
          create_time: String(now),
          update_time: String(now),
          chat_id: chatId,
          thread_id: "",
          chat_type: m.chatType === "private" ? "p2p" : "group",
          message_type: messageType,
          content: JSON.stringify(content),
          ...(mentions.length ? { mentions } : {}),
          user_agent: "Mozilla/5.0 Lark/7.30.0",
        },
      },
    };
    const frameId = hex(16);
    const acked = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(frameId);
        reject(new Error(`feishu fake: no ack for ${messageId} within ${this.ackTimeoutMs} ms`));
      }, this.ackTimeoutMs);
      this.pending.set(frameId, {
        resolve: () => {
          clearTimeout(timer);
          this.events.push(`ack ${messageId}`);
          this.notify();
          resolve();
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
        timer,
      });
    });
    const seq = this.seq++;
    socket.send(
      encodeFrame({
        SeqID: seq,
        LogID: seq,
        service: this.serviceId,
        method: 1,
        headers: [
          { key: "type", value: "event" },
          { key: "message_id", value: frameId },
          { key: "sum", value: "1" },
          { key: "seq", value: "0" },
          { key: "trace_id", value: hex(8) },
        ],
        payload: Buffer.from(JSON.stringify(event)),
      }),
    );
    await acked;
    return messageId;
  }

  async close(): Promise<void> {
    for (const p of this.pending.values()) p.reject(new Error("feishu fake closed"));
    this.pending.clear();
    this.drop();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // -------------------------------------------------------------------------------------------------------------

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }

  private waitFor<T>(check: () => T | null, timeoutMs: number, what: () => string): Promise<T> {
    const now = check();
    if (now !== null) return Promise.resolve(now);
    return new Promise<T>((resolve, reject) => {
      const listener = () => {
        const v = check();
        if (v === null) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve(v);
      };
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(new Error(`feishu fake: timed out after ${timeoutMs} ms waiting for ${what()}`));
      }, timeoutMs);
      this.listeners.add(listener);
    });
  }

  private upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? "/", this.domain);
    const ticket = url.searchParams.get("ticket") ?? "";
    if (url.pathname !== "/ws/v2" || !this.tickets.delete(ticket) || url.searchParams.get("service_id") !== String(this.serviceId)) {
      socket.end("HTTP/1.1 403 Forbidden\r\nhandshake-status: 403\r\nhandshake-msg: invalid ticket\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.sockets.add(ws);
      this.current = ws;
      this.accepted++;
      ws.on("message", (data) => this.frame(ws, Buffer.from(data)));
      ws.on("error", () => undefined);
      ws.on("close", () => {
        this.sockets.delete(ws);
        if (this.current === ws) this.current = null;
        this.notify();
      });
      this.notify();
    });
  }

  private frame(ws: WsSocket, data: Buffer): void {
    let f: PbFrame;
    try {
      f = decodeFrame(data);
    } catch {
      ws.terminate();
      return;
    }
    this.framesIn.push(f);
    this.notify();
    const type = headerOf(f, "type");
    if (f.method === 0 && type === "ping") {
      ws.send(
        encodeFrame({
          SeqID: 0,
          LogID: 0,
          service: f.service,
          method: 0,
          headers: [{ key: "type", value: "pong" }],
          payload: Buffer.from(JSON.stringify(this.clientConfig)),
        }),
      );
      return;
    }
    if (f.method === 1) {
      const id = headerOf(f, "message_id") ?? "";
      const p = this.pending.get(id);
      if (!p) return;
      this.pending.delete(id);
      let code = 0;
      try {
        code = (JSON.parse((f.payload ?? Buffer.alloc(0)).toString("utf8")) as { code?: number }).code ?? 0;
      } catch {
        code = 0;
      }
      if (code === 200) p.resolve();
      else p.reject(new Error(`feishu fake: the bot answered the event with code ${code}`));
    }
  }

  private json(res: http.ServerResponse, status: number, body: unknown): void {
    const data = Buffer.from(JSON.stringify(body));
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": data.length });
    res.end(data);
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? "/", this.domain);
    const path = url.pathname;
    this.requests.push({ method: req.method ?? "", path });
    const asJson = () => (body.length ? (JSON.parse(body.toString("utf8")) as Record<string, unknown>) : {});

    if (req.method === "POST" && path === "/open-apis/auth/v3/tenant_access_token/internal") {
      const { app_id, app_secret } = asJson();
      if (app_id !== this.appId) return this.json(res, 200, { code: 10003, msg: "invalid param: app_id" });
      if (app_secret !== this.appSecret) return this.json(res, 200, { code: 10014, msg: "app secret invalid" });
      const token = `t-${hex(20)}`;
      this.tokens.add(token);
      return this.json(res, 200, { code: 0, msg: "ok", tenant_access_token: token, expire: 7200 });
    }
    if (req.method === "POST" && path === "/callback/ws/endpoint") {
      this.endpointCalls++;
      this.endpointTimes.push(Date.now());
      this.notify();
      if (this.refuseConnections) return this.json(res, 503, { code: 1, msg: "system busy" });
      const { AppID, AppSecret } = asJson();
      if (AppID !== this.appId || AppSecret !== this.appSecret) return this.json(res, 200, { code: 514, msg: "auth failed" });
      const ticket = hex(16);
      this.tickets.add(ticket);
      const URL_ = `ws://127.0.0.1:${this.port}/ws/v2?fpid=493&aid=552564&device_id=${hex(8)}&access_key=${hex(16)}&service_id=${this.serviceId}&ticket=${ticket}`;
      return this.json(res, 200, { code: 0, msg: "ok", data: { URL: URL_, ClientConfig: this.clientConfig } });
    }

    // Everything else is an open API call with a tenant token.
    const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    if (!auth || !this.tokens.has(auth))
      return this.json(res, 400, { code: 99991663, msg: "Invalid access token for authorization. Please make a request with token attached." });

    if (req.method === "GET" && path === "/open-apis/bot/v3/info")
      return this.json(res, 200, { code: 0, msg: "ok", bot: { activate_status: 2, app_name: this.botName, avatar_url: "", ip_white_list: [], open_id: this.botOpenId } });

    if (req.method === "POST" && path === "/open-apis/im/v1/messages") {
      if (url.searchParams.get("receive_id_type") !== "chat_id") return this.json(res, 400, { code: 230001, msg: "this fake only sends to chat_id" });
      const data = asJson();
      const chatId = String(data.receive_id ?? "");
      if (!this.chats.has(chatId)) return this.json(res, 400, { code: 230002, msg: "Bot/User can NOT be out of the chat." });
      return this.send(res, chatId, data);
    }
    const reply = /^\/open-apis\/im\/v1\/messages\/([^/]+)\/reply$/.exec(path);
    if (req.method === "POST" && reply) {
      const m = this.messages.get(decodeURIComponent(reply[1]));
      if (!m) return this.json(res, 400, { code: 230011, msg: "The message was withdrawn or does not exist." });
      return this.send(res, m.chatId, asJson());
    }
    if (req.method === "POST" && path === "/open-apis/im/v1/files") {
      const parts = parseMultipart(body, req.headers["content-type"] ?? "");
      const file = parts.get("file");
      const name = parts.get("file_name")?.toString("utf8");
      if (!file || !name || !parts.get("file_type")) return this.json(res, 400, { code: 234001, msg: "Invalid request param." });
      if (file.length === 0) return this.json(res, 400, { code: 234010, msg: "File's size can't be 0." });
      if (file.length > 30 * 1024 * 1024) return this.json(res, 400, { code: 234006, msg: "The file size exceed the max value." });
      const key = `file_v3_${hex(12)}`;
      this.uploads.set(key, { name, data: file });
      return this.json(res, 200, { code: 0, msg: "success", data: { file_key: key } });
    }
    const resource = /^\/open-apis\/im\/v1\/messages\/([^/]+)\/resources\/([^/]+)$/.exec(path);
    if (req.method === "GET" && resource) {
      const m = this.messages.get(decodeURIComponent(resource[1]));
      const key = decodeURIComponent(resource[2]);
      const data = this.userFiles.get(key);
      if (!m || m.fileKey !== key || !data || url.searchParams.get("type") !== "file") return this.json(res, 400, { code: 234003, msg: "File not in msg." });
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": data.length });
      res.end(data);
      return;
    }
    return this.json(res, 404, { code: 404, msg: "404 page not found" });
  }

  private send(res: http.ServerResponse, chatId: string, data: Record<string, unknown>): void {
    const msgType = String(data.msg_type ?? "");
    const content = typeof data.content === "string" ? data.content : "";
    const uuid = typeof data.uuid === "string" ? data.uuid : "";
    if (uuid && this.uuids.has(uuid)) return this.json(res, 200, { code: 0, msg: "success", data: { message_id: this.uuids.get(uuid), chat_id: chatId, msg_type: msgType } });
    const limit = FEISHU_FAKE_LIMITS[msgType as keyof typeof FEISHU_FAKE_LIMITS];
    if (limit !== undefined && Buffer.byteLength(content, "utf8") > limit)
      return this.json(res, 400, { code: 230025, msg: `The content of the message is too long: ${Buffer.byteLength(content, "utf8")} > ${limit} bytes.` });
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(content) as Record<string, unknown>;
    } catch {
      return this.json(res, 400, { code: 230001, msg: "Your request contains an invalid request parameter: content is not JSON." });
    }
    let sent: FakeSent;
    if (msgType === "text" && typeof parsed.text === "string") sent = { chatId, type: "text", content: parsed.text, raw: data };
    else if (msgType === "interactive") {
      const body = parsed.body as { elements?: Array<{ tag?: string; content?: unknown }> } | undefined;
      if (parsed.schema !== "2.0" || !Array.isArray(body?.elements) || !body.elements.every((e) => typeof e.tag === "string"))
        return this.json(res, 400, { code: 230099, msg: "Failed to create card content: invalid card JSON 2.0." });
      const md = body.elements.filter((e) => e.tag === "markdown" && typeof e.content === "string").map((e) => e.content as string);
      sent = { chatId, type: "card", content: md.join("\n\n"), raw: data };
    } else if (msgType === "file" && typeof parsed.file_key === "string" && this.uploads.has(parsed.file_key)) {
      const up = this.uploads.get(parsed.file_key)!;
      sent = { chatId, type: "file", content: up.name, raw: data, data: up.data };
    } else return this.json(res, 400, { code: 230001, msg: `Your request contains an invalid request parameter: msg_type ${msgType}.` });
    const messageId = `om_${hex(16)}`;
    if (uuid) this.uuids.set(uuid, messageId);
    this.log.push(sent);
    this.events.push(`send ${chatId}`);
    this.notify();
    this.json(res, 200, { code: 0, msg: "success", data: { message_id: messageId, chat_id: chatId, msg_type: msgType, create_time: String(Date.now()) } });
  }
}

/** The named parts of a multipart/form-data body, as bytes (none without a boundary). */
function parseMultipart(body: Buffer, contentType: string): Map<string, Buffer> {
  return new Map((multipartParts(body, contentType) ?? []).filter((p) => p.name).map((p) => [p.name, p.bytes]));
}

export function startFeishuFake(opts?: FeishuFakeOptions): Promise<FeishuFake> {
  return FeishuFake.start(opts);
}
