/**
 * The parser sandbox: PDF, DOCX and HTML from outside (draft uploads, corpus files at ingest) are parsed in a
 * separate Node process, never in the server's or ingest's own, so a hostile file can cost that process only:
 *   - a wall-time limit (PARSE_TIMEOUT_MS): the process is killed, the file refused with code `timeout`;
 *   - a memory limit (PARSE_MEMORY_MB): V8's heap is capped below it and the resident size is watched
 *     (/proc/<pid>/status, every 100 ms); past it the process is killed, the file refused with `out_of_memory`;
 *   - the structural caps (src/ingest/prescan.ts, the PDF page count) refuse a file before its parser runs.
 * Processes are reused: one stays warm after a job (up to MAX_IDLE, for IDLE_MS) and takes the next, so ingest
 * pays the start-up (≈0.5 s) once, not per file. A killed process is never reused.
 *
 * The child (sandboxEntry.mjs → sandboxChild.ts) is started with plain `node`, loads our TypeScript through tsx's
 * scoped API and the parsers natively; it works the same under `tsx` and under vitest.
 */
import { fork, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { FileLimitError, LoadError, type FileLimit } from "../errors.js";
import type { LoadLimits } from "../limits.js";

export type SandboxFormat = "pdf" | "docx" | "html";

export interface Extracted {
  text: string;
  encoding: string | null;
}

/**
 * What a sandbox process does with a file: extract its text (loadFile's PDF, DOCX and HTML), or the whole check of
 * an uploaded draft (src/stats/service.ts: extraction, then parsing and the statistics), so that not even the
 * parsing of a draft's text runs in the server's process.
 */
export type SandboxTask = { kind: "extract"; format: SandboxFormat } | { kind: "draft"; filename: string };

/** A job sent to the child. */
export interface SandboxJob {
  id: number;
  task: SandboxTask;
  source: string;
  limits: LoadLimits;
  bytes: Uint8Array;
}

/** What the child answers: the task's result, or the error as plain data. */
export type SandboxReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { kind: "limit"; limit: FileLimit; zh: string; en: string } | { kind: "load"; reason: string } | { kind: "other"; message: string } };

const ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), "sandboxEntry.mjs");
/** Warm processes kept after a job, and how long an idle one lives. */
const MAX_IDLE = 2;
const IDLE_MS = 60_000;
/** A process is replaced after this many jobs (a parser's leaks stay bounded). */
const MAX_JOBS = 200;
/** Time allowed for a process to start and load the TypeScript modules (not counted in the parse time). */
const START_TIMEOUT_MS = 60_000;
const WATCH_MS = 100;
/**
 * A draft check runs beside a server answering requests: its process yields the CPU to serving (on 2 cores, a
 * parse at normal priority delayed /healthz by up to 0.7 s). Ingest's extraction keeps normal priority.
 */
const DRAFT_NICE = 10;

interface Proc {
  child: ChildProcess;
  memoryMb: number;
  /** Scheduling niceness (0 normal; draft checks run at DRAFT_NICE). */
  nice: number;
  jobs: number;
  ready: Promise<void>;
  /** Last lines of its stderr (a V8 "heap out of memory" report, a start-up failure). */
  stderr: string;
  exited: { code: number | null; signal: NodeJS.Signals | null } | null;
  idleTimer: NodeJS.Timeout | null;
}

const live = new Set<Proc>();
const idle: Proc[] = [];
let nextId = 1;
let exitHookSet = false;
let peakRssBytes = 0;

/** Resident memory of a process (bytes), from /proc; null where /proc is not available. */
function rssOf(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "latin1"));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** The V8 heap cap of a child for a memory limit: three quarters of it (the rest is code, buffers, stacks). */
function heapMbFor(memoryMb: number): number {
  return Math.max(64, Math.floor(memoryMb * 0.75));
}

