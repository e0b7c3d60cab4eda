/**
 * Query benchmark: per-question latency of Engine.ask() (extractive, no LLM) and Engine.retrieve() on the
 * questions of test/eval/questions.jsonl, on the real corpus index and on the synthetic corpus index.
 * Sequential, warm process (20 warm-up questions first). Follow-ups ask `previous` first (untimed) and time
 * only the follow-up with the returned state.
 *
 *   tsx bench/query.ts [--passes N] [--only real|synthetic]   (default: 3 passes, both indexes)
 */
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { openEngine, type Engine } from "../src/answer/engine.js";
import type { ConversationState } from "../src/answer/api.js";
import { loadSettings } from "../src/config.js";
import { ingest } from "../src/index/build.js";
import { exactSearch } from "../src/index/dense.js";
import { indexExists } from "../src/index/store.js";
import { buildSyntheticCorpus, REAL_CORPUS } from "./synth.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const QUESTIONS = path.resolve(HERE, "..", "test", "eval", "questions.jsonl");
// Same locations as bench/ingest.ts (not imported from there: importing it would run its main()).
const SYNTH_DIR = path.join(os.tmpdir(), "nianbao-synth");
const SYNTH_INDEX = path.join(os.tmpdir(), "nianbao-synth-index");
const REAL_INDEX = path.join(os.tmpdir(), "nianbao-real-index");
const WARMUP = 20;
const MB = 1024 * 1024;

interface Question {
  id: string;
  type: string;
  question: string;
  previous?: string;
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

interface Stats {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
  qps: number;
}

function stats(ms: number[]): Stats {
  const s = [...ms].sort((a, b) => a - b);
  const total = ms.reduce((a, b) => a + b, 0);
  return { n: ms.length, p50: pct(s, 50), p95: pct(s, 95), p99: pct(s, 99), max: s[s.length - 1], mean: total / ms.length, qps: (1000 * ms.length) / total };
}

function table(rows: string[][]): string {
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => [...r[i]].length)));
  const line = (r: string[]) => "| " + r.map((c, i) => c + " ".repeat(w[i] - [...c].length)).join(" | ") + " |";
  return [line(rows[0]), "|" + w.map((n) => "-".repeat(n + 2)).join("|") + "|", ...rows.slice(1).map(line)].join("\n");
}

async function ensureIndex(name: string, corpusDir: string, indexDir: string): Promise<void> {
  if (await indexExists(indexDir)) return;
  console.log(`(${name}: no index at ${indexDir}; building it now — run bench/ingest.ts first to reuse its index)`);
  const t = performance.now();
  const s = await ingest({ corpusDir, indexDir, settings: {}, rebuild: true });
  console.log(`(${name}: built ${s.chunks} chunks in ${((performance.now() - t) / 1000).toFixed(1)} s)`);
}

async function bench(engine: Engine, questions: Question[], passes: number) {
  const askState = async (q: Question): Promise<ConversationState | null> => (q.previous ? (await engine.ask(q.previous)).state : null);
  // Warm-up: JIT, jieba dictionary, caches.
  for (const q of questions.slice(0, WARMUP)) {
    await engine.ask(q.question, await askState(q));
    await engine.retrieve(q.question, undefined, await askState(q));
  }
  const ask: number[] = [];
  const retrieve: number[] = [];
  const byType = new Map<string, number[]>();
  let found = 0;
  let slowest = { ms: 0, id: "" };
  for (let pass = 0; pass < passes; pass++) {
    for (const q of questions) {
      const state = await askState(q);
      const t0 = performance.now();
      const r = await engine.ask(q.question, state);
      const ms = performance.now() - t0;
      ask.push(ms);
      if (ms > slowest.ms) slowest = { ms, id: q.id };
      (byType.get(q.type) ?? byType.set(q.type, []).get(q.type)!).push(ms);
      if (pass === 0 && r.answer.found) found++;
      const t1 = performance.now();
      await engine.retrieve(q.question, undefined, state);
      retrieve.push(performance.now() - t1);
    }
  }
  return { ask: stats(ask), retrieve: stats(retrieve), byType: new Map([...byType].map(([k, v]) => [k, stats(v)])), found, slowest };
}

/**
 * recall@10 of dense search (graph candidates over folded vectors, re-ranked exactly; src/index/dense.ts) against
 * exact cosine over all chunk vectors, for the questions' query vectors: strict (same rows) and tie-aware (a
 * returned row counts when its exact score reaches the exact 10th score — the synthetic corpus repeats reports,
 * so many rows tie).
 */
