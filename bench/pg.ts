/**
 * PostgreSQL backend benchmark, beside the embedded index in the same run, on the 50 MB synthetic corpus
 * (bench/synth.ts): ingest throughput (the embedded pipeline, then the database sync), open time and memory,
 * per-operation p50/p95 (keyword search open / by year / within reports, vector search within reports, ask()),
 * and the database's size per report, extrapolated to a million reports.
 *
 * The database: NIANBAO_DATABASE_URL when set (a server with pgvector: vectors in `vector(N)` + HNSW, ask in
 * hybrid mode); otherwise Debian's PostgreSQL 15 started in a temporary folder, which has no pgvector: vectors
 * are stored as real[] (the test-only exact storage) and ask() is timed in lexical mode on both sides.
 *
 *   tsx bench/pg.ts [--mb 50] [--questions N]     results → bench/RESULTS-pg.md
 */
import { promises as fs, readFileSync } from "node:fs";
import os from "node:os";
import v8 from "node:v8";
import vm from "node:vm";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { openEngine } from "../src/app/open.js";
import { openDatabaseEngine } from "../src/app/openDatabase.js";
import { settingsSchema } from "../src/config.js";
import { analyze } from "../src/embed/tokenize.js";
import { stopSandbox } from "../src/ingest/sandbox.js";
import { Db } from "../src/search/pg/connection.js";
import { ingestToDatabase } from "../src/search/pg/ingest.js";
import { PgLexicalIndex } from "../src/search/pg/search.js";
import { InProcessSearch } from "../src/search/inProcess.js";
import type { SearchBackend, SearchFilter, WeightedTerm } from "../src/search/types.js";
import { initLocalPostgres, removeLocalPostgres } from "../test/pg/servers.js";
import { buildSyntheticCorpus } from "./synth.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const MB = arg("mb", 50);
const SYNTH_DIR = path.join(os.tmpdir(), MB === 50 ? "nianbao-synth" : `nianbao-synth-${MB}`);
const WORK = path.join(os.tmpdir(), "nianbao-pg-bench");
const mbOf = (b: number) => (b / 1024 / 1024).toFixed(0);
v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;
/** Resident memory after a full collection (what an open engine keeps, not garbage waiting). */
const rss = () => {
  gc();
  gc();
  return process.memoryUsage().rss;
};

function pct(ms: number[], p: number): number {
  const s = [...ms].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
}

async function time<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await f();
  return [r, performance.now() - t];
}

