import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { multipartParts } from "./multipart.js";
import type { AddressInfo } from "node:net";

/**
 * A fake Telegram Bot API on 127.0.0.1 for end-to-end tests through grammY's real HTTP client.
 * Routes POST /bot<token>/<method>; records every call with its parsed params; serves queued updates via
 * long-polling getUpdates (honouring timeout and confirming offsets); can fail the next call of a method once.
 */

export interface RecordedCall {
  method: string;
  params: Record<string, any>;
  /** HTTP status that was answered. */
  status: number;
  at: number;
}

export interface FakeUpdateInput {
  chatId: number;
  chatType?: "private" | "group" | "supergroup";
  userId?: number;
  text: string;
  /** message_id of the message this one replies to, and who sent that one. */
  replyTo?: { messageId: number; fromBot: boolean; text?: string };
  entities?: Array<{ type: string; offset: number; length: number }>;
}

export const FAKE_BOT = {
  id: 7000001,
  is_bot: true as const,
  first_name: "年报",
  username: "nianbao_test_bot",
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
  has_topics_enabled: false,
  allows_users_to_create_topics: false,
};

interface Waiter {
  method: string;
  predicate: (c: RecordedCall) => boolean;
  from: number;
  resolve: (c: RecordedCall) => void;
}

export class FakeBotApi {
  readonly calls: RecordedCall[] = [];
  private server: Server | null = null;
  private updates: any[] = [];
  private nextUpdateId = 1;
  private nextMessageId = 1000;
  private failures = new Map<string, Array<{ code: number; retryAfter?: number }>>();
  private always = new Map<string, { code: number; retryAfter?: number }>();
  private pollers = new Set<() => void>();
  private waiters = new Set<Waiter>();
  /** Messages the fake "sent" as the bot, so tests can reply to them. */
  readonly sentMessages = new Map<number, { chatId: number; text: string }>();
  port = 0;

