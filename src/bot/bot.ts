import { createServer, type Server } from "node:http";
import { Api, Bot, Composer, GrammyError, InlineKeyboard, InputFile, webhookCallback, type Context } from "grammy";
import type { Message, MessageEntity, UserFromGetMe } from "grammy/types";
import { sequentialize } from "@grammyjs/runner";
import { autoRetry } from "@grammyjs/auto-retry";
import type { AnswerEngine, ConversationState } from "../answer/api.js";
import type { Citation } from "../types.js";
import { allowedChatIds, type Settings } from "../config.js";
import { BotError, redact } from "../errors.js";
import { formatAnswerHtml, formatCoverageHtml, formatSourceHtml, htmlToText, splitMessage, escapeHtml } from "../present/telegram.js";
import { checkQuestionLength } from "../answer/api.js";
import { LruMap } from "./lru.js";
import { RateLimiter } from "./rateLimit.js";
import { answerCsv, exportFileName, sourceText } from "../present/text.js";
import { initWithRetry, SafePoller } from "./polling.js";
import { COMMANDS, T, aboutHtml, exampleQuestions, helpHtml, startHtml } from "./texts.js";

/**
 * Telegram channel: a thin adapter from grammY updates to AnswerEngine calls. All state kept here (follow-up state,
 * citations behind buttons, rate-limit windows, refused chats) lives in bounded LRU maps so a busy bot cannot grow
 * without limit, and none of it survives a restart (none of it needs to).
 */

export type BotLog = (e: Record<string, unknown>) => void;

export interface CreateBotOptions {
  token: string;
  engine: AnswerEngine;
  settings: Settings;
  /** Bot API root without trailing slash (tests, local Bot API servers). */
  apiRoot?: string;
  /** Skips getMe at startup when given. */
  botInfo?: UserFromGetMe;
  log?: BotLog;
  /** Clock, injectable for tests of expiry and rate limits. */
  now?: () => number;
}

/** Follow-up state expires after this; a question half an hour later is a new conversation. */
export const CONVERSATION_TTL_MS = 30 * 60 * 1000;
const MAX_CONVERSATIONS = 5000;
const MAX_CHATS_WITH_CITATIONS = 2000;
/** Source buttons of the last N answers per chat keep working; older ones answer "expired". */
const ANSWERS_KEPT_PER_CHAT = 20;
const TYPING_REFRESH_MS = 4500;
export const ALLOWED_UPDATES = ["message", "callback_query"] as const;

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;

interface Runtime {
  token: string;
  settings: Settings;
  log: BotLog;
  /** getMe through a plain client (no auto-retry), with a short timeout: start-up retries are ours. */
  getMe: () => Promise<UserFromGetMe>;
  /** Aborted when a stop's grace period is over: every pending API call but getUpdates fails at once. */
  stopSends: AbortController;
  /** Called right after an update's handler has sent its answer (the poller records it as answered). */
  onAnswered: ((updateId: number) => void) | null;
}
const runtimes = new WeakMap<Bot, Runtime>();

function defaultLog(e: Record<string, unknown>): void {
  process.stderr.write(JSON.stringify(e) + "\n");
}

/** Error description for logs: name and message only, with credentials removed. Never shown to users. */
function describeError(err: unknown, token: string): Record<string, unknown> {
  const e = err instanceof Error ? err : new Error(String(err));
  const inner = e instanceof Error && "error" in e && (e as { error?: unknown }).error instanceof Error ? (e as { error: Error }).error : null;
  const out: Record<string, unknown> = { error: e.name, message: redact(e.message, [token]) };
  if (inner) out.cause = redact(`${inner.name}: ${inner.message}`, [token]);
  if (e instanceof GrammyError) {
    out.method = e.method;
    out.error_code = e.error_code;
  }
  return out;
}


/** Citations of recent answers per chat, addressed by a short key that fits in callback_data (≤ 64 bytes). */
class CitationStore {
  private readonly chats = new LruMap<number, { seq: number; answers: LruMap<string, Citation[]> }>(MAX_CHATS_WITH_CITATIONS);
  put(chatId: number, citations: Citation[]): string {
    let c = this.chats.get(chatId);
    if (!c) {
      c = { seq: 0, answers: new LruMap(ANSWERS_KEPT_PER_CHAT) };
      this.chats.set(chatId, c);
    }
    const key = (++c.seq).toString(36);
    c.answers.set(key, citations);
    return key;
  }
  get(chatId: number, key: string): Citation[] | undefined {
    return this.chats.get(chatId)?.answers.get(key);
  }
}

