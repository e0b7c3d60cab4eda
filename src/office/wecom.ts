import { WSClient, decryptFile, generateReqId, type WsFrame } from "@wecom/aibot-node-sdk";
import { NianbaoError, redact } from "../errors.js";
import { escapeBlock } from "../present/wecom.js";
import type { IncomingFile, IncomingMessage, OnMessage, OutgoingMessage, Reply, Transport, TransportOptions } from "./types.js";

/**
 * WeCom (企业微信 / 政务微信) AI bot over its long connection, through the official SDK (@wecom/aibot-node-sdk):
 * one WebSocket to WECOM_WS_URL, `aibot_subscribe` with the bot id and secret, `aibot_msg_callback` frames in,
 * `aibot_respond_msg` (a streamed reply bound to the callback's req_id) and `aibot_send_msg` (a push into a chat) out.
 *
 * How the SDK is used, and where it is worked around:
 * - Reconnecting is ours, not the SDK's: its back-off is capped at 30 s (a hard-coded field) and it gives up after
 *   maxReconnectAttempts. Each connection attempt is a fresh WSClient with maxReconnectAttempts and
 *   maxAuthFailureAttempts at 0, so a lost connection ends that client; the transport then starts the next one
 *   after its own back-off (opts.reconnect, 1 s → 60 s) and never gives up until stop(). A fresh client per attempt
 *   also keeps a dying socket's late `close` from touching the next connection's state.
 * - The SDK's logger is silenced (it logs on every failed attempt, and its debug lines carry message bodies); the
 *   transport logs its own events, at most one `office_reconnecting` line a minute, never the secret.
 * - The SDK's downloadFile reads a whole file with no size cap; files are fetched here with a cap and decrypted
 *   with the SDK's decryptFile (AES-256-CBC with the message's own aeskey).
 * - The SDK rejects a refused reply with the platform's ack frame (not an Error); replies turn that into a coded error.
 *
 * The platform's deadline: WeCom wants an answer to a callback within seconds and redelivers one it hears nothing
 * about. The transport acknowledges at once by opening the reply stream (`aibot_respond_msg`, stream finish=false,
 * empty) before the core sees the message; the first message the core sends finishes that stream (WeCom requires
 * this within 6 minutes), later ones and files are pushed into the chat with `aibot_send_msg`. Groups: WeCom pushes
 * a group message to the bot only when it @-mentions the bot, with "@BotName" in the text; the mention is removed.
 */

const PLATFORM = "wecom" as const;
/** How long the first connection may take to answer `aibot_subscribe`. */
const SUBSCRIBE_TIMEOUT_MS = 15_000;
/** start() tries this many times before it rejects with "unreachable" (credentials refused: at once). */
const START_ATTEMPTS = 3;
/** At most one `office_reconnecting` line per this many milliseconds. */
const RECONNECT_LOG_EVERY_MS = 60_000;
/** A reply sent while the connection is down waits this long for the next one. */
const SEND_WAIT_MS = 30_000;
/** AES-256-CBC with PKCS#7 padding to 32 bytes: an encrypted file is at most this much longer than the plain one. */
const CIPHER_OVERHEAD = 32;

/** The SDK's Logger, silenced (see above). */
const QUIET = { debug() {}, info() {}, warn() {}, error() {} };

type AttemptResult = { ok: true; client: WSClient } | { ok: false; kind: "auth" | "network" | "timeout"; detail: string };

interface WecomMsgBody {
  msgid: string;
  chatid?: string;
  chattype?: "single" | "group";
  from?: { userid?: string };
  create_time?: number;
  msgtype: string;
  text?: { content?: string };
  voice?: { content?: string; text?: string };
  mixed?: { msg_item?: Array<{ msgtype: string; text?: { content?: string } }> };
  file?: { url?: string; aeskey?: string; filename?: string; name?: string };
}

function codedError(code: string, message: string, cause?: unknown): NianbaoError {
  return new NianbaoError(message, { code, cause });
}

/** The bot's own @mention removed: WeCom puts "@BotName" (followed by a space or U+2005) into a group message's text. */
export function stripMention(text: string): string {
  return text.replace(/(^|\s)@[^\s@]+\s*/u, "$1").trim();
}

