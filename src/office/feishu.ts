import * as lark from "@larksuiteoapi/node-sdk";
import { NianbaoError, redact } from "../errors.js";
import { feishuCard } from "../present/feishu.js";
import type { OutgoingMessage } from "../present/office.js";
import type { IncomingMessage, OfficeLog, OnMessage, Reply, Transport, TransportOptions } from "./types.js";

/**
 * Feishu (飞书) over its long connection, with the official SDK (@larksuiteoapi/node-sdk): WSClient receives
 * im.message.receive_v1 events over a WebSocket (no public address needed), Client sends replies through the open
 * API (im.message.create / reply, im.file.create, im.messageResource.get). Both talk to FEISHU_DOMAIN.
 *
 * Where the SDK is worked around, and why:
 *  - Reconnecting. The SDK's own loop retries at the interval the server hands out (ReconnectInterval, 120 s on
 *    open.feishu.cn, plus up to 30 s of random delay), without back-off and without telling the caller, and on a
 *    first connect that fails it loops silently too. So here each WSClient is one connection: its endpoint request
 *    goes through `endpointHttp`, which turns a network failure into a failed answer and sets ReconnectCount and
 *    ReconnectNonce to 0, so that a failed attempt always ends in onError (at once); a lost connection surfaces
 *    as onReconnecting, upon which that client is closed and a new one is made after this transport's back-off
 *    (opts.reconnect, 1 s doubling to 60 s) with one log line a minute.
 *  - Acks. WSClient acks an event only after the handler's promise settles, so the handler returns at once and
 *    onMessage runs on the next turn (setImmediate), after the ack frame has been written.
 *  - Token cache. Client keeps tenant tokens in a process-wide cache keyed by app id; each transport gets its own
 *    (a changed secret or another server address never reuses a token), dropped when Feishu calls a token invalid.
 *  - Logging. The SDK logs axios errors whole (their request body holds app_secret); its log lines are reduced to
 *    their text, redacted, and forwarded at most once a minute.
 *  - appId. WSClient.start returns silently for an app id not shaped cli_ + 16 hex digits; it is checked first.
 */

const PLATFORM = "feishu" as const;
const APP_ID_RE = /^cli_[0-9a-fA-F]{16}$/;
/** The endpoint's answer when it could not be reached (no Feishu code is negative). */
const UNREACHABLE = -1;
/** Open-API codes meaning the tenant token is not (or no longer) valid. */
const TOKEN_INVALID = new Set([99991661, 99991663, 99991668]);
/** Token endpoint codes naming the app id (the others of a failed token request point at the secret). */
const APP_ID_CODES = new Set([10003]);
/** Long-connection endpoint codes for refused credentials (the SDK's ErrorCode: forbidden, auth_failed). */
const ENDPOINT_AUTH_CODES = new Set([403, 514]);
const LOG_EVERY_MS = 60_000;
/** Reply-API codes for a message that can no longer be replied to (withdrawn, deleted). */
const REPLY_TARGET_GONE = new Set([230011, 231003]);

export function createFeishuTransport(opts: TransportOptions): Transport {
  return new FeishuTransport(opts);
}

function officeError(code: string, message: string, cause?: unknown): NianbaoError {
  return new NianbaoError(message, { code, cause });
}

/** A tenant-token cache of one transport (the SDK's Cache interface). */
class TokenCache implements lark.Cache {
  private values = new Map<string, { value: unknown; expire?: number }>();
  private key(key: string | Symbol, namespace?: string): string {
    return `${namespace ?? ""}/${key.toString()}`;
  }
  async set(key: string | Symbol, value: unknown, expire?: number, options?: { namespace?: string }): Promise<boolean> {
    this.values.set(this.key(key, options?.namespace), { value, expire });
    return true;
  }
  async get(key: string | Symbol, options?: { namespace?: string }): Promise<unknown> {
    const v = this.values.get(this.key(key, options?.namespace));
    if (!v || (v.expire !== undefined && v.expire <= Date.now())) return undefined;
    return v.value;
  }
  clear(): void {
    this.values.clear();
  }
}