async function main(): Promise<void> {
  const out: string[] = [];
  const say = (l: string) => {
    console.log(l);
    out.push(l);
  };
  const corpus = await buildSyntheticCorpus(SYNTH_DIR, MB * 1024 * 1024);
  await fs.rm(WORK, { recursive: true, force: true });
  await fs.mkdir(WORK, { recursive: true });
  const given = process.env.NIANBAO_DATABASE_URL;
  const local = given ? null : await initLocalPostgres();
  const url = given ?? local!.url;
  const arrays = !given;
  const mode = arrays ? "lexical" : "hybrid";
  try {
    say(`# PostgreSQL backend — bench/pg.ts, ${new Date().toISOString().slice(0, 10)}`);
    say("");
    say(`Corpus: synthetic ${corpus.files} files, ${(corpus.bytes / 1024 / 1024).toFixed(1)} MB. Machine: ${os.cpus().length} cores (shared), Node ${process.version}.`);
    say(`Database: ${given ? "NIANBAO_DATABASE_URL (pgvector)" : "Debian PostgreSQL 15 in a temporary folder (fsync off, no pgvector: vectors as real[], exact)"}; ask() timed in ${mode} mode on both sides.`);
    say("");

    // Ingest: the embedded pipeline into the cache folder, then the database sync.
    const settings = settingsSchema.parse({});
    const [s, ms] = await time(() =>
      ingestToDatabase({ databaseUrl: url, corpusDir: SYNTH_DIR, indexDir: path.join(WORK, "cache"), settings, arrayVectorsForTests: arrays, log: () => {} }),
    );
    stopSandbox();
    const dbSec = s.database.seconds;
    say("## Ingest");
    say("");
    say("| stage | seconds | chunks/s | MB/s |");
    say("|---|---|---|---|");
    say(`| embedded pipeline (parse, statistics, analyze, embed, write index) | ${(ms / 1000 - dbSec).toFixed(1)} | ${(s.chunks / (ms / 1000 - dbSec)).toFixed(0)} | ${(corpus.bytes / 1024 / 1024 / (ms / 1000 - dbSec)).toFixed(2)} |`);
    say(`| database sync (${s.database.batches} transactions, ${s.database.chunks} chunks, ANALYZE) | ${dbSec.toFixed(1)} | ${(s.chunks / dbSec).toFixed(0)} | ${(corpus.bytes / 1024 / 1024 / dbSec).toFixed(2)} |`);
    say(`| total | ${(ms / 1000).toFixed(1)} | ${(s.chunks / (ms / 1000)).toFixed(0)} | ${(corpus.bytes / 1024 / 1024 / (ms / 1000)).toFixed(2)} |`);
    const [re, reMs] = await time(() =>
      ingestToDatabase({ databaseUrl: url, corpusDir: SYNTH_DIR, indexDir: path.join(WORK, "cache"), settings, arrayVectorsForTests: arrays, log: () => {} }),
    );
    stopSandbox();
    say(`| re-ingest, nothing changed | ${(reMs / 1000).toFixed(1)} | | (${re.database.written.length} files written) |`);
    say("");

    // Open both, in this process: time and memory.
    const rss0 = rss();
    const [emb, embMs] = await time(() => openEngine({ indexDir: path.join(WORK, "cache"), corpusDir: SYNTH_DIR, settings, refresh: false, mode }));
    const rss1 = rss();
    const [pgParts, pgMs] = await time(() => openDatabaseEngine({ settings: settingsSchema.parse({ NIANBAO_DATABASE_URL: url }), log: () => {}, arrayVectorsForTests: arrays, mode }));
    const rss2 = rss();
    say("## Open");
    say("");
    say(`| backend | open (s) | RSS added (MB) |`);
    say("|---|---|---|");
    say(`| embedded | ${(embMs / 1000).toFixed(2)} | ${mbOf(rss1 - rss0)} |`);
    say(`| PostgreSQL | ${(pgMs / 1000).toFixed(2)} | ${mbOf(rss2 - rss1)} |`);
    say("");

    // Per operation.
    const backends: Array<[string, SearchBackend, { ask(q: string): Promise<unknown> }]> = [
      ["embedded", new InProcessSearch(emb.index), emb],
      ["PostgreSQL", pgParts.search, pgParts.engine],
    ];
    const questions = readFileSync(path.resolve(HERE, "../test/eval/questions.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as { question: string; previous?: string });
    const n = Math.min(arg("questions", 116), questions.length);
    const scopeDocs: string[] = [...new Set(pgParts.search.chunks.list({ kinds: ["report"], years: [2019] }).map((c) => c.meta.docId))].slice(0, 3);
    const ops: Array<[string, (b: SearchBackend, e: { ask(q: string): Promise<unknown> }, q: string) => Promise<unknown>]> = [
      ["lexical, open", (b, _e, q) => b.lexical.search(terms(q), 50)],
      ["lexical, one year", (b, _e, q) => b.lexical.search(terms(q), 50, { years: [2019] })],
      // The query as it was before MaxScore pruning (every query term's postings summed), for the before/after figures.
      ["lexical, open, unpruned (before)", (b, _e, q) => (b.lexical instanceof PgLexicalIndex ? b.lexical.searchUnpruned(terms(q), 50) : b.lexical.search(terms(q), 50))],
      ["lexical, one year, unpruned (before)", (b, _e, q) => (b.lexical instanceof PgLexicalIndex ? b.lexical.searchUnpruned(terms(q), 50, { years: [2019] }) : b.lexical.search(terms(q), 50, { years: [2019] }))],
      ["lexical, 3 reports", (b, _e, q) => b.lexical.search(terms(q), 50, { docIds: scopeDocs })],
      ["vector, 3 reports", (b, _e, q) => b.vectors.search(vec(q, pgParts.embedder.descriptor.dim), 50, { docIds: scopeDocs } as SearchFilter)],
      ...(arrays ? [] : ([["vector, open", (b: SearchBackend, _e: unknown, q: string) => b.vectors.search(vec(q, pgParts.embedder.descriptor.dim), 50)]] as typeof ops)),
      ["ask()", (_b, e, q) => e.ask(q)],
    ];
    say(`## Per operation (ms; ${n} questions of test/eval/questions.jsonl, sequential, after a warm-up pass)`);
    say("");
    say("| operation | embedded p50 | embedded p95 | PostgreSQL p50 | PostgreSQL p95 |");
    say("|---|---|---|---|---|");
    for (const [name, op] of ops) {
      const row: string[] = [];
      for (const [, b, e] of backends) {
        for (const q of questions.slice(0, 10)) await op(b, e as never, q.question);
        const ms: number[] = [];
        for (const q of questions.slice(0, n)) ms.push((await time(() => op(b, e as never, q.question)))[1]);
        row.push(pct(ms, 50).toFixed(1), pct(ms, 95).toFixed(1));
      }
      say(`| ${name} | ${row.join(" | ")} |`);
    }
    say("");
    // Pruned and unpruned keyword search must agree (same chunks, same order, same scores to 1e-9).
    if (pgParts.search.lexical instanceof PgLexicalIndex) {
      const lex = pgParts.search.lexical;
      let same = 0;
      let total = 0;
      let full = 0;
      let sameUpToTies = 0;
      for (const q of questions.slice(0, n))
        for (const f of [undefined, { years: [2019] }] as Array<SearchFilter | undefined>) {
          const a = await lex.search(terms(q.question), 50, f);
          if (lex.lastTrace?.full) full++;
          const b = await lex.searchUnpruned(terms(q.question), 50, f);
          total++;
          if (a.length === b.length && a.every((h, i) => h[0] === b[i][0] && Math.abs(h[1] - b[i][1]) < 1e-9)) same++;
          // Equal but for the order of chunks whose scores differ by less than 1e-9 (ties up to rounding), and for
          // which of such tied chunks the k-th place takes.
          const key = (hs: typeof a) => hs.map((h) => h[1]);
          const last = b.length ? b[b.length - 1][1] : 0;
          const sure = (hs: typeof a) => hs.filter((h) => h[1] - last >= 1e-9).map((h) => h[0]).sort().join();
          if (a.length === b.length && key(a).every((x, i) => Math.abs(x - key(b)[i]) < 1e-9) && sure(a) === sure(b)) sameUpToTies++;
        }
      say(`MaxScore check: pruned = unpruned top 50 on ${same}/${total} searches (open and one year), equal up to the order of ties (scores within 1e-9) on ${sameUpToTies}/${total}; ${full} fell back to the unpruned query.`);
      say("");
    }

    // Sizes.
    const db = new Db(url);
    const sizes = await db.query<{ t: string; bytes: string }>(
      `SELECT c.relname AS t, pg_total_relation_size(c.oid) AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 2 DESC`,
    );
    const nReports = Number((await db.query<{ n: string }>("SELECT count(*) AS n FROM reports"))[0].n);
    const total = sizes.reduce((a, r) => a + Number(r.bytes), 0);
    await db.close();
    say(`## Database size (${nReports} reports; per report measured, per million reports EXTRAPOLATED linearly)`);
    say("");
    say("| table | MB | KB per report | GB per 1M reports (extrapolated) |");
    say("|---|---|---|---|");
    for (const r of sizes.filter((r) => Number(r.bytes) > 1024 * 1024))
      say(`| ${r.t} | ${mbOf(Number(r.bytes))} | ${(Number(r.bytes) / 1024 / nReports).toFixed(1)} | ${((Number(r.bytes) / nReports) * 1e6 / 1e9).toFixed(0)} |`);
    say(`| **all** | ${mbOf(total)} | ${(total / 1024 / nReports).toFixed(1)} | ${((total / nReports) * 1e6 / 1e9).toFixed(0)} |`);
    say("");
    say(arrays ? "Vectors here are real[] (4 bytes per dimension plus array overhead, no HNSW index); with pgvector, vector(N) is also 4 bytes per dimension and the HNSW index adds roughly the vectors' size again." : "");
    await pgParts.close();
    await fs.writeFile(path.resolve(HERE, "RESULTS-pg.md"), out.join("\n") + "\n");
    console.log(`\nwritten: bench/RESULTS-pg.md`);
  } finally {
    if (local) removeLocalPostgres(local);
  }
}

function terms(q: string): WeightedTerm[] {
  const w = new Map<string, number>();
  for (const t of analyze(q)) if (!w.has(t)) w.set(t, 1);
  return [...w];
}

/** A fixed pseudo-random unit vector per question (the backends' cost does not depend on the embedder). */
function vec(q: string, dim: number): number[] {
  let h = 7;
  for (const ch of q) h = (h * 31 + ch.charCodeAt(0)) % 100_003;
  const v = Array.from({ length: dim }, (_, i) => Math.sin(h + i * 0.7));
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

await main();