/** A file name from a Content-Disposition header (RFC 5987 filename* first). */
export function dispositionName(header: string | null): string | null {
  if (!header) return null;
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;\s]+)/.exec(header);
  const plain = /filename\s*=\s*"?([^";]+)"?/i.exec(header);
  const raw = star?.[1] ?? plain?.[1];
  if (!raw) return null;
  try {
    return decodeURIComponent(raw.trim());
  } catch {
    return raw.trim();
  }
}

/** The platform's refusal (an ack frame with errcode) or a socket error, as one coded error. */
function sendError(what: string, err: unknown): NianbaoError {
  const frame = err as { errcode?: number; errmsg?: string } | null;
  if (frame && typeof frame === "object" && typeof frame.errcode === "number")
    return codedError("send_failed", `企业微信拒绝了消息：${frame.errmsg ?? ""}（errcode ${frame.errcode}） / WeCom refused ${what}`, err);
  return codedError("send_failed", `企业微信消息发送失败 / WeCom ${what} failed: ${(err as Error)?.message ?? String(err)}`, err);
}

export function createWecomTransport(opts: TransportOptions): Transport {
  return new WecomTransport(opts);
}

class WecomTransport implements Transport {
  readonly platform = PLATFORM;
  private readonly botId: string;
  private readonly secret: string;
  private readonly url: string;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private client: WSClient | null = null;
  private connected = false;
  private stopped = false;
  private onMessage: OnMessage | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Wakes a start() that waits between attempts, when stop() is called. */
  private wake: (() => void) | null = null;
  /** Ends the connection attempt under way (stop() calls it, so that no attempt outlives the transport). */
  private abortAttempt: (() => void) | null = null;
  private reconnectAttempt = 0;
  private lastReconnectLog = -Infinity;
  private waiters: Array<{ resolve: () => void; reject: (e: Error) => void; timer: NodeJS.Timeout }> = [];

  constructor(private readonly opts: TransportOptions) {
    this.botId = opts.settings.WECOM_BOT_ID ?? "";
    this.secret = opts.settings.WECOM_BOT_SECRET ?? "";
    this.url = opts.settings.WECOM_WS_URL;
    this.initialMs = Math.max(1, opts.reconnect?.initialMs ?? 1000);
    this.maxMs = Math.max(this.initialMs, opts.reconnect?.maxMs ?? 60_000);
  }

  private log(e: Record<string, unknown>): void {
    // Nothing logged here carries the secret; redact anyway, in case a platform message ever echoes it.
    const clean = Object.fromEntries(Object.entries(e).map(([k, v]) => [k, typeof v === "string" ? redact(v, [this.secret]) : v]));
    this.opts.log({ platform: PLATFORM, ...clean });
  }

  /** Exponential back-off with ±20 % jitter, within the bounds. */
  private backoff(attempt: number): number {
    const base = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
    return Math.max(1, Math.min(this.maxMs, Math.round(base * (0.8 + Math.random() * 0.4))));
  }