interface SendOptions {
  replyTo?: number;
  keyboard?: InlineKeyboard;
}

/**
 * Send Telegram HTML, split to the message limit; the keyboard goes on the last part (under the citations it
 * refers to). If Telegram rejects a part's markup, that part is resent as plain text rather than lost.
 */
async function sendHtml(api: Api, chatId: number, html: string, opts: SendOptions = {}): Promise<Message[]> {
  const parts = splitMessage(html);
  const sent: Message[] = [];
  for (let i = 0; i < parts.length; i++) {
    const other = {
      link_preview_options: { is_disabled: true },
      reply_markup: i === parts.length - 1 ? opts.keyboard : undefined,
      reply_parameters: i === 0 && opts.replyTo ? { message_id: opts.replyTo, allow_sending_without_reply: true } : undefined,
    };
    try {
      sent.push(await api.sendMessage(chatId, parts[i], { ...other, parse_mode: "HTML" }));
    } catch (err) {
      if (err instanceof GrammyError && err.error_code === 400 && /pars|entit|tag/i.test(err.description)) {
        sent.push(await api.sendMessage(chatId, htmlToText(parts[i]), other));
      } else throw err;
    }
  }
  return sent;
}

/** Keeps the "typing…" indicator alive while the engine works (Telegram shows it for ~5 s per call). */
function startTyping(api: Api, chatId: number): () => void {
  const send = () => void api.sendChatAction(chatId, "typing").catch(() => undefined);
  send();
  const timer = setInterval(send, TYPING_REFRESH_MS);
  return () => clearInterval(timer);
}

function isGroup(ctx: Context): boolean {
  return ctx.chat?.type === "group" || ctx.chat?.type === "supergroup";
}

/** Whether the message mentions this bot, and the text with those mentions removed. */
function mentionOf(text: string, entities: MessageEntity[] | undefined, me: UserFromGetMe): { mentioned: boolean; rest: string } {
  const uname = `@${me.username}`.toLowerCase();
  let mentioned = false;
  let rest = text;
  // Entities are in UTF-16 offsets; remove from the end so earlier offsets stay valid.
  for (const e of [...(entities ?? [])].sort((a, b) => b.offset - a.offset)) {
    const piece = text.slice(e.offset, e.offset + e.length);
    const hit =
      (e.type === "mention" && piece.toLowerCase() === uname) || (e.type === "text_mention" && e.user?.id === me.id);
    if (hit) {
      mentioned = true;
      rest = rest.slice(0, e.offset) + rest.slice(e.offset + e.length);
    }
  }
  if (!mentioned && text.toLowerCase().includes(uname)) {
    // Clients normally send a mention entity, but plain text is cheap to honour too.
    mentioned = true;
    rest = text.replace(new RegExp(uname.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "gi"), "");
  }
  return { mentioned, rest: rest.trim() };
}

