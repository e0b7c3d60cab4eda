import { loadSettings, type Settings } from "../config.js";
import { configuredEmbedderName, createEmbedder } from "../embed/factory.js";
import { jiebaTokenizer, defaultTermProcessor } from "../embed/tokenize.js";
import type { DescribedEmbeddings } from "../embed/types.js";
import { SECTION_SEPARATOR } from "../ingest/chunk.js";
import { ingest, isUpToDate } from "../index/build.js";
import { currentGeneration, hasOlderFormat, indexExists, loadIndex, readIndexData, readManifest, type LoadedIndex } from "../index/store.js";
import type { Answer, Citation, DocKind, Passage } from "../types.js";
import type { AnswerEngine, AskResult, ConversationState, Coverage } from "./api.js";
import {
  CitationList,
  askedUnit,
  asksSeveral,
  citeLabel,
  excerpt,
  scoreSentences,
  termWeights,
  topicFigureClauses,
  unsupportedNumbers,
  type ScoredSentence,
  type TermWeight,
} from "./extractive.js";
import { GLOSSARY, groupsIn, type GlossaryGroup } from "./glossary.js";
import { composeWithLlm } from "./llm.js";
import { analyzeQuery, definedTerm, escapeRegExp, type QueryInfo } from "./query.js";
import { CorpusView, displayName } from "./corpus.js";
import { Retriever, type RetrievalMode } from "./retrieve.js";

export interface EngineOptions {
  indexDir: string;
  corpusDir: string;
  settings?: Settings;
  log?: (e: Record<string, unknown>) => void;
  /** Retrieval mode (evaluation compares them); hybrid in production. */
  mode?: RetrievalMode;
  /** Longest accepted question. */
  maxQuestionChars?: number;
  /** Bring an existing index up to date with the corpus folder before opening it (default true). */
  refresh?: boolean;
}

/** Subjects that often share a sentence with the one asked about, keyed by glossary group. */
const OFF_TOPIC: Array<[string, RegExp]> = [
  ["review", /行政复议|复议/],
  ["litigation", /行政诉讼|诉讼/],
  ["fees", /收费|信息处理费/],
];

/** A greeting or thanks, not a question. */
const GREETING = /^(你好|您好|嗨|哈喽|hi|hello|hey|在吗|在不在|谢谢|多谢|感谢|thanks?|thank you)[!！。,，~～\s]*$/i;

/** Most reports one comparison answers for, each searched on its own. */
const MAX_COMPARED = 6;

/** A drafting question that asks for examples from other reports rather than for the rule. */
const PRECEDENT = /哪份|哪些报告|别人|其他报告|借鉴|参考|范例|示例|写法|段落|案例/;

/** A sentence stating that there was nothing to count ("未收到…申请", "暂不收费"). */
const NONE_STATEMENT = /未收到|没有收到|未发生|没有发生|未受理|无.{0,6}(申请|案件|情况)|均为0|为零|不收费|未收费|未收取|没有收取|免费|免收|无收取/;

/** Relevance bar: inside the reports the question names, content is known to be on topic; elsewhere be stricter. */
const RELEVANCE_SCOPED = 0.35;
const RELEVANCE_OPEN = 0.5;

const DOMAIN_HINT = /政府信息|信息公开|政务公开|公开|申请|条例|报告|年报|复议|诉讼|收费|答复|不予|无法提供|补正|主动|依申请|行政机关|保密|豁免|第三方|工作日/;

function contentWords(text: string): string[] {
  const out: string[] = [];
  for (const w of jiebaTokenizer(text)) {
    const t = defaultTermProcessor(w);
    if (t && t.length >= 2 && !/^\d+$/.test(t)) out.push(t);
  }
  return [...new Set(out)];
}

export class Engine implements AnswerEngine {
  private readonly retriever: Retriever;
  readonly corpus: CorpusView;

  constructor(
    readonly index: LoadedIndex,
    readonly embedder: DescribedEmbeddings,
    private readonly opts: { settings: Settings; log: (e: Record<string, unknown>) => void; mode: RetrievalMode; maxQuestionChars: number },
  ) {
    this.retriever = new Retriever(index, embedder);
    this.corpus = new CorpusView(index);
  }

  coverage(): Coverage {
    return this.corpus.coverage();
  }

