/**
 * Ingest benchmark: default pipeline (src/index/build.ts ingest()) vs. a naive LangChain pipeline
 * (RecursiveCharacterTextSplitter 500/100 + the same hashing embedder + HNSWLib), on the real corpus and on
 * a ≥ 50 MB synthetic corpus (bench/synth.ts), plus a stage breakdown of the default pipeline.
 *
 * Every measured run happens in its own child process, so peak RSS (sampled every 50 ms from a worker
 * thread — the main thread is blocked during the synchronous embed/HNSW loops, a timer there would miss the
 * peaks — and process.resourceUsage().maxRSS) belongs to that run alone.
 *
 *   tsx bench/ingest.ts                 full benchmark (prints tables)
 *   tsx bench/ingest.ts --sample 0.25   synthetic corpus sampled (said so in the output)
 *   tsx bench/ingest.ts --no-pin        do not pin runs to one CPU with taskset
 *   tsx bench/ingest.ts --pairs N       synthetic corpus: N runs with the statistics stage and N without, alternating
 *                                       (default 3; without = NIANBAO_BENCH_SKIP_STATISTICS=1, see src/stats/extract/index.ts)
 *   tsx bench/ingest.ts --no-naive      skip the naive LangChain pipeline
 */
import { spawn, spawnSync } from "node:child_process";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { sourceOf } from "../src/index/build.js";
import { listCorpusFiles } from "../src/ingest/files.js";
import { buildSyntheticCorpus, REAL_CORPUS } from "./synth.js";

const SELF = fileURLToPath(import.meta.url);
export const SYNTH_DIR = path.join(os.tmpdir(), "nianbao-synth");
/** Index of the synthetic corpus kept for bench/query.ts. */
export const SYNTH_INDEX = path.join(os.tmpdir(), "nianbao-synth-index");
export const REAL_INDEX = path.join(os.tmpdir(), "nianbao-real-index");
const MB = 1024 * 1024;

// ------------------------------------------------------------------------------------------------
// Shared helpers

/** The files ingest() reads (the same listing), with their corpus-relative source and size. */
async function corpusFiles(dir: string): Promise<Array<{ abs: string; source: string; bytes: number }>> {
  return Promise.all((await listCorpusFiles([dir])).files.map(async (abs) => ({ abs, source: sourceOf(dir, abs), bytes: (await fs.stat(abs)).size })));
}

async function duBytes(p: string): Promise<number> {
  const st = await fs.stat(p);
  if (!st.isDirectory()) return st.size;
  let n = 0;
  for (const e of await fs.readdir(p)) n += await duBytes(path.join(p, e));
  return n;
}

/** Deterministic sample of a file list (every n-th file), used only when --sample is given. */
function sample<T>(xs: T[], fraction: number): T[] {
  if (fraction >= 1) return xs;
  return xs.filter((_, i) => Math.floor((i + 1) * fraction) > Math.floor(i * fraction));
}

/** Peak RSS of the whole process, sampled every 50 ms from a worker thread. */
function startRssSampler(): { stop: () => Promise<number> } {
  const w = new Worker(
    `const { parentPort } = require("node:worker_threads");
     let peak = process.memoryUsage.rss();
     const t = setInterval(() => { const r = process.memoryUsage.rss(); if (r > peak) peak = r; }, 50);
     parentPort.on("message", () => { clearInterval(t); const r = process.memoryUsage.rss(); parentPort.postMessage(Math.max(peak, r)); });`,
    { eval: true },
  );
  return {
    stop: () =>
      new Promise<number>((resolve) => {
        w.once("message", (peak: number) => {
          void w.terminate();
          resolve(Math.max(peak, process.memoryUsage.rss()));
        });
        w.postMessage("stop");
      }),
  };
}

