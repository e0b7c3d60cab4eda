import type { Settings } from "../config.js";
import { createQueryEmbedder } from "../embed/factory.js";
import { BodyRegistry } from "../domain/bodies.js";
import { IndexStoreError } from "../errors.js";
import { Engine } from "../answer/engine.js";
import type { RetrievalMode } from "../answer/retrieve.js";
import { Db } from "../search/pg/connection.js";
import { PgFactStore } from "../search/pg/facts.js";
import { PgSearch } from "../search/pg/search.js";
import { FactsStatsService } from "../stats/service.js";
import type { StatsService } from "../stats/api.js";
import { checkDraftInSandbox } from "./draft.js";
import { engineOver } from "./engineOver.js";
import type { StorageOptions } from "../search/pg/schema.js";

/**
 * The composition root's PostgreSQL branch (NIANBAO_DATABASE_URL set): the engine and the statistics over the
 * database instead of an index folder. The database is written by `npm run ingest` only (at the primary); any
 * number of server processes read it (at replicas), each with its own connection pool. Nothing is synced here.
 */

/** `npm run ingest` with NIANBAO_DATABASE_URL set (src/search/pg/ingest.ts). */
export { ingestInto } from "../search/pg/ingest.js";

type Log = (e: Record<string, unknown>) => void;

export interface DatabaseOpenOptions extends StorageOptions {
  settings: Settings;
  log: Log;
  mode?: RetrievalMode;
  maxQuestionChars?: number;
  /** Connections per process. Default 4. */
  poolMax?: number;
}

/** What openEngine returns for a database: the engine, its statistics, the generation it serves, and close. */
export interface DatabaseEngineParts {
  engine: Engine;
  search: PgSearch;
  stats: StatsService;
  generation: number;
  /** The generation the database holds now (a server swaps engines when it moved on). */
  currentGeneration(): Promise<number>;
  close(): Promise<void>;
}

function openDb(opts: DatabaseOpenOptions): Db {
  const log = opts.log;
  return new Db(opts.settings.NIANBAO_DATABASE_URL!, {
    max: opts.poolMax,
    onError: (err) => log({ event: "database_connection_lost", level: "warn", reason: err.message }),
  });
}

export async function openDatabaseEngine(opts: DatabaseOpenOptions): Promise<DatabaseEngineParts & { embedder: import("../embed/types.js").DescribedEmbeddings }> {
  const { settings, log } = opts;
  const db = openDb(opts);
  try {
    const facts = await PgFactStore.load(db);
    const bodies = BodyRegistry.fromBodies(facts.bodies);
    const search = await PgSearch.open(db, { ...opts, bodyOf: (d) => bodies.idOf(d.issuer, d.region) });
    const { embedder, unavailable } = await createQueryEmbedder(settings, search.info.stats, search.info.embedder);
    if (unavailable) log({ event: "dense_fallback", level: "warn", at: "open", reason: `向量检索暂不可用，先用关键词检索 / dense search unavailable: ${unavailable}` });
    const want = search.info.embedder;
    if (want.name !== embedder.descriptor.name || want.dim !== embedder.descriptor.dim)
      throw new IndexStoreError(`数据库中的索引由嵌入模型 ${want.name}（${want.dim} 维）构建，当前配置的是 ${embedder.descriptor.name}（${embedder.descriptor.dim} 维）。 / the database was built with another embedder`);
    const engine = engineOver({ documents: search.info.documents, search, embedder, bodies, facts, settings, log, mode: opts.mode, maxQuestionChars: opts.maxQuestionChars });
    log({ event: "database_opened", generation: search.info.generation, documents: search.info.documents.length, chunks: search.chunkList.length });
    return {
      engine,
      search,
      embedder,
      stats: new FactsStatsService(facts, checkDraftInSandbox),
      generation: search.info.generation,
      currentGeneration: () => PgSearch.generation(db),
      close: () => db.close(),
    };
  } catch (err) {
    await db.close();
    throw err;
  }
}

/** The statistics alone (`npm run stats`) from the database. */
export async function openDatabaseStatistics(opts: DatabaseOpenOptions): Promise<{ facts: PgFactStore; bodies: BodyRegistry; stats: StatsService; close(): Promise<void> }> {
  const db = openDb(opts);
  try {
    const facts = await PgFactStore.load(db);
    return { facts, bodies: BodyRegistry.fromBodies(facts.bodies), stats: new FactsStatsService(facts, checkDraftInSandbox), close: () => db.close() };
  } finally {
    // Everything is read: the pool is not needed any more.
    await db.close();
  }
}
