import type { Bm25Index } from "../../index/bm25.js";
import type { IndexData } from "../../index/store.js";
import type { BodyRegistry } from "../../domain/bodies.js";
import { factRows, type FactsTable } from "../../stats/db.js";
import type { CheckResult } from "../../stats/api.js";
import type { ReportStatistics } from "../../stats/types.js";
import type { IndexedDocument } from "../../types.js";
import type { Db } from "./connection.js";
import { META, type SchemaInfo } from "./schema.js";

/**
 * Writes one index generation (as the embedded ingest produced it) into PostgreSQL, incrementally by file hash:
 * files whose hash the database already holds are not touched, changed and new files replace their rows, files
 * gone from the sources are deleted. Each batch of files is one transaction that keeps BM25's document
 * frequencies and corpus totals in step with the chunks it writes, so readers never see a half-written file and
 * an interrupted ingest leaves every file either as it was or as it is now.
 */

type Q = <R extends Record<string, unknown> = Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<R[]>;

/** What the embedded ingest produced (src/index/build.ts → readIndexData) plus the statistics' bodies and cross checks. */
export interface Snapshot extends IndexData {
  bodies: BodyRegistry;
  crossChecks: Array<CheckResult & { docId: string }>;
}

export interface SyncOptions {
  /** Chunks per transaction (whole files; a file larger than this is one batch). Default 4000. */
  batchChunks?: number;
  /** Called after each committed batch (tests interrupt an ingest here). */
  afterBatch?: (done: number, total: number) => void | Promise<void>;
}

export interface SyncSummary {
  /** Files written (new or changed). */
  written: string[];
  removed: string[];
  unchanged: number;
  chunks: number;
  batches: number;
  seconds: number;
}

/** Rows per INSERT statement (PostgreSQL takes at most 65535 parameters; arrays count as one). */
const ROWS_PER_INSERT = 500;

