import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * Which platform messages an office bot has taken and answered, kept in a small JSON file (atomic rename) so that
 * a message the platform delivers again — after a late ack, a reconnect or our own restart — is answered once:
 *  - answered (in any run): dropped;
 *  - taken in this run and still being answered: dropped (the first delivery will answer it);
 *  - taken in an earlier run and never answered (the process died in between): answered now.
 * The one window for a duplicate is the send itself: killed after the platform took the reply and before the file
 * was written. Entries older than `keepMs` or beyond `maxEntries` are forgotten (platforms redeliver for minutes
 * to hours, not days).
 */
export interface LedgerOptions {
  /** null = memory only. */
  file: string | null;
  /** Default 7 days. */
  keepMs?: number;
  /** Default 20,000. */
  maxEntries?: number;
  now?: () => number;
}

const FORMAT = 1;

interface LedgerFile {
  format: number;
  /** [message id, when answered] */
  answered: Array<[string, number]>;
  /** [message id, when taken] */
  inProgress: Array<[string, number]>;
}

export class MessageLedger {
  private readonly answered = new Map<string, number>();
  /** Taken in an earlier run, never answered. */
  private readonly orphaned = new Map<string, number>();
  /** Taken in this run. */
  private readonly taking = new Map<string, number>();
  private readonly keepMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(private readonly opts: LedgerOptions) {
    this.keepMs = opts.keepMs ?? 7 * 24 * 3600_000;
    this.maxEntries = opts.maxEntries ?? 20_000;
    this.now = opts.now ?? Date.now;
    const saved = opts.file ? readLedger(opts.file) : null;
    const cutoff = this.now() - this.keepMs;
    for (const [id, at] of saved?.answered ?? []) if (at >= cutoff) this.answered.set(id, at);
    for (const [id, at] of saved?.inProgress ?? []) if (at >= cutoff && !this.answered.has(id)) this.orphaned.set(id, at);
  }

  /** Whether to answer this delivery; when true the message is recorded as taken (and saved) before returning. */
  take(id: string): boolean {
    if (this.answered.has(id) || this.taking.has(id)) return false;
    this.orphaned.delete(id);
    this.taking.set(id, this.now());
    this.save();
    return true;
  }

  /** The message's reply was sent (or it needed none). */
  done(id: string): void {
    this.taking.delete(id);
    this.answered.set(id, this.now());
    this.prune();
    this.save();
  }

  /** Taking failed before anything was sent (stopping): a later delivery may answer it. */
  release(id: string): void {
    if (this.taking.delete(id)) this.save();
  }

  get size(): number {
    return this.answered.size + this.taking.size + this.orphaned.size;
  }

  private prune(): void {
    const cutoff = this.now() - this.keepMs;
    for (const [id, at] of this.answered) {
      if (at >= cutoff && this.answered.size <= this.maxEntries) break; // insertion order = time order
      this.answered.delete(id);
    }
  }

  private save(): void {
    if (!this.opts.file) return;
    const data: LedgerFile = { format: FORMAT, answered: [...this.answered], inProgress: [...this.orphaned, ...this.taking] };
    mkdirSync(path.dirname(this.opts.file), { recursive: true });
    const tmp = `${this.opts.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(data));
    renameSync(tmp, this.opts.file);
  }
}

/** The saved ledger; a missing, unreadable or other-format file is an empty ledger (duplicates are the lesser harm). */
function readLedger(file: string): LedgerFile | null {
  try {
    const d = JSON.parse(readFileSync(file, "utf8")) as Partial<LedgerFile>;
    if (d.format !== FORMAT) return null;
    const pairs = (a: unknown): Array<[string, number]> =>
      Array.isArray(a) ? a.filter((p): p is [string, number] => Array.isArray(p) && typeof p[0] === "string" && Number.isFinite(p[1])) : [];
    return { format: FORMAT, answered: pairs(d.answered), inProgress: pairs(d.inProgress) };
  } catch {
    return null;
  }
}
