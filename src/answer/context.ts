import { AsyncLocalStorage } from "node:async_hooks";
import { BodyRegistry } from "../domain/bodies.js";
import type { Settings } from "../config.js";
import type { FigureService } from "./figures.js";
import { bigramTokenizer, defaultTermProcessor, jiebaTokenizer, prefixed } from "../embed/tokenize.js";
import type { DescribedEmbeddings } from "../embed/types.js";
import { GOVERNING_KINDS, type ChunkStore, type LexicalIndex, type SearchBackend, type SearchFilter, type VectorIndex } from "../search/types.js";
import type { Answer, DocKind, IndexedDocument, Passage } from "../types.js";
import {
  CitationList,
  askedUnit,
  excerpt,
  scoreSentences,
  termWeights,
  topicFigureClauses,
  unsupportedNumbers,
  type ScoredSentence,
  type TermWeight,
} from "./extractive.js";
import { groupsIn, sectionGroup, type GlossaryGroup } from "../domain/vocabulary.js";
import type { Plan } from "../understand/types.js";
import { foreignLinks, parseLinkAllowlist } from "./links.js";
import { CorpusView, displayName } from "./corpus.js";
import { Retriever, type RetrievalMode } from "./retrieve.js";
import type { StrategyResult } from "./strategy.js";

/**
 * What the answering strategies share: the index and its views (retriever, corpus), settings and log, and the
 * helpers several strategies use (term weights, relevance, scoped search, sentence choice, answer assembly).
 * Strategies (src/answer/strategies/) receive it as their context; the engine builds one per index.
 */

/** Relevance bar: inside the reports the question names, content is known to be on topic; elsewhere be stricter. */
export const RELEVANCE_SCOPED = 0.35;
export const RELEVANCE_OPEN = 0.5;

/** A sentence stating that there was nothing to count ("未收到…申请", "暂不收费"). */
export const NONE_STATEMENT = /未收到|没有收到|未发生|没有发生|未受理|无.{0,6}(申请|案件|情况)|均为0|为零|不收费|未收费|未收取|没有收取|免费|免收|无收取/;

/** A drafting question that asks for examples from other reports rather than for the rule. */
export const PRECEDENT = /哪份|哪些报告|别人|其他报告|借鉴|参考|范例|示例|写法|段落|案例/;

/** Subjects that often share a sentence with the one asked about, keyed by glossary group. */
const OFF_TOPIC: Array<[string, RegExp]> = [
  ["review", /行政复议|复议/],
  ["litigation", /行政诉讼|诉讼/],
  ["fees", /收费|信息处理费/],
];

/** A plan whose search also expands the question by the statutory phrases its everyday words stand for (thesaurus). */
export function withStatutory(plan: Plan): Plan {
  const add = plan.statutory.filter((s) => !plan.expansions.includes(s) && !plan.question.includes(s));
  return add.length ? { ...plan, expansions: [...plan.expansions, ...add] } : plan;
}

/** Content words of a text (jieba words of two characters or more, numbers dropped), each once. */
export function contentWords(text: string): string[] {
  const out: string[] = [];
  for (const w of jiebaTokenizer(text)) {
    const t = defaultTermProcessor(w);
    if (t && t.length >= 2 && !/^\d+$/.test(t)) out.push(t);
  }
  return [...new Set(out)];
}

/**
 * What answering is built from, passed in by the composition root (src/app/open.ts): the documents of the index,
 * the search engine over its chunks (chunk store, lexical and vector index), the query embedder, the body registry
 * and the figures of the statistics database (made once the corpus view exists: figures quote report sections).
 */
export interface AnswerComponents {
  documents: IndexedDocument[];
  search: SearchBackend;
  embedder: DescribedEmbeddings;
  bodies: BodyRegistry;
  figures: ((corpus: CorpusView) => FigureService) | null;
  settings: Settings;
  log: (e: Record<string, unknown>) => void;
  /** Retrieval mode (evaluation compares them); hybrid in production. */
  mode: RetrievalMode;
}

/** What one request's answering records about itself (never state on the shared engine). */
interface RequestState {
  denseDown: boolean;
}
const REQUEST = new AsyncLocalStorage<RequestState>();

export class AnswerContext {
  readonly retriever: Retriever;
  readonly embedder: DescribedEmbeddings;
  /** Chunks by id and by filter. */
  readonly chunks: ChunkStore;
  /** Keyword search (and the document frequencies idf is computed from). */
  readonly lexical: LexicalIndex;
  readonly vectors: VectorIndex;
  readonly corpus: CorpusView;
  readonly settings: Settings;
  readonly log: (e: Record<string, unknown>) => void;
  readonly mode: RetrievalMode;

  /** Whether the corpus itself writes a word (every character pair of it occurs in some chunk). */
  corpusUses(word: string): boolean {
    const pairs = bigramTokenizer(word).map((b) => prefixed(1, b));
    return pairs.length > 0 && pairs.every((t) => this.lexical.df(t) > 0);
  }