interface RunResult {
  pipeline: string;
  files: number;
  bytes: number;
  chunks: number;
  seconds: number;
  /** One-time loading before the timed run (jieba dictionary, pdf.js), not counted in seconds. */
  setupSeconds: number;
  cpuSeconds: number;
  peakRss: number;
  maxRss: number;
  indexBytes: number;
  stages?: Record<string, number>;
  notes?: string[];
}

// ------------------------------------------------------------------------------------------------
// Child-process runs

/**
 * Throughput is about the work per byte, so the one-time loading both pipelines pay on their first file is done
 * (and timed) before the measured run: jieba's dictionary, and pdf.js, which takes over a second to load and is
 * loaded by parsing the corpus's first PDF once.
 */
async function warmUp(files: Array<{ abs: string; source: string }>): Promise<number> {
  const t = performance.now();
  const { jiebaTokenizer } = await import("../src/embed/tokenize.js");
  jiebaTokenizer("政府信息公开");
  const pdf = files.find((f) => f.abs.toLowerCase().endsWith(".pdf"));
  if (pdf) await (await import("../src/ingest/load.js")).loadFile(pdf.abs, pdf.source).catch(() => undefined);
  return (performance.now() - t) / 1000;
}

/** Runs one pipeline with time, CPU and RSS measured around it; `work` reports what it processed. */
async function measured(
  pipeline: string,
  files: Array<{ abs: string; source: string; bytes: number }>,
  indexDir: string,
  work: () => Promise<{ files: number; chunks: number; stages: Record<string, number>; notes: string[] }>,
): Promise<RunResult> {
  await fs.rm(indexDir, { recursive: true, force: true });
  const setupSeconds = await warmUp(files);
  const sampler = startRssSampler();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await work();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const peakRss = await sampler.stop();
  return {
    pipeline,
    files: r.files,
    bytes: files.reduce((a, f) => a + f.bytes, 0),
    chunks: r.chunks,
    seconds,
    setupSeconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    peakRss,
    maxRss: process.resourceUsage().maxRSS * 1024,
    indexBytes: await duBytes(indexDir),
    stages: r.stages,
    notes: r.notes,
  };
}

const STAGE_NAMES: Record<string, string> = {
  parse: "parse (load+clean+split+structure+chunk)",
  statistics: "statistics (tables, facts, checks, facts.sqlite)",
  analyze: "analyze (jieba + bigrams, numbered once)",
  embed: "fit idf + terms (built-in embedder: vectors computed in write)",
  bm25: "bm25 build",
  write: "write (HNSW graph over folded vectors + files)",
};

async function runDefault(corpusDir: string, indexDir: string, fraction: number): Promise<RunResult> {
  const { ingest } = await import("../src/index/build.js");
  let files = await corpusFiles(corpusDir);
  let paths: string[] | undefined;
  if (fraction < 1) {
    files = sample(files, fraction);
    paths = files.map((f) => f.abs);
  }
  return measured("default", files, indexDir, async () => {
    const s = await ingest({ corpusDir, indexDir, settings: {}, rebuild: true, paths });
    // ingest() times its own stages (analysis is done once and shared by statistics, embedding and BM25).
    const stages = Object.fromEntries(Object.entries(s.stages ?? {}).map(([k, v]) => [STAGE_NAMES[k] ?? k, v]));
    return { files: s.files, chunks: s.chunks, stages, notes: s.failures.map((f) => `failure: ${f.source}: ${f.reason}`) };
  });
}

