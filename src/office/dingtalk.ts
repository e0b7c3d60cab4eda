import { DWClient, EventAck, TOPIC_ROBOT, type DWClientDownStream } from "dingtalk-stream";
import { NianbaoError } from "../errors.js";
import type { IncomingFile, IncomingMessage, OnMessage, OutgoingMessage, Reply, Transport, TransportOptions } from "./types.js";

/**
 * DingTalk (钉钉) in Stream mode over the official SDK `dingtalk-stream`: the SDK's DWClient opens the WebSocket,
 * answers the server's SYSTEM pings and parses the frames; this file decides where it connects, when it reconnects,
 * and what a robot message becomes.
 *
 * Where the SDK is overridden, and why:
 *  - getEndpoint(): the SDK posts to a hard-coded https://api.dingtalk.com/v1.0/gateway/connections/open; the
 *    subclass below posts to DINGTALK_GATEWAY_URL (private deployments such as 专有钉钉, and the tests' fake) and
 *    turns the gateway's 401 "authFailed" into a bad_credentials error instead of the SDK's silent retry.
 *  - reconnecting: the SDK's autoReconnect retries every second for ever and swallows every error (connect() never
 *    rejects); it is switched off, and this transport reconnects itself with exponential back-off, one log line a
 *    minute at most.
 *  - the keep-alive interval: the SDK starts a new ping interval on every open but clears it only in disconnect(),
 *    so each lost connection would leak one (and keep the process alive); it is cleared when a socket closes.
 * Acks: a robot message is a CALLBACK frame, and the server redelivers it unless the client answers the frame;
 * the transport answers it (socketCallBackResponse) as soon as the frame arrives, before onMessage runs.
 * Replies go to the message's sessionWebhook (plain HTTP POST, no token). Files a user sends are fetched through
 * the robot file API (oauth2/accessToken, then robot/messageFiles/download) on the same gateway base URL. Sending a
 * file into a conversation is not offered through sessionWebhook, so Reply.sendFile is left undefined (the core then
 * sends the CSV as a code block).
 */

const PLATFORM = "dingtalk" as const;
const HTTP_TIMEOUT_MS = 15_000;
const LOG_EVERY_MS = 60_000;

/** A robot message's payload (the frame's `data`), as DingTalk sends it. */
export interface DingtalkRobotMessage {
  msgId: string;
  msgtype: string;
  conversationId: string;
  /** "1" private chat, "2" group. */
  conversationType: string;
  conversationTitle?: string;
  senderId: string;
  senderStaffId?: string;
  senderNick?: string;
  chatbotUserId?: string;
  robotCode?: string;
  isInAtList?: boolean;
  atUsers?: Array<{ dingtalkId?: string; staffId?: string }>;
  sessionWebhook: string;
  sessionWebhookExpiredTime?: number;
  createAt?: number;
  text?: { content?: string };
  content?: {
    downloadCode?: string;
    fileName?: string;
    pictureDownloadCode?: string;
    recognition?: string;
    richText?: Array<{ text?: string; type?: string }>;
  };
}

const badCredentials = () =>
  new NianbaoError("钉钉登录失败：DINGTALK_CLIENT_ID 或 DINGTALK_CLIENT_SECRET 不正确 / invalid setting DINGTALK_CLIENT_SECRET (or DINGTALK_CLIENT_ID)", {
    code: "bad_credentials",
  });

/** The gateway's or an API's base URL without a trailing slash. */
const base = (url: string) => url.replace(/\/+$/, "");

/** DWClient whose gateway address is a setting (the SDK hard-codes the official one). */
class GatewayClient extends DWClient {
  /** Aborts the gateway request in flight when the transport stops. */
  abort = new AbortController();

  constructor(
    opts: { clientId: string; clientSecret: string; ua?: string; keepAlive?: boolean },
    private readonly gateway: string,
  ) {
    super(opts);
  }

