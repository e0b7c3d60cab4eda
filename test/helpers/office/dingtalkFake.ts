import { createServer, type IncomingMessage as HttpRequest, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { randomUUID } from "node:crypto";
import type { Duplex } from "node:stream";
import type { FakePlatform, FakeSent, FakeUserMessage } from "./fake.js";

/**
 * A fake DingTalk speaking Stream mode on 127.0.0.1, for the official SDK (dingtalk-stream) pointed at it by
 * DINGTALK_GATEWAY_URL:
 *  - POST /v1.0/gateway/connections/open {clientId, clientSecret, subscriptions, ua} → {endpoint, ticket}; wrong
 *    credentials → 401 {"code":"authFailed","message":"鉴权失败"} as the real gateway answers.
 *  - GET /connect?ticket=… upgraded to a WebSocket; a ticket is good for one connection. Robot messages go down as
 *    CALLBACK frames (topic /v1.0/im/bot/messages/get, data = the message JSON as a string); the client must answer
 *    each with {code:200, headers:{messageId}, …}. An unanswered frame is sent again (after ackTimeoutMs, and on the
 *    next connection), as the platform retries. SYSTEM "ping" frames must be echoed.
 *  - POST /robot/sendBySession?session=… — the message's sessionWebhook: {msgtype:"markdown", markdown:{title,
 *    text}} or {msgtype:"text", text:{content}}; a markdown text over maxBytes (default 20 000 UTF-8 bytes) or
 *    without a title is refused with errcode ≠ 0 (the errcode and wording are this fake's; the real ones were not
 *    verified).
 *  - POST /v1.0/oauth2/accessToken {appKey, appSecret} → {accessToken, expireIn}; POST
 *    /v1.0/robot/messageFiles/download (header x-acs-dingtalk-access-token) {downloadCode, robotCode} →
 *    {downloadUrl}; GET /files/<code> → the bytes.
 * In a group, DingTalk passes a robot only the messages that @-mention it, with the @name removed from the content
 * (the space it took is left); a group message without @ is therefore not delivered unless the fake is created
 * with groupReceivesAll (then it arrives with isInAtList false).
 */

// `ws` comes with the SDKs (no @types/ws in the project): typed here as far as the fake uses it.
interface WsSocket {
  readyState: number;
  send(data: string): void;
  terminate(): void;
  close(code?: number): void;
  on(ev: "message", fn: (data: Buffer) => void): void;
  on(ev: "close", fn: () => void): void;
}
interface WsServer {
  handleUpgrade(req: HttpRequest, socket: Duplex, head: Buffer, cb: (ws: WsSocket) => void): void;
  close(): void;
}
const { WebSocketServer } = createRequire(import.meta.url)("ws") as { WebSocketServer: new (o: { noServer: true }) => WsServer };

export const TOPIC_ROBOT = "/v1.0/im/bot/messages/get";

export interface DingtalkFakeOptions {
  clientId?: string;
  clientSecret?: string;
  /** Most UTF-8 bytes of a markdown or text reply. */
  maxBytes?: number;
  /** Redeliver an unacknowledged frame after this long. */
  ackTimeoutMs?: number;
  /** Deliver group messages that do not @-mention the robot (DingTalk does not). */
  groupReceivesAll?: boolean;
  /** How long a message's sessionWebhook accepts replies (DingTalk: about 1.5 hours). */
  sessionTtlMs?: number;
}

interface Pending {
  frameId: string;
  frame: string;
  resolve: () => void;
  timer?: NodeJS.Timeout;
}

/** One acknowledgement or ping answer as received, for protocol assertions. */
export interface FakeAck {
  messageId: string;
  frame: Record<string, unknown>;
  at: number;
}

export interface DingtalkFake extends FakePlatform {
  readonly port: number;
  /** Every frame the bot sent up (acks, ping answers), in order. */
  readonly acks: FakeAck[];
  /** The gateway requests (credentials redacted), in order. */
  readonly gatewayRequests: Array<{ clientId: string; subscriptions: unknown }>;
  /** Sends a SYSTEM ping and resolves with the echo. */
  ping(): Promise<Record<string, unknown>>;
  /** The frame ids sent for a message id (one per delivery). */
  framesOf(msgId: string): string[];
}

const BOT_USER_ID = "$:LWCP_v1:$fakeBotUserId";

export async function startDingtalkFake(o: DingtalkFakeOptions = {}): Promise<DingtalkFake> {
  const clientId = o.clientId ?? "dingfakeclientid";
  const clientSecret = o.clientSecret ?? "fake-dingtalk-client-secret-1234567890";
  const maxBytes = o.maxBytes ?? 20_000;
  const ackTimeoutMs = o.ackTimeoutMs ?? 10_000;
  const sessionTtlMs = o.sessionTtlMs ?? 90 * 60_000;

  const tickets = new Set<string>();
  const sessions = new Map<string, { chatId: string; until: number }>(); // session → its conversation
  const files = new Map<string, Buffer>(); // downloadCode → bytes
  const tokens = new Set<string>();
  const sockets = new Set<WsSocket>();
  const pending = new Map<string, Pending>(); // frame id → pending delivery
  const pingWaiters = new Map<string, (f: Record<string, unknown>) => void>();
  const frames = new Map<string, string[]>();
  const sentLog: FakeSent[] = [];
  const acks: FakeAck[] = [];
  const gatewayRequests: Array<{ clientId: string; subscriptions: unknown }> = [];
  const waiters = new Set<() => void>();
  let connections = 0;
  let current: WsSocket | null = null;
  let closed = false;
  const wss = new WebSocketServer({ noServer: true });

  const notify = () => {
    for (const w of [...waiters]) w();
  };
  const until = (ok: () => boolean, timeoutMs: number, what: string) =>
    new Promise<void>((resolve, reject) => {
      if (ok()) return resolve();
      const check = () => {
        if (!ok()) return;
        clearTimeout(t);
        waiters.delete(check);
        resolve();
      };
      const t = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`dingtalk fake: timed out waiting for ${what}`));
      }, timeoutMs);
      waiters.add(check);
    });

  async function readJson(req: HttpRequest): Promise<Record<string, unknown> | null> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    try {
      return JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
    } catch {
      return null;
    }
  }
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json;charset=utf-8" });
    res.end(JSON.stringify(body));
  };

  const server = createServer((req, res) => {
    void route(req, res).catch((err: unknown) => json(res, 500, { code: "internal", message: String(err) }));
  });

  async function route(req: HttpRequest, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (req.method === "POST" && url.pathname === "/v1.0/gateway/connections/open") {
      const b = await readJson(req);
      if (!b || b.clientId !== clientId || b.clientSecret !== clientSecret)
        return json(res, 401, { requestid: randomUUID(), code: "authFailed", message: "鉴权失败" });
      gatewayRequests.push({ clientId: String(b.clientId), subscriptions: b.subscriptions });
      const ticket = randomUUID();
      tickets.add(ticket);
      return json(res, 200, { endpoint: `ws://127.0.0.1:${port}/connect`, ticket });
    }
    if (req.method === "POST" && url.pathname === "/robot/sendBySession") {
      const session = sessions.get(url.searchParams.get("session") ?? "");
      const b = await readJson(req);
      if (!session || Date.now() >= session.until) return json(res, 200, { errcode: 300001, errmsg: "session 不存在或已过期" });
      const chatId = session.chatId;
      const type = typeof b?.msgtype === "string" ? b.msgtype : "";
      const md = b?.markdown as { title?: unknown; text?: unknown } | undefined;
      const tx = b?.text as { content?: unknown } | undefined;
      const content = type === "markdown" ? md?.text : type === "text" ? tx?.content : undefined;
      if (typeof content !== "string" || !content.trim() || (type === "markdown" && (typeof md?.title !== "string" || !md.title.trim())))
        return json(res, 200, { errcode: 40035, errmsg: "缺少参数 / invalid message" });
      if (Buffer.byteLength(content, "utf8") > maxBytes) return json(res, 200, { errcode: 40035, errmsg: `消息内容超长 / message over ${maxBytes} bytes` });
      sentLog.push({ chatId, type, content, raw: b });
      notify();
      return json(res, 200, { errcode: 0, errmsg: "ok" });
    }
    if (req.method === "POST" && url.pathname === "/v1.0/oauth2/accessToken") {
      const b = await readJson(req);
      if (!b || b.appKey !== clientId || b.appSecret !== clientSecret) return json(res, 400, { code: "invalidClientIdOrSecret", message: "无效的clientId或者clientSecret" });
      const t = randomUUID();
      tokens.add(t);
      return json(res, 200, { accessToken: t, expireIn: 7200 });
    }
    if (req.method === "POST" && url.pathname === "/v1.0/robot/messageFiles/download") {
      if (!tokens.has(String(req.headers["x-acs-dingtalk-access-token"] ?? ""))) return json(res, 401, { code: "InvalidAuthentication", message: "不合法的access_token" });
      const b = await readJson(req);
      const code = String(b?.downloadCode ?? "");
      if (!files.has(code) || b?.robotCode !== clientId) return json(res, 400, { code: "invalidParameter", message: "downloadCode 无效" });
      return json(res, 200, { downloadUrl: `http://127.0.0.1:${port}/files/${encodeURIComponent(code)}` });
    }
    if (req.method === "GET" && url.pathname.startsWith("/files/")) {
      const data = files.get(decodeURIComponent(url.pathname.slice("/files/".length)));
      if (!data) return json(res, 404, { code: "notFound" });
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": data.length });
      res.end(data);
      return;
    }
    json(res, 404, { code: "notFound", message: req.url });
  }

  server.on("upgrade", (req: HttpRequest, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const ticket = url.searchParams.get("ticket") ?? "";
    if (closed || url.pathname !== "/connect" || !tickets.delete(ticket)) {
      socket.end("HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      connections++;
      sockets.add(ws);
      current = ws;
      ws.on("message", (data) => onUp(data));
      ws.on("close", () => {
        sockets.delete(ws);
        if (current === ws) current = [...sockets].at(-1) ?? null;
        notify();
      });
      // Frames not acknowledged on a lost connection are sent again on the new one.
      for (const p of pending.values()) ws.send(p.frame);
      notify();
    });
  });

  function onUp(data: Buffer): void {
    let f: Record<string, unknown>;
    try {
      f = JSON.parse(data.toString("utf8")) as Record<string, unknown>;
    } catch {
      return;
    }
    const messageId = String((f.headers as { messageId?: unknown } | undefined)?.messageId ?? "");
    acks.push({ messageId, frame: f, at: Date.now() });
    const ping = pingWaiters.get(messageId);
    if (ping) {
      pingWaiters.delete(messageId);
      return ping(f);
    }
    const p = pending.get(messageId);
    // An acknowledgement: code 200 for this frame's id (anything else leaves it pending).
    if (p && f.code === 200) {
      pending.delete(messageId);
      clearTimeout(p.timer);
      p.resolve();
    }
  }

  function send(p: Pending): void {
    if (closed) return;
    if (current && current.readyState === 1) current.send(p.frame);
    clearTimeout(p.timer);
    p.timer = setTimeout(() => send(p), ackTimeoutMs);
  }

  const privateChatOf = (userId: string) => `cidp2p_${userId}`;

  const server$ = await new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)));
  const port = server$;
  const gatewayUrl = `http://127.0.0.1:${port}`;

  const fake: DingtalkFake = {
    port,
    acks,
    gatewayRequests,
    settings: { DINGTALK_CLIENT_ID: clientId, DINGTALK_CLIENT_SECRET: clientSecret, DINGTALK_GATEWAY_URL: gatewayUrl },
    badSettings: { DINGTALK_CLIENT_ID: clientId, DINGTALK_CLIENT_SECRET: `${clientSecret}-wrong`, DINGTALK_GATEWAY_URL: gatewayUrl },
    get connections() {
      return connections;
    },

    async deliver(m: FakeUserMessage): Promise<string> {
      const msgId = m.msgId ?? `msg${randomUUID().replace(/-/g, "")}`;
      const group = m.chatType === "group";
      if (group && !m.mentioned && !o.groupReceivesAll) return msgId;
      const chatId = group ? m.chatId ?? "cidgroupdefault" : privateChatOf(m.userId);
      const session = randomUUID();
      const now = Date.now();
      sessions.set(session, { chatId, until: now + sessionTtlMs });
      const kind = m.kind ?? "text";
      const data: Record<string, unknown> = {
        conversationId: chatId,
        conversationType: group ? "2" : "1",
        ...(group ? { conversationTitle: `群 ${chatId}`, isInAtList: !!m.mentioned, atUsers: m.mentioned ? [{ dingtalkId: BOT_USER_ID }] : [] } : {}),
        chatbotCorpId: "dingfakecorp",
        chatbotUserId: BOT_USER_ID,
        msgId,
        senderNick: m.userName ?? m.userId,
        isAdmin: false,
        senderStaffId: m.userId,
        sessionWebhookExpiredTime: now + sessionTtlMs,
        createAt: now,
        senderCorpId: "dingfakecorp",
        senderId: `$:LWCP_v1:$${m.userId}`,
        sessionWebhook: `${gatewayUrl}/robot/sendBySession?session=${session}`,
        robotCode: clientId,
      };
      if (kind === "text") Object.assign(data, { msgtype: "text", text: { content: group && m.mentioned ? ` ${m.text ?? ""}` : m.text ?? "" } });
      else if (kind === "file") {
        const code = `dc_${randomUUID()}`;
        files.set(code, m.file?.data ?? Buffer.alloc(0));
        Object.assign(data, { msgtype: "file", content: { downloadCode: code, fileName: m.file?.name ?? "file.bin" } });
      } else if (kind === "image") Object.assign(data, { msgtype: "picture", content: { downloadCode: `dc_${randomUUID()}`, pictureDownloadCode: `pdc_${randomUUID()}` } });
      else Object.assign(data, { msgtype: "audio", content: { duration: 3000, downloadCode: `dc_${randomUUID()}`, recognition: m.text ?? "" } });

      const frameId = randomUUID();
      frames.set(msgId, [...(frames.get(msgId) ?? []), frameId]);
      const frame = JSON.stringify({
        specVersion: "1.0",
        type: "CALLBACK",
        headers: { appId: "fakeapp", connectionId: "fakeconn", contentType: "application/json", messageId: frameId, time: String(now), topic: TOPIC_ROBOT },
        data: JSON.stringify(data),
      });
      await new Promise<void>((resolve) => {
        const p: Pending = { frameId, frame, resolve };
        pending.set(frameId, p);
        send(p);
      });
      return msgId;
    },

    sent(chatId?: string) {
      return sentLog.filter((s) => chatId === undefined || s.chatId === chatId);
    },

    async waitForSent(chatId, n, timeoutMs = 30_000) {
      await until(() => fake.sent(chatId).length >= n, timeoutMs, `${n} message(s) sent to ${chatId ?? "any chat"}`);
      return fake.sent(chatId);
    },

    privateChatOf,

    drop() {
      for (const ws of sockets) ws.terminate();
    },

    async waitForConnections(n, timeoutMs = 30_000) {
      await until(() => connections >= n && current !== null, timeoutMs, `${n} connection(s)`);
    },

    framesOf(msgId: string) {
      return frames.get(msgId) ?? [];
    },

    async ping() {
      const id = randomUUID();
      const echo = new Promise<Record<string, unknown>>((resolve) => pingWaiters.set(id, resolve));
      current?.send(JSON.stringify({ specVersion: "1.0", type: "SYSTEM", headers: { contentType: "application/json", messageId: id, time: String(Date.now()), topic: "ping" }, data: JSON.stringify({ opaque: id }) }));
      return echo;
    },

    async close() {
      closed = true;
      for (const p of pending.values()) clearTimeout(p.timer);
      pending.clear();
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}