/** What a failed SDK call says: Feishu's code and message when there is one, or that the network failed. */
interface Failure {
  code?: number;
  msg?: string;
  network: boolean;
  text: string;
}

function failureOf(err: unknown): Failure {
  const e = err as { message?: string; code?: string; response?: { status?: number; data?: unknown }; isAxiosError?: boolean };
  const text = e?.message ?? String(err);
  const data = e?.response?.data as { code?: unknown; msg?: unknown } | undefined;
  if (data && typeof data.code === "number") return { code: data.code, msg: String(data.msg ?? ""), network: false, text };
  // TokenManager: "failed to get tenant_access_token, code: 10014, msg: app secret invalid"
  const token = /code: (-?\d+), msg: (.*)$/.exec(text);
  if (token) return { code: Number(token[1]), msg: token[2], network: false, text };
  const network = !!e?.isAxiosError && !e.response;
  return { network, text };
}

export class FeishuTransport implements Transport {
  readonly platform = PLATFORM;
  private readonly log: OfficeLog;
  private readonly appId: string;
  private readonly appSecret: string;
  private readonly domain: string;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly cache = new TokenCache();
  private client: lark.Client | null = null;
  private ws: lark.WSClient | null = null;
  private botOpenId = "";
  private onMessage: OnMessage | null = null;
  private stopped = false;
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  private attempt = 0;
  private lastReconnectLog = 0;
  private connectedAt = 0;
  private lastSdkLog = 0;
  private abortConnect: ((e: Error) => void) | null = null;

  constructor(opts: TransportOptions) {
    this.log = opts.log;
    this.appId = opts.settings.FEISHU_APP_ID ?? "";
    this.appSecret = opts.settings.FEISHU_APP_SECRET ?? "";
    this.domain = opts.settings.FEISHU_DOMAIN.replace(/\/+$/, "");
    this.initialMs = opts.reconnect?.initialMs ?? 1_000;
    this.maxMs = Math.max(this.initialMs, opts.reconnect?.maxMs ?? 60_000);
  }

  async start(onMessage: OnMessage): Promise<void> {
    if (this.running) throw officeError("already_started", "飞书连接已启动 / feishu transport already started");
    if (!this.appId) throw this.badCredentials("FEISHU_APP_ID", "未设置", "not set");
    if (!this.appSecret) throw this.badCredentials("FEISHU_APP_SECRET", "未设置", "not set");
    if (!APP_ID_RE.test(this.appId)) throw this.badCredentials("FEISHU_APP_ID", "格式不对（应为 cli_ 加 16 位十六进制）", "expected cli_ followed by 16 hex digits");
    this.onMessage = onMessage;
    this.stopped = false;
    this.attempt = 0;
    this.running = true;
    this.client = new lark.Client({
      appId: this.appId,
      appSecret: this.appSecret,
      domain: this.domain,
      appType: lark.AppType.SelfBuild,
      cache: this.cache,
      logger: this.sdkLogger(),
      loggerLevel: lark.LoggerLevel.error,
    });
    try {
      this.botOpenId = await this.botInfo();
      await this.connect();
    } catch (err) {
      this.running = false;
      await this.stop();
      throw err;
    }
    this.connected();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.abortConnect?.(officeError("stopped", "飞书连接已停止 / feishu transport stopped"));
    this.abortConnect = null;
    const ws = this.ws;
    this.ws = null;
    ws?.close({ force: true });
  }

  // -------------------------------------------------------------------------------------------------------------
  // Connecting

  private badCredentials(setting: string, zh: string, en: string, detail?: string): NianbaoError {
    return officeError("bad_credentials", `飞书登录失败：${setting} ${zh} / invalid setting ${setting}: ${en}${detail ? ` (${detail})` : ""}`);
  }

  private unreachable(detail: string, cause?: unknown): NianbaoError {
    return officeError("unreachable", `飞书连接失败：无法访问 FEISHU_DOMAIN ${this.domain} / cannot reach FEISHU_DOMAIN (${redact(detail, [this.appSecret])})`, cause);
  }

