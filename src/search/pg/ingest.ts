import path from "node:path";
import { BodyRegistry } from "../../domain/bodies.js";
import { ingest, readOverrides, type IngestOptions, type IngestSummary } from "../../index/build.js";
import { indexExists, readIndexData } from "../../index/store.js";
import { IndexStoreError } from "../../errors.js";
import { consecutiveYearChecks } from "../../stats/cross.js";
import { Db } from "./connection.js";
import { checkSchema, ensureSchema, META, readSchema, type StorageOptions } from "./schema.js";
import { syncSnapshot, type Snapshot, type SyncOptions, type SyncSummary } from "./write.js";

/**
 * `npm run ingest` with NIANBAO_DATABASE_URL set. The embedded pipeline (src/index/build.ts: listing, hashing,
 * parsing, statistics, jieba + bigram analysis, embedding) runs unchanged into a local index folder, which is
 * the build cache (unchanged files are neither parsed nor embedded again); its generation is then written into
 * PostgreSQL by file hash (write.ts). The sources are recorded in the database: an ingest on a machine without
 * the local folder re-syncs the database's sources.
 */

/** The embedded generation in `indexDir`, with the statistics database's bodies and cross-report checks. */
export async function snapshotOf(indexDir: string, corpusDir: string): Promise<Snapshot> {
  const data = await readIndexData(indexDir, { statistics: true });
  if (!data) throw new IndexStoreError(`索引不存在：${indexDir} / no index`);
  const overrides = await readOverrides(corpusDir);
  const bodies = new BodyRegistry(data.manifest.documents.filter((d) => d.kind === "report"), overrides.bodies);
  return { ...data, bodies, crossChecks: consecutiveYearChecks(data.manifest.documents, data.statistics, bodies) };
}

export interface DatabaseIngestOptions extends IngestOptions, StorageOptions, SyncOptions {
  databaseUrl: string;
}

export type DatabaseIngestSummary = IngestSummary & { database: SyncSummary };

export async function ingestToDatabase(opts: DatabaseIngestOptions): Promise<DatabaseIngestSummary> {
  const log = opts.log ?? (() => {});
  const db = new Db(opts.databaseUrl, { max: 2 });
  try {
    // Reachable and of a known version before any parsing: a wrong URL costs a second, not an ingest.
    const existing = await readSchema(db);
    if (existing) await checkSchema(db, existing, opts);
    let paths = opts.paths;
    if (existing && !(await indexExists(opts.indexDir)) && !paths?.length) {
      const rows = await db.query<{ value: string }>(`SELECT value FROM ${META} WHERE key = 'sources'`);
      const recorded: string[] = JSON.parse(rows[0]?.value ?? "[]");
      if (recorded.length) paths = recorded.filter((p) => !(opts.forget ?? []).some((f) => path.resolve(f) === p));
    }
    const local = await ingest({ ...opts, paths });
    const snap = await snapshotOf(opts.indexDir, opts.corpusDir);
    const schema = await ensureSchema(db, snap.manifest.embedder.dim, opts);
    const s = await syncSnapshot(db, schema, snap, opts);
    log(`数据库已同步 / database synced: ${s.written.length} files written, ${s.removed.length} removed, ${s.unchanged} unchanged, ${s.chunks} chunks, ${s.batches} transactions, ${s.seconds.toFixed(2)} s`);
    return { ...local, written: local.written || s.written.length > 0 || s.removed.length > 0, database: s };
  } finally {
    await db.close();
  }
}

/** The ingest function for a database URL (what `npm run ingest` calls when NIANBAO_DATABASE_URL is set). */
export function ingestInto(databaseUrl: string): (opts: IngestOptions) => Promise<DatabaseIngestSummary> {
  return (opts) => ingestToDatabase({ ...opts, databaseUrl });
}
