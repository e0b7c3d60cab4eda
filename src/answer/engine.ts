import { loadSettings, type Settings } from "../config.js";
import { configuredEmbedderName, createEmbedder } from "../embed/factory.js";
import type { DescribedEmbeddings } from "../embed/types.js";
import { ingest, isUpToDate } from "../index/build.js";
import { cleanStaleBuilds, currentGeneration, hasOlderFormat, indexExists, loadIndex, readIndexData, readManifest, type LoadedIndex } from "../index/store.js";
import type { Answer, Citation, Passage } from "../types.js";
import { checkQuestionLength } from "./limits.js";
import type { AnswerEngine, AskResult, ConversationState, Coverage } from "./api.js";
import { AnswerContext } from "./context.js";
import type { CorpusView } from "./corpus.js";
import { composeWithLlm } from "./llm.js";
import type { Plan } from "../understand/types.js";
import { nextState, understand, type UnderstandContext } from "../understand/understand.js";
import { BodyRegistry } from "../domain/bodies.js";
import { parseLinkAllowlist } from "./links.js";
import { FACTS_FILE, FactsDb } from "../stats/db.js";
import { FigureService } from "./figures.js";
import type { StatsService } from "../stats/api.js";
import { FactsStatsService } from "../stats/service.js";
import path from "node:path";
import type { RetrievalMode } from "./retrieve.js";
import { createRegistry, defaultGuards, greetingReply, runGuards, type Guard } from "./strategies/index.js";
import type { StrategyRegistry, StrategyResult } from "./strategy.js";

export interface EngineOptions {
  indexDir: string;
  corpusDir: string;
  settings?: Settings;
  log?: (e: Record<string, unknown>) => void;
  /** Retrieval mode (evaluation compares them); hybrid in production. */
  mode?: RetrievalMode;
  /** Longest accepted question. */
  maxQuestionChars?: number;
  /** Bring an existing index up to date with its recorded sources before opening it (default true). */
  refresh?: boolean;
  /** Check every file's hash, not only sizes and changed files (`--verify`). */
  verify?: boolean;
}

/**
 * The answer engine: a question becomes a plan, guards refuse what the corpus cannot answer, and the strategy
 * registry (src/answer/strategies/) answers the plan; with an LLM configured, the model rewrites the answer from
 * the same passages. Adding a question kind means adding a strategy, not editing this class.
 */
export class Engine implements AnswerEngine {
  /** What strategies share (index, retriever, corpus view, settings, helpers). */
  readonly ctx: AnswerContext;
  readonly corpus: CorpusView;
  private readonly registry: StrategyRegistry<AnswerContext>;
  private readonly guards: readonly Guard[];

  constructor(
    readonly index: LoadedIndex,
    readonly embedder: DescribedEmbeddings,
    private readonly opts: {
      settings: Settings;
      log: (e: Record<string, unknown>) => void;
      mode: RetrievalMode;
      maxQuestionChars: number;
      registry?: StrategyRegistry<AnswerContext>;
      guards?: readonly Guard[];
    },
  ) {
    this.ctx = new AnswerContext(index, embedder, { settings: opts.settings, log: opts.log, mode: opts.mode });
    this.corpus = this.ctx.corpus;
    this.registry = opts.registry ?? createRegistry();
    this.guards = opts.guards ?? defaultGuards();
  }

  /** The statistics of the same generation, as channels see them (null for an index without a database). */
  stats(): StatsService | null {
    const f = this.ctx.figures;
    return f ? (this.statsService ??= new FactsStatsService(f.facts)) : null;
  }
  private statsService: StatsService | null = null;

  coverage(): Coverage {
    return this.corpus.coverage();
  }

  fullSection(c: Citation): string | null {
    return this.corpus.fullSection(c);
  }

  async ask(question: string, state?: ConversationState | null): Promise<AskResult> {
    const q = (question ?? "").replace(/\s+/g, " ").trim();
    const prev = state ?? null;
    if (!q) return this.result(this.reply(q, "请输入问题，例如：沈阳2013年受理了多少件政府信息公开申请？", "help"), prev, null);
    const fits = checkQuestionLength(q, this.opts.maxQuestionChars);
    if (!fits.ok) return this.result(this.reply(q, fits.message, "too-long"), prev, null);

    const greeting = greetingReply(q);
    if (greeting) return this.result(this.reply(q, greeting, "greeting"), prev, null);
    const { plan, note } = await understand(q, prev, this.understandContext());
    const wasDown = this.ctx.denseDown;
    this.ctx.denseDown = false;
    const extractive = await this.answerPlan(plan);
    if (this.ctx.denseDown && extractive.passages.length)
      extractive.answer = { ...extractive.answer, answer: `${extractive.answer.answer}\n（向量检索服务暂时不可用，本次只用关键词检索。）` };
    else if (wasDown && !this.ctx.denseDown && extractive.passages.length) this.opts.log({ event: "dense_recovered" });
    if (note) extractive.answer = { ...extractive.answer, answer: `${note}\n${extractive.answer.answer}`, short: extractive.answer.short ? `${note}${extractive.answer.short}` : extractive.answer.short };
    let answer = extractive.answer;
    if (this.opts.settings.LLM_BASE_URL && this.opts.settings.LLM_MODEL && answer.found && extractive.passages.length) {
      const r = await composeWithLlm(q, extractive.passages, answer, {
        baseURL: this.opts.settings.LLM_BASE_URL,
        model: this.opts.settings.LLM_MODEL,
        apiKey: this.opts.settings.LLM_API_KEY,
        timeoutMs: this.opts.settings.LLM_TIMEOUT_MS,
        log: this.opts.log,
        linkAllowlist: parseLinkAllowlist(this.opts.settings.ANSWER_LINK_ALLOWLIST),
      });
      answer = r.answer;
    }
    // A strategy that found nothing to say has not answered: never an empty answer with a citation.
    if (!answer.answer.trim()) answer = { ...this.ctx.notFound(q, `语料中没有找到能回答该问题的内容。${this.corpus.coverageSummary()}`), operation: answer.operation };
    // The question is echoed as the user wrote it, not in its normalized analysis form.
    return this.result({ ...answer, question: q, operation: extractive.strategy }, prev, plan);
  }