  fullSection(c: Citation): string | null {
    return this.corpus.fullSection(c);
  }

  async ask(question: string, state?: ConversationState | null): Promise<AskResult> {
    const q = (question ?? "").replace(/\s+/g, " ").trim();
    const prev = state ?? null;
    if (!q) return this.result(this.notFound(q, "请输入问题，例如：沈阳2013年受理了多少件政府信息公开申请？"), prev, null);
    if (q.length > this.opts.maxQuestionChars)
      return this.result(this.notFound(q, `问题过长（${q.length}字），请控制在${this.opts.maxQuestionChars}字以内。`), prev, null);

    if (GREETING.test(q)) {
      const text = /谢|thank/i.test(q)
        ? "不客气！还有问题可以继续问我。"
        : "您好！我根据政府信息公开工作年度报告和《政府信息公开条例》等文件回答问题，并注明出处。例如：“沈阳2013年受理了多少件政府信息公开申请？”“申请内容不明确怎么处理？”";
      return this.result(this.notFound(q, text), prev, null);
    }
    const info = analyzeQuery(q, this.corpus.regions, prev, Date.now(), this.corpus.departments);
    const extractive = await this.answerExtractive(info);
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
    // The question is echoed as the user wrote it, not in its normalized analysis form.
    return this.result({ ...answer, question: q }, prev, info);
  }

  private result(answer: Answer, prev: ConversationState | null, info: QueryInfo | null): AskResult {
    const state: ConversationState = info
      ? {
          regions: info.regions.length ? info.regions : prev?.regions ?? [],
          issuers: info.issuers.length ? info.issuers : info.regions.length ? [] : prev?.issuers ?? [],
          years: info.years.length ? info.years : prev?.years ?? [],
          topic: info.topic ? [info.topic] : prev?.topic ?? [],
          lastQuestion: info.question,
          updatedAt: Date.now(),
        }
      : prev ?? { regions: [], years: [], topic: [], lastQuestion: null, updatedAt: 0 };
    return { answer, state };
  }

  private notFound(question: string, text: string): Answer {
    return { question, found: false, answer: text, citations: [], mode: "extractive" };
  }

  /** Exposed for evaluation: the passages retrieval returns for a question, before composition. */
  async retrieve(question: string, mode: RetrievalMode = this.opts.mode, state?: ConversationState | null): Promise<Passage[]> {
    const info = analyzeQuery(question, this.corpus.regions, state ?? null, Date.now(), this.corpus.departments);
    const rows = this.scopeRows(info);
    return this.retriever.search(this.retrievalQuery(info, rows !== null && info.intent !== "definition"), { k: 10, mode, rows: rows ?? undefined, expansions: info.expansions, kinds: info.kinds, sectionHints: this.sectionHints(info) });
  }

  /** Inside a scope of named reports, region and year words match every chunk and only add noise. */
  private retrievalQuery(info: QueryInfo, scoped: boolean): string {
    const base = scoped && info.topic.trim() ? info.topic : info.inherited ? `${info.topic} ${info.question}` : info.question;
    return info.context ? `${base} ${info.context}` : base;
  }

  private sectionHints(info: QueryInfo): string[] {
    return groupsIn(info.topic).flatMap((g) => g.sectionHints ?? []);
  }

  /** Chunk rows the question is about: the reports of the region(s)/year(s) named, or the governing texts. */
  private scopeRows(info: QueryInfo): Set<number> | null {
    if (info.intent === "definition") return this.corpus.governingRows;
    if (info.regions.length || info.years.length) {
      const t = this.corpus.targetDocs(info);
      return t.length ? this.corpus.rowsOf(t.map((d) => d.docId)) : new Set();
    }
    return null;
  }