  override async getEndpoint(): Promise<this> {
    const { clientId, clientSecret, ua, subscriptions } = this.config;
    let res: Response;
    try {
      res = await fetch(`${base(this.gateway)}/v1.0/gateway/connections/open`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ clientId, clientSecret, ua, subscriptions }),
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(HTTP_TIMEOUT_MS)]),
      });
    } catch (err) {
      throw new NianbaoError(`钉钉连接失败：无法访问 DINGTALK_GATEWAY_URL / cannot reach DINGTALK_GATEWAY_URL (${(err as Error).message})`, { code: "unreachable", cause: err });
    }
    const body = (await res.json().catch(() => null)) as { endpoint?: string; ticket?: string; code?: string } | null;
    if (res.status === 401 || res.status === 403 || /auth|secret|clientid/i.test(body?.code ?? "")) throw badCredentials();
    if (!res.ok || !body?.endpoint || !body.ticket)
      throw new NianbaoError(`钉钉连接失败：网关返回 ${res.status} / gateway answered ${res.status}${body?.code ? ` (${body.code})` : ""}`, { code: "unreachable" });
    this.config.endpoint = body.endpoint;
    // dw_url is declared private in the SDK's types but is a plain field that _connect() reads.
    (this as unknown as { dw_url: string }).dw_url = `${body.endpoint}?ticket=${encodeURIComponent(body.ticket)}`;
    return this;
  }
}

/** The SDK's private socket and keep-alive interval, reached where its own handling falls short (see above). */
type ClientInternals = { socket?: import("node:events").EventEmitter & { terminate(): void; readyState: number }; heartbeatIntervallId?: NodeJS.Timeout };
const internals = (c: DWClient) => c as unknown as ClientInternals;

/** An IncomingMessage of a robot message, or null when it is not one the bot can read at all. */
export function toIncoming(d: DingtalkRobotMessage, download: (code: string, robotCode: string, maxBytes: number) => Promise<Buffer>, clientId: string): IncomingMessage | null {
  if (!d || typeof d.msgId !== "string" || typeof d.conversationId !== "string") return null;
  const group = d.conversationType === "2";
  const mentioned = !group || d.isInAtList === true || (!!d.chatbotUserId && (d.atUsers ?? []).some((u) => u.dingtalkId === d.chatbotUserId));
  const base = {
    platform: PLATFORM,
    id: d.msgId,
    chatId: d.conversationId,
    chatType: group ? ("group" as const) : ("private" as const),
    userId: d.senderStaffId || d.senderId,
    ...(d.senderNick ? { userName: d.senderNick } : {}),
    mentioned,
    ...(typeof d.createAt === "number" ? { sentAt: d.createAt } : {}),
  };
  switch (d.msgtype) {
    case "text":
      // DingTalk removes the bot's own @name from the content and leaves the space it took: trimming is enough.
      return { ...base, kind: "text", text: (d.text?.content ?? "").trim() };
    case "richText": {
      const text = (d.content?.richText ?? []).map((p) => p.text ?? "").join("").trim();
      const onlyPictures = !text && (d.content?.richText ?? []).some((p) => p.type === "picture");
      return { ...base, kind: onlyPictures ? "image" : "text", text };
    }
    case "picture":
      return { ...base, kind: "image", text: "" };
    case "audio":
      return { ...base, kind: "voice", text: "" };
    case "file": {
      const code = d.content?.downloadCode;
      const name = d.content?.fileName ?? "file";
      if (!code) return { ...base, kind: "other", text: "" };
      const file: IncomingFile = { name, download: (maxBytes) => download(code, d.robotCode || clientId, maxBytes) };
      return { ...base, kind: "file", text: "", file };
    }
    default:
      return { ...base, kind: "other", text: "" };
  }
}

