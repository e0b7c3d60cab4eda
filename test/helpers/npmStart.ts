import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/**
 * `npm start` as an operator runs it, in a child process: npm → its script shell → the server. Follows the whole
 * process tree, so a test can tell whether stopping npm stopped the server behind it too.
 */

export interface NpmStart {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** The page's URL, once printed. */
  url: Promise<string>;
  /** Resolves once the process waits for a signal ("按 Ctrl-C 停止" printed: its handlers are installed). */
  ready: Promise<void>;
  /** Resolves when a stderr line matches. */
  waitForStderr(re: RegExp, ms?: number): Promise<void>;
  /** npm's own exit: code, signal and when. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** Every process below npm (the script shell, node, …), now. */
  descendants(): number[];
}

export function npmStart(env: Record<string, string>, opts: { timeoutMs?: number } = {}): NpmStart {
  const child = spawn("npm", ["start"], {
    env: { ...process.env, npm_config_update_notifier: "false", npm_config_fund: "false", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  const listeners = new Set<() => void>();
  child.stdout!.on("data", (b) => {
    out += b;
    for (const l of listeners) l();
  });
  child.stderr!.on("data", (b) => {
    err += b;
    for (const l of listeners) l();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((r) =>
    child.once("exit", (code, signal) => r({ code, signal, at: Date.now() })),
  );
  const waitFor = <T>(test: () => T | undefined, ms: number, what: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const check = () => {
        const v = test();
        if (v === undefined) return;
        done();
        resolve(v);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${what} not seen within ${ms} ms; stdout: ${out}\nstderr: ${err}`));
      }, ms);
      const onExit = () => {
        done();
        reject(new Error(`npm start exited before ${what}; stdout: ${out}\nstderr: ${err}`));
      };
      function done() {
        clearTimeout(timer);
        listeners.delete(check);
        child.off("exit", onExit);
      }
      listeners.add(check);
      child.once("exit", onExit);
      check();
    });
  const limit = opts.timeoutMs ?? 120_000;
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    url: waitFor(() => /http:\/\/127\.0\.0\.1:\d+\//.exec(out)?.[0], limit, "the URL"),
    ready: waitFor(() => (err.includes("按 Ctrl-C 停止") ? true : undefined), limit, "按 Ctrl-C 停止").then(() => undefined),
    waitForStderr: (re, ms = 30_000) => waitFor(() => (re.test(err) ? true : undefined), ms, String(re)).then(() => undefined),
    exited,
    descendants: () => descendantsOf(child.pid!),
  };
}

/** Pids below `root`, from /proc (Linux). */
export function descendantsOf(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (!stat) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(Number(name));
    children.set(stat.ppid, list);
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    for (const c of children.get(pid) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(root);
  return out;
}

/** Whether a process still runs (a zombie, exited but not yet reaped, does not). */
export function alive(pid: number): boolean {
  const stat = readStat(pid);
  return stat !== null && stat.state !== "Z" && stat.state !== "X";
}

function readStat(pid: number): { state: string; ppid: number } | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ")".
    const rest = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return { state: rest[0], ppid: Number(rest[1]) };
  } catch {
    return null;
  }
}