  private async answerExtractive(info: QueryInfo): Promise<{ answer: Answer; passages: Passage[] }> {
    const none = (text: string) => ({ answer: this.notFound(info.question, text), passages: [] as Passage[] });
    const asked = `${info.question} ${info.context}`;
    // A place name alone is no sign that the question is about disclosure ("平潭能看到蓝眼泪吗").
    const domain = info.years.length > 0 || groupsIn(asked).length > 0 || DOMAIN_HINT.test(asked);
    // An instruction-changing message is answered only when it also asks a concrete question about a report.
    if (info.injection && info.regions.length === 0 && info.years.length === 0)
      return none("我只能依据语料中的政府信息公开年度报告和相关法规回答问题，不能更改设定或透露内部指令。您可以问：“沈阳2013年受理了多少件政府信息公开申请？”");
    if (info.unknownPlace && info.regions.length === 0)
      return none(`语料中没有${info.unknownPlace}的政府信息公开年度报告，无法回答。${this.corpus.coverageSummary()}`);
    if (!domain) return none(`语料中没有找到与该问题相关的内容。${this.corpus.coverageSummary()}`);

    if (info.regions.length || info.years.length) {
      const missing: string[] = [];
      const regions = info.regions.length ? info.regions : [null];
      for (const r of regions) {
        const years = info.years.length ? info.years : [null];
        for (const y of years) {
          const has = this.corpus.docs.some((d) => d.kind === "report" && (r === null || d.region === r) && (y === null || d.year === y));
          if (!has) missing.push(`${r ?? ""}${y ? `${y}年` : ""}`);
        }
      }
      if (missing.length && info.intent !== "definition" && info.intent !== "drafting") {
        const cover = info.regions.map((r) => this.corpus.coverageOf(r)).join("");
        if (missing.length === regions.length * (info.years.length || 1))
          return none(`语料中没有${missing.join("、")}的政府信息公开年度报告，无法回答。${cover || this.corpus.coverageSummary()}`);
      }
    }

    // A comparison needs two to a handful of reports; a year shared by many regions is a figure question over all of them.
    const nTargets = info.intent === "comparison" ? this.corpus.targetDocs(info).length : 0;
    const intent = info.intent === "comparison" && (nTargets < 2 || nTargets > MAX_COMPARED) ? "figure" : info.intent;
    // "长沙2011年的下步工作打算是什么": a named report's section, shown as written.
    if (intent === "general" && (info.regions.length || info.years.length)) {
      const group = this.draftingGroup(info.question);
      if (group) {
        const shown = this.answerSection(info, group);
        if (shown) return shown;
      }
    }
    switch (intent) {
      case "definition":
        return this.answerDefinition(info);
      case "drafting":
        return this.answerDrafting(info);
      case "comparison":
        return this.answerComparison(info);
      default:
        return this.answerFigure(info);
    }
  }

  /** Inverse document frequency of a word over the index's chunks. */
  private idf(term: string): number {
    return Math.log(1 + this.index.bm25.size / (this.index.bm25.df(term) + 1));
  }

  private terms(info: QueryInfo): TermWeight[] {
    return termWeights(contentWords(info.topic), info.expansions.flatMap((e) => (e.length <= 4 ? [e] : contentWords(e))), (t) => this.idf(t));
  }

  /**
   * Share of the question's content words found in `hay`, weighted by idf and counting glossary
   * equivalents. Words the corpus never uses (question phrasing: 应该, 多长时间) are ignored unless
   * no word of the question is in the corpus at all.
   */
  private termCoverage(words: string[], hay: string, groups = groupsIn(words.join(""))): number {
    if (words.length === 0) return 1;
    let hit = 0;
    let total = 0;
    for (const w of words) {
      if (this.index.bm25.df(w) === 0) continue;
      const weight = this.idf(w);
      total += weight;
      const g = groups.find((gr) => gr.terms.some((t) => t.includes(w) || w.includes(t)));
      if (hay.includes(w) || (g && g.terms.some((t) => hay.includes(t)))) hit += weight;
    }
    return total > 0 ? hit / total : 0;
  }

  /** Below the bar, the corpus does not answer the question. */
  private relevance(info: QueryInfo, passages: Passage[]): number {
    const hay = passages.slice(0, 5).map((p) => `${p.chunk.meta.section} ${p.chunk.text}`).join(" ");
    return this.termCoverage(contentWords(info.topic), hay, groupsIn(info.question));
  }

  private async search(info: QueryInfo, rows: Set<number> | null, k = 8, kinds?: DocKind[]): Promise<Passage[]> {
    return this.retriever.search(this.retrievalQuery(info, rows !== null && info.intent !== "definition"), {
      k,
      mode: this.opts.mode,
      rows: rows ?? undefined,
      expansions: info.expansions,
      kinds: kinds ?? info.kinds,
      sectionHints: this.sectionHints(info),
    });
  }

