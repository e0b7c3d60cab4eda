import { DEFAULT_BM25, type Bm25Params } from "../../index/bm25.js";
import { DatabaseError } from "../../errors.js";
import type { EmbedderDescriptor } from "../../embed/types.js";
import type { HashStats } from "../../embed/hashing.js";
import { indexTextOf } from "../../ingest/chunk.js";
import type { Chunk, DocMeta, IndexedDocument } from "../../types.js";
import { InProcessChunkStore, RowScopes } from "../inProcess.js";
import { isOpenFilter, type ChunkStore, type Hit, type LexicalIndex, type SearchBackend, type SearchFilter, type VectorIndex, type WeightedTerm } from "../types.js";
import { Db } from "./connection.js";
import { checkSchema, META, readSchema, type SchemaInfo, type StorageOptions } from "./schema.js";
import { vectorText } from "./write.js";

/**
 * The PostgreSQL search backend. Keyword search (BM25 with the embedded index's k1, b, idf and query-term weights,
 * over postings of the terms the application analyzed) and vector search (pgvector, HNSW for open queries, exact cosine within
 * a filter) run in SQL with the filter in the WHERE clause. The chunk store and document frequencies behind the
 * synchronous interfaces (ChunkStore, LexicalIndex.df; the answer side reads them in loops) are read once when
 * the process opens the index, like the embedded index's chunks.json.
 */

/** The SQL condition a filter makes on `documents d`, appended to `params`. Empty list → nothing matches. */
export function filterSql(filter: SearchFilter | undefined, params: unknown[]): string {
  if (isOpenFilter(filter)) return "TRUE";
  const f = filter!;
  const parts: string[] = [];
  const add = (col: string, values: unknown[] | undefined, type: string) => {
    if (values === undefined) return;
    params.push(values);
    parts.push(`${col} = ANY($${params.length}::${type}[])`);
  };
  add("d.doc_id", f.docIds, "text");
  add("d.body", f.bodies, "text");
  add("d.year", f.years, "int");
  add("d.kind", f.kinds, "text");
  add("d.source", f.sources, "text");
  return parts.join(" AND ");
}

/** What the last keyword search did (tests and benchmarks read it): statements run, terms whose postings were scanned. */
export interface LexicalSearchTrace {
  rounds: number;
  essential: string[];
  /** Whether the answer came from the unpruned query (every query term's postings summed). */
  full: boolean;
}

/** BM25's tf part as SQL over postings `p`, query terms `q` and corpus totals `st`; $k1 and $b are parameter numbers. */
const contribution = (k1: string, b: string) =>
  `q.w * ((q.idf * (p.tf * (${k1}::float8 + 1))) / (p.tf + ${k1}::float8 * (1 - ${b}::float8 + (${b}::float8 * p.len) / st.avg)))`;

export class PgLexicalIndex implements LexicalIndex {
  /** The last search's trace. */
  lastTrace: LexicalSearchTrace | null = null;

  constructor(
    private readonly db: Db,
    private readonly dfs: Map<string, number>,
    readonly size: number,
    private readonly params: Bm25Params = DEFAULT_BM25,
  ) {}

  df(term: string): number {
    return this.dfs.get(term) ?? 0;
  }