  /** The bot's own open_id (what an @mention of the bot carries); the first call also proves the credentials. */
  private async botInfo(): Promise<string> {
    let res: { code?: number; msg?: string; bot?: { open_id?: string } };
    try {
      res = await this.client!.request({ method: "GET", url: "/open-apis/bot/v3/info" });
    } catch (err) {
      const f = failureOf(err);
      if (f.code !== undefined && !TOKEN_INVALID.has(f.code)) {
        const detail = `code ${f.code}: ${redact(f.msg ?? "", [this.appSecret])}`;
        if (APP_ID_CODES.has(f.code)) throw this.badCredentials("FEISHU_APP_ID", "不正确", "not accepted", detail);
        throw this.badCredentials("FEISHU_APP_SECRET", "不正确", "not accepted", detail);
      }
      throw this.unreachable(f.text, err);
    }
    if (res?.code !== 0 || !res.bot?.open_id)
      throw officeError("bot_unavailable", `飞书机器人信息读取失败（code ${res?.code}: ${res?.msg ?? ""}）：请在开发者后台为应用开启机器人能力 / bot info unavailable: enable the bot capability`);
    return res.bot.open_id;
  }

  /**
   * The endpoint request of WSClient (POST {domain}/callback/ws/endpoint) through axios, changed so that every failed
   * attempt ends in onError instead of the SDK's silent retry loop (see the note at the top of this file).
   */
  private endpointHttp(): lark.HttpInstance {
    const base = lark.defaultHttpInstance;
    // Every other method stays axios's own (its methods are bound to the instance).
    const http = Object.create(base) as lark.HttpInstance;
    http.request = async <T = unknown, R = T, D = unknown>(opts: lark.HttpRequestOptions<D>): Promise<R> => {
      let res: { code?: number; msg?: string; data?: { URL?: string; ClientConfig?: Record<string, number> } | null };
      try {
        res = await base.request(opts);
      } catch (err) {
        const f = failureOf(err);
        return { code: f.code ?? UNREACHABLE, msg: redact(f.msg ?? f.text, [this.appSecret]), data: {} } as R;
      }
      // The SDK reads data.URL even from a failed answer; a failure without data would look retryable to it.
      if (!res || typeof res !== "object") return { code: UNREACHABLE, msg: "empty answer", data: {} } as R;
      if (res.code !== 0) return { ...res, code: res.code === 1000040343 ? UNREACHABLE : res.code, data: res.data ?? {} } as R;
      if (res.data?.ClientConfig) res.data.ClientConfig = { ...res.data.ClientConfig, ReconnectCount: 0, ReconnectNonce: 0 };
      return res as R;
    };
    return http;
  }

