import path from "node:path";
import type { AnswerEngine, ConversationState } from "../answer/api.js";
import { checkQuestionLength } from "../answer/api.js";
import type { Settings } from "../config.js";
import { redact } from "../errors.js";
import type { DraftCheck } from "../stats/api.js";
import type { Citation } from "../types.js";
import { draftCheckMarkdown, type OfficeRenderer, type OutgoingMessage } from "../present/office.js";
import { answerCsv, exportFileName } from "../present/text.js";
import { LruMap } from "../bot/lru.js";
import { RateLimiter } from "../bot/rateLimit.js";
import { MessageLedger } from "./ledger.js";
import { OT, helpMarkdown, parseCommand } from "./texts.js";
import type { IncomingMessage, OfficeLog, Reply, Transport } from "./types.js";

/**
 * The office bots' shared core: everything a WeCom, DingTalk or Feishu bot does that does not depend on the
 * platform. A transport (src/office/wecom.ts, …) delivers messages; a renderer (src/present/wecom.ts, …) turns
 * structured answers into the platform's messages. In order, for each delivery:
 *   ledger (a redelivered message is answered once, across restarts) → groups: only what @-mentions the bot →
 *   allow-list → kind (files are drafts to check; images, voice… get one short reply) → commands (帮助, 收录, 导出,
 *   原文 n) → the question: length, rate limit, engine.ask with the conversation's follow-up state.
 * One conversation's messages are handled in order (a follow-up sees the state of the question before it);
 * conversations run in parallel.
 */

export interface OfficeBotOptions {
  transport: Transport;
  renderer: OfficeRenderer;
  engine: AnswerEngine;
  settings: Settings;
  /** User and group ids allowed (null = everyone). */
  allowed: Set<string> | null;
  /** Where answered message ids are kept across restarts (null = memory only). */
  stateFile: string | null;
  log?: OfficeLog;
  now?: () => number;
  /** Reads and checks a draft sent as a file (the web page's 报告核对); absent = files are declined. */
  checkDraft?: (bytes: Buffer, filename: string) => Promise<DraftCheck>;
  /** Largest draft accepted (bytes). Default 20 MB, the web upload's limit. */
  maxFileBytes?: number;
  /** How long answers in progress may take to finish on stop. Default settings.SHUTDOWN_GRACE_MS. */
  graceMs?: number;
}

export interface OfficeBot {
  readonly platform: string;
  /** Connects (rejects with the transport's coded error when it cannot). */
  start(): Promise<void>;
  /** Stops receiving, lets answers in progress finish (up to the grace period), disconnects. */
  stop(): Promise<void>;
  /** The handler the transport calls (tests may call it directly). */
  handle(message: IncomingMessage, reply: Reply): Promise<void>;
}

/** Follow-up state expires after this, as in the Telegram bot. */
export const OFFICE_CONVERSATION_TTL_MS = 30 * 60 * 1000;
const MAX_CONVERSATIONS = 5000;
const MAX_CHATS = 2000;
const DRAFT_EXTENSIONS = /\.(docx|pdf|txt|md|html?)$/i;

interface LastAnswer {
  citations: Citation[];
}


/** The state file of a platform's bot under OFFICE_STATE_DIR. */
export function officeStateFile(settings: Settings, platform: string, cwd = process.cwd()): string {
  return path.resolve(cwd, settings.OFFICE_STATE_DIR, `${platform}.json`);
}