  async start(onMessage: OnMessage): Promise<void> {
    if (!this.botId) throw codedError("bad_credentials", "企业微信登录失败：未设置 WECOM_BOT_ID / invalid setting WECOM_BOT_ID: missing");
    if (!this.secret) throw codedError("bad_credentials", "企业微信登录失败：未设置 WECOM_BOT_SECRET / invalid setting WECOM_BOT_SECRET: missing");
    this.onMessage = onMessage;
    this.stopped = false;
    for (let i = 1; ; i++) {
      const r = await this.attempt();
      if (this.stopped) {
        if (r.ok) this.dispose(r.client);
        throw codedError("stopped", "企业微信连接已停止 / WeCom transport stopped during start");
      }
      if (r.ok) return this.up(r.client);
      if (r.kind === "auth")
        throw codedError(
          "bad_credentials",
          `企业微信登录失败：WECOM_BOT_SECRET 或 WECOM_BOT_ID 不正确 / invalid setting WECOM_BOT_SECRET (or WECOM_BOT_ID): ${redact(r.detail, [this.secret])}`,
        );
      if (i >= START_ATTEMPTS)
        throw codedError("unreachable", `无法连接企业微信：WECOM_WS_URL（${this.url}）连不上 / cannot reach WECOM_WS_URL ${this.url}: ${redact(r.detail, [this.secret])}`);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = setTimeout(resolve, this.backoff(i));
      });
      this.timer = null;
      this.wake = null;
      if (this.stopped) throw codedError("stopped", "企业微信连接已停止 / WeCom transport stopped during start");
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.wake?.();
    this.wake = null;
    this.abortAttempt?.();
    this.connected = false;
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(codedError("stopped", "企业微信连接已停止 / WeCom transport stopped"));
    }
    const c = this.client;
    this.client = null;
    if (c) this.dispose(c);
  }

  /** One connection attempt on a fresh client: resolves when subscribed, or with why it was not. */
  private attempt(): Promise<AttemptResult> {
    const client = new WSClient({
      botId: this.botId,
      secret: this.secret,
      wsUrl: this.url,
      maxReconnectAttempts: 0,
      maxAuthFailureAttempts: 0,
      logger: QUIET,
    });
    this.client = client;
    return new Promise((resolve) => {
      let settled = false;
      let authError: string | null = null;
      let lastError: string | null = null;
      let superseded = false;
      const settle = (r: AttemptResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timeout);
        this.abortAttempt = null;
        if (!r.ok) this.dispose(client);
        resolve(r);
      };
      this.abortAttempt = () => settle({ ok: false, kind: "network", detail: "stopped" });
      const timeout = setTimeout(() => settle({ ok: false, kind: "timeout", detail: "no answer to aibot_subscribe" }), SUBSCRIBE_TIMEOUT_MS);
      client.on("authenticated", () => settle({ ok: true, client }));
      client.on("error", (e: Error) => {
        if (/^Authentication failed/.test(e.message)) authError = e.message;
        else if (!/^Max (reconnect|auth failure) attempts/.test(e.message)) lastError = e.message;
      });
      client.on("event.disconnected_event", () => {
        superseded = true;
      });
      client.on("disconnected", (reason: string) => {
        if (!settled) {
          settle(authError ? { ok: false, kind: "auth", detail: authError } : { ok: false, kind: "network", detail: lastError ?? reason });
          return;
        }
        this.lost(client, superseded, lastError ?? reason);
      });
      client.on("message", (frame: WsFrame<WecomMsgBody>) => void this.receive(frame));
      client.connect();
    });
  }

  private up(client: WSClient): void {
    this.client = client;
    this.connected = true;
    this.reconnectAttempt = 0;
    this.log({ event: "office_connected" });
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.resolve();
    }
  }

  private dispose(client: WSClient): void {
    client.removeAllListeners();
    // The SDK's disconnect clears its heartbeat, its reply timers and any reconnect timer, and terminates the socket.
    client.disconnect();
    if (this.client === client) this.client = null;
  }

  /** The live connection ended: reconnect with back-off, unless stopped or replaced by a newer connection. */
  private lost(client: WSClient, superseded: boolean, reason: string): void {
    if (this.client !== client) return;
    this.connected = false;
    this.dispose(client);
    if (this.stopped) return;
    if (superseded) {
      // WeCom closes the older of two connections of one bot with `disconnected_event`; reconnecting would only
      // push the other one out in turn (the SDK does not reconnect either).
      this.log({ event: "office_superseded", reason: "another connection with WECOM_BOT_ID took over" });
      return;
    }
    this.scheduleReconnect(reason);
  }

  private scheduleReconnect(reason: string): void {
    if (this.stopped) return;
    const attempt = ++this.reconnectAttempt;
    const now = Date.now();
    if (now - this.lastReconnectLog >= RECONNECT_LOG_EVERY_MS) {
      this.lastReconnectLog = now;
      this.log({ event: "office_reconnecting", attempt, reason });
    }
    this.timer = setTimeout(async () => {
      this.timer = null;
      if (this.stopped) return;
      const r = await this.attempt();
      if (this.stopped) {
        if (r.ok) this.dispose(r.client);
        return;
      }
      if (r.ok) this.up(r.client);
      else this.scheduleReconnect(r.kind === "auth" ? `bad_credentials: ${r.detail}` : r.detail);
    }, this.backoff(attempt));
  }

  /** The live client, waiting for a reconnect when the connection is down. */
  async live(): Promise<WSClient> {
    if (this.connected && this.client) return this.client;
    if (this.stopped) throw codedError("stopped", "企业微信连接已停止 / WeCom transport stopped");
    await new Promise<void>((resolve, reject) => {
      const w = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((x) => x !== w);
          reject(codedError("unreachable", "企业微信连接中断，消息未发出 / WeCom connection down, message not sent"));
        }, SEND_WAIT_MS),
      };
      this.waiters.push(w);
    });
    return this.client!;
  }

  private async receive(frame: WsFrame<WecomMsgBody>): Promise<void> {
    const body = frame.body;
    const client = this.client;
    if (!body?.msgid || !client || !this.onMessage) return;
    const chatType = body.chattype === "group" ? "group" : "private";
    const userId = body.from?.userid ?? "";
    const chatId = chatType === "group" ? body.chatid ?? "" : userId;
    const reply = new WecomReply(this, frame, chatId, chatType);
    // The protocol-level ack: open the reply stream now, before the core sees the message.
    reply.open(client);
    try {
      const message = await this.incoming(body, chatType, chatId, userId);
      await this.onMessage(message, reply);
    } catch (err) {
      this.log({ event: "office_handler_error", id: body.msgid, error: String((err as Error)?.message ?? err) });
    } finally {
      await reply.close();
    }
  }

  private async incoming(body: WecomMsgBody, chatType: "private" | "group", chatId: string, userId: string): Promise<IncomingMessage> {
    let kind: IncomingMessage["kind"] = "other";
    let text = "";
    let file: IncomingFile | undefined;
    switch (body.msgtype) {
      case "text":
        kind = "text";
        text = body.text?.content ?? "";
        break;
      case "mixed": {
        const parts = (body.mixed?.msg_item ?? []).filter((i) => i.msgtype === "text").map((i) => i.text?.content ?? "");
        kind = parts.some((p) => p.trim()) ? "text" : "image";
        text = parts.join("\n");
        break;
      }
      case "voice":
        // WeCom sends voice already transcribed; the text is passed on with kind "voice" for the core to decide.
        kind = "voice";
        text = body.voice?.content ?? body.voice?.text ?? "";
        break;
      case "image":
        kind = "image";
        break;
      case "file":
        kind = "file";
        if (body.file?.url) file = await this.fileOf(body.file.url, body.file.aeskey, body.file.filename ?? body.file.name);
        break;
    }
    if (chatType === "group") text = stripMention(text);
    const t = body.create_time;
    return {
      platform: PLATFORM,
      id: body.msgid,
      chatId,
      chatType,
      userId,
      text: text.trim(),
      // WeCom pushes a group message to the bot only when it @-mentions the bot.
      mentioned: true,
      kind,
      ...(file ? { file } : {}),
      ...(typeof t === "number" && t > 0 ? { sentAt: t < 1e12 ? t * 1000 : t } : {}),
    };
  }

  /**
   * A file message: WeCom gives only an encrypted download URL (valid five minutes) and its aeskey; the name comes
   * from the download's Content-Disposition, so the headers are read at once (the body is not) to name it.
   */
  private async fileOf(url: string, aeskey: string | undefined, given: string | undefined): Promise<IncomingFile> {
    let name = given ?? null;
    let size: number | undefined;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(15_000) });
      name ??= dispositionName(res.headers.get("content-disposition"));
      const len = Number(res.headers.get("content-length"));
      // The encrypted length: the plain file is at most CIPHER_OVERHEAD bytes shorter (WeCom states no size).
      if (Number.isFinite(len) && len > 0) size = len;
      await res.body?.cancel();
    } catch (err) {
      this.log({ event: "office_file_probe_failed", error: String((err as Error)?.message ?? err) });
    }
    return {
      name: name ?? decodeURIComponent(new URL(url).pathname.split("/").pop() || "file"),
      ...(size !== undefined ? { size } : {}),
      download: (maxBytes: number) => downloadFile(url, aeskey, maxBytes),
    };
  }
}

