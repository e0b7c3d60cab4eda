import { loadSettings, type Settings } from "../config.js";
import { configuredEmbedderName, createEmbedder, createQueryEmbedder } from "../embed/factory.js";
import type { DescribedEmbeddings } from "../embed/types.js";
import { ingest, isUpToDate } from "../index/build.js";
import { cleanStaleBuilds, currentGeneration, hasOlderFormat, indexExists, loadIndex, readIndexData, readManifest, type LoadedIndex } from "../index/store.js";
import type { Answer, Citation, Passage } from "../types.js";
import { checkQuestionLength } from "./limits.js";
import type { AnswerEngine, AskResult, ConversationState, Coverage } from "./api.js";
import { AnswerContext, sectionGroup } from "./context.js";
import type { CorpusView } from "./corpus.js";
import { composeWithLlm } from "./llm.js";
import { analyzeQuery, kindsFor, type QueryInfo } from "./query.js";
import { plan as makePlan, type PlannerContext } from "../plan/planner.js";
import { planWithLlm } from "../plan/llmPlanner.js";
import { normalizeQuestion } from "../plan/normalize.js";
import { planSchema, type Plan, type PlanCore } from "../plan/types.js";
import { BodyRegistry } from "../bodies/registry.js";
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
    const { plan, info, note } = await this.understand(q, prev);
    const wasDown = this.ctx.denseDown;
    this.ctx.denseDown = false;
    const extractive = await this.answerPlan(plan, info);
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
      });
      answer = r.answer;
    }
    // A strategy that found nothing to say has not answered: never an empty answer with a citation.
    if (!answer.answer.trim()) answer = { ...this.ctx.notFound(q, `语料中没有找到能回答该问题的内容。${this.corpus.coverageSummary()}`), operation: answer.operation };
    // The question is echoed as the user wrote it, not in its normalized analysis form.
    return this.result({ ...answer, question: q, operation: extractive.strategy }, prev, info, plan);
  }

  /**
   * The question, understood: normalized (traditional → simplified, full-width digits), a near-miss body name
   * replaced by the name it misses (said in `note`), planned against the body registry and the previous turn,
   * and analysed for the passage strategies consistently with the plan (a rule question never inherits a report).
   */
  private async understand(raw: string, prev: ConversationState | null): Promise<{ plan: Plan; info: QueryInfo; note: string | null }> {
    let q = await normalizeQuestion(raw);
    let note: string | null = null;
    let suggested: string | null = null;
    if (this.ctx.bodies.mentions(q).length === 0) {
      // A near-miss that the corpus itself writes ("长时" in 多长时间) is a word, not a misspelt name.
      const miss = this.ctx.bodies.nearMisses(q).find((m) => !this.ctx.corpusUses(m.word));
      if (miss && !this.corpus.regions.some((r) => r.names.some((n) => q.includes(n)))) {
        q = q.split(miss.word).join(miss.name);
        note = `您是否指“${miss.name}”？以下按“${miss.body.id}”回答。`;
        suggested = miss.body.id;
      }
    }
    const firstInfo = analyzeQuery(q, this.corpus.regions, null, Date.now(), this.corpus.departments);
    const figures = this.ctx.figures;
    const plannerCtx: PlannerContext = {
      bodies: this.ctx.bodies,
      yearsOf: (b) => figures?.reportsOf(b).map((r) => r.year!) ?? [],
      unknownPlace: () => firstInfo.unknownPlace,
    };
    let plan = makePlan(q, raw, prev?.plan ?? null, plannerCtx);
    if (suggested) plan.suggestions = [suggested];
    // LLM_PLANNER: the model may plan instead; its plan is validated, and the offline plan stands on any failure.
    const s = this.opts.settings;
    if (s.LLM_PLANNER && s.LLM_BASE_URL && s.LLM_MODEL)
      plan = (await planWithLlm(q, prev ? { lastQuestion: prev.lastQuestion, plan: prev.plan ?? null } : null, plan, plannerCtx, s, this.opts.log)) ?? plan;
    // What the planner's rules do not place, the older analysis does (a named report's section, a rule, a precedent).
    if (plan.operation === "search") plan.operation = operationFromInfo(firstInfo);
    const rule = plan.operation === "definition" || plan.operation === "procedure" || plan.operation === "format";
    // Without a previous turn the analysis above is already the one the strategies need.
    let info = prev ? analyzeQuery(q, this.corpus.regions, prev, Date.now(), this.corpus.departments) : firstInfo;
    // A rule question keeps the previous topic ("那2007年的条例是怎么规定的" after a deadline question), never a report.
    if (rule) info = { ...info, intent: "definition", kinds: kindsFor("definition"), regions: [], issuers: [], years: [], inherited: false };
    else if (plan.inherited.length && !info.inherited) {
      // The planner inherited what the older analysis did not: give the passage strategies the same scope.
      info = { ...info, years: plan.years, inherited: true };
    }
    return { plan, info, note };
  }

  /** Guards, then the first strategy that answers the plan. */
  private async answerPlan(plan: Plan, info: QueryInfo): Promise<StrategyResult & { strategy: string }> {
    const input = { plan, info };
    // Help and English replies answer what no guard should refuse.
    const guarded = plan.operation === "help" || plan.operation === "english" ? null : runGuards(this.guards, this.ctx, input);
    const r = guarded ?? (await this.registry.answer(this.ctx, input));
    // The default registry always answers ("search" never returns null); a custom one may not.
    return r ?? { ...this.ctx.none(info, `语料中没有找到能回答该问题的内容。${this.corpus.coverageSummary()}`), strategy: "none" };
  }

  private reply(question: string, text: string, operation: string): Answer {
    return { ...this.ctx.notFound(question, text), operation };
  }

  private result(answer: Answer, prev: ConversationState | null, info: QueryInfo | null, plan: Plan | null = null): AskResult {
    const state: ConversationState = info
      ? {
          regions: info.regions.length ? info.regions : prev?.regions ?? [],
          issuers: info.issuers.length ? info.issuers : info.regions.length ? [] : prev?.issuers ?? [],
          years: info.years.length ? info.years : prev?.years ?? [],
          topic: info.topic ? [info.topic] : prev?.topic ?? [],
          lastQuestion: info.question,
          updatedAt: Date.now(),
          plan: plan ? planCore(plan) : prev?.plan ?? null,
        }
      : prev ?? { regions: [], years: [], topic: [], lastQuestion: null, updatedAt: 0 };
    return { answer, state };
  }

  /** Exposed for evaluation: the passages retrieval returns for a question, before composition. */
  async retrieve(question: string, mode: RetrievalMode = this.opts.mode, state?: ConversationState | null): Promise<Passage[]> {
    const info = analyzeQuery(question, this.corpus.regions, state ?? null, Date.now(), this.corpus.departments);
    return this.ctx.search(info, this.ctx.scopeFilter(info), 10, undefined, mode);
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
  let repair = false;
  if (exists && opts.refresh !== false) {
    const gen = await currentGeneration(opts.indexDir);
    // An index from an older release is rebuilt from its sources rather than refused.
    rebuild = gen !== null && (await hasOlderFormat(gen).catch(() => false));
    // An unreadable manifest is damage like any other: the ingest below rebuilds the index from the sources.
    const manifest = rebuild || gen === null ? null : await readManifest(gen).catch((err) => {
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
    await cleanStaleBuilds(opts.indexDir).catch(() => undefined);
  }
  const build = async (why: "index_build" | "index_refresh" | "index_rebuild" | "index_repair") => {
    log({ event: why, indexDir: opts.indexDir, corpusDir: opts.corpusDir });
    // A repair is an ingest: it finds the damaged files again (their verification record was dropped) and writes
    // them again from the saved data, or rebuilds the index from its sources.
    const s = await ingest({ corpusDir: opts.corpusDir, indexDir: opts.indexDir, settings, rebuild: why === "index_rebuild" });
    for (const f of s.failures) log({ event: "ingest_failure", source: f.source, reason: f.reason });
    if (s.repaired) log({ event: "index_repaired", level: "warn", how: s.repaired, files: s.damaged.map((p) => p.file) });
  };
  if (refresh) {
    try {
      await build(rebuild ? "index_rebuild" : repair ? "index_repair" : exists ? "index_refresh" : "index_build");
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
    await build("index_repair");
    data = await readIndexData(opts.indexDir);
  }
  // With its embeddings server down the index still opens: lexical search answers, and each answer says so.
  const { embedder, unavailable } = data
    ? await createQueryEmbedder(settings, data.stats, data.manifest.embedder)
    : { ...(await createEmbedder(settings, null)), unavailable: null };
  if (unavailable) log({ event: "dense_fallback", level: "warn", at: "open", reason: `向量检索暂不可用，先用关键词检索 / dense search unavailable: ${unavailable}` });
  const index = await loadIndex(opts.indexDir, embedder, data);
  const engine = new Engine(index, embedder, { settings, log, mode: opts.mode ?? "hybrid", maxQuestionChars: opts.maxQuestionChars ?? settings.MAX_QUESTION_CHARS });
  const facts = new FactsDb(path.join(index.dir, FACTS_FILE));
  engine.ctx.bodies = BodyRegistry.fromBodies(facts.bodies);
  engine.ctx.figures = new FigureService(facts, engine.ctx.bodies, (docId, sentence) => engine.corpus.sectionHolding(docId, sentence));
  return engine;
}


/** The part of a plan carried to the next turn (the schema's fields only). */
function planCore(p: Plan): PlanCore {
  return planSchema.parse({ operation: p.operation, bodies: p.bodies, years: p.years, yearRange: p.yearRange, metric: p.metric, direction: p.direction, section: p.section, table: p.table, governing: p.governing, topic: p.topic });
}

/** The operation the older query analysis implies, for questions the planner's rules leave as "search". */
function operationFromInfo(info: QueryInfo): Plan["operation"] {
  if (info.intent === "definition") return "definition";
  if (info.intent === "drafting") return "precedents";
  // Comparisons and figures no metric of the vocabulary names: the passage strategies compare or quote.
  if (info.intent === "comparison") return "difference";
  if (info.intent === "figure" || info.intent === "verify") return "value";
  // "长沙2011年的下步工作打算是什么": a named report's section, shown as written.
  if (info.intent === "general" && (info.regions.length || info.years.length) && sectionGroup(info.question)) return "section";
  return "search";
}