export function createBot(opts: CreateBotOptions): Bot {
  const { token, engine, settings } = opts;
  const now = opts.now ?? Date.now;
  const minLevel = LEVELS[settings.LOG_LEVEL];
  const sink = opts.log ?? defaultLog;
  // Every log line passes through redact(): error messages may quote a request URL that carries the token.
  const log: BotLog = (e) => {
    const level = (e.level as keyof typeof LEVELS | undefined) ?? "info";
    if ((LEVELS[level] ?? LEVELS.info) < minLevel) return;
    const line = redact(JSON.stringify({ ts: new Date(now()).toISOString(), level, ...e }), [token]);
    try {
      sink(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // Logging must never take the bot down.
    }
  };

  const bot = new Bot(token, {
    botInfo: opts.botInfo,
    client: opts.apiRoot ? { apiRoot: opts.apiRoot.replace(/\/+$/, "") } : undefined,
  });
  const plain = new Api(token, { apiRoot: opts.apiRoot ? opts.apiRoot.replace(/\/+$/, "") : undefined, timeoutSeconds: 15 });
  const rt: Runtime = { token, settings, log, getMe: () => (opts.botInfo ? Promise.resolve(opts.botInfo) : plain.getMe()), stopSends: new AbortController(), onAnswered: null };
  runtimes.set(bot, rt);
  // 429 (retry_after) and 5xx are retried with back-off; a cap keeps a dead API from holding a handler forever.
  bot.api.config.use(autoRetry({ maxRetryAttempts: 5, maxDelaySeconds: 60 }));
  // Outside auto-retry, so that a stop can end its waits too: once `stopSends` is aborted, a send (or a wait between
  // its retries) fails at once instead of holding the process for minutes. getUpdates has its own signals (poller).
  bot.api.config.use((prev, method, payload, signal) => {
    if (method === "getUpdates") return prev(method, payload, signal);
    const stop = rt.stopSends.signal;
    return prev(method, payload, (signal ? AbortSignal.any([signal as AbortSignal, stop]) : stop) as typeof signal);
  });

  const allowed = allowedChatIds(settings);
  const refusedChats = new LruMap<number, true>(10_000);
  const conversations = new LruMap<string, ConversationState>(MAX_CONVERSATIONS, CONVERSATION_TTL_MS, now);
  const citations = new CitationStore();
  /** The CSV of the last answer with figures per chat, for /export (a later answer without figures does not replace it). */
  const lastFigures = new LruMap<number, { question: string; csv: string }>(MAX_CHATS_WITH_CITATIONS);
  const limiter = new RateLimiter<number>(settings.RATE_LIMIT_PER_MINUTE, now);
  const maxChars = settings.MAX_QUESTION_CHARS;
  let examples: string[] | null = null;
  const getExamples = () => (examples ??= exampleQuestions(engine.coverage()));

  async function apologize(err: unknown, ctx: Context): Promise<void> {
    log({ level: "error", event: "update_failed", update_id: ctx.update.update_id, chat_id: ctx.chat?.id, ...describeError(err, token) });
    try {
      if (ctx.callbackQuery) await ctx.answerCallbackQuery().catch(() => undefined);
      if (ctx.chat) await ctx.api.sendMessage(ctx.chat.id, T.apology);
    } catch (e) {
      log({ level: "warn", event: "apology_failed", chat_id: ctx.chat?.id, ...describeError(e, token) });
    }
  }

  // One chat's updates run in order (a follow-up must see the state of the question before it); chats run in parallel.
  bot.use(sequentialize((ctx: Context) => (ctx.chat ? String(ctx.chat.id) : undefined)));
  // Right after the handler's last send (its answer, or the apology): recorded as answered at once, so a restart never
  // sends it again. A handler cut short by a stop throws past this and stays unanswered.
  bot.use(async (ctx, next) => {
    await next();
    rt.onAnswered?.(ctx.update.update_id);
  });
  // Error boundary inside the pipeline so every mode (runner, webhook, handleUpdate) apologises the same way.
  bot.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      // Stopping: the send was aborted on purpose; no apology (it would be aborted too), the update is answered later.
      if (rt.stopSends.signal.aborted) throw err;
      await apologize(err, ctx);
    }
  });
  bot.catch(async (err) => apologize(err.error, err.ctx));

  const convKey = (ctx: Context) => (isGroup(ctx) ? `${ctx.chat!.id}:${ctx.from?.id ?? 0}` : String(ctx.chat!.id));

  async function handleQuestion(ctx: Context, raw: string, how: { usage: string; replyTo?: number; echo?: boolean }) {
    const chatId = ctx.chat!.id;
    const question = raw.replace(/\s+/g, " ").trim();
    const reply = (html: string) => sendHtml(ctx.api, chatId, html, { replyTo: how.replyTo });
    if (!question) return void (await reply(escapeHtml(how.usage)));
    // The engine's own rule (characters, not UTF-16 units): what passes here passes there.
    const fits = checkQuestionLength(question, maxChars);
    const len = fits.length;
    if (!fits.ok) return void (await reply(escapeHtml(T.tooLong(len, maxChars))));
    const user = ctx.from?.id ?? chatId;
    if (!limiter.take(user)) {
      log({ level: "info", event: "rate_limited", chat_id: chatId, user_id: user });
      if (limiter.shouldNotify(user)) await reply(escapeHtml(T.rateLimited(settings.RATE_LIMIT_PER_MINUTE)));
      return;
    }
    const stopTyping = startTyping(ctx.api, chatId);
    const started = now();
    try {
      const key = convKey(ctx);
      const { answer, state } = await engine.ask(question, conversations.get(key) ?? null);
      conversations.set(key, { ...state, updatedAt: now() });
      const answerKey = citations.put(chatId, answer.citations);
      const csv = answerCsv(answer);
      if (csv !== null) lastFigures.set(chatId, { question, csv });
      const keyboard = new InlineKeyboard();
      answer.citations.forEach((_, i) => {
        keyboard.text(T.sourceButton(i + 1), `src:${answerKey}:${i + 1}`);
        if (i % 4 === 3) keyboard.row();
      });
      const body = formatAnswerHtml(answer);
      const html = how.echo ? `${T.askedQuestion(question)}\n\n${body}` : body;
      log({
        level: "info",
        event: "answered",
        chat_id: chatId,
        chars: len,
        found: answer.found,
        citations: answer.citations.length,
        mode: answer.mode,
        ms: now() - started,
      });
      stopTyping();
      await sendHtml(ctx.api, chatId, html, {
        replyTo: how.replyTo,
        keyboard: answer.citations.length ? keyboard : undefined,
      });
    } finally {
      stopTyping();
    }
  }

  // Features, each a Composer registered in order: access first, then commands, export and source buttons, then
  // questions (the catch-all for text), and last the answer to buttons no feature knows.
  const access = new Composer<Context>();
  access.use(async (ctx, next) => {
    const chatId = ctx.chat?.id;
    if (!allowed || chatId === undefined || allowed.has(chatId)) return next();
    if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: T.notAllowed }).catch(() => undefined);
    if (refusedChats.has(chatId)) return;
    refusedChats.set(chatId, true);
    log({ level: "warn", event: "chat_refused", chat_id: chatId });
    await ctx.api.sendMessage(chatId, T.notAllowed);
  });


  const commands = new Composer<Context>();
  commands.command("start", async (ctx) => {
    const keyboard = new InlineKeyboard();
    getExamples().forEach((q, i) => keyboard.text(q, `ex:${i}`).row());
    await sendHtml(ctx.api, ctx.chat.id, startHtml(engine.coverage(), ctx.me.username), { keyboard });
  });
  commands.command("help", (ctx) => sendHtml(ctx.api, ctx.chat.id, helpHtml(maxChars, ctx.me.username)));
  commands.command("about", (ctx) => sendHtml(ctx.api, ctx.chat.id, aboutHtml(engine.coverage())));
  commands.command("reports", (ctx) => sendHtml(ctx.api, ctx.chat.id, formatCoverageHtml(engine.coverage())));
  const exporting = new Composer<Context>();
  exporting.command("export", async (ctx) => {
    const replyTo = isGroup(ctx) ? ctx.msg.message_id : undefined;
    const last = lastFigures.get(ctx.chat.id);
    if (!last) return void (await sendHtml(ctx.api, ctx.chat.id, escapeHtml(T.exportNone), { replyTo }));
    const { question, csv } = last;
    await ctx.api.sendDocument(ctx.chat.id, new InputFile(Buffer.from(csv, "utf8"), exportFileName(new Date(now()))), {
      caption: T.exportCaption(question),
      reply_parameters: replyTo ? { message_id: replyTo, allow_sending_without_reply: true } : undefined,
    });
    log({ level: "info", event: "exported", chat_id: ctx.chat.id, bytes: Buffer.byteLength(csv) });
  });
  const sources = new Composer<Context>();
  sources.callbackQuery(/^src:([0-9a-z]{1,12}):(\d{1,3})$/, async (ctx) => {
    const chatId = ctx.chat?.id;
    const n = Number(ctx.match[2]);
    const c = chatId === undefined ? undefined : citations.get(chatId, ctx.match[1])?.[n - 1];
    if (!c || chatId === undefined) return void (await ctx.answerCallbackQuery({ text: T.sourceExpired }));
    await ctx.answerCallbackQuery();
    const view = c.id ? engine.source(c.id) : null;
    const full = view ? sourceText(view) : engine.fullSection(c);
    const html = full
      ? formatSourceHtml(n, c, full)
      : `${formatSourceHtml(n, c, "")}${escapeHtml(T.sourceMissing)}\n<blockquote>${escapeHtml(c.quote)}</blockquote>`;
    await sendHtml(ctx.api, chatId, html, { replyTo: ctx.callbackQuery.message?.message_id });
  });

  const questions = new Composer<Context>();
  questions.command("ask", (ctx) =>
    handleQuestion(ctx, ctx.match, { usage: T.usageAsk, replyTo: isGroup(ctx) ? ctx.msg.message_id : undefined }),
  );

  questions.callbackQuery(/^ex:(\d{1,2})$/, async (ctx) => {
    const q = getExamples()[Number(ctx.match[1])];
    if (!q || !ctx.chat) return void (await ctx.answerCallbackQuery({ text: T.buttonExpired }));
    await ctx.answerCallbackQuery();
    await handleQuestion(ctx, q, { usage: T.usagePrivate, echo: true });
  });

  questions.on("message:text", async (ctx) => {
    const msg = ctx.msg;
    if (!isGroup(ctx)) {
      if (ctx.chat.type !== "private") return; // channels are not served
      if (msg.text.startsWith("/")) return void (await sendHtml(ctx.api, ctx.chat.id, escapeHtml(T.unknownCommand)));
      return handleQuestion(ctx, msg.text, { usage: T.usagePrivate });
    }
    // Groups: only what is addressed to the bot; everything else is other people's conversation.
    if (msg.text.startsWith("/")) return;
    const { mentioned, rest } = mentionOf(msg.text, msg.entities, ctx.me);
    const replyToBot = msg.reply_to_message?.from?.id === ctx.me.id;
    if (!mentioned && !replyToBot) return;
    await handleQuestion(ctx, rest, { usage: T.usageAsk, replyTo: msg.message_id });
  });

  const expired = new Composer<Context>();
  // Buttons from a previous run or unknown data: stop the client's spinner and say so.
  expired.on("callback_query", (ctx) => ctx.answerCallbackQuery({ text: T.buttonExpired }));

  bot.use(access, commands, exporting, sources, questions, expired);

  return bot;
}