  /** One long connection: resolves when it is open, rejects (coded) when this attempt failed. */
  private connect(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      let lost = false;
      const settle = (err?: Error) => {
        if (settled) return;
        settled = true;
        this.abortConnect = null;
        if (err) {
          if (this.ws === ws) this.ws = null;
          ws.close({ force: true });
          reject(err);
        } else resolve();
      };
      const dispatcher = new lark.EventDispatcher({ logger: this.sdkLogger(), loggerLevel: lark.LoggerLevel.error }).register({
        // Return at once: the SDK acks after this returns; the answer is made on the next turn.
        "im.message.receive_v1": (data: FeishuMessageEvent) => {
          setImmediate(() => this.receive(data));
        },
      });
      const ws: lark.WSClient = new lark.WSClient({
        appId: this.appId,
        appSecret: this.appSecret,
        domain: this.domain,
        httpInstance: this.endpointHttp(),
        logger: this.sdkLogger(),
        loggerLevel: lark.LoggerLevel.error,
        autoReconnect: true,
        handshakeTimeoutMs: 15_000,
        onReady: () => {
          if (this.stopped) return settle(officeError("stopped", "飞书连接已停止 / feishu transport stopped"));
          settle();
        },
        onError: (err: Error) => settle(this.connectError(err)),
        onReconnecting: () => {
          if (lost) return;
          lost = true;
          // The SDK arms its own retry timer right after this callback returns; close() (next microtask) cancels it.
          queueMicrotask(() => ws.close({ force: true }));
          if (this.ws === ws) this.ws = null;
          if (!settled) return settle(this.unreachable("connection closed during the handshake"));
          // A connection that held for a while starts a fresh back-off; one that dropped at once continues it.
          if (Date.now() - this.connectedAt >= this.maxMs) this.attempt = 0;
          this.scheduleReconnect();
        },
      });
      this.ws = ws;
      this.abortConnect = settle;
      void ws.start({ eventDispatcher: dispatcher });
    });
  }

  private connectError(err: Error): NianbaoError {
    const m = /code=(-?\d+), msg=(.*)$/.exec(err.message);
    const code = m ? Number(m[1]) : undefined;
    const detail = redact(m ? `code ${m[1]}: ${m[2]}` : err.message, [this.appSecret]);
    if (code !== undefined && ENDPOINT_AUTH_CODES.has(code)) return this.badCredentials("FEISHU_APP_SECRET", "不正确", "not accepted", detail);
    return this.unreachable(detail, err);
  }

  private connected(): void {
    this.connectedAt = Date.now();
    this.log({ level: "info", event: "office_connected", platform: PLATFORM });
  }

  /** The next attempt after the back-off; "office_reconnecting" is logged at most once a minute, whatever happens. */
  private scheduleReconnect(): void {
    if (this.stopped || this.timer) return;
    this.attempt++;
    const base = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.attempt - 1, 30));
    const delay = Math.round(base * (0.5 + Math.random() * 0.5));
    const now = Date.now();
    if (now - this.lastReconnectLog >= LOG_EVERY_MS) {
      this.lastReconnectLog = now;
      this.log({ level: "warn", event: "office_reconnecting", platform: PLATFORM, attempt: this.attempt, delay_ms: delay });
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.stopped) return;
      this.connect().then(
        () => this.connected(),
        () => this.scheduleReconnect(),
      );
    }, delay);
  }

  /** The SDK's log lines as text only (never its objects), without the secret, at most one a minute. */
  private sdkLogger(): lark.Logger {
    const forward = (...args: unknown[]) => {
      const now = Date.now();
      if (this.attempt > 0 || now - this.lastSdkLog < LOG_EVERY_MS) return;
      const text = args
        .map((a) => (typeof a === "string" ? a : a instanceof Error ? a.message : ""))
        .filter(Boolean)
        .join(" ");
      if (!text) return;
      this.lastSdkLog = now;
      this.log({ level: "warn", event: "office_sdk", platform: PLATFORM, message: redact(text, [this.appSecret]).slice(0, 300) });
    };
    const quiet = () => undefined;
    return { error: forward, warn: forward, info: quiet, debug: quiet, trace: quiet };
  }

  // -------------------------------------------------------------------------------------------------------------
  // Receiving

  private receive(data: FeishuMessageEvent): void {
    if (this.stopped || !this.onMessage) return;
    let message: IncomingMessage;
    try {
      message = feishuIncoming(data, this.botOpenId, (m, key, max) => this.download(m, key, max));
    } catch (err) {
      this.log({ level: "warn", event: "office_bad_event", platform: PLATFORM, message: (err as Error).message });
      return;
    }
    const reply = this.replyTo(message);
    this.onMessage(message, reply).catch((err: unknown) =>
      this.log({ level: "error", event: "office_handler_failed", platform: PLATFORM, message_id: message.id, message: redact((err as Error)?.message ?? String(err), [this.appSecret]) }),
    );
  }

  private async download(messageId: string, fileKey: string, maxBytes: number): Promise<Buffer> {
    const tooLarge = () => officeError("too_large", `文件超过 ${maxBytes} 字节 / file larger than ${maxBytes} bytes`);
    let res: { getReadableStream(): NodeJS.ReadableStream & { destroy?: () => void }; headers?: Record<string, unknown> };
    try {
      res = (await this.withToken(() => this.client!.im.v1.messageResource.get({ path: { message_id: messageId, file_key: fileKey }, params: { type: "file" } }))) as typeof res;
    } catch (err) {
      throw officeError("download_failed", `飞书文件下载失败 / feishu file download failed (${redact(failureOf(err).text, [this.appSecret])})`, err);
    }
    const stream = res.getReadableStream();
    const declared = Number(res.headers?.["content-length"]);
    if (Number.isFinite(declared) && declared > maxBytes) {
      stream.destroy?.();
      throw tooLarge();
    }
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of stream) {
      const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      total += b.length;
      if (total > maxBytes) {
        stream.destroy?.();
        throw tooLarge();
      }
      chunks.push(b);
    }
    return Buffer.concat(chunks);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Sending

  /** Runs an open-API call; when Feishu says the tenant token is invalid, drops it and tries once more. */
  private async withToken<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      const f = failureOf(err);
      if (f.code === undefined || !TOKEN_INVALID.has(f.code)) throw err;
      this.cache.clear();
      return call();
    }
  }

  private replyTo(m: IncomingMessage): Reply {
    let n = 0;
    // In a group the first message quotes the question (a reply); the rest follow in the chat.
    const post = async (msgType: string, content: string): Promise<void> => {
      const i = n++;
      // Feishu's idempotency key: the same message of the same answer is never shown twice, even if sent again.
      const uuid = `${m.id}-${i}`.slice(0, 50);
      const create = () => this.client!.im.v1.message.create({ params: { receive_id_type: "chat_id" }, data: { receive_id: m.chatId, msg_type: msgType, content, uuid } });
      const reply = () => this.client!.im.v1.message.reply({ path: { message_id: m.id }, data: { msg_type: msgType, content, uuid } });
      let res: { code?: number; msg?: string };
      try {
        if (m.chatType !== "group" || i > 0) res = await this.withToken(create);
        else {
          // A question withdrawn (or deleted) before the answer cannot be quoted: the answer goes into the chat.
          res = await this.withToken(reply).catch((err: unknown) => {
            if (!REPLY_TARGET_GONE.has(failureOf(err).code ?? 0)) throw err;
            return this.withToken(create);
          });
          if (REPLY_TARGET_GONE.has(res?.code ?? 0)) res = await this.withToken(create);
        }
      } catch (err) {
        const f = failureOf(err);
        throw officeError("send_failed", `飞书消息发送失败 / feishu send failed (${f.code !== undefined ? `code ${f.code}: ${f.msg}` : redact(f.text, [this.appSecret])})`, err);
      }
      if (res?.code !== 0) throw officeError("send_failed", `飞书消息发送失败 / feishu send failed (code ${res?.code}: ${res?.msg ?? ""})`);
    };
    return {
      send: async (messages: OutgoingMessage[]) => {
        for (const msg of messages) {
          const { msgType, content } = feishuContent(msg);
          await post(msgType, content);
        }
      },
      sendFile: async (name: string, data: Buffer, mime: string) => {
        let key: string | undefined;
        try {
          const res = await this.withToken(() => this.client!.im.v1.file.create({ data: { file_type: feishuFileType(name, mime), file_name: name, file: data } }));
          key = res?.file_key;
        } catch (err) {
          const f = failureOf(err);
          throw officeError("send_failed", `飞书文件上传失败 / feishu file upload failed (${f.code !== undefined ? `code ${f.code}: ${f.msg}` : redact(f.text, [this.appSecret])})`, err);
        }
        if (!key) throw officeError("send_failed", "飞书文件上传失败 / feishu file upload failed (no file_key)");
        await post("file", JSON.stringify({ file_key: key }));
      },
    };
  }
}