/** The body DingTalk's sessionWebhook takes for one outgoing message (a card is sent as its markdown). */
export function webhookBody(m: OutgoingMessage): Record<string, unknown> {
  if (m.format === "text") return { msgtype: "text", text: { content: m.content } };
  const title = m.title?.trim() || [...m.content.replace(/[\\`*_#>[\]]/g, "").trim().split("\n")[0]].slice(0, 24).join("") || "年报助手";
  return { msgtype: "markdown", markdown: { title, text: m.content } };
}

async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> | null }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
  });
  return { status: res.status, json: (await res.json().catch(() => null)) as Record<string, unknown> | null };
}

/** Reads a response body, refusing it (code too_large) once it passes maxBytes. */
async function readCapped(res: Response, maxBytes: number, name: string): Promise<Buffer> {
  const tooLarge = () => new NianbaoError(`文件过大：${name} 超过 ${maxBytes} 字节 / file too large`, { code: "too_large" });
  const declared = Number(res.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let total = 0;
  const reader = res.body?.getReader();
  if (reader)
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel();
        throw tooLarge();
      }
      chunks.push(Buffer.from(value));
    }
  return Buffer.concat(chunks);
}

export function createDingtalkTransport(opts: TransportOptions): Transport {
  const { settings, log } = opts;
  const clientId = settings.DINGTALK_CLIENT_ID ?? "";
  const clientSecret = settings.DINGTALK_CLIENT_SECRET ?? "";
  const gateway = base(settings.DINGTALK_GATEWAY_URL);
  const initialMs = opts.reconnect?.initialMs ?? 1000;
  const maxMs = opts.reconnect?.maxMs ?? 60_000;

  let client: GatewayClient | null = null;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let attempt = 0;
  let lastLogAt = -Infinity;
  let token: { value: string; until: number } | null = null;

  async function accessToken(): Promise<string> {
    if (token && Date.now() < token.until) return token.value;
    const { status, json } = await postJson(`${gateway}/v1.0/oauth2/accessToken`, { appKey: clientId, appSecret: clientSecret });
    const value = json?.accessToken;
    if (status === 401 || status === 403) throw badCredentials();
    if (typeof value !== "string") throw new NianbaoError(`钉钉获取 accessToken 失败 / DingTalk accessToken failed (${status})`, { code: "download_failed" });
    const ttl = typeof json?.expireIn === "number" ? json.expireIn : 7200;
    token = { value, until: Date.now() + Math.max(60, ttl - 300) * 1000 };
    return value;
  }

  async function download(downloadCode: string, robotCode: string, maxBytes: number): Promise<Buffer> {
    const { status, json } = await postJson(`${gateway}/v1.0/robot/messageFiles/download`, { downloadCode, robotCode }, { "x-acs-dingtalk-access-token": await accessToken() });
    const url = json?.downloadUrl;
    if (typeof url !== "string") throw new NianbaoError(`钉钉文件下载失败 / DingTalk file download failed (${status}${json?.code ? ` ${String(json.code)}` : ""})`, { code: "download_failed" });
    const res = await fetch(url, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS * 4) });
    if (!res.ok) throw new NianbaoError(`钉钉文件下载失败 / DingTalk file download failed (${res.status})`, { code: "download_failed" });
    return readCapped(res, maxBytes, "file");
  }

  function replyTo(d: DingtalkRobotMessage): Reply {
    return {
      async send(messages) {
        for (const m of messages) {
          // A sessionWebhook lives about 1.5 hours; past it DingTalk refuses the post, so say why without posting.
          if (typeof d.sessionWebhookExpiredTime === "number" && Date.now() >= d.sessionWebhookExpiredTime)
            throw new NianbaoError("钉钉会话已过期，无法回复这条消息 / DingTalk sessionWebhook expired", { code: "session_expired" });
          const { status, json } = await postJson(d.sessionWebhook, webhookBody(m));
          const errcode = json?.errcode;
          if (status >= 300 || (errcode !== undefined && errcode !== 0))
            throw new NianbaoError(`钉钉拒绝了回复：${String(json?.errmsg ?? status)} / DingTalk refused the reply (errcode ${String(errcode ?? status)})`, { code: "send_failed" });
        }
      },
    };
  }

  function onFrame(c: GatewayClient, onMessage: OnMessage, frame: DWClientDownStream): void {
    // Ack first, at protocol level: DingTalk redelivers an unanswered frame, and an answer may take many seconds.
    try {
      c.socketCallBackResponse(frame.headers.messageId, { status: EventAck.SUCCESS });
    } catch (err) {
      log({ event: "office_ack_failed", platform: PLATFORM, error: (err as Error).message });
    }
    let data: DingtalkRobotMessage;
    try {
      data = JSON.parse(frame.data) as DingtalkRobotMessage;
    } catch {
      log({ event: "office_bad_frame", platform: PLATFORM });
      return;
    }
    const msg = toIncoming(data, download, clientId);
    if (!msg || typeof data.sessionWebhook !== "string") {
      log({ event: "office_bad_frame", platform: PLATFORM });
      return;
    }
    onMessage(msg, replyTo(data)).catch((err: unknown) =>
      log({ event: "office_handler_error", platform: PLATFORM, id: msg.id, code: (err as NianbaoError).code, error: (err as Error).message }),
    );
  }

  /** One connection attempt: a ticket from the gateway, then the WebSocket; resolves once it is open. */
  async function connectOnce(onMessage: OnMessage): Promise<void> {
    const c = new GatewayClient({ clientId, clientSecret, ua: "nianbao", keepAlive: true }, gateway);
    c.config.autoReconnect = false;
    // Only the robot's messages (the SDK's default also subscribes to every event, which needs more permissions).
    // (A new array: the SDK's config shares its default subscriptions array between clients.)
    c.config.subscriptions = [];
    c.registerCallbackListener(TOPIC_ROBOT, (frame) => onFrame(c, onMessage, frame));
    client = c;
    await c.getEndpoint();
    if (stopped) return;
    await c._connect();
    const socket = internals(c).socket;
    if (!socket) throw new NianbaoError("钉钉连接失败 / DingTalk socket missing", { code: "unreachable" });
    socket.once("close", () => {
      clearInterval(internals(c).heartbeatIntervallId);
      if (client === c) lost(onMessage);
    });
    if (stopped) c.disconnect();
  }

  function lost(onMessage: OnMessage): void {
    if (stopped || timer) return;
    attempt++;
    const delay = Math.min(maxMs, initialMs * 2 ** Math.min(attempt - 1, 30));
    if (Date.now() - lastLogAt >= LOG_EVERY_MS) {
      lastLogAt = Date.now();
      log({ event: "office_reconnecting", platform: PLATFORM, attempt, delayMs: delay });
    }
    timer = setTimeout(() => {
      timer = null;
      if (stopped) return;
      connectOnce(onMessage).then(
        () => {
          if (stopped) return;
          log({ event: "office_connected", platform: PLATFORM, attempt });
          // lastLogAt is kept: a connection that keeps flapping still logs "reconnecting" at most once a minute.
          attempt = 0;
        },
        (err: unknown) => {
          if (stopped) return;
          const c = client;
          if (c) {
            clearInterval(internals(c).heartbeatIntervallId);
            internals(c).socket?.terminate();
          }
          if ((err as NianbaoError).code === "bad_credentials" && Date.now() - lastLogAt >= LOG_EVERY_MS)
            log({ event: "office_error", platform: PLATFORM, code: "bad_credentials" });
          lost(onMessage);
        },
      );
    }, delay);
  }

  return {
    platform: PLATFORM,
    async start(onMessage) {
      stopped = false;
      if (!clientId || !clientSecret) throw new NianbaoError("钉钉未配置：缺少 DINGTALK_CLIENT_ID / DINGTALK_CLIENT_SECRET / missing setting DINGTALK_CLIENT_SECRET", { code: "bad_credentials" });
      try {
        await connectOnce(onMessage);
      } catch (err) {
        const c = client;
        client = null;
        if (c) {
          clearInterval(internals(c).heartbeatIntervallId);
          internals(c).socket?.terminate();
        }
        if (err instanceof NianbaoError) throw err;
        throw new NianbaoError(`钉钉连接失败 / DingTalk connection failed (${(err as Error).message})`, { code: "unreachable", cause: err });
      }
      log({ event: "office_connected", platform: PLATFORM, attempt: 0 });
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      const c = client;
      client = null;
      if (!c) return;
      c.abort.abort();
      const socket = internals(c).socket;
      const OPEN_OR_CONNECTING = socket && socket.readyState <= 1;
      const closed = OPEN_OR_CONNECTING ? new Promise<void>((resolve) => socket.once("close", () => resolve())) : Promise.resolve();
      c.disconnect();
      clearInterval(internals(c).heartbeatIntervallId);
      // A server that does not answer the close handshake: cut the socket after a moment rather than wait 30 s.
      const cut = setTimeout(() => socket?.terminate(), 2000);
      await closed;
      clearTimeout(cut);
    },
  };
}
