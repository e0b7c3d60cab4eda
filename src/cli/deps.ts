/**
 * What the commands open: the answer engine, the index builder, the statistics database, the HTTP server, the
 * Telegram bot. A command's run() gets these as `deps`; `defaultDeps()` below is the one place that wires the
 * production implementations (tests pass fakes). Each default is imported on first use, so `--help`, a usage
 * error or a command that needs only one of them never loads the others' modules.
 */
import type { AnswerEngine } from "../answer/api.js";
import type { OpenOptions as EngineOptions } from "../app/open.js";
import type { RetrievalMode } from "../answer/retrieve.js";
import type { BodyOverride, BodyRegistry } from "../domain/bodies.js";
import type { Settings } from "../config.js";
import type { IngestOptions, IngestSummary } from "../index/build.js";
import type { ParsedDocument } from "../ingest/document.js";
import type { ServerOptions } from "../server/app.js";
import type { DraftCheck, StatsService } from "../stats/api.js";
import type { FactsDb } from "../stats/db.js";

export type { EngineOptions, IngestOptions, IngestSummary, ParsedDocument, RetrievalMode };

/** The engine as the commands use it: answers, coverage, sources, and the statistics of its index. */
export interface CliEngine extends AnswerEngine {
  stats(): StatsService | null;
  /** The first-stage results a rule question is answered from (evaluation measures retrieval apart from answering). */
  firstStage?(question: string): Promise<Array<{ source: string; section: string; quote: string }>>;
  /** Stops an engine that follows the index (the served one) from watching it. */
  close?(): void;
}

/** The statistics database of an index with its body registry (`stats show`, `stats export`). */
export interface StatsSource {
  facts: Pick<FactsDb, "reports" | "tables" | "cells" | "facts" | "checks" | "exportRows">;
  bodies: Pick<BodyRegistry, "lookup">;
}

/** A listening server: what `start` needs of Fastify. */
export interface CliServer {
  listen(opts: { host: string; port: number }): Promise<unknown>;
  close(): Promise<unknown>;
  server: { address(): string | { port: number } | null };
}

export interface CliDeps {
  /** Opens the engine on an index folder, building it from the corpus when missing and refreshing it when stale. */
  openEngine(opts: EngineOptions): Promise<CliEngine>;
  /** Whether an index has been built in the folder (commands say "building…" before a first build). */
  indexExists(indexDir: string): Promise<boolean>;
  /** Incremental ingest (`npm run ingest`). */
  ingest(opts: IngestOptions): Promise<IngestSummary>;
  /** How ingestion understands one file (`ingest --show`): its source name and documents. */
  parseCorpusFile(file: string, corpusDir: string): Promise<{ source: string; docs: ParsedDocument[]; bodyOverrides?: Record<string, BodyOverride> }>;
  /** The statistics of an index, or null when it has none. */
  openStats(opts: { indexDir: string; corpusDir: string; settings: Settings }): Promise<StatsSource | null>;
  /** A draft read as ingestion reads it, with every check (`stats check`). */
  checkDraft(bytes: Buffer, filename: string): Promise<DraftCheck>;
  /** Every corpus file's text with its source name, as ingestion lists and loads them (the eval baseline). */
  corpusTexts(corpusDir: string): Promise<Array<{ source: string; text: string }>>;
  buildServer(opts: ServerOptions): Promise<CliServer>;
  /** The engine a long-running server answers from (follows the index as ingest replaces it). Default: openEngine. */
  openServedEngine?(opts: EngineOptions): Promise<CliEngine>;
  /** Graceful close: stop accepting, finish what was accepted within the grace period. Default: server.close(). */
  closeServer?(server: CliServer, opts: { graceMs: number; log: (e: Record<string, unknown>) => void }): Promise<unknown>;
  /** Hashes every file of the live generation (`--verify`), one line per damaged file; false when one is damaged. */
  verifyIndex(indexDir: string, say: (line: string) => void): Promise<boolean>;
  launchBot(engine: AnswerEngine, settings: Settings, log: (e: Record<string, unknown>) => void, opts: { notice?: (line: string) => void }): Promise<{ stop(): Promise<void> }>;
  /** The office bots (WeCom, DingTalk, Feishu) whose credentials are set; rejects with a coded error when one cannot connect. */
  launchOffice?(engine: AnswerEngine, settings: Settings, log: (e: Record<string, unknown>) => void, opts: { notice?: (line: string) => void; cwd: string }): Promise<{ platforms: string[]; stop(): Promise<void> }>;
}