/** An OutgoingMessage as Feishu's msg_type and content: cards (and markdown, which Feishu shows in a card) or text. */
export function feishuContent(m: OutgoingMessage): { msgType: string; content: string } {
  if (m.format === "text") return { msgType: "text", content: JSON.stringify({ text: m.content }) };
  return { msgType: "interactive", content: JSON.stringify(m.format === "card" && m.card ? m.card : feishuCard(m.content)) };
}

/** im.file.create's file_type: Feishu knows a few document types; everything else (CSV too) is "stream". */
export function feishuFileType(name: string, mime: string): "pdf" | "doc" | "xls" | "ppt" | "stream" {
  const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase() ?? "";
  if (ext === "pdf" || mime === "application/pdf") return "pdf";
  if (ext === "doc" || ext === "docx") return "doc";
  if (ext === "xls" || ext === "xlsx") return "xls";
  if (ext === "ppt" || ext === "pptx") return "ppt";
  return "stream";
}

// ---------------------------------------------------------------------------------------------------------------
// Events

interface FeishuMention {
  key: string;
  id?: { open_id?: string; user_id?: string; union_id?: string };
  name?: string;
}

/** im.message.receive_v1 as EventDispatcher hands it over (the 2.0 envelope's header and event merged). */
export interface FeishuMessageEvent {
  event_id?: string;
  sender?: { sender_id?: { open_id?: string; user_id?: string; union_id?: string }; sender_type?: string };
  message?: {
    message_id?: string;
    chat_id?: string;
    chat_type?: string;
    message_type?: string;
    content?: string;
    create_time?: string;
    mentions?: FeishuMention[];
  };
}

