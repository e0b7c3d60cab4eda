import { PassThrough, Readable, Writable } from "node:stream";
import path from "node:path";
import type { CliDeps, CliEngine } from "../../src/cli/deps.js";
import type { CliIo } from "../../src/cli/io.js";

/** A CliIo over memory: stdin from a string, buffer or stream; stdout and stderr collected. */
export interface MemoryIo extends CliIo {
  /** Everything written to stdout, as UTF-8. */
  out(): string;
  outBytes(): Buffer;
  err(): string;
}

export interface MemoryIoOptions {
  stdin?: string | Buffer | NodeJS.ReadableStream;
  /** The environment (nothing of the test process's own leaks in). */
  env?: Record<string, string | undefined>;
  /** Defaults to the repository root, where corpus/ is. */
  cwd?: string;
  now?: () => Date;
  signal?: AbortSignal;
  /** A stdout that takes each chunk only after the event loop turned this many times: a slow reader. */
  slowStdout?: number;
}

function collector(chunks: Buffer[], slow = 0): Writable {
  return new Writable({
    highWaterMark: slow ? 16 : undefined,
    write(chunk: Buffer, _enc, done) {
      const take = () => {
        chunks.push(Buffer.from(chunk));
        done();
      };
      if (!slow) return take();
      let n = slow;
      const turn = () => (--n > 0 ? setImmediate(turn) : take());
      setImmediate(turn);
    },
  });
}

export function memoryIo(opts: MemoryIoOptions = {}): MemoryIo {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdin =
    opts.stdin === undefined ? Readable.from([]) : typeof opts.stdin === "string" || Buffer.isBuffer(opts.stdin) ? Readable.from([Buffer.from(opts.stdin)]) : opts.stdin;
  return {
    stdin,
    stdout: collector(out, opts.slowStdout),
    stderr: collector(err),
    env: opts.env ?? {},
    cwd: opts.cwd ?? path.resolve(__dirname, "../.."),
    now: opts.now,
    signal: opts.signal,
    out: () => Buffer.concat(out).toString("utf8"),
    outBytes: () => Buffer.concat(out),
    err: () => Buffer.concat(err).toString("utf8"),
  };
}

/** A stdin the test writes to line by line (an interactive or scripted session). */
export function lineInput(): PassThrough {
  return new PassThrough();
}

/** Deps whose every member fails loudly unless the test provides it: a command must not open what it does not need. */
export function fakeDeps(over: Partial<CliDeps> = {}): CliDeps {
  const missing = (name: string) => () => {
    throw new Error(`unexpected call: deps.${name}`);
  };
  const base: CliDeps = {
    openEngine: missing("openEngine"),
    verifyIndex: missing("verifyIndex"),
    indexExists: missing("indexExists"),
    ingest: missing("ingest"),
    parseCorpusFile: missing("parseCorpusFile"),
    openStats: missing("openStats"),
    checkDraft: missing("checkDraft"),
    corpusTexts: missing("corpusTexts"),
    buildServer: missing("buildServer"),
    launchBot: missing("launchBot"),
  };
  return { ...base, ...over };
}

/** A CliEngine from an AnswerEngine fake (no statistics unless given). */
export function cliEngine(engine: Omit<CliEngine, "stats"> & Partial<Pick<CliEngine, "stats">>): CliEngine {
  const e = engine as CliEngine;
  if (!e.stats) e.stats = () => null;
  return e;
}
