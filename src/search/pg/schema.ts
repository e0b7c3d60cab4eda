import { DatabaseError } from "../../errors.js";
import type { Db } from "./connection.js";

/**
 * The PostgreSQL schema of a Nianbao index (one database or schema per index). What the embedded index keeps in
 * files lives in tables: sources and file hashes (files), documents, chunks with their embedding, BM25's postings
 * (the terms jieba + bigrams gave each chunk, analyzed in the application as for the embedded BM25), document
 * frequencies (terms) and corpus totals (corpus_stats), and the statistics database's tables with the same meaning as
 * facts.sqlite. Bumped with every change of a table: a database of another version is refused, never misread.
 */
export const PG_SCHEMA_VERSION = 1;

/** How chunk vectors are stored: pgvector (`vector(N)`, HNSW index), or — tests only — `real[]` with exact cosine. */
export type VectorStorage = "pgvector" | "array";

export interface SchemaInfo {
  version: number;
  vectors: VectorStorage;
  dim: number;
}

export const META = "nianbao_meta";

function ddl(vectors: VectorStorage, dim: number): string {
  const embedding = vectors === "pgvector" ? `vector(${dim})` : "real[]";
  return `
CREATE TABLE ${META} (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE files (source text PRIMARY KEY, hash text NOT NULL, entry jsonb NOT NULL);
CREATE TABLE documents (doc_id text PRIMARY KEY, source text NOT NULL, ord integer NOT NULL, kind text NOT NULL, year integer,
  body text, meta jsonb NOT NULL);
CREATE INDEX documents_source ON documents (source);
CREATE INDEX documents_filter ON documents (kind, year, body);
CREATE TABLE chunks (cid bigserial PRIMARY KEY, id text NOT NULL UNIQUE, doc_id text NOT NULL REFERENCES documents ON DELETE CASCADE,
  pos integer NOT NULL, chunk jsonb NOT NULL, len integer NOT NULL, embedding ${embedding} NOT NULL);
CREATE INDEX chunks_doc ON chunks (doc_id, pos);
-- BM25's inverted index: one row per chunk and distinct term, with the term's count and the chunk's length.
-- The key carries tf and length (INCLUDE): a term's postings are read from the index alone, contiguous, instead of
-- one heap page per posting scattered over the whole table (52 s → see docs/postgres.md for the 50 MB figures).
CREATE TABLE postings (term text NOT NULL, cid bigint NOT NULL, tf integer NOT NULL, len integer NOT NULL, PRIMARY KEY (term, cid) INCLUDE (tf, len));
CREATE INDEX postings_cid ON postings (cid);
CREATE TABLE terms (term text PRIMARY KEY, df integer NOT NULL);
CREATE TABLE corpus_stats (id boolean PRIMARY KEY DEFAULT true CHECK (id), n bigint NOT NULL, total_len bigint NOT NULL);
INSERT INTO corpus_stats VALUES (true, 0, 0);
CREATE TABLE bodies (id text PRIMARY KEY, level text NOT NULL, region text, parent text, names text NOT NULL, predecessors text NOT NULL, successors text NOT NULL, seq bigserial);
CREATE TABLE reports (doc_id text PRIMARY KEY, source text NOT NULL, body text NOT NULL, issuer text, level text, region text,
  year integer, format text, title text NOT NULL, published text, url text, seq bigserial);
CREATE INDEX reports_body_year ON reports (body, year);
CREATE TABLE tables (doc_id text NOT NULL, tbl text NOT NULL, format text NOT NULL, method text NOT NULL, status text NOT NULL, note text,
  span_start integer, span_end integer, seq bigserial, PRIMARY KEY (doc_id, tbl));
CREATE TABLE row_quotes (doc_id text NOT NULL, tbl text NOT NULL, row_key text NOT NULL, quote text NOT NULL, PRIMARY KEY (doc_id, tbl, row_key));
CREATE TABLE cells (doc_id text NOT NULL, tbl text NOT NULL, row_key text NOT NULL, col_key text NOT NULL, value double precision, candidates text,
  method text NOT NULL, span_start integer, span_end integer, page integer, quote text, seq bigserial, PRIMARY KEY (doc_id, tbl, row_key, col_key));
CREATE INDEX cells_metric ON cells (tbl, row_key, col_key);
CREATE TABLE facts (doc_id text NOT NULL, metric text NOT NULL, value double precision NOT NULL, unit text NOT NULL, sentence text NOT NULL,
  span_start integer, span_end integer, seq bigserial);
CREATE INDEX facts_doc ON facts (doc_id, metric);
CREATE INDEX facts_metric ON facts (metric);
CREATE TABLE checks (doc_id text NOT NULL, rule text NOT NULL, label text NOT NULL, ok smallint, expr text NOT NULL, cells text NOT NULL,
  cross_report boolean NOT NULL DEFAULT false, seq bigserial);
CREATE INDEX checks_doc ON checks (doc_id, ok);
${vectors === "pgvector" && dim <= 2000 ? "CREATE INDEX chunks_embedding ON chunks USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64);" : ""}
INSERT INTO ${META} VALUES ('schema_version', '${PG_SCHEMA_VERSION}'), ('vectors', '${vectors}'), ('dim', '${dim}'), ('generation', '0');
`;
}