type Download = (messageId: string, fileKey: string, maxBytes: number) => Promise<Buffer>;

/** Rich text (post) reduced to its text: one line per paragraph, the title first, @mentions kept as their keys. */
function postText(content: { title?: string; content?: Array<Array<{ tag?: string; text?: string; user_id?: string; user_name?: string }>> }): string {
  const lines = (content.content ?? []).map((para) =>
    (para ?? [])
      .map((el) => {
        if (el.tag === "at") return el.user_id?.startsWith("@_") ? el.user_id : `@${el.user_name ?? ""}`;
        return typeof el.text === "string" ? el.text : "";
      })
      .join(""),
  );
  return [content.title ?? "", ...lines].filter((l) => l.trim() !== "").join("\n");
}

/** The event as an IncomingMessage: the bot's @mention removed from the text, others' shown as @name. */
export function feishuIncoming(data: FeishuMessageEvent, botOpenId: string, download: Download): IncomingMessage {
  const msg = data.message;
  if (!msg?.message_id || !msg.chat_id) throw new Error("im.message.receive_v1 without message_id or chat_id");
  const sender = data.sender?.sender_id ?? {};
  const userId = sender.open_id || sender.user_id || sender.union_id || "";
  const chatType = msg.chat_type === "p2p" ? "private" : "group";
  const mentions = msg.mentions ?? [];
  const mentioned = chatType === "private" || mentions.some((m) => !!botOpenId && m.id?.open_id === botOpenId);
  let content: Record<string, unknown> = {};
  try {
    content = JSON.parse(msg.content ?? "{}") as Record<string, unknown>;
  } catch {
    content = {};
  }
  const type = msg.message_type ?? "";
  let text = "";
  let kind: IncomingMessage["kind"] = "other";
  let file: IncomingMessage["file"];
  if (type === "text") {
    kind = "text";
    text = typeof content.text === "string" ? content.text : "";
  } else if (type === "post") {
    kind = "text";
    text = postText(content as Parameters<typeof postText>[0]);
  } else if (type === "file" && typeof content.file_key === "string") {
    kind = "file";
    const key = content.file_key;
    const messageId = msg.message_id;
    file = { name: typeof content.file_name === "string" ? content.file_name : "file", download: (max) => download(messageId, key, max) };
  } else if (type === "image") kind = "image";
  else if (type === "audio") kind = "voice";
  // Longer keys first, so that @_user_1 does not eat the start of @_user_10.
  for (const m of [...mentions].sort((a, b) => b.key.length - a.key.length)) {
    if (!m.key) continue;
    text = text.split(m.key).join(botOpenId && m.id?.open_id === botOpenId ? "" : `@${m.name ?? ""}`);
  }
  text = text.replace(/[ \t\u00a0]+/g, " ").replace(/ *\n */g, "\n").trim();
  const sentAt = Number(msg.create_time);
  return {
    platform: PLATFORM,
    id: msg.message_id,
    chatId: msg.chat_id,
    chatType,
    userId,
    text,
    mentioned,
    kind,
    ...(file ? { file } : {}),
    ...(Number.isFinite(sentAt) && sentAt > 0 ? { sentAt } : {}),
  };
}