  private finish(info: QueryInfo, lines: string[], cites: CitationList, passages: Passage[]): { answer: Answer; passages: Passage[] } {
    let text = lines.filter(Boolean).join("\n");
    const bad = unsupportedNumbers(text, cites.items);
    if (bad.length) {
      // Defence in depth: composition only copies source text, so this should never fire.
      this.opts.log({ event: "extractive_unsupported_number", numbers: bad, question: info.question });
      text = lines.filter((l) => unsupportedNumbers(l, cites.items).length === 0).join("\n");
    }
    return { answer: { question: info.question, found: true, answer: text, citations: cites.items, mode: "extractive" }, passages };
  }

  private figureLine(s: ScoredSentence, cites: CitationList, lead: string, several: TermWeight[] | null = null): string[] {
    const n = cites.add(s.passage);
    // A question asking several things is answered by every on-topic figure clause of the sentence, in source order.
    const clause = several && s.figure ? topicFigureClauses(s.sentence, several).join("，") || s.clause : s.clause;
    const first = s.figure || s.clause ? `${lead}${clause}。[${n}]` : `${lead}${excerpt(s.sentence, "", 120)}[${n}]`;
    // The citation [n] carries title, region, year and section; the quote line stays short.
    return [first, `原文：“${excerpt(s.sentence, s.figure ?? "", 220)}”[${n}]`];
  }

  private leadFor(p: Passage): string {
    return `${displayName(p.chunk.meta)}${p.chunk.meta.year ? `${p.chunk.meta.year}年` : ""}：`;
  }