async function runNaive(corpusDir: string, indexDir: string, fraction: number): Promise<RunResult> {
  const { loadFile } = await import("../src/ingest/load.js");
  const { cleanText } = await import("../src/ingest/clean.js");
  const { HashingEmbeddings, fitHashStats } = await import("../src/embed/hashing.js");
  const { HASH_DIM } = await import("../src/embed/factory.js");
  const { RecursiveCharacterTextSplitter } = await import("@langchain/textsplitters");
  const { HNSWLib } = await import("@langchain/community/vectorstores/hnswlib");
  const files = sample(await corpusFiles(corpusDir), fraction);
  return measured("naive", files, indexDir, async () => {
    const stages: Record<string, number> = {};
    let t = performance.now();
    const lap = (name: string) => {
      const now = performance.now();
      stages[name] = (now - t) / 1000;
      t = now;
    };
    const splitter = new RecursiveCharacterTextSplitter({ chunkSize: 500, chunkOverlap: 100 });
    const docs = [];
    const notes: string[] = [];
    for (const f of files) {
      try {
        const loaded = await loadFile(f.abs, f.source);
        docs.push(...(await splitter.createDocuments([cleanText(loaded.text)], [{ source: f.source }])));
      } catch (err) {
        notes.push(`failure: ${f.source}: ${(err as Error).message}`);
      }
    }
    lap("parse (load+clean+split)");
    const texts = docs.map((d) => d.pageContent);
    const embedder = new HashingEmbeddings(fitHashStats(texts, HASH_DIM));
    lap("fit idf stats");
    const vectors = await embedder.embedDocuments(texts);
    lap("embed");
    const store = new HNSWLib(embedder, { space: "cosine", numDimensions: HASH_DIM });
    await store.addVectors(vectors, docs);
    lap("hnsw build");
    await store.save(indexDir);
    lap("hnsw save");
    return { files: files.length, chunks: docs.length, stages, notes };
  });
}

async function child(kind: string, corpusDir: string, indexDir: string, fraction: number): Promise<void> {
  const r = kind === "default" ? await runDefault(corpusDir, indexDir, fraction) : await runNaive(corpusDir, indexDir, fraction);
  process.stdout.write(`\n@@RESULT ${JSON.stringify(r)}\n`);
}

/**
 * The target is throughput on one core, so each run is pinned to one CPU with taskset when the system has it:
 * every thread of the child (main, GC helpers, the libuv threads that write files) then shares that core.
 */
const PIN = !process.argv.includes("--no-pin") && spawnSync("taskset", ["-c", "0", "true"]).status === 0;

/** Machine load (1-minute load average) at a run's start and end: other processes share the cores. */
interface Load {
  before: number;
  after: number;
}

function spawnChild(kind: string, corpusDir: string, indexDir: string, fraction: number, env: Record<string, string> = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    // process.execArgv carries tsx's loader flags, so the child runs this .ts file the same way.
    const argv = [process.execPath, ...process.execArgv, SELF, "--child", kind, corpusDir, indexDir, String(fraction)];
    const [cmd, ...rest] = PIN ? ["taskset", "-c", "0", ...argv] : argv;
    const p = spawn(cmd, rest, { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, ...env } });
    let out = "";
    p.stdout.on("data", (d: Buffer) => (out += d.toString("utf8")));
    p.on("error", reject);
    p.on("close", (code) => {
      const line = out.split("\n").find((l) => l.startsWith("@@RESULT "));
      if (code !== 0 || !line) reject(new Error(`child ${kind} exited ${code}: ${out.slice(-2000)}`));
      else resolve(JSON.parse(line.slice("@@RESULT ".length)) as RunResult);
    });
  });
}

// ------------------------------------------------------------------------------------------------
// Report

const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);