  /**
   * Whether dense search failed (embeddings server down) during the request being answered, so that lexical search
   * answered alone. Per request (AsyncLocalStorage, see `answering`), never shared between concurrent requests.
   */
  get denseDown(): boolean {
    return REQUEST.getStore()?.denseDown ?? false;
  }

  /** Runs one request's answering with its own request state. */
  answering<T>(f: () => Promise<T>): Promise<T> {
    return REQUEST.run({ denseDown: false }, f);
  }

  /** Figures from the statistics database of the same generation (null for an index without one). */
  readonly figures: FigureService | null;
  /** Issuing bodies, with names, levels and predecessors. */
  readonly bodies: BodyRegistry;

  constructor(c: AnswerComponents) {
    this.bodies = c.bodies;
    this.embedder = c.embedder;
    this.chunks = c.search.chunks;
    this.lexical = c.search.lexical;
    this.vectors = c.search.vectors;
    this.retriever = new Retriever(c.search, c.embedder);
    this.retriever.onDenseFailure = (err) => {
      const req = REQUEST.getStore();
      if (req && !req.denseDown) this.log({ event: "dense_fallback", level: "warn", reason: err.message });
      if (req) req.denseDown = true;
    };
    this.corpus = new CorpusView(
      { manifest: { documents: c.documents }, chunks: c.search.chunks.list() },
      (d) => this.bodies.idOf(d.issuer, d.region),
      (id) => this.bodies.get(id),
    );
    this.figures = c.figures ? c.figures(this.corpus) : null;
    this.settings = c.settings;
    this.log = c.log;
    this.mode = c.mode;
  }

  // ——— answers ———

  notFound(question: string, text: string): Answer {
    return { question, found: false, answer: text, citations: [], mode: "extractive" };
  }

  /** A refusal or "not in the corpus" as a strategy result. */
  none(plan: Pick<Plan, "question">, text: string): StrategyResult {
    return { answer: this.notFound(plan.question, text), passages: [] };
  }

  /** Joins the answer lines; a line with a number no citation holds is dropped (and logged). */
  finish(plan: Plan, lines: string[], cites: CitationList, passages: Passage[]): StrategyResult {
    let text = lines.filter(Boolean).join("\n");
    const bad = unsupportedNumbers(text, cites.items);
    if (bad.length) {
      // Defence in depth: composition only copies source text, so this should never fire.
      this.log({ event: "extractive_unsupported_number", numbers: bad, question: plan.question });
      text = lines.filter((l) => unsupportedNumbers(l, cites.items).length === 0).join("\n");
    }
    return { answer: { question: plan.question, found: true, answer: text, citations: cites.items, mode: "extractive" }, passages };
  }

  // ——— terms and relevance ———

  /** Inverse document frequency of a word over the index's chunks. */
  idf(term: string): number {
    return Math.log(1 + this.lexical.size / (this.lexical.df(term) + 1));
  }

  terms(plan: Plan): TermWeight[] {
    return termWeights(contentWords(plan.words), plan.expansions.flatMap((e) => (e.length <= 4 ? [e] : contentWords(e))), (t) => this.idf(t));
  }

  /**
   * Share of the question's content words found in `hay`, weighted by idf and counting glossary
   * equivalents. Words the corpus never uses (question phrasing: 应该, 多长时间) are ignored unless
   * no word of the question is in the corpus at all.
   */
  termCoverage(words: string[], hay: string, groups = groupsIn(words.join(""))): number {
    if (words.length === 0) return 1;
    let hit = 0;
    let total = 0;
    for (const w of words) {
      if (this.lexical.df(w) === 0) continue;
      const weight = this.idf(w);
      total += weight;
      const g = groups.find((gr) => gr.terms.some((t) => t.includes(w) || w.includes(t)));
      if (hay.includes(w) || (g && g.terms.some((t) => hay.includes(t)))) hit += weight;
    }
    return total > 0 ? hit / total : 0;
  }

  /** Below the bar, the corpus does not answer the question. */
  relevance(plan: Plan, passages: Passage[]): number {
    const hay = passages.slice(0, 5).map((p) => `${p.chunk.meta.section} ${p.chunk.text}`).join(" ");
    // A follow-up is about its own words and the topic it continues ("那2007年的条例呢" after a deadline question).
    return this.termCoverage(contentWords(`${plan.words} ${plan.context}`), hay, groupsIn(`${plan.question} ${plan.context}`));
  }

  // ——— retrieval ———

  /** Inside a scope of named reports, region and year words match every chunk and only add noise. */
  retrievalQuery(plan: Plan, scoped: boolean): string {
    const base = scoped && plan.words.trim() ? plan.words : (plan.inherited.length > 0) ? `${plan.words} ${plan.question}` : plan.question;
    return plan.context ? `${base} ${plan.context}` : base;
  }

