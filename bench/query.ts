/**
 * Query benchmark: per-question latency of Engine.ask() (extractive, no LLM) and Engine.retrieve() on the
 * questions of test/eval/questions.jsonl, on the real corpus index and on the synthetic corpus index.
 * Sequential, warm process (20 warm-up questions first). Follow-ups ask `previous` first (untimed) and time
 * only the follow-up with the returned state.
 *
 * Then per operation of the planner (value, series, extreme, rank, difference, sum, share, check, section,
 * precedents, definition, procedure, format, overview, search): questions built from the bodies and years the
 * index's statistics database holds (so the synthetic index is asked about its own synthetic bodies), p50/p95/max
 * per operation, with the strategy that actually answered.
 *
 *   tsx bench/query.ts [--passes N] [--only real|synthetic]   (default: 3 passes, both indexes)
 */
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { openEngine, type OpenedEngine as Engine } from "../src/app/open.js";
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

// ------------------------------------------------------------------------------------------------
// Questions per operation

interface OpQuestion {
  op: string;
  question: string;
}

/**
 * Questions per operation over bodies and years the index holds: up to four bodies (spread over the sorted list)
 * with at least three reports, one of them with a decoded 表三, are asked about by templates that the planner maps
 * to each operation. Rule questions (definition, procedure, format, precedents) name no report.
 */
function operationQuestions(engine: Engine): OpQuestion[] {
  const facts = engine.ctx.figures?.facts;
  if (!facts) return [];
  const byBody = new Map<string, Array<{ year: number; tables: boolean }>>();
  for (const r of facts.reports()) {
    if (r.year === null) continue;
    const list = byBody.get(r.body) ?? byBody.set(r.body, []).get(r.body)!;
    list.push({ year: r.year, tables: facts.tables(r.docId).some((t) => t.table === "表三" && t.status === "decoded") });
  }
  const eligible = [...byBody.entries()]
    .filter(([, ys]) => new Set(ys.map((y) => y.year)).size >= 3 && ys.some((y) => y.tables))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const picks = [0, 1, 2, 3].map((i) => eligible[Math.floor((i * eligible.length) / 4)]).filter((x, i, a) => x && a.indexOf(x) === i);
  const out: OpQuestion[] = [];
  const add = (op: string, question: string) => out.push({ op, question });
  for (const [body, ys] of picks) {
    const years = [...new Set(ys.map((y) => y.year))].sort((a, b) => a - b);
    const tableYears = [...new Set(ys.filter((y) => y.tables).map((y) => y.year))].sort((a, b) => a - b);
    const y = tableYears.at(-1)!;
    const y0 = years.filter((x) => x !== y).at(-1)!;
    add("value", `${body}${y}年收到多少件政府信息公开申请？`);
    add("value", `${body}${y}年予以公开多少件？`);
    add("value", `${body}${y}年行政复议多少件？`);
    add("series", `${body}历年收到的申请数`);
    add("series", `${body}${years[0]}年到${y}年的申请数变化趋势`);
    add("extreme", `${body}哪一年收到的申请最多？`);
    add("extreme", `${y}年哪个单位收到的申请最多？`);
    add("rank", `${y}年各单位收到申请数排名`);
    add("difference", `${body}${y}年比${y0}年多收到多少件申请？`);
    add("sum", `${body}${y0}年和${y}年一共收到多少件申请？`);
    add("share", `${body}${y}年予以公开占申请总数的比例是多少？`);
    add("check", `${body}${y}年报告的数据勾稽关系对得上吗？`);
    add("section", `${body}${y}年报告存在的主要问题及改进情况写了什么？`);
    add("overview", body);
  }
  for (const q of ["什么是过程性信息？", "什么是三类内部事务信息？", "行政执法案卷是什么意思？"]) add("definition", q);
  for (const q of ["政府收到信息公开申请后多少个工作日内必须答复？", "可以口头申请吗？", "申请书要写哪些内容？"]) add("procedure", q);
  for (const q of ["表三怎么填？", "2021年的新格式和2019年的有什么不同？", "主动公开那张表要填什么？"]) add("format", q);
  for (const q of ["给我几个“存在的主要问题及改进情况”的例子", "别人的年度报告概述部分是怎么写的？", "其他单位怎么写改进措施？"]) add("precedents", q);
  for (const q of ["政府网站栏目建设", "政务公开培训工作", "政策解读的形式"]) add("search", q);
  return out;
}

