import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Bot } from "grammy";
import type { Update, UserFromGetMe } from "grammy/types";
import { BotError } from "../errors.js";

/**
 * Long polling that loses no question. Telegram forgets an update once a getUpdates call passes an offset
 * above its id, so the offset sent here never passes an update that is still being answered: it is the
 * lowest id in flight (or one past the last update seen when nothing is in flight). While updates are in
 * flight Telegram re-sends them with every poll; those are recognised and skipped, and new ones start at once.
 *
 * Exactly once across a crash: ids answered above the confirmed offset are written to a small state file
 * (atomic rename) as soon as each answer is sent, so updates Telegram re-sends after a SIGKILL are answered
 * if they were not, and skipped if they were. On stop: fetching stops, the updates held are finished, and a
 * last getUpdates confirms exactly those answered.
 */

export interface SafePollingOptions {
  /** getUpdates long-poll timeout in seconds (tests use 1). */
  timeoutSeconds?: number;
  allowedUpdates?: readonly string[];
  /** Where answered update ids are remembered between runs; none = memory only (still no loss on SIGTERM). */
  stateFile?: string;
  /** Poll interval while updates are in flight (Telegram answers at once then, with the same updates). */
  busyPollMs?: number;
  /** Most updates handled at once (across chats; one chat stays in order through sequentialize). */
  maxConcurrent?: number;
  log?: (e: Record<string, unknown>) => void;
}

interface PollState {
  /** Every update below this id is answered (and confirmed, or about to be, to Telegram). */
  offset: number;
  /** Answered ids at or above `offset` (answered while an older one was still in flight). */
  answered: number[];
}

function readState(file: string | undefined): PollState {
  if (!file) return { offset: 0, answered: [] };
  try {
    const s = JSON.parse(readFileSync(file, "utf8")) as Partial<PollState>;
    const offset = Number.isInteger(s.offset) ? Number(s.offset) : 0;
    const answered = Array.isArray(s.answered) ? s.answered.filter((n): n is number => Number.isInteger(n) && n >= offset) : [];
    return { offset, answered };
  } catch {
    return { offset: 0, answered: [] };
  }
}

function writeState(file: string, s: PollState): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(s));
  renameSync(tmp, file);
}

export class SafePoller {
  private offset: number;
  private readonly answered: Set<number>;
  private readonly inFlight = new Map<number, Promise<void>>();
  private maxSeen = 0;
  private stopping = false;
  private abort: AbortController | null = null;
  private wake: (() => void) | null = null;
  private loopDone: Promise<void> | null = null;
  private readonly log: (e: Record<string, unknown>) => void;

  constructor(
    private readonly bot: Bot,
    private readonly opts: SafePollingOptions = {},
  ) {
    const s = readState(opts.stateFile);
    this.offset = s.offset;
    this.answered = new Set(s.answered);
    this.maxSeen = Math.max(0, s.offset - 1, ...s.answered);
    this.log = opts.log ?? (() => {});
  }

  /** Updates being answered right now. */
  get pending(): number {
    return this.inFlight.size;
  }

  isRunning(): boolean {
    return this.loopDone !== null && !this.stopping;
  }

  start(): void {
    if (this.loopDone) throw new BotError("poller already started");
    this.loopDone = this.loop();
  }