function runtimeOf(bot: Bot): Runtime {
  const rt = runtimes.get(bot);
  if (!rt) throw new BotError("bot was not created by createBot()");
  return rt;
}

/** Publish the command menu. Failure is logged, not fatal: the bot works without the menu. */
export async function registerCommands(bot: Bot): Promise<void> {
  try {
    await bot.api.setMyCommands(COMMANDS.map((c) => ({ ...c })));
  } catch (err) {
    const rt = runtimeOf(bot);
    rt.log({ level: "warn", event: "set_commands_failed", ...describeError(err, rt.token) });
  }
}

export interface PollingHandle {
  poller: SafePoller;
  stop(): Promise<void>;
}

export interface PollingOptions {
  /** getUpdates long-poll timeout in seconds (tests use 1). */
  timeoutSeconds?: number;
  /** Answered update ids remembered here across restarts (exactly once after a crash). */
  stateFile?: string;
  /** Bot API unreachable at start: retry this long, then fail (default BOT_START_TIMEOUT_SECONDS). */
  startLimitSeconds?: number;
  /** How often a plain line says the Bot API is still unreachable (default one minute). */
  noticeEveryMs?: number;
  /** First retry delay at start (default 1 s, doubling up to 30 s). */
  firstRetryMs?: number;
  /** Plain lines for people (npm start prints them on stderr). */
  notice?: (line: string) => void;
  /** On stop, how long answers in progress may take before their sends are aborted (default SHUTDOWN_GRACE_MS). */
  graceMs?: number;
}