export async function syncSnapshot(db: Db, schema: SchemaInfo, snap: Snapshot, opts: SyncOptions = {}): Promise<SyncSummary> {
  const t0 = performance.now();
  const { manifest } = snap;
  const dim = manifest.embedder.dim;
  if (dim !== schema.dim) throw new Error(`向量维度与数据库不一致（${dim} ≠ ${schema.dim}）/ the database holds ${schema.dim}-dimensional vectors; re-create it for this embedder`);
  const meta = new Map((await db.query<{ key: string; value: string }>(`SELECT key, value FROM ${META}`)).map((r) => [r.key, r.value]));
  // Another embedder (or re-fitted hashing statistics) changes every vector: every file is written again.
  const embedderKey = JSON.stringify({ embedder: manifest.embedder, stats: snap.stats });
  const sameEmbedder = meta.get("embedder_key") === embedderKey;
  const inDb = new Map((await db.query<{ source: string; hash: string }>("SELECT source, hash FROM files")).map((r) => [r.source, r.hash]));
  const changed = Object.entries(manifest.files).filter(([source, f]) => !sameEmbedder || inDb.get(source) !== f.hash).map(([source]) => source);
  const removed = [...inDb.keys()].filter((s) => !manifest.files[s]);
  const docsBySource = new Map<string, IndexedDocument[]>();
  for (const d of manifest.documents) {
    const list = docsBySource.get(d.source);
    if (list) list.push(d);
    else docsBySource.set(d.source, [d]);
  }
  const rowsByDoc = new Map<string, number[]>();
  snap.chunks.forEach((c, row) => {
    const list = rowsByDoc.get(c.meta.docId);
    if (list) list.push(row);
    else rowsByDoc.set(c.meta.docId, [row]);
  });
  const wanted = new Set<number>();
  for (const s of changed) for (const d of docsBySource.get(s) ?? []) for (const r of rowsByDoc.get(d.docId) ?? []) wanted.add(r);
  const terms = termsOfRows(snap.bm25, wanted);

  // Batches of whole files; removals go first, in batches of their own.
  const batches: Array<{ replace: string[]; insert: string[] }> = [];
  for (let i = 0; i < removed.length; i += 500) batches.push({ replace: removed.slice(i, i + 500), insert: [] });
  const limit = opts.batchChunks ?? 4000;
  let cur: string[] = [];
  let n = 0;
  for (const s of changed) {
    cur.push(s);
    n += manifest.files[s].chunks;
    if (n >= limit) {
      batches.push({ replace: cur, insert: cur });
      cur = [];
      n = 0;
    }
  }
  if (cur.length) batches.push({ replace: cur, insert: cur });

  let chunks = 0;
  for (const [bi, b] of batches.entries()) {
    await db.transaction(async (q) => {
      await deleteSources(q as Q, b.replace);
      const docs = b.insert.flatMap((s) => docsBySource.get(s) ?? []);
      const rows = docs.flatMap((d) => rowsByDoc.get(d.docId) ?? []);
      await insertDocuments(q as Q, docs, snap.bodies);
      chunks += await insertChunks(q as Q, snap, rows, terms, schema);
      await insertFacts(q as Q, { documents: docs, statistics: snap.statistics, bodies: snap.bodies });
      await insertRows(q as Q, "INSERT INTO files (source, hash, entry)", ["text", "text", "jsonb"], b.insert.map((s) => [s, manifest.files[s].hash, JSON.stringify(manifest.files[s])]));
    });
    await opts.afterBatch?.(bi + 1, batches.length);
  }

  // Whole-corpus parts, in one transaction: document order and bodies (a new report can change a body's id),
  // bodies, cross-report checks, the recorded sources and the embedder; the generation counter tells servers.
  await db.transaction(async (q) => {
    const all = manifest.documents;
    await q(
      `UPDATE documents d SET ord = u.ord, body = u.body FROM unnest($1::text[], $2::int[], $3::text[]) AS u(doc_id, ord, body)
       WHERE d.doc_id = u.doc_id AND (d.ord IS DISTINCT FROM u.ord OR d.body IS DISTINCT FROM u.body)`,
      [all.map((d) => d.docId), all.map((_, i) => i), all.map((d) => snap.bodies.idOf(d.issuer, d.region))],
    );
    await q("DELETE FROM bodies");
    await q("DELETE FROM checks WHERE cross_report");
    const facts = factRows({ documents: [], statistics: {}, bodies: snap.bodies, crossChecks: snap.crossChecks });
    await insertFactRows(q as Q, facts);
    // Reports carry their body's id and level: re-derived for every report when bodies change.
    await q(
      `UPDATE reports r SET body = u.body, level = u.level, region = u.region FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS u(doc_id, body, level, region)
       WHERE r.doc_id = u.doc_id AND (r.body, r.level, r.region) IS DISTINCT FROM (u.body, u.level, u.region)`,
      (() => {
        const reports = all.filter((d) => d.kind === "report");
        const ids = reports.map((d) => snap.bodies.idOf(d.issuer, d.region));
        return [reports.map((d) => d.docId), ids, ids.map((id) => snap.bodies.get(id)?.level ?? null), reports.map((d, i) => snap.bodies.get(ids[i])?.region ?? d.region)];
      })(),
    );
    await q("DELETE FROM terms WHERE df <= 0");
    const set = async (key: string, value: string) => q(`INSERT INTO ${META} VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, [key, value]);
    await set("embedder_key", embedderKey);
    await set("embedder", JSON.stringify(manifest.embedder));
    await set("hash_stats", JSON.stringify(snap.stats));
    await set("sources", JSON.stringify(manifest.sources ?? []));
    if (batches.length || !sameEmbedder) await q(`UPDATE ${META} SET value = (value::int + 1)::text WHERE key = 'generation'`);
  });
  // Fresh planner statistics (a first ingest would otherwise be planned as an empty table: full scans), and the
  // visibility map that lets BM25 read postings from the index alone (index-only scans).
  if (batches.length) await db.query("VACUUM (ANALYZE) postings, chunks, documents, terms, corpus_stats");
  return { written: changed, removed, unchanged: Object.keys(manifest.files).length - changed.length, chunks, batches: batches.length, seconds: (performance.now() - t0) / 1000 };
}

/** Each wanted row's distinct terms and their counts, from the BM25 postings (the analysis the embedded index made). */
export function termsOfRows(bm25: Bm25Index, rows: Set<number>): Map<number, { terms: string[]; tfs: number[]; len: number }> {
  const docLens = bm25.docLengths;
  const out = new Map<number, { terms: string[]; tfs: number[]; len: number }>();
  for (const r of rows) out.set(r, { terms: [], tfs: [], len: docLens[r] });
  if (!rows.size) return out;
  bm25.terms.forEach((term) => {
    const list = bm25.postingsOf(term);
    for (let i = 0; i < list.length; i += 2) {
      const e = out.get(list[i]);
      if (e) {
        e.terms.push(term);
        e.tfs.push(list[i + 1]);
      }
    }
  });
  return out;
}

/** Deletes the sources' documents, chunks and statistics, taking their chunks out of the BM25 totals first. */
async function deleteSources(q: Q, sources: string[]): Promise<void> {
  if (!sources.length) return;
  const docs = (await q<{ doc_id: string }>("SELECT doc_id FROM documents WHERE source = ANY($1)", [sources])).map((r) => r.doc_id);
  if (docs.length) {
    const cids = (await q<{ cid: string }>("SELECT cid FROM chunks WHERE doc_id = ANY($1)", [docs])).map((r) => r.cid);
    await q("UPDATE terms t SET df = t.df - x.n FROM (SELECT term, count(*) AS n FROM postings WHERE cid = ANY($1::bigint[]) GROUP BY term) x WHERE t.term = x.term", [cids]);
    await q("UPDATE corpus_stats s SET n = s.n - x.c, total_len = s.total_len - x.len FROM (SELECT count(*) AS c, coalesce(sum(len), 0) AS len FROM chunks WHERE cid = ANY($1::bigint[])) x", [cids]);
    await q("DELETE FROM postings WHERE cid = ANY($1::bigint[])", [cids]);
    for (const t of ["reports", "tables", "row_quotes", "cells", "facts"]) await q(`DELETE FROM ${t} WHERE doc_id = ANY($1)`, [docs]);
    await q("DELETE FROM checks WHERE doc_id = ANY($1) AND NOT cross_report", [docs]);
    await q("DELETE FROM documents WHERE doc_id = ANY($1)", [docs]);
  }
  await q("DELETE FROM files WHERE source = ANY($1)", [sources]);
}

async function insertDocuments(q: Q, docs: IndexedDocument[], bodies: BodyRegistry): Promise<void> {
  // ord is set for every document once the batches are in (the whole corpus's order).
  await insertRows(
    q,
    "INSERT INTO documents (doc_id, source, ord, kind, year, body, meta)",
    ["text", "text", "int", "text", "int", "text", "jsonb"],
    docs.map((d) => [d.docId, d.source, 0, d.kind, d.year, bodies.idOf(d.issuer, d.region), JSON.stringify(d)]),
  );
}

/** A vector as pgvector's text form (also a PostgreSQL array literal once the brackets are swapped). */
export function vectorText(v: ArrayLike<number>): string {
  return `[${Array.prototype.join.call(v, ",")}]`;
}

async function insertChunks(q: Q, snap: Snapshot, rows: number[], terms: Map<number, { terms: string[]; tfs: number[]; len: number }>, schema: SchemaInfo): Promise<number> {
  if (!rows.length) return 0;
  const dim = schema.dim;
  const vecType = schema.vectors === "pgvector" ? "vector" : "real[]";
  const values = rows.map((r) => {
    const c = snap.chunks[r];
    const t = terms.get(r)!;
    const { indexText: _, ...stored } = c;
    const v = vectorText(snap.vectors.row(r).subarray(0, dim));
    return [c.id, c.meta.docId, c.meta.ord, JSON.stringify(stored), t.len, schema.vectors === "pgvector" ? v : `{${v.slice(1, -1)}}`];
  });
  const cidOf = new Map<string, string>();
  for (let i = 0; i < values.length; i += ROWS_PER_INSERT) {
    const part = values.slice(i, i + ROWS_PER_INSERT);
    const cols = part[0].map((_, k) => part.map((p) => p[k]));
    // In index order (cid ascending = the embedded index's row order, BM25's tie-break).
    const ids = await q<{ id: string; cid: string }>(
      `INSERT INTO chunks (id, doc_id, pos, chunk, len, embedding)
       SELECT u.id, u.doc_id, u.pos, u.chunk, u.len, u.embedding::${vecType}
       FROM unnest($1::text[], $2::text[], $3::int[], $4::jsonb[], $5::int[], $6::text[]) WITH ORDINALITY AS u(id, doc_id, pos, chunk, len, embedding, n) ORDER BY u.n
       RETURNING id, cid`,
      cols,
    );
    for (const r of ids) cidOf.set(r.id, r.cid);
  }
  const post: [string[], string[], number[], number[]] = [[], [], [], []];
  const flush = async () => {
    if (post[0].length) await q("INSERT INTO postings (term, cid, tf, len) SELECT * FROM unnest($1::text[], $2::bigint[], $3::int[], $4::int[])", post);
    for (const a of post) a.length = 0;
  };
  for (const r of rows) {
    const t = terms.get(r)!;
    const cid = cidOf.get(snap.chunks[r].id)!;
    t.terms.forEach((term, k) => {
      post[0].push(term);
      post[1].push(cid);
      post[2].push(t.tfs[k]);
      post[3].push(t.len);
    });
    if (post[0].length >= 50_000) await flush();
  }
  await flush();
  // Document frequencies and totals, in the same transaction as the chunks.
  const df = new Map<string, number>();
  let total = 0;
  for (const r of rows) {
    const t = terms.get(r)!;
    total += t.len;
    for (const term of t.terms) df.set(term, (df.get(term) ?? 0) + 1);
  }
  const entries = [...df];
  for (let i = 0; i < entries.length; i += 20_000) {
    const part = entries.slice(i, i + 20_000);
    await q("INSERT INTO terms (term, df) SELECT * FROM unnest($1::text[], $2::int[]) ON CONFLICT (term) DO UPDATE SET df = terms.df + excluded.df", [part.map((e) => e[0]), part.map((e) => e[1])]);
  }
  await q("UPDATE corpus_stats SET n = n + $1, total_len = total_len + $2", [rows.length, total]);
  return rows.length;
}

const FACT_COLUMNS: Record<FactsTable, { sql: string; types: string[]; key?: number[]; keep?: "first" | "last" }> = {
  bodies: { sql: "INSERT INTO bodies (id, level, region, parent, names, predecessors, successors)", types: ["text", "text", "text", "text", "text", "text", "text"] },
  reports: { sql: "INSERT INTO reports (doc_id, source, body, issuer, level, region, year, format, title, published, url)", types: ["text", "text", "text", "text", "text", "text", "int", "text", "text", "text", "text"] },
  // facts.sqlite writes tables and cells with INSERT OR REPLACE (the last reading wins, in the last place) and row quotes with INSERT OR IGNORE.
  tables: { sql: "INSERT INTO tables (doc_id, tbl, format, method, status, note, span_start, span_end)", types: ["text", "text", "text", "text", "text", "text", "int", "int"], key: [0, 1], keep: "last" },
  row_quotes: { sql: "INSERT INTO row_quotes (doc_id, tbl, row_key, quote)", types: ["text", "text", "text", "text"], key: [0, 1, 2], keep: "first" },
  cells: { sql: "INSERT INTO cells (doc_id, tbl, row_key, col_key, value, candidates, method, span_start, span_end, page, quote)", types: ["text", "text", "text", "text", "float8", "text", "text", "int", "int", "int", "text"], key: [0, 1, 2, 3], keep: "last" },
  facts: { sql: "INSERT INTO facts (doc_id, metric, value, unit, sentence, span_start, span_end)", types: ["text", "text", "float8", "text", "text", "int", "int"] },
  checks: { sql: "INSERT INTO checks (doc_id, rule, label, ok, expr, cells)", types: ["text", "text", "text", "int", "text", "text"] },
  cross_checks: { sql: "INSERT INTO checks (doc_id, rule, label, ok, expr, cells, cross_report)", types: ["text", "text", "text", "int", "text", "text", "bool"] },
};

async function insertFacts(q: Q, input: { documents: IndexedDocument[]; statistics: Record<string, ReportStatistics>; bodies: BodyRegistry }): Promise<void> {
  await insertFactRows(q, factRows({ ...input, crossChecks: [] }, { bodies: false, crossChecks: false }));
}

/** The statistics rows (src/stats/db.ts factRows), with facts.sqlite's duplicate rules, in its order. */
async function insertFactRows(q: Q, rows: Iterable<[FactsTable, unknown[]]>): Promise<void> {
  const byTable = new Map<FactsTable, unknown[][]>();
  for (const [table, values] of rows) {
    let list = byTable.get(table);
    if (!list) byTable.set(table, (list = []));
    list.push(table === "cross_checks" ? [...values, true] : values);
  }
  for (const [table, list] of byTable) {
    const spec = FACT_COLUMNS[table];
    let out = list;
    if (spec.key) {
      const keyOf = (v: unknown[]) => JSON.stringify(spec.key!.map((k) => v[k]));
      const at = new Map<string, number>();
      list.forEach((v, i) => {
        const k = keyOf(v);
        if (spec.keep === "last" || !at.has(k)) at.set(k, i);
      });
      out = list.filter((v, i) => at.get(keyOf(v)) === i);
    }
    await insertRows(q, spec.sql, spec.types, out);
  }
}

/** INSERT … SELECT FROM unnest(column arrays): one statement per ROWS_PER_INSERT rows. */
async function insertRows(q: Q, insert: string, types: string[], rows: unknown[][]): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    const part = rows.slice(i, i + ROWS_PER_INSERT);
    const cols = types.map((_, k) => part.map((p) => p[k]));
    await q(`${insert} SELECT * FROM unnest(${types.map((t, k) => `$${k + 1}::${t}[]`).join(", ")})`, cols);
  }
}