function table(rows: string[][]): string {
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => [...r[i]].length)));
  const line = (r: string[]) => "| " + r.map((c, i) => c + " ".repeat(w[i] - [...c].length)).join(" | ") + " |";
  return [line(rows[0]), "|" + w.map((n) => "-".repeat(n + 2)).join("|") + "|", ...rows.slice(1).map(line)].join("\n");
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const si = args.indexOf("--sample");
  const fraction = si >= 0 ? Number(args[si + 1]) : 1;
  const pi = args.indexOf("--pairs");
  const pairs = pi >= 0 ? Math.max(1, Number(args[pi + 1])) : 3;
  const kinds = args.includes("--no-naive") ? ["default"] : ["default", "naive"];
  const tAll = performance.now();

  console.log(`# Ingest benchmark — ${new Date().toISOString()}`);
  console.log(`machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), ${f1(os.totalmem() / 1024 ** 3)} GiB RAM, Node ${process.version}, ${os.platform()} ${os.release()}`);
  console.log(`load average at start (1/5/15 min): ${os.loadavg().map(f2).join(" / ")}`);
  console.log(PIN ? "each run pinned to one CPU (taskset -c 0): the figures are single-core figures" : "runs NOT pinned to one CPU (no taskset, or --no-pin): helper threads may use other cores");
  const ts = performance.now();
  const synth = await buildSyntheticCorpus(SYNTH_DIR);
  console.log(`synthetic corpus: ${SYNTH_DIR}: ${synth.files} files, ${f1(synth.bytes / MB)} MB (ready in ${f1((performance.now() - ts) / 1000)} s)`);
  if (fraction < 1) console.log(`NOTE: synthetic runs are SAMPLED: every ${f1(1 / fraction)}-th file (fraction ${fraction}); figures below are for that sample only.`);

  const runs: Array<{ corpus: string; r: RunResult; load: Load }> = [];
  /** Synthetic runs with the statistics stage on and off, in the order they ran. */
  const abRuns: Array<{ statistics: boolean; r: RunResult; load: Load }> = [];
  const timed = async (kind: string, dir: string, idx: string, fr: number, env: Record<string, string> = {}) => {
    const before = os.loadavg()[0];
    const r = await spawnChild(kind, dir, idx, fr, env);
    return { r, load: { before, after: os.loadavg()[0] } };
  };
  const tmpIdx = (name: string) => path.join(os.tmpdir(), `nianbao-bench-${name}-${process.pid}`);
  const corpora = [
    { name: "real corpus/", dir: REAL_CORPUS, keep: REAL_INDEX, fraction: 1 },
    { name: "synthetic", dir: SYNTH_DIR, keep: SYNTH_INDEX, fraction },
  ];
  for (const c of corpora) {
    for (const kind of kinds) {
      const idx = kind === "default" ? c.keep : tmpIdx(kind);
      process.stderr.write(`running ${kind} on ${c.name} …\n`);
      const { r, load } = await timed(kind, c.dir, idx, c.fraction);
      if (kind !== "default") await fs.rm(idx, { recursive: true, force: true });
      runs.push({ corpus: c.name, r, load });
      if (c.dir === SYNTH_DIR && kind === "default") abRuns.push({ statistics: true, r, load });
      process.stderr.write(`  ${f1(r.seconds)} s (load ${f2(load.before)} → ${f2(load.after)})\n`);
    }
  }
  // Statistics stage on/off on the synthetic corpus, alternating so that load drift hits both alike. The run above
  // is the first "on" run; each further pair is off, on. "Off" runs write to a temporary index, removed after.
  const synthC = corpora.find((c) => c.dir === SYNTH_DIR)!;
  for (let i = 0; i < pairs; i++) {
    for (const on of i === 0 ? [false] : [false, true]) {
      process.stderr.write(`running default on synthetic, statistics ${on ? "on" : "OFF"} (pair ${i + 1}/${pairs}) …\n`);
      const idx = on ? synthC.keep : tmpIdx("nostats");
      const { r, load } = await timed("default", synthC.dir, idx, synthC.fraction, on ? {} : { NIANBAO_BENCH_SKIP_STATISTICS: "1" });
      if (!on) await fs.rm(idx, { recursive: true, force: true });
      abRuns.push({ statistics: on, r, load });
      process.stderr.write(`  ${f1(r.seconds)} s (load ${f2(load.before)} → ${f2(load.after)})\n`);
    }
  }

  console.log("\n## Throughput (each run in a fresh child process, fresh index dir)\n");
  const rows = [["corpus", "pipeline", "files", "input MB", "chunks", "setup s (not counted)", "seconds", "MB/s", "chunks/s", "CPU/wall", "peak RSS MB (50 ms)", "maxRSS MB", "index MB", "load avg before→after"]];
  for (const { corpus, r, load } of runs)
    rows.push([
      corpus,
      r.pipeline,
      String(r.files),
      f2(r.bytes / MB),
      String(r.chunks),
      f2(r.setupSeconds),
      f2(r.seconds),
      f2(r.bytes / MB / r.seconds),
      f1(r.chunks / r.seconds),
      f2(r.cpuSeconds / r.seconds),
      f1(r.peakRss / MB),
      f1(r.maxRss / MB),
      f1(r.indexBytes / MB),
      `${f2(load.before)}→${f2(load.after)}`,
    ]);
  console.log(table(rows));

  console.log("\n## default / naive\n");
  const ratioRows = [["corpus", "default MB/s", "naive MB/s", "ratio default/naive", "target ≥ 2 MB/s (default)"]];
  for (const c of corpora) {
    if (!kinds.includes("naive")) break;
    const d = runs.find((x) => x.corpus === c.name && x.r.pipeline === "default")!.r;
    const n = runs.find((x) => x.corpus === c.name && x.r.pipeline === "naive")!.r;
    const dm = d.bytes / MB / d.seconds;
    const nm = n.bytes / MB / n.seconds;
    ratioRows.push([c.name, f2(dm), f2(nm), f2(dm / nm), dm >= 2 ? "met" : "NOT met"]);
  }
  console.log(table(ratioRows));

  for (const c of corpora) {
    for (const kind of kinds) {
      const r = runs.find((x) => x.corpus === c.name && x.r.pipeline === kind)!.r;
      console.log(`\n## Stage breakdown — ${kind}, ${c.name} (${r.chunks} chunks, total ${f2(r.seconds)} s)\n`);
      const srows = [["stage", "seconds", "share"]];
      for (const [name, s] of Object.entries(r.stages ?? {})) srows.push([name, f2(s), `${((100 * s) / r.seconds).toFixed(0)}%`]);
      console.log(table(srows));
    }
  }

  console.log(statisticsReport(abRuns));

  const notes = runs.flatMap(({ corpus, r }) => (r.notes ?? []).map((n) => `${corpus}/${r.pipeline}: ${n}`));
  if (notes.length) console.log(`\n## Failures reported by the pipelines\n\n${notes.map((n) => `- ${n}`).join("\n")}`);

  console.log(`
## Notes
- input MB = bytes of the files the pipeline reads (real corpus: the two 洪泽 PDFs are ${f2(
    (await corpusFiles(REAL_CORPUS)).filter((f) => f.abs.endsWith(".pdf")).reduce((a, f) => a + f.bytes, 0) / MB,
  )} MB of it); synthetic = .txt only (UTF-8, ~3 bytes per Chinese character).
- Single core: the pipelines are single-threaded JS. jieba (@node-rs/jieba cutForSearch) and hnswlib-node addPoint are
  synchronous native calls on the main thread; hnswlib-node only uses a libuv worker for save/load (no parallel build).
  The default pipeline lets libuv threads write index files while the graph is built; with the run pinned to one CPU
  (see the header line) those threads share that core, so the overlap hides disk waits, not CPU work.
- setup s: one-time loading done before each timed run and not counted in seconds or MB/s: jieba's dictionary, and
  pdf.js (loaded by parsing the corpus's first PDF once; that PDF is parsed again, warm, in the timed run).
- peak RSS (50 ms) is sampled from a worker thread (process-wide RSS); maxRSS is process.resourceUsage().maxRSS of the
  child process that ran the pipeline (includes module loading).
- the default pipeline's stage breakdown is the one ingest() measures itself (summary.stages); stages do not add up to the
  total exactly (file listing, hashing and bookkeeping are outside them).
- synthetic index for bench/query.ts kept at ${SYNTH_INDEX}; real at ${REAL_INDEX}.
- total benchmark wall time: ${f1((performance.now() - tAll) / 1000)} s`);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const pct = (x: number) => `${x >= 0 ? "+" : ""}${(100 * x).toFixed(1)}%`;

