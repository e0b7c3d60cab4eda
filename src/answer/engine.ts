import type { Settings } from "../config.js";
import { citationRef, type Answer, type Citation, type Passage, type SourceView } from "../types.js";
import { isTableId } from "../domain/types.js";
import { rowWithLabels } from "./figures.js";
import { checkQuestionLength } from "./limits.js";
import type { AnswerEngine, AskResult, ConversationState, Coverage } from "./api.js";
import { AnswerContext, type AnswerComponents } from "./context.js";
import type { CorpusView } from "./corpus.js";
import { composeWithLlm } from "./llm.js";
import type { Plan } from "../understand/types.js";
import { nextState, understand, type UnderstandContext } from "../understand/understand.js";
import { parseLinkAllowlist } from "./links.js";
import type { RetrievalMode } from "./retrieve.js";
import { createRegistry, defaultGuards, greetingReply, runGuards, type Guard } from "./strategies/index.js";
import { rankForPlan } from "./strategies/rules.js";
import { clauseCitation } from "./clauses.js";
import type { StrategyRegistry, StrategyResult } from "./strategy.js";

/**
 * The answer engine: a question becomes a plan, guards refuse what the corpus cannot answer, and the strategy
 * registry (src/answer/strategies/) answers the plan; with an LLM configured, the model rewrites the answer from
 * the same passages. Adding a question kind means adding a strategy, not editing this class.
 */
/** How the engine answers (settings, log, limits), apart from what it answers from (AnswerComponents). */
export interface EngineOptions {
  settings: Settings;
  log: (e: Record<string, unknown>) => void;
  /** Longest accepted question. */
  maxQuestionChars: number;
  registry?: StrategyRegistry<AnswerContext>;
  guards?: readonly Guard[];
}

export class Engine implements AnswerEngine {
  /** What strategies share (index, retriever, corpus view, settings, helpers). */
  readonly ctx: AnswerContext;
  readonly corpus: CorpusView;
  private readonly registry: StrategyRegistry<AnswerContext>;
  private readonly guards: readonly Guard[];

  constructor(components: AnswerComponents, private readonly opts: EngineOptions) {
    this.ctx = new AnswerContext(components);
    this.corpus = this.ctx.corpus;
    this.registry = opts.registry ?? createRegistry();
    this.guards = opts.guards ?? defaultGuards();
  }

  coverage(): Coverage {
    return this.corpus.coverage();
  }

  /**
   * What a citation id points at (AnswerEngine.source): a passage's section, a sentence's section, or a table cell
   * shown in its table with the cell named; null for an id this index does not hold.
   */
  source(id: string): SourceView | null {
    const ref = citationRef(id);
    if (!ref) return null;
    const corpus = this.corpus;
    const view = (docId: string, section: string, text: string | null, cell: SourceView["cell"] = null): SourceView | null => {
      const d = corpus.doc(docId);
      if (!d || text === null) return null;
      return { id, title: d.title, section: section || d.title, text, source: d.source, published: d.published ?? null, url: d.url ?? null, cell };
    };
    if (ref.kind === "chunk") {
      const c = corpus.chunk(ref.chunk);
      return c ? view(c.meta.docId, c.meta.section, corpus.sectionText(c.meta.docId, c.meta.section) ?? c.text) : null;
    }
    if (ref.kind === "section") return view(ref.docId, ref.section, corpus.sectionText(ref.docId, ref.section));
    const facts = this.ctx.figures?.facts;
    if (!facts || !isTableId(ref.table)) return null;
    const cell = facts.cell(ref.docId, ref.table, ref.row, ref.column);
    if (!cell) return null;
    const row = facts.cells(ref.docId, ref.table).filter((x) => x.row === cell.row);
    return view(ref.docId, cell.section, corpus.sectionText(ref.docId, cell.section) ?? cell.quote, {
      table: cell.table,
      row: cell.rowLabel,
      column: cell.columnLabel,
      value: cell.value,
      rowText: rowWithLabels(cell, row),
    });
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
    // Per-request state (did dense search fail for this request?) lives in the request, not on the shared engine.
    const { extractive, denseDown } = await this.ctx.answering(async () => {
      const r = await this.answerPlan(plan);
      return { extractive: r, denseDown: this.ctx.denseDown };
    });
    if (denseDown && extractive.passages.length)
      extractive.answer = { ...extractive.answer, answer: `${extractive.answer.answer}\n（向量检索服务暂时不可用，本次只用关键词检索。）` };
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
        maxAnswerChars: this.opts.settings.LLM_MAX_ANSWER_CHARS,
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

  /**
   * Exposed for evaluation: the first-stage results of a question, before an answer is composed — the clauses of the
   * governing texts ranked for a rule question (no report in scope), the retrieved passages otherwise.
   */
  async firstStage(question: string, state?: ConversationState | null): Promise<Array<{ source: string; section: string; quote: string }>> {
    const { plan } = await understand(question, state ?? null, this.understandContext());
    if (!plan.scope.bodies.length && !plan.scope.years.length && plan.kind !== "examples" && plan.kind !== "handled")
      return (await rankForPlan(this.ctx, plan)).slice(0, 10).map((x) => { const c = clauseCitation(x.clause); return { source: c.source, section: c.section, quote: c.quote }; });
    return (await this.ctx.search(plan, this.ctx.scopeFilter(plan), 10)).map((p) => ({ source: p.chunk.meta.source, section: p.chunk.meta.section, quote: p.chunk.text }));
  }

  /** Exposed for evaluation: the passages retrieval returns for a question, before composition. */
  async retrieve(question: string, mode: RetrievalMode = this.ctx.mode, state?: ConversationState | null): Promise<Passage[]> {
    const { plan } = await understand(question, state ?? null, this.understandContext());
    return this.ctx.search(plan, this.ctx.scopeFilter(plan), 10, undefined, mode);
  }

}
