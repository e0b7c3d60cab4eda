import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * The test databases: Debian's PostgreSQL 15 in a temporary folder (started and stopped with pg_ctl, as the
 * postgres user when run as root), and PGlite with pgvector served over its socket (test/pg/globalSetup.ts).
 */

export const PG_BIN = process.env.NIANBAO_PG_BIN ?? "/usr/lib/postgresql/15/bin";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Runs a PostgreSQL binary as the postgres user when we are root (initdb and postgres refuse to run as root). */
function pgRun(bin: string, args: string[]): void {
  const exe = path.join(PG_BIN, bin);
  if (!existsSync(exe)) throw new Error(`PostgreSQL 15 is not installed (${exe} missing): apt-get install postgresql-15`);
  const asRoot = process.getuid?.() === 0;
  const r = asRoot ? spawnSync("runuser", ["-u", "postgres", "--", exe, ...args], { encoding: "utf8" }) : spawnSync(exe, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${bin} ${args.join(" ")} failed (${r.status}): ${r.stderr || r.stdout || r.error?.message}`);
}

export interface LocalPostgres {
  dir: string;
  port: number;
  url: string;
}

/** initdb in a fresh temporary folder (owned by postgres when we are root), then start on a free port. */
export async function initLocalPostgres(): Promise<LocalPostgres> {
  const dir = mkdtempSync(path.join(tmpdir(), "nianbao-pg-"));
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    chownSync(dir, uid, gid);
  }
  const data = path.join(dir, "data");
  pgRun("initdb", ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8"]);
  const port = await freePort();
  const pg = { dir, port, url: `postgres://postgres@127.0.0.1:${port}/postgres` };
  startLocalPostgres(pg);
  return pg;
}

export function startLocalPostgres(pg: LocalPostgres): void {
  pgRun("pg_ctl", ["-D", path.join(pg.dir, "data"), "-l", path.join(pg.dir, "log"), "-o", `-p ${pg.port} -k ${pg.dir} -c listen_addresses=127.0.0.1 -c fsync=off`, "-w", "start"]);
}

/** Fast shutdown: connected clients are disconnected. */
export function stopLocalPostgres(pg: LocalPostgres): void {
  pgRun("pg_ctl", ["-D", path.join(pg.dir, "data"), "-m", "fast", "-w", "stop"]);
}

export function removeLocalPostgres(pg: LocalPostgres): void {
  try {
    stopLocalPostgres(pg);
  } catch {
    // already stopped
  }
  rmSync(pg.dir, { recursive: true, force: true });
}