export const PGVECTOR_MISSING =
  "PostgreSQL 缺少 pgvector 扩展（vector），无法保存和检索向量：请在数据库服务器上安装 pgvector 并执行 CREATE EXTENSION vector / the pgvector extension (vector) is not available in this database";

/** Whether pgvector is installed in the database, or can be (CREATE EXTENSION vector). */
export async function ensurePgvector(db: Db): Promise<boolean> {
  const installed = await db.query("SELECT 1 FROM pg_extension WHERE extname = 'vector'");
  if (installed.length) return true;
  const available = await db.query("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'");
  if (!available.length) return false;
  await db.query("CREATE EXTENSION IF NOT EXISTS vector");
  return true;
}

/** The schema's version and vector storage, or null when the database holds no Nianbao index yet. */
export async function readSchema(db: Db): Promise<SchemaInfo | null> {
  const exists = await db.query<{ t: string | null }>("SELECT to_regclass($1) AS t", [META]);
  if (!exists[0]?.t) return null;
  const rows = await db.query<{ key: string; value: string }>(`SELECT key, value FROM ${META} WHERE key IN ('schema_version', 'vectors', 'dim')`);
  const m = new Map(rows.map((r) => [r.key, r.value]));
  return { version: Number(m.get("schema_version")), vectors: (m.get("vectors") ?? "pgvector") as VectorStorage, dim: Number(m.get("dim")) };
}

export interface StorageOptions {
  /**
   * Tests only: without pgvector, store vectors as `real[]` and search them by exact cosine in SQL (a full scan:
   * for tiny data). Never chosen by a setting: a production database without pgvector is refused.
   */
  arrayVectorsForTests?: boolean;
}

/** Refuses a schema this release does not know, and vector storage the database (or the caller) cannot serve. */
export async function checkSchema(db: Db, info: SchemaInfo, opts: StorageOptions): Promise<void> {
  if (info.version !== PG_SCHEMA_VERSION)
    throw new DatabaseError(`数据库中的索引版本未知（${Number.isNaN(info.version) ? "无" : info.version}，本程序为 ${PG_SCHEMA_VERSION}）/ unknown database schema version`, { code: "database_version" });
  if (info.vectors === "array" && !opts.arrayVectorsForTests) throw new DatabaseError(PGVECTOR_MISSING, { code: "pgvector_missing" });
  if (info.vectors === "pgvector" && !(await db.query("SELECT 1 FROM pg_extension WHERE extname = 'vector'")).length)
    throw new DatabaseError(PGVECTOR_MISSING, { code: "pgvector_missing" });
}

/** Creates the schema for vectors of `dim` dimensions when the database holds none; checks it otherwise. */
export async function ensureSchema(db: Db, dim: number, opts: StorageOptions): Promise<SchemaInfo> {
  const found = await readSchema(db);
  if (found) {
    await checkSchema(db, found, opts);
    return found;
  }
  const hasPgvector = await ensurePgvector(db);
  if (!hasPgvector && !opts.arrayVectorsForTests) throw new DatabaseError(PGVECTOR_MISSING, { code: "pgvector_missing" });
  const vectors: VectorStorage = hasPgvector ? "pgvector" : "array";
  await db.transaction(async (q) => {
    await q(ddl(vectors, dim));
  });
  return { version: PG_SCHEMA_VERSION, vectors, dim };
}