  constructor(readonly token: string) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Listen on `port` (0 = any free port; a fixed one to play a Bot API that comes up late). */
  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(port, "127.0.0.1", r));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    for (const wake of this.pollers) wake();
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server!.close(() => r()));
    this.server = null;
  }

  /** Queue an update; update_id is assigned when missing. Returns the update as served. */
  pushUpdate(update: Record<string, any>): any {
    const u = { update_id: this.nextUpdateId++, ...update };
    if (u.update_id >= this.nextUpdateId) this.nextUpdateId = u.update_id + 1;
    this.updates.push(u);
    for (const wake of this.pollers) wake();
    return u;
  }

  /** Queue a text message from a user; returns the message_id it carries. */
  pushText(input: FakeUpdateInput): number {
    const messageId = this.nextMessageId++;
    const userId = input.userId ?? input.chatId;
    const chat =
      (input.chatType ?? "private") === "private"
        ? { id: input.chatId, type: "private", first_name: "测试用户" }
        : { id: input.chatId, type: input.chatType, title: "测试群" };
    const message: Record<string, any> = {
      message_id: messageId,
      date: Math.floor(Date.now() / 1000),
      chat,
      from: { id: userId, is_bot: false, first_name: "测试用户" },
      text: input.text,
    };
    const cmd = /^\/[a-z_]+(@\w+)?/i.exec(input.text);
    const entities = input.entities ?? (cmd ? [{ type: "bot_command", offset: 0, length: cmd[0].length }] : undefined);
    if (entities) message.entities = entities;
    if (input.replyTo) {
      message.reply_to_message = {
        message_id: input.replyTo.messageId,
        date: message.date,
        chat,
        from: input.replyTo.fromBot ? { ...FAKE_BOT } : { id: 1, is_bot: false, first_name: "别人" },
        text: input.replyTo.text ?? "……",
      };
    }
    this.pushUpdate({ message });
    return messageId;
  }

  /** Queue a button press on a message the bot sent. */
  pushCallback(input: { chatId: number; userId?: number; data: string; messageId?: number; chatType?: string }): void {
    const chat = { id: input.chatId, type: input.chatType ?? "private" };
    this.pushUpdate({
      callback_query: {
        id: `cb${this.nextUpdateId}`,
        from: { id: input.userId ?? input.chatId, is_bot: false, first_name: "测试用户" },
        chat_instance: "ci",
        data: input.data,
        message: {
          message_id: input.messageId ?? 1,
          date: Math.floor(Date.now() / 1000),
          chat,
          from: { ...FAKE_BOT },
          text: "……",
        },
      },
    });
  }

  /** The next call of `method` fails once with 429 (retry_after) or a 5xx. */
  failNext(method: string, code: 429 | 500 | 502, retryAfter = 1): void {
    const q = this.failures.get(method) ?? [];
    q.push({ code, retryAfter: code === 429 ? retryAfter : undefined });
    this.failures.set(method, q);
  }

  /** Every call of `method` fails with 429 (retry_after seconds) until cleared with `failAlways(method, null)`. */
  failAlways(method: string, failure: { code: 429; retryAfter: number } | null): void {
    if (failure) this.always.set(method, failure);
    else this.always.delete(method);
  }

  /** Ids of the updates Telegram still holds: queued and not yet confirmed by a getUpdates offset. */
  unconfirmed(): number[] {
    return this.updates.map((u) => u.update_id);
  }

  /** Index to pass as `from` so that a wait only considers calls made after this point. */
  mark(): number {
    return this.calls.length;
  }

  callsOf(method: string, from = 0): RecordedCall[] {
    return this.calls.slice(from).filter((c) => c.method === method);
  }

  /** Resolve with the first successful call of `method` (at index ≥ from) matching `predicate`. */
  waitForCall(
    method: string,
    predicate: (params: Record<string, any>, call: RecordedCall) => boolean = () => true,
    timeoutMs = 10_000,
    from = 0,
  ): Promise<RecordedCall> {
    const test = (c: RecordedCall) => c.method === method && c.status === 200 && predicate(c.params, c);
    const found = this.calls.slice(from).find(test);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        method,
        predicate: test,
        from,
        resolve: (c) => {
          clearTimeout(timer);
          this.waiters.delete(w);
          resolve(c);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(w);
        const seen = this.callsOf(method, from).map((c) => JSON.stringify(c.params).slice(0, 300));
        reject(new Error(`timed out waiting for ${method}; calls seen:\n${seen.join("\n")}`));
      }, timeoutMs);
      this.waiters.add(w);
    });
  }

  /** Resolve once the bot has made no call (long polls aside) for `quietMs` — for "nothing was sent" assertions. */
  async settle(quietMs = 300): Promise<void> {
    const count = () => this.calls.filter((c) => c.method !== "getUpdates").length;
    let n = -1;
    while (n !== count()) {
      n = count();
      await new Promise((r) => setTimeout(r, quietMs));
    }
  }

  private record(method: string, params: Record<string, any>, status: number): void {
    const call: RecordedCall = { method, params, status, at: Date.now() };
    this.calls.push(call);
    const index = this.calls.length - 1;
    for (const w of [...this.waiters]) if (index >= w.from && w.predicate(call)) w.resolve(call);
  }

  private async readBody(req: IncomingMessage): Promise<Record<string, any>> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const bytes = Buffer.concat(chunks);
    const type = req.headers["content-type"] ?? "";
    if (type.includes("multipart/form-data")) return parseMultipart(bytes, type);
    const raw = bytes.toString("utf8");
    if (!raw) return {};
    if (type.includes("application/json")) return JSON.parse(raw);
    if (type.includes("x-www-form-urlencoded")) return Object.fromEntries(new URLSearchParams(raw));
    throw new Error(`fake Bot API: unsupported content-type ${type}`);
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    if (res.writableEnded || res.destroyed) return;
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const m = /^\/bot([^/]+)\/(\w+)$/.exec(new URL(req.url ?? "/", "http://x").pathname);
    if (!m) return this.send(res, 404, { ok: false, error_code: 404, description: "Not Found" });
    if (m[1] !== this.token) return this.send(res, 401, { ok: false, error_code: 401, description: "Unauthorized" });
    const method = m[2];
    let params: Record<string, any>;
    try {
      params = await this.readBody(req);
    } catch (e) {
      return this.send(res, 400, { ok: false, error_code: 400, description: String(e) });
    }

    const fail = this.failures.get(method)?.shift() ?? this.always.get(method);
    if (fail) {
      this.record(method, params, fail.code);
      return this.send(
        res,
        fail.code,
        fail.code === 429
          ? {
              ok: false,
              error_code: 429,
              description: `Too Many Requests: retry after ${fail.retryAfter}`,
              parameters: { retry_after: fail.retryAfter },
            }
          : { ok: false, error_code: fail.code, description: "Internal Server Error" },
      );
    }

    if (method === "getUpdates") return this.getUpdates(req, res, params);
    this.record(method, params, 200);
    switch (method) {
      case "getMe":
        return this.send(res, 200, { ok: true, result: FAKE_BOT });
      case "deleteWebhook":
      case "setWebhook":
      case "setMyCommands":
      case "sendChatAction":
      case "answerCallbackQuery":
        return this.send(res, 200, { ok: true, result: true });
      case "sendMessage":
      case "editMessageText": {
        const chatId = Number(params.chat_id);
        const messageId = method === "sendMessage" ? this.nextMessageId++ : Number(params.message_id);
        this.sentMessages.set(messageId, { chatId, text: String(params.text) });
        return this.send(res, 200, {
          ok: true,
          result: {
            message_id: messageId,
            date: Math.floor(Date.now() / 1000),
            chat: { id: chatId, type: chatId < 0 ? "group" : "private" },
            from: { ...FAKE_BOT },
            text: String(params.text),
          },
        });
      }
      case "sendDocument": {
        const chatId = Number(params.chat_id);
        const doc = params.document as { filename?: string; bytes?: Buffer } | string;
        return this.send(res, 200, {
          ok: true,
          result: {
            message_id: this.nextMessageId++,
            date: Math.floor(Date.now() / 1000),
            chat: { id: chatId, type: chatId < 0 ? "group" : "private" },
            from: { ...FAKE_BOT },
            document: { file_id: "doc1", file_unique_id: "doc1", file_name: typeof doc === "string" ? undefined : doc.filename },
            caption: params.caption,
          },
        });
      }
      default:
        return this.send(res, 400, { ok: false, error_code: 400, description: `Bad Request: method ${method} not faked` });
    }
  }

  private async getUpdates(req: IncomingMessage, res: ServerResponse, params: Record<string, any>): Promise<void> {
    const offset = Number(params.offset ?? 0);
    const limit = Math.max(1, Math.min(100, Number(params.limit ?? 100)));
    const timeout = Number(params.timeout ?? 0);
    // Asking for an offset confirms every update before it, as Telegram does.
    if (offset > 0) this.updates = this.updates.filter((u) => u.update_id >= offset);
    this.record("getUpdates", params, 200);
    const ready = () => this.updates.filter((u) => u.update_id >= offset).slice(0, limit);
    let batch = ready();
    if (batch.length === 0 && timeout > 0) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.pollers.delete(done);
          res.off("close", done);
          resolve();
        };
        const timer = setTimeout(done, timeout * 1000);
        this.pollers.add(done);
        // The client aborts long polls on stop; stop waiting for it.
        res.on("close", done);
      });
      batch = ready();
    }
    this.send(res, 200, { ok: true, result: batch });
  }
}

/**
 * multipart/form-data as grammY sends uploads: plain fields (objects as JSON), and files referenced from a field as
 * "attach://<part name>"; such a field becomes { filename, bytes }.
 */
function parseMultipart(body: Buffer, type: string): Record<string, any> {
  const parts = multipartParts(body, type);
  if (!parts) throw new Error("multipart without boundary");
  const fields: Record<string, any> = {};
  const files = new Map<string, { filename: string; bytes: Buffer }>();
  for (const { name, filename, bytes } of parts) {
    if (filename !== undefined) files.set(name, { filename, bytes });
    else {
      const text = bytes.toString("utf8");
      fields[name] = /^[{[]|^-?\d+$/.test(text) ? JSON.parse(text) : text;
    }
  }
  for (const [k, v] of Object.entries(fields)) {
    const ref = typeof v === "string" ? /^attach:\/\/(.+)$/.exec(v) : null;
    if (ref && files.has(ref[1])) fields[k] = files.get(ref[1]);
  }
  return fields;
}

export async function startFakeBotApi(token: string): Promise<FakeBotApi> {
  return new FakeBotApi(token).start();
}