function tooLarge(maxBytes: number): NianbaoError {
  return codedError("too_large", `文件超过 ${maxBytes} 字节 / file larger than ${maxBytes} bytes`);
}

/** Fetches a WeCom file with a size cap (encrypted size ≤ maxBytes + padding) and decrypts it with its aeskey. */
async function downloadFile(url: string, aeskey: string | undefined, maxBytes: number): Promise<Buffer> {
  const cap = maxBytes + (aeskey ? CIPHER_OVERHEAD : 0);
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(60_000) });
  } catch (err) {
    throw codedError("download_failed", `企业微信文件下载失败 / WeCom file download failed: ${(err as Error).message}`, err);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw codedError("download_failed", `企业微信文件下载失败（HTTP ${res.status}） / WeCom file download failed: HTTP ${res.status}`);
  }
  const declared = Number(res.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > cap) {
    await res.body?.cancel();
    throw tooLarge(maxBytes);
  }
  const chunks: Buffer[] = [];
  let got = 0;
  if (res.body) {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      got += value.byteLength;
      if (got > cap) {
        await reader.cancel();
        throw tooLarge(maxBytes);
      }
      chunks.push(Buffer.from(value));
    }
  }
  const raw = Buffer.concat(chunks);
  let data: Buffer;
  try {
    data = aeskey ? decryptFile(raw, aeskey) : raw;
  } catch (err) {
    throw codedError("download_failed", `企业微信文件解密失败 / WeCom file could not be decrypted: ${(err as Error).message}`, err);
  }
  if (data.length > maxBytes) throw tooLarge(maxBytes);
  return data;
}

