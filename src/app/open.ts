import path from "node:path";
import { loadSettings, type Settings } from "../config.js";
import { configuredEmbedderName, createEmbedder, createQueryEmbedder } from "../embed/factory.js";
import type { DescribedEmbeddings } from "../embed/types.js";
import { ingest, isUpToDate } from "../index/build.js";
import { cleanStaleBuilds, currentGeneration, hasOlderFormat, indexExists, loadIndex, readIndexData, readManifest, type IndexData, type LoadedIndex } from "../index/store.js";
import { checkGeneration } from "../index/guard.js";
import { InProcessSearch } from "../search/inProcess.js";
import { BodyRegistry } from "../domain/bodies.js";
import { FACTS_FILE, FactsDb } from "../stats/db.js";
import { FactsStatsService } from "../stats/service.js";
import { checkDraftInSandbox } from "./draft.js";
import { engineOver } from "./engineOver.js";
import type { StatsService } from "../stats/api.js";
import { Engine } from "../answer/engine.js";
import type { RetrievalMode } from "../answer/retrieve.js";
import { IndexStoreError } from "../errors.js";
import type { PgFactStore } from "../search/pg/facts.js";

/**
 * The composition root. Settings → sync the index when asked (npm start and chat ask for it; ask, stats and the
 * server's tests do not) → open the live generation read-only, once (one manifest read; the statistics database
 * opened here) → components (search engine, query embedder, body registry, figures) → the answer engine and the
 * statistics service. Nothing below this file builds or opens an index; the engine is given what it answers from.
 */

export type Log = (e: Record<string, unknown>) => void;

/** Options, with their defaults beside them (one place). */
export interface OpenOptions {
  indexDir: string;
  /** The corpus folder a new index is built from (its recorded sources are synced afterwards). */
  corpusDir: string;
  /** Default: loadSettings() (environment and .env). */
  settings?: Settings;
  /** Default: no log. */
  log?: Log;
  /** Retrieval mode (evaluation compares them). Default: hybrid. */
  mode?: RetrievalMode;
  /** Longest accepted question. Default: settings.MAX_QUESTION_CHARS. */
  maxQuestionChars?: number;
  /** Bring the index up to date with its recorded sources before opening it (build it when missing). Default true. */
  refresh?: boolean;
  /** Hash every file of the generation, not only the natively parsed ones (`--verify`). Default false. */
  verify?: boolean;
}

/** The engine as opened: answering, plus the index and statistics it answers from. */
export type OpenedEngine = Engine & {
  /** The index folder's generation (an engine on PostgreSQL has none: reading it throws). */
  readonly index: LoadedIndex;
  readonly embedder: DescribedEmbeddings;
  /** The statistics of the same generation, as channels see them (null for an index without a database). */
  stats(): StatsService | null;
  /** PostgreSQL only: the generation served, the database's current one (servers follow it), and closing the pool. */
  readonly database?: { generation: number; currentGeneration(): Promise<number> };
  close?(): void;
};

/**
 * Brings the index in `indexDir` up to date with its recorded sources (builds it from `corpusDir` when missing,
 * rebuilds an index of an older release, repairs damage). When a re-sync cannot run (a source folder missing, the
 * disk full or read-only), the last good generation is served with one warning line.
 */
export async function syncIndex(opts: { indexDir: string; corpusDir: string; settings: Settings; log: Log }): Promise<void> {
  const { settings, log } = opts;
  const exists = await indexExists(opts.indexDir);
  let refresh = !exists;
  let rebuild = false;
  let repair = false;
  if (exists) {
    const gen = await currentGeneration(opts.indexDir);
    // An index from an older release is rebuilt from its sources rather than refused.
    rebuild = gen !== null && (await hasOlderFormat(gen).catch(() => false));
    // An unreadable manifest is damage like any other: the ingest below rebuilds the index from the sources.
    const manifest =
      rebuild || gen === null
        ? null
        : await readManifest(gen).catch((err) => {
            if ((err as { code?: string }).code !== "index_damaged") throw err;
            log({ event: "index_damaged", level: "warn", reason: (err as Error).message });
            return null;
          });
    repair = !rebuild && gen !== null && manifest === null;
    const sameEmbedder = manifest !== null && manifest.embedder.name === configuredEmbedderName(settings);
    if (sameEmbedder && !rebuild) {
      try {
        refresh = !(await isUpToDate(opts.corpusDir, opts.indexDir, settings));
      } catch (err) {
        log({ event: "index_stale", level: "warn", reason: (err as Error).message });
      }
    }
    refresh ||= rebuild || repair;
    await cleanStaleBuilds(opts.indexDir).catch((err) => log({ event: "stale_builds_kept", level: "warn", reason: (err as Error).message }));
  }
  if (!refresh) return;
  try {
    await build(opts, rebuild ? "index_rebuild" : repair ? "index_repair" : exists ? "index_refresh" : "index_build");
  } catch (err) {
    // Nothing to fall back on, or a folder that is not an index: the error stands.
    if (!exists || (err as { code?: string }).code === "not_an_index") throw err;
    log({ event: "index_stale", level: "warn", reason: `无法更新索引，继续使用上一版 / serving the last good index: ${(err as Error).message}` });
  }
}