/**
 * Long polling that confirms to Telegram only updates it has answered (SafePoller; concurrent across chats,
 * sequentialize keeps each chat in order). getMe is retried with back-off while the Bot API is unreachable;
 * "bot_started" is logged only after it succeeded.
 */
export async function startPolling(bot: Bot, opts: PollingOptions = {}): Promise<PollingHandle> {
  const rt = runtimeOf(bot);
  await initWithRetry(bot, {
    getMe: rt.getMe,
    limitSeconds: opts.startLimitSeconds ?? rt.settings.BOT_START_TIMEOUT_SECONDS,
    noticeEveryMs: opts.noticeEveryMs,
    firstDelayMs: opts.firstRetryMs,
    log: rt.log,
    notice: opts.notice,
  });
  // A webhook left over from an earlier deployment would make getUpdates fail with 409.
  await bot.api.deleteWebhook();
  await registerCommands(bot);
  const poller = new SafePoller(bot, {
    timeoutSeconds: opts.timeoutSeconds ?? 30,
    allowedUpdates: ALLOWED_UPDATES,
    stateFile: opts.stateFile,
    log: rt.log,
    graceMs: opts.graceMs ?? rt.settings.SHUTDOWN_GRACE_MS,
    abortSends: () => rt.stopSends.abort(),
  });
  rt.onAnswered = (id) => poller.markAnswered(id);
  poller.start();
  rt.log({ level: "info", event: "bot_started", mode: "polling", username: bot.botInfo.username });
  return {
    poller,
    async stop() {
      const held = poller.pending;
      await poller.stop();
      rt.log({ level: "info", event: "bot_stopped", mode: "polling", finished: held });
    },
  };
}