  /**
   * BM25 as src/index/bm25.ts computes it: idf = ln(1 + (N − df + 0.5)/(df + 0.5)) from the terms table and the
   * corpus totals, tf and the chunk length from the postings; each query term once with its first weight. Ties go to
   * the earlier chunk.
   *
   * Exact top-k with MaxScore pruning: a term's contribution never reaches its bound w·idf·(k1 + 1) (the tf part
   * is below k1 + 1). The terms with the largest bounds (the rare ones) are "essential": only their postings are
   * scanned (within the filter); the others (the common ones, whose postings cover most chunks) are looked up by
   * (term, chunk) for candidates only. The k candidates best on the essential terms, fully scored, give a threshold
   * θ; a chunk outside the essential postings scores at most the sum B of the other terms' bounds, a candidate at
   * most its essential part + B. When B < θ, every chunk that can reach the top k is among the candidates with
   * part + B ≥ θ, which are scored exactly; otherwise more terms become essential (as many as θ says are needed),
   * down to the unpruned query over all postings.
   */
  async search(terms: readonly WeightedTerm[], k: number, filter?: SearchFilter): Promise<Hit[]> {
    const weights = new Map<string, number>();
    for (const [t, w] of terms) if (!weights.has(t)) weights.set(t, w);
    if (!weights.size || k <= 0) return [];
    // Terms by decreasing bound, estimated from the document frequencies read at open (the order only decides what
    // is scanned; every bound the pruning relies on is computed in SQL from the statistics the statement sees).
    const n = this.size;
    const boundOf = (t: string, w: number) => {
      const df = this.df(t);
      return w * Math.log(1 + (n - df + 0.5) / (df + 0.5)) * (this.params.k1 + 1);
    };
    const order = [...weights].map(([t, w]) => ({ t, w, bound: boundOf(t, w) })).sort((a, b) => b.bound - a.bound || (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
    // A negative weight breaks the bounds' premise (a term only adds): no pruning then. Within a filter the unpruned
    // query reads only the scope's postings (by (term, chunk)); pruning there measured slower on the 50 MB corpus
    // (one year: p50 633 ms against 574 ms, bench/RESULTS-pg.md), so it is kept for open searches.
    const prunable = order.length > 1 && order.every((o) => o.w >= 0) && isOpenFilter(filter);
    const trace: LexicalSearchTrace = { rounds: 0, essential: [], full: false };
    this.lastTrace = trace;
    let j = 1;
    while (prunable && j < order.length) {
      trace.rounds++;
      trace.essential = order.slice(0, j).map((o) => o.t);
      const r = await this.pruned(order, j, k, filter);
      if (r.done) return r.hits;
      if (r.theta === null) {
        j++;
        continue;
      }
      // The fewest essential terms whose complement's bounds stay below the threshold found (the database judges).
      let next = j + 1;
      let rest = 0;
      for (let i = order.length - 1; i >= 0; i--) {
        rest += order[i].bound;
        if (rest * (1 + 1e-6) >= r.theta) {
          next = Math.max(next, i + 1);
          break;
        }
      }
      j = next;
    }
    trace.rounds++;
    trace.essential = order.map((o) => o.t);
    trace.full = true;
    return this.searchUnpruned(terms, k, filter);
  }

  /** One MaxScore round with the first `j` terms of `order` essential: the exact top k when `done`, else the threshold found. */
  private async pruned(order: Array<{ t: string; w: number }>, j: number, k: number, filter?: SearchFilter): Promise<{ done: boolean; theta: number | null; hits: Hit[] }> {
    const params: unknown[] = [order.map((o) => o.t), order.map((o) => o.w), order.map((_, i) => i < j), this.params.k1, this.params.b, k];
    const where = filterSql(filter, params);
    const open = isOpenFilter(filter);
    const c = contribution("$4", "$5");
    // The non-essential terms of one candidate, by (term, chunk) lookups.
    const rest = (cid: string) =>
      `coalesce((SELECT sum(${c}) FROM q JOIN postings p ON p.term = q.term AND p.cid = ${cid} CROSS JOIN st WHERE NOT q.ess), 0)`;
    const rows = await this.db.query<{ id: string | null; score: number | null; theta: number | null; done: boolean | null }>(
      `WITH st AS MATERIALIZED (SELECT n::float8 AS n, CASE WHEN n > 0 THEN total_len::float8 / n ELSE 1 END AS avg FROM corpus_stats),
       q AS MATERIALIZED (SELECT u.term, u.w, u.ess, ln(1 + (st.n - t.df + 0.5) / (t.df + 0.5)) AS idf
             FROM unnest($1::text[], $2::float8[], $3::bool[]) AS u(term, w, ess) JOIN terms t ON t.term = u.term CROSS JOIN st),
       -- The non-essential terms' bounds, with a margin for rounding (a contribution is strictly below its bound).
       bound AS MATERIALIZED (SELECT coalesce(sum(q.w * q.idf), 0) * ($4::float8 + 1) * (1 + 1e-9) + 1e-12 AS b FROM q WHERE NOT q.ess),
       ${open ? "" : `scope AS MATERIALIZED (SELECT c.cid FROM chunks c JOIN documents d ON d.doc_id = c.doc_id WHERE ${where}),`}
       ess AS MATERIALIZED (SELECT p.cid, sum(${c}) AS part
             FROM q JOIN postings p ON p.term = q.term ${open ? "" : "JOIN scope ON scope.cid = p.cid"} CROSS JOIN st WHERE q.ess GROUP BY p.cid),
       seed AS MATERIALIZED (SELECT e.cid, e.part + ${rest("e.cid")} AS score FROM (SELECT cid, part FROM ess ORDER BY part DESC, cid LIMIT $6) e),
       th AS MATERIALIZED (SELECT CASE WHEN count(*) = $6 THEN min(score) END AS theta FROM seed),
       keep AS (SELECT e.cid, e.part + ${rest("e.cid")} AS score FROM ess e CROSS JOIN th CROSS JOIN bound
             WHERE bound.b < th.theta AND e.part + bound.b >= th.theta),
       top AS (SELECT cid, score FROM keep ORDER BY score DESC, cid LIMIT $6)
       SELECT id, score, theta, done FROM (
         SELECT c.id, top.score, NULL::float8 AS theta, NULL::boolean AS done, top.cid FROM top JOIN chunks c ON c.cid = top.cid
         UNION ALL SELECT NULL, NULL, th.theta, coalesce(bound.b < th.theta, false), NULL FROM th CROSS JOIN bound) x
       ORDER BY (id IS NULL), score DESC, cid`,
      params,
    );
    const last = rows[rows.length - 1];
    return {
      done: last?.done === true,
      theta: last?.theta === null || last?.theta === undefined ? null : Number(last.theta),
      hits: rows.filter((r) => r.id !== null).map((r) => [r.id!, Number(r.score)]),
    };
  }

  /** Every query term's postings (within the filter) summed: the reference the pruned rounds must equal (benchmarks compare). */
  async searchUnpruned(terms: readonly WeightedTerm[], k: number, filter?: SearchFilter): Promise<Hit[]> {
    const weights = new Map<string, number>();
    for (const [t, w] of terms) if (!weights.has(t)) weights.set(t, w);
    if (!weights.size || k <= 0) return [];
    const params: unknown[] = [[...weights.keys()], [...weights.values()], this.params.k1, this.params.b, k];
    const where = filterSql(filter, params);
    const open = isOpenFilter(filter);
    const rows = await this.db.query<{ id: string; score: number }>(
      `WITH st AS MATERIALIZED (SELECT n::float8 AS n, CASE WHEN n > 0 THEN total_len::float8 / n ELSE 1 END AS avg FROM corpus_stats),
       q AS MATERIALIZED (SELECT u.term, u.w, ln(1 + (st.n - t.df + 0.5) / (t.df + 0.5)) AS idf
             FROM unnest($1::text[], $2::float8[]) AS u(term, w) JOIN terms t ON t.term = u.term CROSS JOIN st),
       ${open ? "" : `scope AS MATERIALIZED (SELECT c.cid FROM chunks c JOIN documents d ON d.doc_id = c.doc_id WHERE ${where}),`}
       top AS (SELECT p.cid, sum(${contribution("$3", "$4")}) AS score
               FROM ${open ? "q JOIN postings p ON p.term = q.term" : "scope CROSS JOIN q JOIN postings p ON p.term = q.term AND p.cid = scope.cid"} CROSS JOIN st
               GROUP BY p.cid ORDER BY score DESC, p.cid LIMIT $5)
       SELECT c.id, top.score FROM top JOIN chunks c ON c.cid = top.cid ORDER BY top.score DESC, top.cid`,
      params,
    );
    return rows.map((r) => [r.id, Number(r.score)]);
  }
}

export class PgVectorIndex implements VectorIndex {
  constructor(
    private readonly db: Db,
    private readonly schema: SchemaInfo,
    /** The HNSW beam (hnsw.ef_search) for open queries; at least k. */
    private readonly efSearch = 200,
  ) {}

  /**
   * Cosine similarity (the embedded index ranks by the dot product of normalized vectors: the same order). Open
   * queries walk pgvector's HNSW graph; a filtered query ranks exactly within its scope (the scope is materialized
   * first, so a filter never starves a graph walk). Without pgvector (tests only), exact over `real[]`.
   */
  async search(vector: number[], k: number, filter?: SearchFilter): Promise<Hit[]> {
    if (k <= 0) return [];
    const params: unknown[] = [];
    const where = filterSql(filter, params);
    if (this.schema.vectors === "array") {
      params.push(`{${vector.join(",")}}`, k);
      const v = params.length - 1;
      const rows = await this.db.query<{ id: string; s: number }>(
        `SELECT c.id, (SELECT sum(a * b) FROM unnest(c.embedding, $${v}::real[]) AS x(a, b)) AS s
         FROM chunks c JOIN documents d ON d.doc_id = c.doc_id WHERE ${where} ORDER BY s DESC, d.ord, c.pos LIMIT $${v + 1}`,
        params,
      );
      return rows.map((r) => [r.id, Number(r.s)]);
    }
    params.push(vectorText(vector), k);
    const v = params.length - 1;
    if (isOpenFilter(filter)) {
      const rows = await this.db.transaction(async (q) => {
        await q(`SET LOCAL hnsw.ef_search = ${Math.max(k, this.efSearch) | 0}`);
        return q<{ id: string; s: number }>(`SELECT c.id, 1 - (c.embedding <=> $1::vector) AS s FROM chunks c ORDER BY c.embedding <=> $1::vector LIMIT $2`, params);
      });
      return rows.map((r) => [r.id, Number(r.s)]);
    }
    const rows = await this.db.query<{ id: string; s: number }>(
      `WITH scope AS MATERIALIZED (SELECT c.id, c.embedding, d.ord, c.pos FROM chunks c JOIN documents d ON d.doc_id = c.doc_id WHERE ${where})
       SELECT id, 1 - (embedding <=> $${v}::vector) AS s FROM scope ORDER BY s DESC, ord, pos LIMIT $${v + 1}`,
      params,
    );
    return rows.map((r) => [r.id, Number(r.s)]);
  }
}

/** What a process reads when it opens a PostgreSQL index. */
export interface PgIndexInfo {
  generation: number;
  embedder: EmbedderDescriptor;
  stats: HashStats | null;
  sources: string[];
  documents: IndexedDocument[];
}

export class PgSearch implements SearchBackend {
  readonly chunks: ChunkStore;
  readonly lexical: PgLexicalIndex;
  readonly vectors: PgVectorIndex;

  private constructor(
    readonly db: Db,
    readonly info: PgIndexInfo,
    readonly chunkList: Chunk[],
    dfs: Map<string, number>,
    n: number,
    schema: SchemaInfo,
    bodyOf: (d: DocMeta) => string | null,
  ) {
    this.chunks = new InProcessChunkStore(new RowScopes(info.documents, chunkList, bodyOf));
    this.lexical = new PgLexicalIndex(db, dfs, n);
    this.vectors = new PgVectorIndex(db, schema);
  }

  /** Reads the index's schema (refusing an unknown one), documents, chunks and document frequencies, in one snapshot. */
  static async open(db: Db, opts: StorageOptions & { bodyOf?: (d: DocMeta) => string | null } = {}): Promise<PgSearch> {
    const schema = await readSchema(db);
    if (!schema) throw new DatabaseError("数据库中还没有索引：请先运行 npm run ingest / the database holds no Nianbao index yet", { code: "no_index" });
    await checkSchema(db, schema, opts);
    const loaded = await db.transaction(async (q) => {
      await q("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
      const meta = new Map((await q<{ key: string; value: string }>(`SELECT key, value FROM ${META}`)).map((r) => [r.key, r.value]));
      if (!meta.get("embedder")) throw new DatabaseError("数据库中还没有索引：请先运行 npm run ingest / the database holds no Nianbao index yet", { code: "no_index" });
      const documents = (await q<{ meta: IndexedDocument }>("SELECT meta FROM documents ORDER BY ord, doc_id")).map((r) => r.meta);
      const chunks = (await q<{ chunk: Omit<Chunk, "indexText"> }>("SELECT c.chunk FROM chunks c JOIN documents d ON d.doc_id = c.doc_id ORDER BY d.ord, c.pos")).map(
        ({ chunk: c }) => ({ ...c, indexText: indexTextOf(c.meta.title, c.meta.section, c.text) }) as Chunk,
      );
      const terms = await q<{ term: string; df: number }>("SELECT term, df FROM terms");
      const n = Number((await q<{ n: string }>("SELECT n FROM corpus_stats"))[0]?.n ?? 0);
      return { meta, documents, chunks, terms, n };
    });
    const info: PgIndexInfo = {
      generation: Number(loaded.meta.get("generation") ?? 0),
      embedder: JSON.parse(loaded.meta.get("embedder")!),
      stats: JSON.parse(loaded.meta.get("hash_stats") ?? "null"),
      sources: JSON.parse(loaded.meta.get("sources") ?? "[]"),
      documents: loaded.documents,
    };
    const dfs = new Map(loaded.terms.map((t) => [t.term, Number(t.df)]));
    return new PgSearch(db, info, loaded.chunks, dfs, loaded.n, schema, opts.bodyOf ?? ((d) => d.issuer ?? d.region));
  }

  /** The index generation the database holds now (bumped by every ingest that changed something). */
  static async generation(db: Db): Promise<number> {
    return Number((await db.query<{ value: string }>(`SELECT value FROM ${META} WHERE key = 'generation'`))[0]?.value ?? 0);
  }
}