/** The production implementations, each loaded when first called. */
export function defaultDeps(): CliDeps {
  return {
    openEngine: async (opts) => (await import("../app/open.js")).openEngine(opts),
    openServedEngine: async (opts) => (await import("../app/live.js")).LiveEngine.open(opts),
    closeServer: async (server, opts) => (await import("../server/shutdown.js")).closeGracefully(server as unknown as import("fastify").FastifyInstance, opts),
    verifyIndex: async (dir, say) => (await import("../index/store.js")).verifyIndex(dir, say),
    indexExists: async (dir) => (await import("../index/store.js")).indexExists(dir),
    ingest: async (opts) => (await import("../index/build.js")).ingest(opts),
    parseCorpusFile: async (file, corpusDir) => {
      const [{ parseFile }, { readOverrides, sourceOf }, { ProvenanceTables }] = await Promise.all([import("../ingest/document.js"), import("../index/build.js"), import("../ingest/provenance.js")]);
      const source = sourceOf(corpusDir, file);
      // A folder's provenance table (SOURCES.md) gives 发布日期 and 原文链接, as at ingest.
      const provenance = await new ProvenanceTables().of(file);
      const overrides = await readOverrides(corpusDir);
      return { source, docs: await parseFile(file, source, overrides.files, undefined, undefined, provenance), bodyOverrides: overrides.bodies };
    },
    // The statistics alone: no search index, no embedder, no engine.
    openStats: async ({ indexDir, corpusDir, settings }) => (await import("../app/open.js")).openStatistics({ indexDir, corpusDir, settings }),
    checkDraft: async (bytes, filename) => (await import("../app/draft.js")).checkDraft(bytes, filename),
    corpusTexts: async (corpusDir) => {
      const [{ listCorpusFiles }, { loadFile }, { cleanText }, { sourceOf }] = await Promise.all([
        import("../ingest/files.js"),
        import("../ingest/load.js"),
        import("../ingest/clean.js"),
        import("../index/build.js"),
      ]);
      const out: Array<{ source: string; text: string }> = [];
      for (const file of (await listCorpusFiles([corpusDir])).files) {
        const source = sourceOf(corpusDir, file);
        const loaded = await loadFile(file, source).catch(() => null);
        if (loaded) out.push({ source, text: cleanText(loaded.text) });
      }
      return out;
    },
    buildServer: async (opts) => (await import("../server/app.js")).buildServer(opts),
    launchBot: async (engine, settings, log, opts) => (await import("../bot/bot.js")).launchBot(engine, settings, log, opts),
    launchOffice: async (engine, settings, log, opts) => {
      const [{ launchOfficeBots }, { checkDraftInSandbox }] = await Promise.all([import("../office/launch.js"), import("../app/draft.js")]);
      // Each platform's SDK is loaded only when its credentials are set.
      const loaders: import("../office/launch.js").PlatformLoaders = {
        wecom: async () => {
          const [{ createWecomTransport }, { wecomRenderer }] = await Promise.all([import("../office/wecom.js"), import("../present/wecom.js")]);
          return { transport: createWecomTransport, renderer: wecomRenderer };
        },
        dingtalk: async () => {
          const [{ createDingtalkTransport }, { dingtalkRenderer }] = await Promise.all([import("../office/dingtalk.js"), import("../present/dingtalk.js")]);
          return { transport: createDingtalkTransport, renderer: dingtalkRenderer };
        },
        feishu: async () => {
          const [{ createFeishuTransport }, { feishuRenderer }] = await Promise.all([import("../office/feishu.js"), import("../present/feishu.js")]);
          return { transport: createFeishuTransport, renderer: feishuRenderer };
        },
      };
      // Drafts sent as files are parsed like web uploads: in the sandbox, under the settings' limits.
      return launchOfficeBots({ engine, settings, log, loaders, cwd: opts.cwd, notice: opts.notice, checkDraft: (bytes, name) => checkDraftInSandbox(bytes, name) });
    },
  };
}