export interface WebhookHandle {
  server: Server;
  /** The port actually bound (useful with port 0). */
  port: number;
  stop(): Promise<void>;
}

/**
 * Webhook mode on node:http. Only POSTs to the webhook URL's path carrying the right
 * X-Telegram-Bot-Api-Secret-Token reach the bot; anything else gets 401/404.
 */
export async function startWebhook(
  bot: Bot,
  opts: { url: string; secret: string; port: number; host?: string; setWebhook?: boolean },
): Promise<WebhookHandle> {
  const rt = runtimeOf(bot);
  await initWithRetry(bot, { getMe: rt.getMe, limitSeconds: rt.settings.BOT_START_TIMEOUT_SECONDS, log: rt.log });
  await registerCommands(bot);
  const path = new URL(opts.url).pathname;
  // Answer Telegram before slow questions finish: a timed-out webhook would be redelivered and answered twice.
  const handle = webhookCallback(bot, "http", { secretToken: opts.secret, onTimeout: "return", timeoutMilliseconds: 8000 });
  const server = createServer((req, res) => {
    const reqPath = new URL(req.url ?? "/", "http://localhost").pathname;
    if (req.method !== "POST" || reqPath !== path) {
      res.writeHead(404).end();
      return;
    }
    handle(req, res).catch((err: unknown) => {
      rt.log({ level: "error", event: "webhook_failed", ...describeError(err, rt.token) });
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host ?? "0.0.0.0", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : opts.port;
  if (opts.setWebhook !== false) {
    await bot.api.setWebhook(opts.url, { secret_token: opts.secret, allowed_updates: [...ALLOWED_UPDATES] });
  }
  rt.log({ level: "info", event: "bot_started", mode: "webhook", port, username: bot.botInfo.username });
  return {
    server,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Start the bot the way the settings ask for: webhook when WEBHOOK_URL is set, long polling otherwise. */
export async function launchBot(
  engine: AnswerEngine,
  settings: Settings,
  log?: BotLog,
  opts: { notice?: (line: string) => void } = {},
): Promise<{ bot: Bot; stop(): Promise<void> }> {
  if (!settings.TELEGRAM_BOT_TOKEN) throw new BotError("TELEGRAM_BOT_TOKEN is not set");
  const bot = createBot({ token: settings.TELEGRAM_BOT_TOKEN, engine, settings, apiRoot: settings.TELEGRAM_API_ROOT, log });
  if (settings.WEBHOOK_URL) {
    const h = await startWebhook(bot, { url: settings.WEBHOOK_URL, secret: settings.WEBHOOK_SECRET ?? "", port: settings.WEBHOOK_PORT });
    return { bot, stop: h.stop };
  }
  const h = await startPolling(bot, { stateFile: settings.BOT_STATE_FILE, notice: opts.notice });
  return { bot, stop: h.stop };
}