  /** The sentence that answers a figure (or yes/no) question, from passages of one report or more. */
  private bestSentence(info: QueryInfo, passages: Passage[]): ScoredSentence | null {
    const terms = this.terms(info);
    const phrase = info.topic.replace(/\s+/g, "");
    const wantFigure = info.intent === "figure" || info.intent === "verify" || info.intent === "comparison";
    const named = new Set(groupsIn(`${info.topic} ${info.question}`).map((g) => g.key));
    const offTopic = OFF_TOPIC.filter(([key]) => !named.has(key)).map(([, re]) => re);
    const onTopic = OFF_TOPIC.filter(([key]) => named.has(key)).map(([, re]) => re);
    const unit = askedUnit(info.question);
    const scored = scoreSentences(passages, terms, { phrase, wantFigure, offTopic, onTopic, unit });
    if (scored.length === 0) return null;
    const withFigure = scored.find((x) => x.figure);
    if (!wantFigure || !withFigure) return scored[0];
    // "2011年全县未收到…申请": a statement that there were none answers "how many" better than an unrelated figure.
    const plain = scoreSentences(passages, terms, { phrase, wantFigure: false, offTopic, onTopic });
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

  private async answerFigure(info: QueryInfo): Promise<{ answer: Answer; passages: Passage[] }> {
    const rows = this.scopeRows(info);
    const passages = await this.search(info, rows, rows ? 10 : 8);
    if (passages.length === 0 || this.relevance(info, passages) < (rows ? RELEVANCE_SCOPED : RELEVANCE_OPEN))
      return { answer: this.notFound(info.question, `语料中没有找到能回答该问题的内容。${info.regions.map((r) => this.corpus.coverageOf(r)).join("") || this.corpus.coverageSummary()}`), passages: [] };
    const best = this.bestSentence(info, passages)!;
    const cites = new CitationList();
    const lines: string[] = [];
    if (info.intent === "verify") {
      const claimed = new Set(info.claimed.map((c) => c.replace(/[^\d.]/g, "")));
      const actual = best.figure ? best.figure.replace(/[^\d.]/g, "") : null;
      lines.push(actual !== null && claimed.has(actual) ? "是的，与报告一致。" : "与报告不符。报告中的原文如下：");
    }
    if (!best.figure && (info.intent === "figure" || info.intent === "verify") && !NONE_STATEMENT.test(best.sentence))
      lines.push("报告正文中没有以文字写明这一数字，以下是最相关的原文（统计表在源文件中已被压平，请以原表为准）：");
    lines.push(...this.figureLine(best, cites, this.leadFor(best.passage), asksSeveral(info.question) ? this.terms(info) : null));
    return this.finish(info, lines, cites, passages);
  }

  private async answerComparison(info: QueryInfo): Promise<{ answer: Answer; passages: Passage[] }> {
    const targets = this.corpus.targetDocs(info).sort((a, b) => (a.year ?? 0) - (b.year ?? 0) || (a.region ?? "").localeCompare(b.region ?? ""));
    const cites = new CitationList();
    const lines: string[] = [];
    const all: Passage[] = [];
    const values: Array<{ label: string; name: string; year: number | null; value: number | null; unit: string }> = [];
    for (const d of targets) {
      const passages = await this.search(info, this.corpus.rowsOf([d.docId]), 6);
      all.push(...passages);
      const best = this.bestSentence(info, passages);
      const label = `${displayName(d)}${d.year ? `${d.year}年` : ""}`;
      if (!best || this.relevance(info, passages) < RELEVANCE_SCOPED) {
        lines.push(`${label}：报告正文中没有找到相关数字。`);
        values.push({ label, name: displayName(d), year: d.year, value: null, unit: "" });
        continue;
      }
      lines.push(...this.figureLine(best, cites, `${label}：`));
      if (!best.figure) {
        values.push({ label, name: displayName(d), year: d.year, value: null, unit: "" });
        continue;
      }
      const m = best.figure.match(/^(\d+(?:\.\d+)?)(万|亿)?(.*)$/)!;
      values.push({ label, name: displayName(d), year: d.year, value: Number(m[1]) * (m[2] === "万" ? 1e4 : m[2] === "亿" ? 1e8 : 1), unit: m[3] });
    }
    if (cites.items.length === 0) return { answer: this.notFound(info.question, "语料中没有找到可比较的相关数字。"), passages: [] };
    const known = values.filter((v) => v.value !== null);
    if (known.length >= 2 && known.every((v) => v.unit === known[0].unit)) {
      const caveat = "（按下列各报告原文的口径比较；口径不一致时以原文为准）";
      const sameName = new Set(known.map((v) => v.name)).size === 1;
      let summary: string;
      if (sameName && known.length === 2 && known[0].year !== null && known[1].year !== null) {
        // One body over two years: say which way it went.
        const [a, b] = known;
        const way = b.value! > a.value! ? "增加" : b.value! < a.value! ? "减少" : "持平";
        summary = `结论：${a.name}${b.year}年比${a.year}年${way}${caveat}。`;
      } else {
        const max = Math.max(...known.map((v) => v.value!));
        const top = known.filter((v) => v.value === max);
        summary = top.length === known.length ? "结论：各方数字相同。" : `结论：${top.map((v) => v.label).join("、")}更多${caveat}。`;
      }
      lines.unshift(summary);
    }
    return this.finish(info, lines, cites, all);
  }

  /** Which governing texts a rule question is about, best first. */
  private governingKinds(q: string): DocKind[] {
    if (/法院|诉讼|起诉|被告|立案|判决|审理|司法解释|最高法|法释/.test(q)) return ["judicial_interpretation", "regulation", "format_notice"];
    if (/年报|年度报告|表格|统计|格式|填报|报送/.test(q) && !/条例/.test(q)) return ["format_notice", "regulation", "judicial_interpretation"];
    return ["regulation", "format_notice", "judicial_interpretation"];
  }

  private async answerDefinition(info: QueryInfo): Promise<{ answer: Answer; passages: Passage[] }> {
    const q = info.question;
    const kinds = this.governingKinds(q);
    const rows = this.corpus.governingRows;
    const retrieved = await this.search(info, rows, 12, kinds);
    const words = contentWords(`${info.topic} ${info.context}`);
    const groups = groupsIn(q);
    const asksMeaning = /定义|是什么|什么是|什么叫|何为|何谓|什么意思|含义|指什么|是指|怎么理解/.test(q);
    // "什么是政府信息": the text that defines the term ("本条例所称政府信息，是指…") is the answer.
    const term = definedTerm(q);
    if (term) {
      const defining = new RegExp(`(所称|所说的)${escapeRegExp(term)}[，,]?(是指|指)|^${escapeRegExp(term)}[，,]?是指`, "m");
      for (const row of rows) {
        const c = this.index.chunks[row];
        if (defining.test(c.text) && !retrieved.some((p) => p.chunk.id === c.id)) retrieved.unshift({ chunk: c, score: 0 });
      }
    }
    const wantsOld = /2007|2008|旧条例|旧版|原条例|修订前|492号/.test(q);
    const wantsBoth = /新旧|两版|修订前后|前后/.test(q);
    const wantsOldJi = /2011|旧规定|原规定|还有效|废止|失效/.test(q);
    // Rerank: how much of the question the passage covers decides, retrieval order and kind break ties.
    const ranked = retrieved
      .map((p, i) => {
        const m = p.chunk.meta;
        let s = this.termCoverage(words, `${m.section} ${p.chunk.text}`, groups) + 0.3 / (1 + i);
        const k = kinds.indexOf(m.kind);
        s += k === 0 ? 0.15 : k === 1 ? 0.05 : 0;
        if (asksMeaning && /是指|所称/.test(p.chunk.text)) s += 0.3;
        if (term && new RegExp(`(所称|所说的)${escapeRegExp(term)}`).test(p.chunk.text)) s += 1;
        if (m.kind === "regulation" && !wantsBoth) s *= (m.year === 2007) === wantsOld ? 1 : 0.6;
        if (m.kind === "judicial_interpretation" && m.year !== null && m.year <= 2011 && !wantsOldJi) s *= 0.7;
        // Table rows (the templates' labels) name categories but explain nothing.
        if (m.block !== "prose") s *= 0.6;
        // The promulgation preamble (国务院令…) names the text but rules nothing.
        if (m.section === "前言") s *= 0.5;
        return { ...p, score: s };
      })
      .sort((a, b) => b.score - a.score);
    if (ranked.length === 0 || this.relevance(info, ranked) < RELEVANCE_OPEN)
      return { answer: this.notFound(q, `语料中的条例、格式通知和司法解释没有涉及这一问题。${this.corpus.coverageSummary()}`), passages: [] };
    const cites = new CitationList();
    const lines: string[] = [];
    const focus = words.filter((w) => ranked[0].chunk.text.includes(w)).sort((a, b) => b.length - a.length)[0] ?? "";
    const main = ranked[0];
    const n = cites.add(main);
    lines.push(`${this.ruleSource(main)}规定：[${n}]`);
    lines.push(`“${excerpt(main.chunk.text, focus, 400)}”`);
    // Then how the other texts treat it (the other regulation version, the format notice's table, a court rule).
    // Another article of the same text counts when it covers the question as well (不予公开: 第十四、十五、十六条);
    // another text when it covers it reasonably.
    const seen = new Set<string>([main.chunk.meta.docId]);
    for (const p of ranked.slice(1)) {
      if (cites.items.length >= 3) break;
      const sameDoc = seen.has(p.chunk.meta.docId);
      if (p.score < main.score * (sameDoc ? 0.85 : 0.6)) continue;
      seen.add(p.chunk.meta.docId);
      const i = cites.add(p);
      const f = words.filter((w) => p.chunk.text.includes(w)).sort((a, b) => b.length - a.length)[0] ?? "";
      lines.push(`参见${this.ruleSource(p)}：“${excerpt(p.chunk.text, f, 220)}”[${i}]`);
    }
    return this.finish(info, lines, cites, ranked);
  }

  /** "《中华人民共和国政府信息公开条例》（2019年修订）第三十条" or the notice title and section. */
  private ruleSource(p: Passage): string {
    const m = p.chunk.meta;
    const last = m.section.split(SECTION_SEPARATOR).pop() ?? "";
    if (m.kind === "regulation") return `《${m.title}》（${m.year}年${m.year === 2019 ? "修订" : ""}）${/^第.+条$/.test(last) ? last : ` › ${m.section}`}`;
    if (m.kind === "judicial_interpretation") return `《${m.title}》${/^第.+条$/.test(last) ? last : ` › ${m.section}`}`;
    return `《${m.title}》 › ${m.section}`;
  }

  /** The report section a drafting question is about: the glossary group of its longest matching term. */
  private draftingGroup(q: string): GlossaryGroup | null {
    let best: GlossaryGroup | null = null;
    let len = 0;
    for (const g of GLOSSARY) {
      if (!g.sectionHints) continue;
      for (const t of g.terms) if (q.includes(t) && t.length > len) { best = g; len = t.length; }
    }
    return best;
  }

  /** The opening of the section a glossary group names, from each report the question names (at most three). */
  private answerSection(info: QueryInfo, group: GlossaryGroup): { answer: Answer; passages: Passage[] } | null {
    const hints = group.sectionHints ?? [];
    const cites = new CitationList();
    const lines: string[] = [];
    const passages: Passage[] = [];
    for (const d of this.corpus.targetDocs(info).sort((a, b) => (b.year ?? 0) - (a.year ?? 0)).slice(0, 3)) {
      const hit = this.corpus
        .topSections(d.docId)
        .map((t) => ({ ...t, rank: hints.findIndex((h) => t.top.includes(h)) }))
        .filter((t) => t.rank >= 0)
        .sort((a, b) => a.rank - b.rank)[0];
      if (!hit) continue;
      const p: Passage = { chunk: this.index.chunks[hit.row], score: 1 };
      passages.push(p);
      const n = cites.add(p);
      lines.push(`${displayName(d)}${d.year ? `${d.year}年` : ""}报告“${hit.top}”部分原文：[${n}]`);
      lines.push(`“${excerpt(p.chunk.text, "", 400)}”`);
    }
    return lines.length ? this.finish(info, lines, cites, passages) : null;
  }

  /** Passages of several reports that do what the question describes, one per report. */
  private async answerPrecedents(info: QueryInfo): Promise<{ answer: Answer; passages: Passage[] }> {
    const reports = this.corpus.docs.filter((d) => d.kind === "report" && (info.regions.length === 0 || (d.region && info.regions.includes(d.region))));
    const retrieved = await this.search(info, this.corpus.rowsOf(reports.map((d) => d.docId)), 20, ["report"]);
    const words = contentWords(info.topic);
    const groups = groupsIn(info.question);
    const ranked = retrieved
      .map((p, i) => ({ ...p, score: this.termCoverage(words, `${p.chunk.meta.section} ${p.chunk.text}`, groups) + 0.3 / (1 + i) }))
      .sort((a, b) => b.score - a.score);
    const picked: Passage[] = [];
    for (const p of ranked) {
      if (picked.length >= 3 || p.score < 0.45) break;
      if (p.chunk.meta.block !== "prose" || picked.some((x) => x.chunk.meta.docId === p.chunk.meta.docId)) continue;
      picked.push(p);
    }
    if (picked.length === 0) return { answer: this.notFound(info.question, "语料中的报告没有找到相应的写法。"), passages: [] };
    const cites = new CitationList();
    const lines = ["以下报告有相关写法可供参考："];
    for (const p of picked) {
      const n = cites.add(p);
      const focus = words.filter((w) => p.chunk.text.includes(w)).sort((a, b) => b.length - a.length)[0] ?? "";
      lines.push(`[${n}] ${citeLabel(cites.items[n - 1])}：“${excerpt(p.chunk.text, focus, 200)}”`);
    }
    return this.finish(info, lines, cites, ranked);
  }

  private async answerDrafting(info: QueryInfo): Promise<{ answer: Answer; passages: Passage[] }> {
    const group = this.draftingGroup(info.question);
    // Without a named section: a request for examples is answered from the reports, anything else from the
    // regulation and notices (the report as a whole).
    if (!group) return PRECEDENT.test(info.question) ? this.answerPrecedents(info) : this.answerDefinition(info);
    const hints = group.sectionHints!;
    const cites = new CitationList();
    const lines: string[] = [];
    const all: Passage[] = [];
    // The requirement: the format notice section titled like the one asked about, newest notice first.
    const notices = this.corpus.docs.filter((d) => d.kind === "format_notice").sort((a, b) => (b.year ?? 0) - (a.year ?? 0));
    for (const d of notices) {
      const row = (this.corpus.rowsOfDoc(d.docId)).find((r) => {
        const c = this.index.chunks[r];
        const last = c.meta.section.split(SECTION_SEPARATOR).pop() ?? "";
        return c.meta.block === "prose" && hints.some((h) => last.includes(h));
      });
      if (row === undefined) continue;
      const p: Passage = { chunk: this.index.chunks[row], score: 1 };
      all.push(p);
      const n = cites.add(p);
      lines.push(`现行格式要求（${citeLabel(cites.items[n - 1])}）：[${n}]`);
      lines.push(`“${excerpt(p.chunk.text, hints[0], 400)}”`);
      break;
    }
    // Precedents: that section from several reports (those named, if any), best-matching title first, newest first, one per report.
    const reports = info.regions.length || info.years.length ? this.corpus.targetDocs(info) : this.corpus.docs.filter((d) => d.kind === "report");
    const candidates: Array<{ p: Passage; rank: number; year: number }> = [];
    for (const d of reports) {
      for (const { top, row } of this.corpus.topSections(d.docId)) {
        const rank = hints.findIndex((h) => top.includes(h));
        if (rank < 0) continue;
        candidates.push({ p: { chunk: this.index.chunks[row], score: 1 }, rank, year: d.year ?? 0 });
        break;
      }
    }
    let examples = candidates.sort((a, b) => a.rank - b.rank || b.year - a.year).slice(0, 3).map((c) => c.p);
    // "依申请公开部分想体现办前沟通的做法": words beyond the section's own name pick the passages that do it.
    const extra = contentWords(info.topic).filter((w) => !group.terms.some((t) => t.includes(w) || w.includes(t)) && this.index.bm25.df(w) > 0);
    if (extra.length && PRECEDENT.test(info.question)) {
      const rows = [...this.corpus.rowsOf(reports.map((d) => d.docId))].filter((r) => hints.some((h) => this.index.chunks[r].meta.section.includes(h)));
      const scored = rows
        .map((r) => ({ p: { chunk: this.index.chunks[r], score: 1 } as Passage, s: this.termCoverage(extra, this.index.chunks[r].text) }))
        // A third of the specific words is enough: the rest is how people describe a practice (体现, 做法, 类似).
        .filter((x) => x.s >= 0.34)
        .sort((a, b) => b.s - a.s || (b.p.chunk.meta.year ?? 0) - (a.p.chunk.meta.year ?? 0));
      const picked: Passage[] = [];
      for (const x of scored) if (picked.length < 3 && !picked.some((p) => p.chunk.meta.docId === x.p.chunk.meta.docId)) picked.push(x.p);
      if (picked.length) examples = picked;
    }
    if (examples.length === 0 && cites.items.length === 0) return this.answerDefinition(info);
    if (examples.length) lines.push("其他报告的写法示例：");
    for (const p of examples) {
      all.push(p);
      const n = cites.add(p);
      lines.push(`[${n}] ${citeLabel(cites.items[n - 1])}：“${excerpt(p.chunk.text, "", 180)}”`);
    }
    return this.finish(info, lines, cites, all);
  }
}

/** Opens the engine on an index folder, building the index from the corpus first when it is missing. */
export async function openEngine(opts: EngineOptions): Promise<Engine> {
  const settings = opts.settings ?? loadSettings();
  const log = opts.log ?? (() => {});
  const exists = await indexExists(opts.indexDir);
  // A missing index is built; an existing one is brought up to date with corpus/ (files added, changed or removed,
  // a newer chunker) — unless another embedder built it, which loading then refuses with a clear message.
  let refresh = !exists;
  let rebuild = false;
  if (exists && opts.refresh !== false) {
    const gen = await currentGeneration(opts.indexDir);
    // An index from an older release is rebuilt from corpus/ (the source of truth) rather than refused.
    rebuild = gen !== null && (await hasOlderFormat(gen).catch(() => false));
    const sameEmbedder = !rebuild && gen !== null && (await readManifest(gen)).embedder.name === configuredEmbedderName(settings);
    refresh = rebuild || (sameEmbedder && !(await isUpToDate(opts.corpusDir, opts.indexDir).catch(() => true)));
  }
  if (refresh) {
    log({ event: rebuild ? "index_rebuild" : exists ? "index_refresh" : "index_build", indexDir: opts.indexDir, corpusDir: opts.corpusDir });
    const s = await ingest({ corpusDir: opts.corpusDir, indexDir: opts.indexDir, settings, rebuild });
    for (const f of s.failures) log({ event: "ingest_failure", source: f.source, reason: f.reason });
  }
  const data = await readIndexData(opts.indexDir);
  const { embedder } = await createEmbedder(settings, data?.stats ?? null);
  const index = await loadIndex(opts.indexDir, embedder, data);
  return new Engine(index, embedder, { settings, log, mode: opts.mode ?? "hybrid", maxQuestionChars: opts.maxQuestionChars ?? settings.MAX_QUESTION_CHARS });
}