async function benchOperations(engine: Engine, qs: OpQuestion[], passes: number) {
  for (const q of qs.slice(0, 10)) await engine.ask(q.question); // warm-up
  const byOp = new Map<string, { ms: number[]; answeredBy: Map<string, number>; slowest: { ms: number; q: string } }>();
  for (let pass = 0; pass < passes; pass++)
    for (const q of qs) {
      const t0 = performance.now();
      const r = await engine.ask(q.question);
      const ms = performance.now() - t0;
      const e = byOp.get(q.op) ?? byOp.set(q.op, { ms: [], answeredBy: new Map(), slowest: { ms: 0, q: "" } }).get(q.op)!;
      e.ms.push(ms);
      if (ms > e.slowest.ms) e.slowest = { ms, q: q.question };
      const by = String((r.answer as { operation?: string }).operation ?? "?");
      if (pass === 0) e.answeredBy.set(by, (e.answeredBy.get(by) ?? 0) + 1);
    }
  return byOp;
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
  console.log(`machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, Node ${process.version}; load average (1/5/15 min) ${os.loadavg().map((x) => x.toFixed(2)).join(" / ")}`);
  console.log(`${questions.length} questions (${questions.filter((q) => q.previous).length} follow-ups), ${WARMUP} warm-up, ${passes} timed passes, sequential, extractive (no LLM)\n`);

  const targets = [
    { name: "real corpus/", corpusDir: REAL_CORPUS, indexDir: REAL_INDEX },
    { name: "synthetic", corpusDir: SYNTH_DIR, indexDir: SYNTH_INDEX },
  ].filter((t) => !only || t.name.startsWith(only));
  if (targets.some((t) => t.corpusDir === SYNTH_DIR)) await buildSyntheticCorpus(SYNTH_DIR);
  const rows = [["index", "chunks", "call", "n", "p50 ms", "p95 ms", "p99 ms", "max ms", "mean ms", "queries/s", "target p95 < 50 ms"]];
  const typeRows = [["index", "type", "n", "p50 ms", "p95 ms", "max ms"]];
  const opRows = [["index", "operation", "questions", "n", "p50 ms", "p95 ms", "max ms", "p95 < 50 ms", "answered by (strategy: count)", "slowest question"]];
  const slowOps: string[] = [];
  const info: string[] = [];
  for (const t of targets) {
    await ensureIndex(t.name, t.corpusDir, t.indexDir);
    const rss0 = process.memoryUsage.rss();
    const t0 = performance.now();
    const engine = await openEngine({ indexDir: t.indexDir, corpusDir: t.corpusDir, settings });
    const openS = (performance.now() - t0) / 1000;
    const rss1 = process.memoryUsage.rss();
    const load0 = os.loadavg()[0];
    const r = await bench(engine, questions, passes);
    const opQs = operationQuestions(engine);
    const ops = await benchOperations(engine, opQs, passes);
    const load1 = os.loadavg()[0];
    for (const [op, e] of ops) {
      const s = stats(e.ms);
      const ok = s.p95 < 50;
      if (!ok) slowOps.push(`${t.name} ${op}: p95 ${s.p95.toFixed(1)} ms (slowest: ${e.slowest.q} ${e.slowest.ms.toFixed(1)} ms)`);
      opRows.push([t.name, op, String(opQs.filter((q) => q.op === op).length), String(s.n), s.p50.toFixed(1), s.p95.toFixed(1), s.max.toFixed(1), ok ? "met" : "NOT met ⚠", [...e.answeredBy].map(([k, v]) => `${k}: ${v}`).join(", "), `${e.slowest.q.slice(0, 28)} (${e.slowest.ms.toFixed(0)} ms)`]);
    }
    const recall = await denseRecall(engine, questions);
    const chunks = String(engine.index.chunks.length);
    rows.push([t.name, chunks, "ask()", String(r.ask.n), ...[r.ask.p50, r.ask.p95, r.ask.p99, r.ask.max, r.ask.mean].map((x) => x.toFixed(1)), r.ask.qps.toFixed(1), r.ask.p95 < 50 ? "met" : "NOT met"]);
    rows.push([t.name, chunks, "retrieve()", String(r.retrieve.n), ...[r.retrieve.p50, r.retrieve.p95, r.retrieve.p99, r.retrieve.max, r.retrieve.mean].map((x) => x.toFixed(1)), r.retrieve.qps.toFixed(1), ""]);
    for (const [type, s] of r.byType) typeRows.push([t.name, type, String(s.n), s.p50.toFixed(1), s.p95.toFixed(1), s.max.toFixed(1)]);
    info.push(
      `- ${t.name}: openEngine ${openS.toFixed(2)} s, RSS +${((rss1 - rss0) / MB).toFixed(0)} MB on open (now ${(process.memoryUsage.rss() / MB).toFixed(0)} MB); ` +
        `found=true on ${r.found}/${questions.length} questions; slowest ask: ${r.slowest.id} ${r.slowest.ms.toFixed(1)} ms; ` +
        `dense recall@10 (graph candidates + exact re-rank) vs exact cosine: ${recall.strict.toFixed(3)} strict, ${recall.tieAware.toFixed(3)} counting ties; ` +
        `load average (1 min) ${load0.toFixed(2)} → ${load1.toFixed(2)} over the timed questions`,
    );
  }
  console.log(table(rows));
  console.log("\nask() latency by question type:\n");
  console.log(table(typeRows));
  console.log("\nask() latency per operation (questions over the index's own bodies and years; issue 9 target: p95 < 50 ms per operation):\n");
  console.log(table(opRows));
  console.log(slowOps.length ? `\nOperations with p95 ≥ 50 ms:\n${slowOps.map((x) => `- ${x}`).join("\n")}` : "\nNo operation has p95 ≥ 50 ms.");
  console.log(`\n${info.join("\n")}`);
  console.log(`- retrieve() = hybrid retrieval only (query analysis + dense + BM25 + fusion), k = 10, same state as ask().`);
  console.log(`- follow-ups: previous question asked untimed first; only the follow-up is timed.`);
}

await main();