async function denseRecall(engine: Engine, questions: Question[]): Promise<{ strict: number; tieAware: number }> {
  const { dense, vectors, manifest, chunks } = engine.index;
  const dim = manifest.embedder.dim;
  const all = chunks.map((_, r) => r);
  let hit = 0;
  let tieHit = 0;
  let total = 0;
  for (const q of questions) {
    const v = await engine.embedder.embedQuery(q.question);
    const approx = new Set((await dense.search(v, 10)).map(([r]) => r));
    const exact = exactSearch(vectors, dim, v, all, chunks.length);
    const score = new Map(exact);
    for (const [r] of exact.slice(0, 10)) if (approx.has(r)) hit++;
    const tenth = exact[Math.min(9, exact.length - 1)][1];
    for (const r of approx) if ((score.get(r) ?? -1) >= tenth - 1e-6) tieHit++;
    total += 10;
  }
  return { strict: hit / total, tieAware: tieHit / total };
}

async function main(): Promise<void> {
  const pi = process.argv.indexOf("--passes");
  const passes = pi >= 0 ? Number(process.argv[pi + 1]) : 3;
  const oi = process.argv.indexOf("--only");
  const only = oi >= 0 ? process.argv[oi + 1] : null;
  const questions = (await fs.readFile(QUESTIONS, "utf8"))
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Question);
  // Extractive answers only: settings from an empty environment (no LLM, built-in embedder).
  const settings = loadSettings({});

  console.log(`# Query benchmark — ${new Date().toISOString()}`);
  console.log(`machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, Node ${process.version}`);
  console.log(`${questions.length} questions (${questions.filter((q) => q.previous).length} follow-ups), ${WARMUP} warm-up, ${passes} timed passes, sequential, extractive (no LLM)\n`);

  const targets = [
    { name: "real corpus/", corpusDir: REAL_CORPUS, indexDir: REAL_INDEX },
    { name: "synthetic", corpusDir: SYNTH_DIR, indexDir: SYNTH_INDEX },
  ].filter((t) => !only || t.name.startsWith(only));
  if (targets.some((t) => t.corpusDir === SYNTH_DIR)) await buildSyntheticCorpus(SYNTH_DIR);
  const rows = [["index", "chunks", "call", "n", "p50 ms", "p95 ms", "p99 ms", "max ms", "mean ms", "queries/s", "target p95 < 50 ms"]];
  const typeRows = [["index", "type", "n", "p50 ms", "p95 ms", "max ms"]];
  const info: string[] = [];
  for (const t of targets) {
    await ensureIndex(t.name, t.corpusDir, t.indexDir);
    const rss0 = process.memoryUsage.rss();
    const t0 = performance.now();
    const engine = await openEngine({ indexDir: t.indexDir, corpusDir: t.corpusDir, settings });
    const openS = (performance.now() - t0) / 1000;
    const rss1 = process.memoryUsage.rss();
    const r = await bench(engine, questions, passes);
    const recall = await denseRecall(engine, questions);
    const chunks = String(engine.index.chunks.length);
    rows.push([t.name, chunks, "ask()", String(r.ask.n), ...[r.ask.p50, r.ask.p95, r.ask.p99, r.ask.max, r.ask.mean].map((x) => x.toFixed(1)), r.ask.qps.toFixed(1), r.ask.p95 < 50 ? "met" : "NOT met"]);
    rows.push([t.name, chunks, "retrieve()", String(r.retrieve.n), ...[r.retrieve.p50, r.retrieve.p95, r.retrieve.p99, r.retrieve.max, r.retrieve.mean].map((x) => x.toFixed(1)), r.retrieve.qps.toFixed(1), ""]);
    for (const [type, s] of r.byType) typeRows.push([t.name, type, String(s.n), s.p50.toFixed(1), s.p95.toFixed(1), s.max.toFixed(1)]);
    info.push(
      `- ${t.name}: openEngine ${openS.toFixed(2)} s, RSS +${((rss1 - rss0) / MB).toFixed(0)} MB on open (now ${(process.memoryUsage.rss() / MB).toFixed(0)} MB); ` +
        `found=true on ${r.found}/${questions.length} questions; slowest ask: ${r.slowest.id} ${r.slowest.ms.toFixed(1)} ms; ` +
        `dense recall@10 (graph candidates + exact re-rank) vs exact cosine: ${recall.strict.toFixed(3)} strict, ${recall.tieAware.toFixed(3)} counting ties`,
    );
  }
  console.log(table(rows));
  console.log("\nask() latency by question type:\n");
  console.log(table(typeRows));
  console.log(`\n${info.join("\n")}`);
  console.log(`- retrieve() = hybrid retrieval only (query analysis + dense + BM25 + fusion), k = 10, same state as ask().`);
  console.log(`- follow-ups: previous question asked untimed first; only the follow-up is timed.`);
}

await main();