async function build(opts: { indexDir: string; corpusDir: string; settings: Settings; log: Log }, why: "index_build" | "index_refresh" | "index_rebuild" | "index_repair"): Promise<void> {
  opts.log({ event: why, indexDir: opts.indexDir, corpusDir: opts.corpusDir });
  // A repair is an ingest: it finds the damaged files again and writes them from the saved data, or rebuilds.
  const s = await ingest({ corpusDir: opts.corpusDir, indexDir: opts.indexDir, settings: opts.settings, rebuild: why === "index_rebuild" });
  for (const f of s.failures) opts.log({ event: "ingest_failure", source: f.source, reason: f.reason });
  if (s.repaired) opts.log({ event: "index_repaired", level: "warn", how: s.repaired, files: s.damaged.map((p) => p.file) });
}

/** Reads the live generation once; a generation that fails its integrity check is repaired from the sources first. */
async function readLive(opts: { indexDir: string; corpusDir: string; settings: Settings; log: Log; verify?: boolean }): Promise<(IndexData & { dir: string }) | null> {
  try {
    return await readIndexData(opts.indexDir, { verify: opts.verify });
  } catch (err) {
    if ((err as { code?: string }).code !== "index_damaged") throw err;
    opts.log({ event: "index_damaged", level: "warn", reason: (err as Error).message });
    await build(opts, "index_repair");
    return readIndexData(opts.indexDir);
  }
}

/** Opens the answer engine (and the statistics of the same generation) on an index folder. */
export async function openEngine(opts: OpenOptions): Promise<OpenedEngine> {
  const settings = opts.settings ?? loadSettings();
  const log = opts.log ?? (() => {});
  if (settings.NIANBAO_DATABASE_URL) return openEngineOnDatabase(opts, settings, log);
  const ctx = { indexDir: opts.indexDir, corpusDir: opts.corpusDir, settings, log, verify: opts.verify };
  if (opts.refresh !== false || !(await indexExists(opts.indexDir))) await syncIndex(ctx);
  const data = await readLive(ctx);
  // With its embeddings server down the index still opens: lexical search answers, and each answer says so.
  const { embedder, unavailable } = data ? await createQueryEmbedder(settings, data.stats, data.manifest.embedder) : { ...(await createEmbedder(settings, null)), unavailable: null };
  if (unavailable) log({ event: "dense_fallback", level: "warn", at: "open", reason: `向量检索暂不可用，先用关键词检索 / dense search unavailable: ${unavailable}` });
  const index = await loadIndex(opts.indexDir, embedder, data);
  const facts = new FactsDb(path.join(index.dir, FACTS_FILE));
  const bodies = BodyRegistry.fromBodies(facts.bodies);
  const search = new InProcessSearch(index, { bodyOf: (d) => bodies.idOf(d.issuer, d.region) });
  const engine = engineOver({ documents: index.manifest.documents, search, embedder, bodies, facts, settings, log, mode: opts.mode, maxQuestionChars: opts.maxQuestionChars });
  const stats = new FactsStatsService(facts, checkDraftInSandbox);
  return Object.assign(engine, { index, embedder, stats: () => stats }) as OpenedEngine;
}

/**
 * The statistics alone (`npm run stats`): the live generation's facts database, opened read-only — no search
 * index, no embedder, no engine. Builds the index first only when it does not exist yet.
 */
export async function openStatistics(opts: { indexDir: string; corpusDir: string; settings?: Settings; log?: Log }): Promise<{ facts: FactsDb | PgFactStore; bodies: BodyRegistry; stats: StatsService }> {
  const settings = opts.settings ?? loadSettings();
  const log = opts.log ?? (() => {});
  if (settings.NIANBAO_DATABASE_URL) return (await import("./openDatabase.js")).openDatabaseStatistics({ settings, log });
  if (!(await indexExists(opts.indexDir))) await syncIndex({ indexDir: opts.indexDir, corpusDir: opts.corpusDir, settings, log });
  let gen = await currentGeneration(opts.indexDir);
  if (!gen) throw Object.assign(new Error(`不是索引文件夹 / not an index: ${opts.indexDir}`), { code: "not_an_index" });
  // The statistics database is verified like every generation file: bit rot must not serve a changed figure.
  const report = await checkGeneration(gen, (await readManifest(gen)).integrity, { alwaysHash: [FACTS_FILE] });
  if (report.problems.some((p) => p.file === FACTS_FILE || p.file === "manifest.json")) {
    log({ event: "index_damaged", level: "warn", reason: report.problems.map((p) => p.message).join("; ") });
    await build({ indexDir: opts.indexDir, corpusDir: opts.corpusDir, settings, log }, "index_repair");
    gen = (await currentGeneration(opts.indexDir))!;
  }
  const facts = new FactsDb(path.join(gen, FACTS_FILE));
  return { facts, bodies: BodyRegistry.fromBodies(facts.bodies), stats: new FactsStatsService(facts, checkDraftInSandbox) };
}

/**
 * NIANBAO_DATABASE_URL set: the engine over PostgreSQL (src/app/openDatabase.ts). The database is kept by
 * `npm run ingest`; opening never syncs it (`refresh` and `verify` are the index folder's).
 */
async function openEngineOnDatabase(opts: OpenOptions, settings: Settings, log: Log): Promise<OpenedEngine> {
  const parts = await (await import("./openDatabase.js")).openDatabaseEngine({ settings, log, mode: opts.mode, maxQuestionChars: opts.maxQuestionChars });
  return Object.defineProperties(parts.engine, {
    index: {
      get: () => {
        throw new IndexStoreError("索引在 PostgreSQL 数据库中，没有索引文件夹 / the index is served from PostgreSQL");
      },
    },
    embedder: { value: parts.embedder },
    stats: { value: () => parts.stats },
    database: { value: { generation: parts.generation, currentGeneration: parts.currentGeneration } },
    close: { value: () => void parts.close() },
  }) as OpenedEngine;
}