function setRef(p: Proc, on: boolean): void {
  const channel = p.child.channel as unknown as { ref?: () => void; unref?: () => void } | null | undefined;
  // The stderr pipe is a handle of its own: left referenced, an idle warm process kept its parent from exiting.
  const stderr = p.child.stderr as unknown as { ref?: () => void; unref?: () => void } | null;
  if (on) {
    p.child.ref();
    channel?.ref?.();
    stderr?.ref?.();
  } else {
    p.child.unref();
    channel?.unref?.();
    stderr?.unref?.();
  }
}

function kill(p: Proc): void {
  live.delete(p);
  const i = idle.indexOf(p);
  if (i >= 0) idle.splice(i, 1);
  if (p.idleTimer) clearTimeout(p.idleTimer);
  if (!p.exited) p.child.kill("SIGKILL");
}

function spawnProc(memoryMb: number, nice: number): Proc {
  if (!exitHookSet) {
    exitHookSet = true;
    // Children never outlive this process (they also exit when the IPC channel closes).
    process.once("exit", () => {
      for (const p of live) if (!p.exited) p.child.kill("SIGKILL");
    });
  }
  const child = fork(ENTRY, [], {
    execArgv: [`--max-old-space-size=${heapMbFor(memoryMb)}`],
    serialization: "advanced",
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  const p: Proc = { child, memoryMb, nice, jobs: 0, stderr: "", exited: null, idleTimer: null, ready: Promise.resolve() };
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (s: string) => {
    p.stderr = (p.stderr + s).slice(-4000);
  });
  child.on("exit", (code, signal) => {
    p.exited = { code, signal };
    kill(p);
  });
  p.ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      kill(p);
      reject(new Error(`解析进程启动超时 / the parser process did not start within ${START_TIMEOUT_MS / 1000} s`));
    }, START_TIMEOUT_MS);
    const onMessage = (m: unknown) => {
      if ((m as { ready?: boolean })?.ready !== true) return;
      cleanup();
      // Lowered once started: loading our modules is the same work for every file, parsing a file is not.
      if (nice && child.pid) {
        try {
          os.setPriority(child.pid, nice);
        } catch {
          // Not permitted here: the process runs at normal priority.
        }
      }
      resolve();
    };
    const onExit = () => {
      cleanup();
      reject(new Error(`解析进程无法启动 / the parser process failed to start (${p.exited?.code ?? p.exited?.signal}): ${lastLine(p.stderr)}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
    };
    child.on("message", onMessage);
    child.on("exit", onExit);
  });
  // An unobserved start failure is reported by the job that awaits it.
  p.ready.catch(() => undefined);
  live.add(p);
  return p;
}

function lastLine(s: string): string {
  return s.trim().split("\n").filter((l) => l.trim() !== "").slice(-1)[0] ?? "";
}

function acquire(memoryMb: number, nice: number): Proc {
  const i = idle.findIndex((p) => p.memoryMb === memoryMb && p.nice === nice && !p.exited);
  if (i >= 0) {
    const [p] = idle.splice(i, 1);
    if (p.idleTimer) clearTimeout(p.idleTimer);
    p.idleTimer = null;
    setRef(p, true);
    return p;
  }
  return spawnProc(memoryMb, nice);
}

function release(p: Proc): void {
  const rss = p.child.pid ? rssOf(p.child.pid) : null;
  // A process left large by its last file is not kept (its heap would stay grown until the next collection).
  if (p.exited || p.jobs >= MAX_JOBS || idle.length >= MAX_IDLE || (rss !== null && rss > (p.memoryMb * 1024 * 1024) / 2)) {
    kill(p);
    return;
  }
  setRef(p, false);
  p.idleTimer = setTimeout(() => kill(p), IDLE_MS);
  p.idleTimer.unref();
  idle.push(p);
}

function fromReply(r: Extract<SandboxReply, { ok: false }>, source: string, task: SandboxTask): LoadError {
  const e = r.error;
  if (e.kind === "limit") return new FileLimitError(source, e.limit, e.zh, e.en);
  if (e.kind === "load") return new LoadError(source, e.reason);
  return new LoadError(source, `cannot parse ${task.kind === "extract" ? task.format : "draft"}: ${e.message}`);
}

/**
 * Extracts the text of a PDF, DOCX or HTML file in a sandbox process under `limits`. Rejects with a LoadError
 * naming `source` (a FileLimitError when a limit refused it); the process is killed on a time or memory limit.
 */
export async function extractInSandbox(format: SandboxFormat, buf: Buffer, source: string, limits: LoadLimits): Promise<Extracted> {
  return (await runInSandbox({ kind: "extract", format }, buf, source, limits)) as Extracted;
}

/** Runs `task` on the file's bytes in a sandbox process under `limits` (see extractInSandbox for the errors). */
export async function runInSandbox(task: SandboxTask, buf: Buffer, source: string, limits: LoadLimits): Promise<unknown> {
  const p = acquire(limits.parseMemoryMb, task.kind === "draft" ? DRAFT_NICE : 0);
  try {
    await p.ready;
  } catch (err) {
    kill(p);
    throw err;
  }
  p.jobs++;
  const id = nextId++;
  return new Promise<unknown>((resolve, reject) => {
    let settled = false;
    const finish = (err: LoadError | null, value?: unknown, reuse = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(watch);
      p.child.off("message", onMessage);
      p.child.off("exit", onExit);
      if (reuse) release(p);
      else kill(p);
      if (err) reject(err);
      else resolve(value);
    };
    const timer = setTimeout(() => {
      const s = limits.parseTimeoutMs / 1000;
      finish(new FileLimitError(source, "timeout", `解析超时：超过 ${s} 秒（PARSE_TIMEOUT_MS）`, `parsing took longer than ${s} s (PARSE_TIMEOUT_MS)`));
    }, limits.parseTimeoutMs);
    const memoryError = () =>
      new FileLimitError(source, "out_of_memory", `解析占用内存超过上限 ${limits.parseMemoryMb} MB（PARSE_MEMORY_MB）`, `parsing needed more than ${limits.parseMemoryMb} MB (PARSE_MEMORY_MB)`);
    const watch = setInterval(() => {
      const rss = p.child.pid ? rssOf(p.child.pid) : null;
      if (rss === null) return;
      peakRssBytes = Math.max(peakRssBytes, rss);
      if (rss > limits.parseMemoryMb * 1024 * 1024) finish(memoryError());
    }, WATCH_MS);
    const onMessage = (m: unknown) => {
      const r = m as SandboxReply;
      if (r?.id !== id) return;
      if (r.ok) finish(null, r.value, true);
      // A refused file leaves a healthy process: it takes the next job.
      else finish(fromReply(r, source, task), undefined, true);
    };
    const onExit = () => {
      // V8 aborts a process whose heap reached its cap: that is the memory limit too.
      if (/heap out of memory|Reached heap limit|allocation failed/i.test(p.stderr) || p.exited?.signal === "SIGABRT") finish(memoryError());
      else finish(new LoadError(source, `解析进程意外退出 / the parser process exited (${p.exited?.code ?? p.exited?.signal})`));
    };
    p.child.on("message", onMessage);
    p.child.on("exit", onExit);
    // A copy: the caller's Buffer may share its memory with others (Node's pool) and stays the caller's.
    const job: SandboxJob = { id, task, source, limits, bytes: new Uint8Array(buf) };
    p.child.send(job, (err) => {
      if (err) finish(new LoadError(source, `cannot reach the parser process: ${err.message}`));
    });
  });
}

/** Sandbox processes alive now, and the largest resident size seen in one (for tests and measurements). */
export function sandboxStats(): { processes: number; idle: number; peakRssBytes: number; pids: number[] } {
  return { processes: live.size, idle: idle.length, peakRssBytes, pids: [...live].map((p) => p.child.pid ?? 0).filter(Boolean) };
}

/** Ends every sandbox process (tests; a process exit does it by itself). */
export function stopSandbox(): void {
  for (const p of [...live]) kill(p);
}