  /** Stop fetching, finish every update held, confirm exactly those answered, remember the rest. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.abort?.abort();
    this.wake?.();
    await this.loopDone;
    await Promise.all(this.inFlight.values());
    this.persist();
    try {
      // Confirms every update below the offset (all answered); anything above stays with Telegram.
      await this.bot.api.getUpdates({ offset: this.offset, limit: 1, timeout: 0 });
    } catch (err) {
      this.log({ level: "warn", event: "confirm_failed", message: (err as Error).message });
    }
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      const busy = this.inFlight.size > 0;
      const full = this.inFlight.size >= (this.opts.maxConcurrent ?? 100);
      if (full) {
        await Promise.race(this.inFlight.values());
        continue;
      }
      this.abort = new AbortController();
      let updates: Update[];
      try {
        updates = await this.bot.api.getUpdates(
          {
            offset: this.offset,
            limit: 100,
            // With updates in flight Telegram answers at once anyway (it re-sends them): no long poll.
            timeout: busy ? 0 : this.opts.timeoutSeconds ?? 30,
            allowed_updates: this.opts.allowedUpdates as never,
          },
          this.abort.signal as never,
        );
        failures = 0;
      } catch (err) {
        if (this.stopping) break;
        failures++;
        const delay = Math.min(30_000, 500 * 2 ** Math.min(failures, 6));
        this.log({ level: "warn", event: "poll_failed", attempt: failures, retry_ms: delay, message: (err as Error).message });
        await this.sleep(delay);
        continue;
      }
      let fresh = 0;
      for (const u of updates) {
        const id = u.update_id;
        if (id < this.offset || this.inFlight.has(id) || this.answered.has(id)) continue;
        fresh++;
        this.maxSeen = Math.max(this.maxSeen, id);
        this.handle(u);
      }
      this.advance();
      // Only re-sent updates came back: wait a little (or for one to finish) instead of spinning.
      if (this.inFlight.size > 0 && fresh === 0) await this.sleep(this.opts.busyPollMs ?? 500);
    }
  }

  private handle(u: Update): void {
    const id = u.update_id;
    const p = this.bot
      .handleUpdate(u)
      .catch((err: unknown) => {
        // The bot's own error boundary apologises; this is only what escaped it. The update counts as answered
        // (re-running a failing update forever would block every later one).
        this.log({ level: "error", event: "update_failed", update_id: id, message: (err as Error).message });
      })
      .finally(() => {
        this.inFlight.delete(id);
        this.answered.add(id);
        this.advance();
        this.persist();
        this.wake?.();
      });
    this.inFlight.set(id, p);
  }

  /** The offset moves up to the lowest update still in flight (or past everything seen). */
  private advance(): void {
    const lowest = this.inFlight.size ? Math.min(...this.inFlight.keys()) : this.maxSeen + 1;
    if (lowest > this.offset) this.offset = lowest;
    for (const id of this.answered) if (id < this.offset) this.answered.delete(id);
  }

  private persist(): void {
    if (!this.opts.stateFile) return;
    try {
      writeState(this.opts.stateFile, { offset: this.offset, answered: [...this.answered].sort((a, b) => a - b) });
    } catch (err) {
      this.log({ level: "warn", event: "poll_state_unwritable", message: (err as Error).message });
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
  }
}

export interface StartRetryOptions {
  /** getMe without the bot's retrying transformers (auto-retry would otherwise wait minutes on its own). */
  getMe: () => Promise<UserFromGetMe>;
  /** Give up after this many seconds (BOT_START_TIMEOUT_SECONDS). */
  limitSeconds: number;
  /** A human-readable line this often while it keeps failing (default one minute). */
  noticeEveryMs?: number;
  /** First retry delay; doubles up to maxDelayMs. */
  firstDelayMs?: number;
  maxDelayMs?: number;
  log?: (e: Record<string, unknown>) => void;
  /** One plain line for people (stderr in `npm start`). */
  notice?: (line: string) => void;
  now?: () => number;
}

/**
 * getMe (bot.init) with retries: each failure is logged with its back-off, a plain line is given every
 * minute, and after `limitSeconds` a BotError says the Bot API stayed unreachable. Nothing is said to have
 * started before getMe succeeded.
 */
export async function initWithRetry(bot: Bot, o: StartRetryOptions): Promise<void> {
  const now = o.now ?? Date.now;
  const started = now();
  const every = o.noticeEveryMs ?? 60_000;
  let nextNotice = started + every;
  let delay = o.firstDelayMs ?? 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      // Setting botInfo is what bot.init() does with getMe's answer; with it set, init() sends nothing.
      bot.botInfo = await o.getMe();
      await bot.init();
      if (attempt > 1) o.log?.({ level: "info", event: "bot_api_reachable", attempts: attempt, seconds: Math.round((now() - started) / 1000) });
      return;
    } catch (err) {
      const msg = (err as Error).message;
      // A refused token will not get better by waiting.
      if (/401|Unauthorized|404: Not Found/.test(msg)) throw new BotError(`Telegram 拒绝了机器人令牌 / Bot API refused the token: ${msg}`);
      const elapsed = now() - started;
      if (elapsed >= o.limitSeconds * 1000)
        throw new BotError(`无法连接 Telegram Bot API，已重试 ${attempt} 次、${Math.round(elapsed / 1000)} 秒，退出 / Bot API unreachable: ${msg}`);
      const wait = Math.min(delay, o.limitSeconds * 1000 - elapsed);
      o.log?.({ level: "warn", event: "bot_api_unreachable", attempt, retry_ms: wait, message: msg });
      // The first failure and then one line a minute, however short the back-off.
      if (attempt === 1 || now() >= nextNotice) {
        o.notice?.(`仍无法连接 Telegram Bot API（已重试 ${attempt} 次、${Math.round(elapsed / 1000)} 秒），将继续重试至 ${o.limitSeconds} 秒…`);
        if (attempt > 1) nextNotice += every;
      }
      await new Promise((r) => setTimeout(r, wait));
      delay = Math.min(delay * 2, o.maxDelayMs ?? 30_000);
    }
  }
}