/**
 * Replies to one callback. The stream opened on receipt carries the first message; the rest, and files, are pushed
 * into the chat. When the stream reply is refused (its req_id expired, e.g. across a reconnect), the message is
 * pushed instead.
 */
class WecomReply implements Reply {
  private readonly streamId = generateReqId("stream");
  private finished = false;
  private opened: Promise<unknown> = Promise.resolve();
  private readonly chatTypeCode: 1 | 2;

  constructor(
    private readonly t: WecomTransport,
    private readonly frame: WsFrame,
    private readonly chatId: string,
    chatType: "private" | "group",
  ) {
    this.chatTypeCode = chatType === "group" ? 2 : 1;
  }

  /** Sends the opening stream frame (written to the socket synchronously; its ack is awaited before the next). */
  open(client: WSClient): void {
    this.opened = client.replyStream(this.frame, this.streamId, "", false).catch(() => undefined);
  }

  async send(messages: OutgoingMessage[]): Promise<void> {
    for (const m of messages) {
      const content = m.format === "text" ? escapeBlock(m.content) : m.content;
      if (!this.finished) {
        this.finished = true;
        await this.opened;
        try {
          await (await this.t.live()).replyStream(this.frame, this.streamId, content, true);
          continue;
        } catch {
          // Fall through: push it into the chat instead.
        }
      }
      await this.push({ msgtype: "markdown", markdown: { content } }, "markdown");
    }
  }

  sendFile = async (name: string, data: Buffer, _mime: string): Promise<void> => {
    const client = await this.t.live();
    let mediaId: string;
    try {
      mediaId = (await client.uploadMedia(data, { type: "file", filename: name })).media_id;
    } catch (err) {
      throw sendError("file upload", err);
    }
    await this.push({ msgtype: "file", file: { media_id: mediaId } }, "file");
  };

  private async push(body: Record<string, unknown>, what: string): Promise<void> {
    const client = await this.t.live();
    try {
      // chat_type (1 single, 2 group) tells the platform which kind of id chatid is.
      await client.sendMessage(this.chatId, { ...body, chat_type: this.chatTypeCode } as never);
    } catch (err) {
      throw sendError(what, err);
    }
  }

  /**
   * After the core is done: a stream it never wrote to (a redelivered message it dropped, or only a file sent) is
   * finished empty, so it does not stay open on the user's screen until WeCom's 6-minute limit.
   */
  async close(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    await this.opened;
    try {
      await (await this.t.live()).replyStream(this.frame, this.streamId, "", true);
    } catch {
      // Nothing to tell anyone: the stream expires on the platform.
    }
  }
}
