import pg from "pg";
import { DatabaseError } from "../../errors.js";

/**
 * One connection pool per process (pg.Pool): a connection that breaks is dropped from the pool and the next query
 * opens a new one, so a server rides out a database restart — the requests in between get `unavailable`.
 */

/** SQLSTATE classes and socket errors that mean "the database is not there", not "the query is wrong". */
const UNAVAILABLE_SQLSTATE = /^(08|57P0[1-3]|53300)/;
const UNAVAILABLE_ERRNO = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENOTFOUND", "EPIPE", "EAI_AGAIN"]);

export function isUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  if (!e) return false;
  if (e instanceof DatabaseError) return e.code === "unavailable";
  if (typeof e.code === "string" && (UNAVAILABLE_SQLSTATE.test(e.code) || UNAVAILABLE_ERRNO.has(e.code))) return true;
  return /Connection terminated|connection timeout|Client has encountered a connection error|not queryable|timeout exceeded when trying to connect/i.test(e.message ?? "");
}

/** The URL without its password, for messages. */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "postgres://…";
  }
}

export function unavailable(url: string, err: unknown): DatabaseError {
  const why = (err as Error)?.message || (err as { code?: string })?.code || String(err);
  return new DatabaseError(`数据库无法访问（${shownUrl(url)}）/ database unreachable: ${why}`, { code: "unavailable", cause: err });
}

export interface PoolOptions {
  /** Connections per process. Default 4. */
  max?: number;
  /** How long to wait for a connection (ms). Default 5000. */
  connectTimeoutMs?: number;
  /** Where a connection error between queries is reported (the pool replaces the connection). */
  onError?: (err: Error) => void;
}

/** A pool whose queries throw DatabaseError("unavailable") when the database cannot be reached. */
export class Db {
  readonly pool: pg.Pool;

  constructor(
    readonly url: string,
    opts: PoolOptions = {},
  ) {
    this.pool = new pg.Pool({ connectionString: url, max: opts.max ?? 4, connectionTimeoutMillis: opts.connectTimeoutMs ?? 5000, idleTimeoutMillis: 30_000, allowExitOnIdle: true });
    // An idle connection that breaks (server restarted) emits here; unhandled, it would end the process.
    this.pool.on("error", (err) => opts.onError?.(err));
  }

  async query<R extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R[]> {
    try {
      return (await this.pool.query<R>(sql, params)).rows;
    } catch (err) {
      throw isUnavailable(err) ? unavailable(this.url, err) : err;
    }
  }

  /** Runs `f` in one transaction on one connection (rolled back when it throws). */
  async transaction<T>(f: (q: <R extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<R[]>) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw isUnavailable(err) ? unavailable(this.url, err) : err;
    }
    let broken = false;
    const q = async <R extends pg.QueryResultRow>(sql: string, params: unknown[] = []) => {
      try {
        return (await client.query<R>(sql, params)).rows;
      } catch (err) {
        if (isUnavailable(err)) {
          broken = true;
          throw unavailable(this.url, err);
        }
        throw err;
      }
    };
    try {
      await q("BEGIN");
      const out = await f(q);
      await q("COMMIT");
      return out;
    } catch (err) {
      if (!broken) await client.query("ROLLBACK").catch(() => {});
      throw err;
    } finally {
      client.release(broken ? true : undefined);
    }
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => {});
  }
}
