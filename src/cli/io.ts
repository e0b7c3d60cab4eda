import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { loadSettings, type Settings } from "../config.js";
import { parseArgs } from "./args.js";

/**
 * What a command's run() reads and writes instead of the process: its streams, environment, working folder, clock
 * and a stop signal. `processIo()` is the real process (used by src/bin/*); tests pass memory streams.
 */
export interface CliIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** The environment settings are read from (a .env file in `cwd` fills in what it leaves unset). */
  env: Readonly<Record<string, string | undefined>>;
  /** Relative paths (arguments, CORPUS_DIR, NIANBAO_INDEX_DIR) are resolved against this folder. */
  cwd: string;
  now?: () => Date;
  /** Aborted when the process is asked to stop (SIGTERM/SIGINT): `start` closes the server, `chat` ends. */
  signal?: AbortSignal;
}

/** Resolves once the text has been handed to the stream (for stdout, to the OS: a full pipe makes Node queue it). */
export function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(text, (err) => (err ? reject(err) : resolve()));
  });
}

/** One line on a stream, not awaited (stderr messages). */
export function line(stream: NodeJS.WritableStream, text: string): void {
  stream.write(`${text}\n`);
}

/** KEY=VALUE lines of a .env file (quotes removed, comments skipped); {} when there is none. */
export function readDotEnv(file: string): Record<string, string> {
  if (!existsSync(file)) return {};
  const out: Record<string, string> = {};
  for (const l of readFileSync(file, "utf8").split(/\r?\n/)) {
    const m = l.match(/^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/);
    if (!m || l.trim().startsWith("#")) continue;
    out[m[1]] = m[2].replace(/^(['"])(.*)\1$/, "$2");
  }
  return out;
}

/** The environment a command runs with: io.env, with what it leaves unset taken from `.env` in io.cwd. */
export function environment(io: Pick<CliIo, "env" | "cwd">): Record<string, string | undefined> {
  const file = readDotEnv(path.join(io.cwd, ".env"));
  const env: Record<string, string | undefined> = { ...io.env };
  for (const [k, v] of Object.entries(file)) if (env[k] === undefined) env[k] = v;
  return env;
}

/**
 * The real process as a CliIo. With `signals`, the first SIGTERM/SIGINT aborts io.signal (the command stops
 * cleanly) and a second one exits at once; without, the signals keep their default (the process ends).
 */
export function processIo(opts: { signals?: boolean } = {}): CliIo {
  const io: CliIo = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), now: () => new Date() };
  if (opts.signals) {
    const ac = new AbortController();
    const stop = (sig: NodeJS.Signals) => {
      if (ac.signal.aborted) process.exit(1);
      ac.abort(sig);
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
    io.signal = ac.signal;
  }
  return io;
}

/** Ends the process with `code` once stdout and stderr have been handed over (a slow reader loses nothing). */
export async function exit(code: number): Promise<never> {
  await Promise.all([write(process.stdout, ""), write(process.stderr, "")]).catch(() => undefined);
  process.exit(code);
}

/**
 * The settings and index folder of a long-running command (start, chat) from its arguments and environment; a bad
 * argument or setting is said in one line ("启动失败：…") and returned as failed.
 */
export function startupSettings(argv: string[], io: CliIo): { settings: Settings; indexDir: string } | { failed: true } {
  try {
    const args = parseArgs(argv, ["index"]);
    const settings = loadSettings(environment(io));
    return { settings, indexDir: path.resolve(io.cwd, args.values.get("index") ?? settings.NIANBAO_INDEX_DIR) };
  } catch (err) {
    line(io.stderr, `启动失败：${(err as Error).message}`);
    return { failed: true };
  }
}