/**
 * What the statistics stage adds to ingest on the synthetic corpus (issue 8: at most 15 %), two ways:
 * A/B — whole runs with the stage on against runs with extraction skipped (NIANBAO_BENCH_SKIP_STATISTICS=1:
 * format detection stays, no table or sentence is read, facts.sqlite holds the reports and no cells); and in-run —
 * the stage's own seconds (extraction + facts.sqlite) against the rest of the same run.
 */
function statisticsReport(ab: Array<{ statistics: boolean; r: RunResult; load: Load }>): string {
  const stat = (r: RunResult) => r.stages?.[STAGE_NAMES.statistics] ?? 0;
  const rows = [["#", "statistics", "seconds", "MB/s", "statistics stage s", "stage share", "stage / rest of run", "load avg before→after"]];
  ab.forEach(({ statistics, r, load }, i) =>
    rows.push([
      String(i + 1),
      statistics ? "on" : "off (skipped)",
      f2(r.seconds),
      f2(r.bytes / MB / r.seconds),
      f2(stat(r)),
      `${((100 * stat(r)) / r.seconds).toFixed(1)}%`,
      statistics ? pct(stat(r) / (r.seconds - stat(r))) : "",
      `${f2(load.before)}→${f2(load.after)}`,
    ]),
  );
  const on = ab.filter((x) => x.statistics).map((x) => x.r.seconds);
  const off = ab.filter((x) => !x.statistics).map((x) => x.r.seconds);
  const inRun = ab.filter((x) => x.statistics).map((x) => stat(x.r) / (x.r.seconds - stat(x.r)));
  // Pairs in run order: run 1 (on) with run 2 (off), then each (off, on) pair that follows.
  const pairRatios: string[] = [];
  for (let i = 0; i + 1 < ab.length; i += 2) {
    const a = ab[i];
    const b = ab[i + 1];
    const onR = a.statistics ? a.r : b.r;
    const offR = a.statistics ? b.r : a.r;
    pairRatios.push(pct(onR.seconds / offR.seconds - 1));
  }
  const overhead = median(on) / median(off) - 1;
  const verdict = (x: number) => (x <= 0.15 ? "met" : "NOT met");
  return [
    `\n## Statistics stage — synthetic corpus, on vs. off (issue 8 target: adds at most 15 % to ingest time)\n`,
    table(rows),
    ``,
    `- A/B, medians: on ${f2(median(on))} s (n=${on.length}), off ${f2(median(off))} s (n=${off.length}) → overhead ${pct(overhead)} — target ${verdict(overhead)}`,
    `- A/B per pair, in run order (first pair = runs 1–2, first run included): ${pairRatios.join(", ")}`,
    `- in-run (statistics stage s / rest of the same run): ${inRun.map(pct).join(", ")}; median ${pct(median(inRun))} — target ${verdict(median(inRun))}`,
    `- "off" = NIANBAO_BENCH_SKIP_STATISTICS=1 (read once in src/stats/extract/index.ts): the format is still detected, no table`,
    `  or sentence is read, facts.sqlite still holds the report rows (no cells, no checks); statistics.bin is near-empty.`,
    `- the statistics stage = extraction (per report, inside parse) + writing facts.sqlite; the latter is also inside the`,
    `  write stage's seconds (ingest() times facts.sqlite within writeIndex), so stage shares overlap by that much.`,
  ].join("\n");
}

if (process.argv[2] === "--child") {
  await child(process.argv[3], process.argv[4], process.argv[5], Number(process.argv[6]));
} else {
  await main();
}
