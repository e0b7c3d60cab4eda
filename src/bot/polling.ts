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
 * Exactly once across a crash: a small state file (atomic rename) records each update as in progress before it is
 * answered and as answered right after its answer was sent (the bot calls `markAnswered` at the end of its handler,
 * src/bot/bot.ts), so updates Telegram re-sends after a SIGKILL are answered if they were not, and skipped if they
 * were. The one window for a duplicate is the send call itself: killed after Telegram took the message and before
 * the file was written. On stop: fetching stops, the updates held get `graceMs` to finish; then their pending sends
 * (and auto-retry's sleeps on 429) are aborted, they stay unanswered and unconfirmed, and are answered after the
 * restart; a last getUpdates confirms exactly those answered.
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
  /** On stop, how long the updates held may take to finish before their sends are aborted (default: no limit). */
  graceMs?: number;
  /** Aborts the bot's pending API calls (sends and auto-retry's waits); called when the grace period is over. */
  abortSends?: () => void;
  log?: (e: Record<string, unknown>) => void;
}

interface PollState {
  /** Every update below this id is answered (and confirmed, or about to be, to Telegram). */
  offset: number;
  /** Answered ids at or above `offset` (answered while an older one was still in flight). */
  answered: number[];
  /** Ids taken and not yet answered (being answered, or cut short by a crash or a stop). */
  inProgress: number[];
}

function readState(file: string | undefined): PollState {
  if (!file) return { offset: 0, answered: [], inProgress: [] };
  try {
    const s = JSON.parse(readFileSync(file, "utf8")) as Partial<PollState>;
    const offset = Number.isInteger(s.offset) ? Number(s.offset) : 0;
    const ids = (a: unknown) => (Array.isArray(a) ? a.filter((n): n is number => Number.isInteger(n) && n >= offset) : []);
    return { offset, answered: ids(s.answered), inProgress: ids(s.inProgress) };
  } catch {
    return { offset: 0, answered: [], inProgress: [] };
  }
}

function writeState(file: string, s: PollState): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(s));
  renameSync(tmp, file);
}

/** After the sends are aborted, how long the handlers get to notice before the stop goes on without them. */
const ABORT_SETTLE_MS = 1000;
/** The last getUpdates that confirms what was answered; the Bot API may be the thing that is stuck. */
const CONFIRM_TIMEOUT_MS = 5000;

/** Whether `p` resolves within `ms` (no limit when ms is not finite). */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  if (!Number.isFinite(ms)) return p.then(() => true);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, ms))));
  try {
    return await Promise.race([p.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

export class SafePoller {
  private offset: number;
  private readonly answered: Set<number>;
  private readonly inProgress: Set<number>;
  private readonly inFlight = new Map<number, Promise<void>>();
  /** Updates whose answer was cut short by the end of the grace period: they hold the offset, unanswered. */
  private readonly interrupted = new Set<number>();
  private sendsAborted = false;
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
    this.inProgress = new Set(s.inProgress.filter((id) => !this.answered.has(id)));
    this.maxSeen = Math.max(0, s.offset - 1, ...s.answered, ...this.inProgress);
    this.log = opts.log ?? (() => {});
    // Taken by the last run and never answered (it crashed or was stopped): Telegram re-sends them, they are answered.
    if (this.inProgress.size) this.log({ level: "warn", event: "resuming_updates", update_ids: [...this.inProgress].sort((a, b) => a - b) });
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

  /**
   * Stop fetching, give the updates held `graceMs` to finish, then abort their sends; confirm exactly those answered,
   * remember the rest (they are answered after the restart).
   */
  async stop(graceMs = this.opts.graceMs ?? Infinity): Promise<void> {
    this.stopping = true;
    this.abort?.abort();
    this.wake?.();
    await this.loopDone;
    const held = Promise.all(this.inFlight.values()).then(() => true);
    if (!(await within(held, graceMs))) {
      this.log({ level: "warn", event: "stop_grace_expired", grace_ms: graceMs, update_ids: [...this.inFlight.keys()] });
      this.sendsAborted = true;
      this.opts.abortSends?.();
      // Aborted sends fail at once; an engine still thinking is not waited for.
      await within(held, ABORT_SETTLE_MS);
      for (const id of this.inFlight.keys()) this.interrupted.add(id);
    }
    this.advance();
    this.persist();
    try {
      // Confirms every update below the offset (all answered); anything above stays with Telegram.
      await this.bot.api.getUpdates({ offset: this.offset, limit: 1, timeout: 0 }, AbortSignal.timeout(CONFIRM_TIMEOUT_MS) as never);
    } catch (err) {
      this.log({ level: "warn", event: "confirm_failed", message: (err as Error).message });
    }
  }

  /** The update's answer has been sent (called by the bot right after its last send): recorded at once. */
  markAnswered(id: number): void {
    if (this.answered.has(id) || id < this.offset) return;
    this.answered.add(id);
    this.inProgress.delete(id);
    this.persist();
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      const busy = this.inFlight.size > 0;
      const full = this.inFlight.size >= (this.opts.maxConcurrent ?? 100);
      if (full) {
        // Woken when one finishes, or by stop().
        await this.sleep(60_000);
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
      const fresh = updates.filter((u) => !(u.update_id < this.offset || this.inFlight.has(u.update_id) || this.answered.has(u.update_id)));
      if (fresh.length) {
        // In progress before any of them is answered: a crash from here on leaves a trace of what was taken.
        for (const u of fresh) this.inProgress.add(u.update_id);
        this.persist();
      }
      for (const u of fresh) {
        this.maxSeen = Math.max(this.maxSeen, u.update_id);
        this.handle(u);
      }
      this.advance();
      // Only re-sent updates came back: wait a little (or for one to finish) instead of spinning.
      if (this.inFlight.size > 0 && fresh.length === 0) await this.sleep(this.opts.busyPollMs ?? 500);
    }
  }

  private handle(u: Update): void {
    const id = u.update_id;
    const p = this.bot
      .handleUpdate(u)
      .then(
        () => this.markAnswered(id),
        (err: unknown) => {
          if (this.sendsAborted) {
            // Cut short by the stop: not answered; it holds the offset and is answered after the restart.
            this.interrupted.add(id);
            this.log({ level: "info", event: "update_interrupted", update_id: id });
            return;
          }
          // The bot's own error boundary apologises; this is only what escaped it. The update counts as answered
          // (re-running a failing update forever would block every later one).
          this.log({ level: "error", event: "update_failed", update_id: id, message: (err as Error).message });
          this.markAnswered(id);
        },
      )
      .finally(() => {
        this.inFlight.delete(id);
        this.advance();
        this.persist();
        this.wake?.();
      });
    this.inFlight.set(id, p);
  }

  /** The offset moves up to the lowest update still in flight (or past everything seen). */
  private advance(): void {
    const held = [...this.inFlight.keys(), ...this.interrupted];
    const lowest = held.length ? Math.min(...held) : this.maxSeen + 1;
    if (lowest > this.offset) this.offset = lowest;
    for (const id of this.answered) if (id < this.offset) this.answered.delete(id);
    for (const id of this.inProgress) if (id < this.offset) this.inProgress.delete(id);
  }

  private persist(): void {
    if (!this.opts.stateFile) return;
    const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b);
    try {
      writeState(this.opts.stateFile, { offset: this.offset, answered: sorted(this.answered), inProgress: sorted(this.inProgress) });
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