  /** What understanding needs from the index: the body registry, years held, held regions, the corpus's words. */
  understandContext(): UnderstandContext {
    const figures = this.ctx.figures;
    const s = this.opts.settings;
    return {
      bodies: this.ctx.bodies,
      yearsOf: (b) => figures?.reportsOf(b).map((r) => r.year!) ?? [],
      regions: this.corpus.regions,
      corpusUses: (w) => this.ctx.corpusUses(w),
      llm: s.LLM_PLANNER ? { settings: s, log: this.opts.log } : null,
    };
  }

  /** Guards, then the first strategy that answers the plan. */
  private async answerPlan(plan: Plan): Promise<StrategyResult & { strategy: string }> {
    const input = { plan };
    // Help and English replies answer what no guard should refuse.
    const guarded = plan.operation === "help" || plan.operation === "english" ? null : runGuards(this.guards, this.ctx, input);
    const r = guarded ?? (await this.registry.answer(this.ctx, input));
    // The default registry always answers ("search" never returns null); a custom one may not.
    return r ?? { ...this.ctx.none(plan, `语料中没有找到能回答该问题的内容。${this.corpus.coverageSummary()}`), strategy: "none" };
  }

  private reply(question: string, text: string, operation: string): Answer {
    return { ...this.ctx.notFound(question, text), operation };
  }

  private result(answer: Answer, prev: ConversationState | null, plan: Plan | null = null): AskResult {
    return { answer, state: nextState(plan, prev) };
  }

  /** Exposed for evaluation: the passages retrieval returns for a question, before composition. */
  async retrieve(question: string, mode: RetrievalMode = this.opts.mode, state?: ConversationState | null): Promise<Passage[]> {
    const { plan } = await understand(question, state ?? null, this.understandContext());
    return this.ctx.search(plan, this.ctx.scopeFilter(plan), 10, undefined, mode);
  }

}

/**
 * Opens the engine on an index folder: builds it from the corpus when missing, re-syncs it against the sources
 * it records when they changed, and rebuilds a generation that fails its integrity check (saying so). When a
 * re-sync cannot run (a source folder missing, the disk full or read-only), the last good generation is served
 * with one warning line.
 */
export async function openEngine(opts: EngineOptions): Promise<Engine> {
  const settings = opts.settings ?? loadSettings();
  const log = opts.log ?? (() => {});
  const exists = await indexExists(opts.indexDir);
  let refresh = !exists;
  let rebuild = false;
  if (exists && opts.refresh !== false) {
    const gen = await currentGeneration(opts.indexDir);
    // An index from an older release is rebuilt from its sources rather than refused.
    rebuild = gen !== null && (await hasOlderFormat(gen).catch(() => false));
    const sameEmbedder = !rebuild && gen !== null && (await readManifest(gen)).embedder.name === configuredEmbedderName(settings);
    if (sameEmbedder && !rebuild) {
      try {
        refresh = !(await isUpToDate(opts.corpusDir, opts.indexDir, settings));
      } catch (err) {
        log({ event: "index_stale", level: "warn", reason: (err as Error).message });
      }
    }
    refresh ||= rebuild;
    await cleanStaleBuilds(opts.indexDir).catch(() => undefined);
  }
  const build = async (why: "index_build" | "index_refresh" | "index_rebuild") => {
    log({ event: why, indexDir: opts.indexDir, corpusDir: opts.corpusDir });
    const s = await ingest({ corpusDir: opts.corpusDir, indexDir: opts.indexDir, settings, rebuild: why === "index_rebuild" });
    for (const f of s.failures) log({ event: "ingest_failure", source: f.source, reason: f.reason });
  };
  if (refresh) {
    try {
      await build(rebuild ? "index_rebuild" : exists ? "index_refresh" : "index_build");
    } catch (err) {
      // Nothing to fall back on, or a folder that is not an index: the error stands.
      if (!exists || (err as { code?: string }).code === "not_an_index") throw err;
      log({ event: "index_stale", level: "warn", reason: `无法更新索引，继续使用上一版 / serving the last good index: ${(err as Error).message}` });
    }
  }
  let data;
  try {
    data = await readIndexData(opts.indexDir, { verify: opts.verify });
  } catch (err) {
    if ((err as { code?: string }).code !== "index_damaged") throw err;
    log({ event: "index_damaged", level: "warn", reason: (err as Error).message });
    await build("index_rebuild");
    data = await readIndexData(opts.indexDir, { verify: true });
  }
  const { embedder } = await createEmbedder(settings, data?.stats ?? null);
  const index = await loadIndex(opts.indexDir, embedder, data);
  const engine = new Engine(index, embedder, { settings, log, mode: opts.mode ?? "hybrid", maxQuestionChars: opts.maxQuestionChars ?? settings.MAX_QUESTION_CHARS });
  const facts = new FactsDb(path.join(index.dir, FACTS_FILE));
  engine.ctx.bodies = BodyRegistry.fromBodies(facts.bodies);
  engine.ctx.figures = new FigureService(facts, engine.ctx.bodies, (docId, sentence) => engine.corpus.sectionHolding(docId, sentence), (docId) => engine.corpus.proseOf(docId));
  return engine;
}