export function createOfficeBot(opts: OfficeBotOptions): OfficeBot {
  const { transport, renderer, engine, settings } = opts;
  const platform = transport.platform;
  const now = opts.now ?? Date.now;
  const secrets = [settings.WECOM_BOT_SECRET, settings.DINGTALK_CLIENT_SECRET, settings.FEISHU_APP_SECRET];
  const sink = opts.log ?? (() => {});
  const log: OfficeLog = (e) => {
    try {
      sink(JSON.parse(redact(JSON.stringify({ platform, ...e }), secrets)) as Record<string, unknown>);
    } catch {
      // Logging never takes the bot down.
    }
  };
  const ledger = new MessageLedger({ file: opts.stateFile, now });
  const conversations = new LruMap<string, ConversationState>(MAX_CONVERSATIONS, OFFICE_CONVERSATION_TTL_MS, now);
  const lastAnswers = new LruMap<string, LastAnswer>(MAX_CHATS, OFFICE_CONVERSATION_TTL_MS * 4, now);
  const lastFigures = new LruMap<string, { question: string; csv: string }>(MAX_CHATS);
  const refused = new LruMap<string, true>(10_000, 3600_000, now);
  const limiter = new RateLimiter<string>(settings.RATE_LIMIT_PER_MINUTE, now);
  const maxFileBytes = opts.maxFileBytes ?? 20 * 1024 * 1024;
  const chains = new Map<string, Promise<void>>();
  const inFlight = new Set<Promise<void>>();
  let stopping = false;

  const notice = (reply: Reply, markdown: string) => reply.send(renderer.notice(markdown));
  /** Follow-ups: per person in a group (two people asking at once are two conversations), per chat otherwise. */
  const conversationKey = (m: IncomingMessage) => (m.chatType === "group" ? `${m.chatId}:${m.userId}` : m.chatId);

  async function question(m: IncomingMessage, reply: Reply, text: string): Promise<void> {
    const q = text.replace(/\s+/g, " ").trim();
    if (!q) return notice(reply, OT.usage);
    const fits = checkQuestionLength(q, settings.MAX_QUESTION_CHARS);
    if (!fits.ok) return notice(reply, OT.tooLong(fits.length, settings.MAX_QUESTION_CHARS));
    if (!limiter.take(m.userId)) {
      log({ level: "info", event: "rate_limited", chat_id: m.chatId, user_id: m.userId });
      if (limiter.shouldNotify(m.userId)) await notice(reply, OT.rateLimited(settings.RATE_LIMIT_PER_MINUTE));
      return;
    }
    const started = now();
    const key = conversationKey(m);
    const { answer, state } = await engine.ask(q, conversations.get(key) ?? null);
    conversations.set(key, { ...state, updatedAt: now() });
    lastAnswers.set(m.chatId, { citations: answer.citations });
    const csv = answerCsv(answer);
    if (csv !== null) lastFigures.set(m.chatId, { question: q, csv });
    const messages = renderer.answer(answer);
    log({ level: "info", event: "answered", chat_id: m.chatId, found: answer.found, citations: answer.citations.length, messages: messages.length, mode: answer.mode, ms: now() - started });
    await reply.send(messages);
  }

  async function source(m: IncomingMessage, reply: Reply, arg: string): Promise<void> {
    if (!arg) return notice(reply, OT.sourceWhich);
    const last = lastAnswers.get(m.chatId);
    if (!last || !last.citations.length) return notice(reply, OT.sourceNone);
    const n = Number(arg);
    const c = last.citations[n - 1];
    if (!c) return notice(reply, OT.sourceOutOfRange(n, last.citations.length));
    const view = c.id ? engine.source(c.id) : null;
    if (view) return reply.send(renderer.source(n, view));
    // A citation without an id (an LLM's own): its section as the engine finds it, else the quote itself.
    const text = engine.fullSection(c) ?? c.quote;
    return reply.send(renderer.source(n, { id: "", title: c.title, section: c.section ?? "", text, source: c.source ?? "", published: c.published ?? null, url: c.url ?? null }));
  }

  async function exportCsv(m: IncomingMessage, reply: Reply): Promise<void> {
    const last = lastFigures.get(m.chatId);
    if (!last) return notice(reply, OT.exportNone);
    const name = exportFileName(new Date(now()));
    if (reply.sendFile) {
      await reply.sendFile(name, Buffer.from(last.csv, "utf8"), "text/csv");
      await notice(reply, OT.exportCaption(last.question));
    } else await reply.send(renderer.csvBlock(name, last.csv));
    log({ level: "info", event: "exported", chat_id: m.chatId, bytes: Buffer.byteLength(last.csv), as: reply.sendFile ? "file" : "message" });
  }

  async function file(m: IncomingMessage, reply: Reply): Promise<void> {
    const f = m.file;
    if (!f || !opts.checkDraft || !DRAFT_EXTENSIONS.test(f.name)) return notice(reply, OT.unsupportedFile);
    if (f.size !== undefined && f.size > maxFileBytes) return notice(reply, OT.fileTooLarge(Math.round(maxFileBytes / 1048576)));
    let bytes: Buffer;
    try {
      bytes = await f.download(maxFileBytes);
    } catch (err) {
      if ((err as { code?: string }).code === "too_large") return notice(reply, OT.fileTooLarge(Math.round(maxFileBytes / 1048576)));
      throw err;
    }
    let check: DraftCheck;
    try {
      check = await opts.checkDraft(bytes, f.name);
    } catch (err) {
      log({ level: "warn", event: "draft_unreadable", chat_id: m.chatId, code: (err as { code?: string }).code, message: (err as Error).message });
      return notice(reply, OT.draftFailed);
    }
    log({ level: "info", event: "draft_checked", chat_id: m.chatId, ok: check.ok, checks: check.checks.length });
    await notice(reply, draftCheckMarkdown(check));
  }

  async function dispatch(m: IncomingMessage, reply: Reply): Promise<void> {
    // Groups: only what is addressed to the bot; everything else is other people's conversation.
    if (m.chatType === "group" && !m.mentioned) return;
    if (opts.allowed && !opts.allowed.has(m.userId) && !opts.allowed.has(m.chatId)) {
      const key = `${m.chatId}:${m.userId}`;
      if (refused.has(key)) return;
      refused.set(key, true);
      log({ level: "warn", event: "chat_refused", chat_id: m.chatId, user_id: m.userId });
      return notice(reply, OT.notAllowed);
    }
    if (m.kind === "file") return file(m, reply);
    if (m.kind !== "text") return notice(reply, OT.unsupported);
    const cmd = parseCommand(m.text);
    if (!cmd) return question(m, reply, m.text);
    switch (cmd.command) {
      case "help":
        return notice(reply, helpMarkdown(platform, engine.coverage(), settings.MAX_QUESTION_CHARS));
      case "reports":
        return reply.send(renderer.coverage(engine.coverage()));
      case "export":
        return exportCsv(m, reply);
      case "source":
        return source(m, reply, cmd.arg);
    }
  }

  async function handle(m: IncomingMessage, reply: Reply): Promise<void> {
    if (stopping) return;
    if (!ledger.take(m.id)) {
      log({ level: "debug", event: "duplicate_dropped", message_id: m.id });
      return;
    }
    // One conversation in order; the chain never rejects (each link catches its own error).
    const key = conversationKey(m);
    const prev = chains.get(key) ?? Promise.resolve();
    const run = prev.then(async () => {
      try {
        await dispatch(m, reply);
      } catch (err) {
        log({ level: "error", event: "message_failed", chat_id: m.chatId, message_id: m.id, error: (err as Error).name, message: (err as Error).message });
        await reply.send(renderer.notice(OT.apology)).catch((e: unknown) => log({ level: "warn", event: "apology_failed", chat_id: m.chatId, message: (e as Error).message }));
      } finally {
        ledger.done(m.id);
      }
    });
    chains.set(key, run);
    inFlight.add(run);
    try {
      await run;
    } finally {
      inFlight.delete(run);
      if (chains.get(key) === run) chains.delete(key);
    }
  }

  return {
    platform,
    handle,
    async start() {
      await transport.start(handle);
      log({ level: "info", event: "office_bot_started" });
    },
    async stop() {
      stopping = true;
      const grace = opts.graceMs ?? settings.SHUTDOWN_GRACE_MS;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled([...inFlight]), new Promise((r) => (timer = setTimeout(r, grace)))]);
      clearTimeout(timer);
      await transport.stop();
      log({ level: "info", event: "office_bot_stopped", unfinished: inFlight.size });
    },
  };
}

export type { OutgoingMessage };