  sectionHints(plan: Plan): string[] {
    return groupsIn(plan.words).flatMap((g) => g.sectionHints ?? []);
  }

  /**
   * The chunks the question is about, as a search filter: the reports of the region(s)/year(s) named, or the
   * governing texts; null when the question names no scope.
   */
  scopeFilter(plan: Plan): SearchFilter | null {
    if (plan.intent === "definition") return { kinds: GOVERNING_KINDS };
    if (plan.scope.bodies.length || plan.scope.years.length) return { docIds: this.corpus.targetDocs(plan).map((d) => d.docId) };
    return null;
  }

  async search(plan: Plan, filter: SearchFilter | null, k = 8, kinds?: DocKind[], mode: RetrievalMode = this.mode): Promise<Passage[]> {
    return this.retriever.search(this.retrievalQuery(plan, filter !== null && plan.intent !== "definition"), {
      k,
      mode,
      filter: filter ?? undefined,
      expansions: plan.expansions,
      kinds: kinds ?? plan.kinds,
      sectionHints: this.sectionHints(plan),
    });
  }

  // ——— report sections ———

  /** The report section a question is about (see `sectionGroup`). */
  draftingGroup(q: string): GlossaryGroup | null {
    return sectionGroup(q);
  }

  // ——— figures from passages ———

  /** "沈阳市2013年：" */
  leadFor(p: Passage): string {
    return `${displayName(p.chunk.meta)}${p.chunk.meta.year ? `${p.chunk.meta.year}年` : ""}：`;
  }

  figureLine(s: ScoredSentence, cites: CitationList, lead: string, several: TermWeight[] | null = null): string[] {
    const n = cites.add(s.passage);
    // A question asking several things is answered by every on-topic figure clause of the sentence, in source order.
    const clause = several && s.figure ? topicFigureClauses(s.sentence, several).join("，") || s.clause : s.clause;
    const first = s.figure || s.clause ? `${lead}${clause}。[${n}]` : `${lead}${excerpt(s.sentence, "", 120)}[${n}]`;
    // The citation [n] carries title, region, year and section; the quote line stays short.
    return [first, `原文：“${excerpt(s.sentence, s.figure ?? "", 220)}”[${n}]`];
  }

  /** The sentence that answers a figure (or yes/no) question, from passages of one report or more. */
  bestSentence(plan: Plan, passages: Passage[]): ScoredSentence | null {
    const terms = this.terms(plan);
    const phrase = plan.words.replace(/\s+/g, "");
    const wantFigure = plan.intent === "figure" || plan.intent === "verify" || plan.intent === "comparison";
    const named = new Set(groupsIn(`${plan.words} ${plan.question}`).map((g) => g.key));
    const offTopic = OFF_TOPIC.filter(([key]) => !named.has(key)).map(([, re]) => re);
    const onTopic = OFF_TOPIC.filter(([key]) => named.has(key)).map(([, re]) => re);
    const unit = askedUnit(plan.question);
    // A sentence pointing readers to a link that is neither its report's own site nor allowed is never the lead:
    // a corpus file can carry a planted instruction ("…已作废，请改为访问 phish.example 查询").
    const allowHosts = parseLinkAllowlist(this.settings.ANSWER_LINK_ALLOWLIST);
    const shown = (x: ScoredSentence) => !x.sentence.includes(".") || foreignLinks(x.sentence, allowHosts, [x.passage.chunk.meta.url]).length === 0;
    const scored = scoreSentences(passages, terms, { phrase, wantFigure, offTopic, onTopic, unit }).filter(shown);
    if (scored.length === 0) return null;
    const withFigure = scored.find((x) => x.figure);
    if (!wantFigure || !withFigure) return scored[0];
    // "2011年全县未收到…申请": a statement that there were none answers "how many" better than an unrelated figure.
    const plain = scoreSentences(passages, terms, { phrase, wantFigure: false, offTopic, onTopic }).filter(shown);
    const negative = plain.find((x) => NONE_STATEMENT.test(x.sentence));
    const plainScore = (x: ScoredSentence) => plain.find((y) => y.passage === x.passage && y.sentence === x.sentence)?.score ?? 0;
    // A figure clause about another subject ("收到1份…行政复议申请" for "答复了多少件申请") does not beat it either.
    const offClause = offTopic.some((re) => re.test(withFigure.clause)) && !onTopic.some((re) => re.test(withFigure.clause));
    if (negative && (negative.score > plainScore(withFigure) + 0.5 || (offClause && negative.score >= plainScore(withFigure) - 0.5))) {
      const clause = negative.sentence.split(/(?<=[，,；;])/).find((c) => NONE_STATEMENT.test(c)) ?? negative.sentence;
      return { ...negative, figure: null, clause: clause.replace(/[，,；;。]$/, "").trim() };
    }
    return withFigure;
  }
}
