import { promises as fs } from "node:fs";
import path from "node:path";
import type { AnswerEngine, AskResult, ConversationState, Coverage } from "../answer/api.js";
import type { StatsService } from "../stats/api.js";
import type { Citation, SourceView } from "../types.js";
import { openEngine, type Log, type OpenedEngine, type OpenOptions } from "./open.js";

/**
 * The engine a long-running server answers from, following the index: when `ingest` makes a new generation live
 * (the atomic rename of CURRENT), the next check opens it and swaps it in between requests. A request keeps the
 * engine it started with; the old generation's files stay readable until it ends (they are only removed by the
 * next ingest). One log line says which generation is now served.
 */

export interface LiveOptions extends OpenOptions {
  /** How often CURRENT is read (ms). Default 2000. */
  watchMs?: number;
}

const readCurrent = async (indexDir: string): Promise<string | null> => {
  try {
    return (await fs.readFile(path.join(indexDir, "CURRENT"), "utf8")).trim() || null;
  } catch {
    return null;
  }
};

/** What a server follows: CURRENT in the index folder, or the database's generation counter (PostgreSQL). */
const generationOf = async (engine: OpenedEngine, indexDir: string): Promise<string | null> =>
  engine.database ? String(engine.database.generation) : readCurrent(indexDir);

export class LiveEngine implements AnswerEngine {
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<boolean> | null = null;

  private constructor(
    private current: OpenedEngine,
    private generation: string | null,
    private readonly opts: LiveOptions,
    private readonly log: Log,
  ) {}

  /** Opens the engine (syncing the index as `opts.refresh` says) and starts following CURRENT. */
  static async open(opts: LiveOptions): Promise<LiveEngine> {
    const log = opts.log ?? (() => {});
    const engine = await openEngine(opts);
    const live = new LiveEngine(engine, await generationOf(engine, opts.indexDir), opts, log);
    const every = opts.watchMs ?? 2000;
    if (every > 0) {
      live.timer = setInterval(() => void live.check(), every);
      live.timer.unref();
    }
    return live;
  }

  /** The engine serving now. */
  get engine(): OpenedEngine {
    return this.current;
  }

  /**
   * Reads CURRENT; when another generation is live, opens it (read-only: no sync) and swaps it in. Returns whether
   * it swapped. A generation that cannot be opened is logged and the current one keeps serving.
   */
  check(): Promise<boolean> {
    this.checking ??= (async () => {
      try {
        const gen = this.current.database ? String(await this.current.database.currentGeneration()) : await readCurrent(this.opts.indexDir);
        if (!gen || gen === this.generation) return false;
        const next = await openEngine({ ...this.opts, refresh: false });
        const from = this.generation;
        const previous = this.current;
        this.current = next;
        // A database engine's connection pool closes once the requests that started on it are long done.
        if (previous.database) setTimeout(() => previous.close?.(), 60_000).unref();
        this.generation = gen;
        this.log({ event: "index_swapped", level: "info", from, to: gen, documents: next.coverage().documents });
        return true;
      } catch (err) {
        this.log({ event: "index_swap_failed", level: "warn", reason: (err as Error).message });
        return false;
      } finally {
        this.checking = null;
      }
    })();
    return this.checking;
  }

  ask(question: string, state?: ConversationState | null): Promise<AskResult> {
    return this.current.ask(question, state);
  }

  coverage(): Coverage {
    return this.current.coverage();
  }

  fullSection(citation: Citation): string | null {
    return this.current.fullSection(citation);
  }

  source(id: string): SourceView | null {
    return this.current.source(id);
  }

  /** The statistics of whichever generation is serving at the time of each call. */
  stats(): StatsService | null {
    if (!this.current.stats()) return null;
    const live = () => this.current.stats()!;
    return {
      reports: () => live().reports(),
      cells: (f) => live().cells(f),
      checks: (f) => live().checks(f),
      checkDraft: (bytes, name) => live().checkDraft(bytes, name),
    };
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.current.database) this.current.close?.();
  }
}
