import { SECTION_SEPARATOR, splitSentences } from "../ingest/chunk.js";
import { chunkCitationId, type Computed, type Citation, type Passage } from "../types.js";
import { numberTokens } from "./numbers.js";

/**
 * Offline answer composition: every sentence of an answer is either a fixed phrase without figures
 * or text copied from a retrieved passage, so a figure can only come from a cited source.
 */

/** Number with its unit as reports write it ("249件", "1.5万元", "67.75%", "17.8万余条"). */
export const FIGURE_RE =
  /(\d+(?:\.\d+)?)\s*(?:万|亿)?\s*(?:余|多)?\s*(?:人次|万元|亿元|件次|批次|个百分点|件|条|个|次|场|期|人|项|篇|份|家|元|封|册|卷|部|起|宗|所|户|页|类|天|日|名|个工作日|%|％)/g;

export interface ScoredSentence {
  passage: Passage;
  rank: number;
  sentence: string;
  /** The clause inside the sentence that carries the figure. */
  clause: string;
  figure: string | null;
  score: number;
}

export interface TermWeight {
  term: string;
  weight: number;
}

/** Weighted topic terms: the question's own words count fully, glossary expansions partly. */
/**
 * Weighted topic terms: the question's own words count fully, glossary expansions partly, and a word
 * rare in the corpus (答复率, 公报) counts more than one found everywhere (申请, 公开).
 */
export function termWeights(topicWords: string[], expansionWords: string[], idf: (term: string) => number = () => 3): TermWeight[] {
  const out = new Map<string, number>();
  const rarity = (t: string) => Math.min(2, Math.max(0.3, idf(t) / 3));
  for (const t of topicWords) if (t.length >= 2) out.set(t, Math.max(out.get(t) ?? 0, (t.length >= 3 ? 1.5 : 1) * rarity(t)));
  for (const t of expansionWords) if (t.length >= 2 && !out.has(t)) out.set(t, 0.5 * rarity(t));
  return [...out].map(([term, weight]) => ({ term, weight }));
}

/** Questions that ask for two things at once ("几期？一共登了多少条？", "分别…"). */
export function asksSeveral(question: string): boolean {
  return (question.match(/多少|几|多大|比例|占比/g) ?? []).length >= 2 || /分别|各(是|为|有)?多少|各自/.test(question);
}

/** The figure clauses of a sentence that share a topic term, in source order: the answer to a question asking several things. */
export function topicFigureClauses(sentence: string, terms: TermWeight[]): string[] {
  const clauses = sentence.split(/(?<=[，,；;])/);
  const keep = clauses.map((c) => figuresIn(c).length > 0 && overlap(c, terms) > 0);
  // "电话咨询3200人次，占65.31%": the share belongs to the clause before it.
  clauses.forEach((c, i) => {
    if (i > 0 && keep[i - 1] && /^\s*占/.test(c) && figuresIn(c).length > 0) keep[i] = true;
  });
  return clauses.filter((_, i) => keep[i]).map((c) => c.replace(/[，,；;。]$/, "").trim());
}

function overlap(text: string, terms: TermWeight[]): number {
  let s = 0;
  for (const { term, weight } of terms) if (text.includes(term)) s += weight;
  return s;
}

function figuresIn(text: string): Array<{ figure: string; index: number }> {
  const out: Array<{ figure: string; index: number }> = [];
  for (const m of text.matchAll(FIGURE_RE)) {
    const n = Number(m[1]);
    // A bare year ("2013年") is matched by no unit above; "1月1日" style dates are skipped here.
    if (/^\d{4}$/.test(m[1]) && n >= 1990 && n <= 2100 && /日|天/.test(m[0])) continue;
    if (/^\d{1,2}$/.test(m[1]) && /日$/.test(m[0]) && /月\s*$/.test(text.slice(Math.max(0, m.index! - 3), m.index!))) continue;
    out.push({ figure: m[0].replace(/\s+/g, ""), index: m.index! });
  }
  return out;
}

/** Length of the longest run of `phrase` (≥ 3 characters) that occurs in `text`. */
export function longestSharedRun(text: string, phrase: string): number {
  let best = 0;
  for (let i = 0; i < phrase.length; i++) {
    for (let j = phrase.length; j - i > Math.max(best, 2); j--) {
      if (text.includes(phrase.slice(i, j))) {
        best = j - i;
        break;
      }
    }
  }
  return best;
}

const SHARE = /^\s*占|占[^，。]{0,8}\d+(\.\d+)?%/;
const TOTAL_CUE = /共|总计|合计|累计|全年|全区|全市|全县|总数|总量|各类|先后/;
/** "本报告共分6个部分": the report's own outline, never an answer. */
const OUTLINE = /\d+\s*个?部分/;

export interface SentenceScoring {
  /** The question's topic without spaces, for phrase matches ("主动公开政府信息"). */
  phrase: string;
  /** Figure questions need a number with a unit; other questions take the best matching sentence. */
  wantFigure: boolean;
  /** Subjects the question does not ask about (行政复议 when asking about applications). */
  offTopic?: RegExp[];
  /** Subjects of the same family the question does ask about: a text naming one of them is on topic. */
  onTopic?: RegExp[];
  /** The unit the question asks for ("多少件" → 件, "多少钱" → 元), if it names one. */
  unit?: string | null;
}

/** The unit a question asks for: "多少件/几期/多少人次" name it; money words ask for 元. */
export function askedUnit(question: string): string | null {
  const m = question.match(/(?:多少|几)(人次|万元|件|条|个|次|场|期|人|项|篇|份|家|元|名|天|个工作日)/);
  if (m) return m[1] === "万元" ? "元" : m[1];
  if (/多少钱|花了多少|费用|金额|经费|支出|收费.{0,4}多少|收了多少/.test(question)) return "元";
  if (/率|比例|占比|百分之|百分比/.test(question)) return "%";
  return null;
}

function isOffTopic(text: string, opts: SentenceScoring): boolean {
  if (opts.onTopic?.some((re) => re.test(text))) return false;
  return (opts.offTopic ?? []).some((re) => re.test(text));
}

/** Scores the sentences of the passages and returns them best first. */
export function scoreSentences(passages: Passage[], terms: TermWeight[], opts: SentenceScoring): ScoredSentence[] {
  const out: ScoredSentence[] = [];
  passages.forEach((p, rank) => {
    const sectionBonus = overlap(p.chunk.meta.section, terms) * 0.5 - (opts.wantFigure && p.chunk.meta.section.startsWith("前言") ? 1.5 : 0);
    const headings = new Set(p.chunk.meta.section.split(SECTION_SEPARATOR));
    for (const sentence of splitSentences(p.chunk.text)) {
      // A heading line opening a chunk names the section; it never answers anything.
      if (headings.has(sentence.trim())) continue;
      const clauses = sentence.split(/(?<=[，,；;])/);
      let bestClause = "";
      let bestFigure: string | null = null;
      let bestClauseScore = -1;
      for (const [ci, clause] of clauses.entries()) {
        const figs = OUTLINE.test(clause) ? [] : figuresIn(clause);
        if (figs.length === 0) continue;
        // A figure answers only if its clause (or the clause that introduces it) is about the question:
        // a number that merely has the asked unit is not an answer.
        const own = overlap(clause, terms) + 0.5 * overlap(clauses[ci - 1] ?? "", terms);
        if (own <= 0) continue;
        // A question naming review, litigation or fees wants a figure about that subject.
        if (opts.onTopic?.length && !opts.onTopic.some((re) => re.test(clause) || re.test(p.chunk.meta.section))) continue;
        let cs = overlap(clause, terms) * 2 + Math.min(3, longestSharedRun(clause, opts.phrase) / 3);
        if (opts.unit) cs += figs.some((f) => f.figure.endsWith(opts.unit!)) ? 1.5 : -0.5;
        if (TOTAL_CUE.test(clause)) cs += 0.5;
        // "…303条，占71.3%": a share of the whole, not the whole.
        if (SHARE.test(clause) || SHARE.test(clauses[ci + 1] ?? "")) cs -= 0.75;
        // A clause about review, litigation or fees does not answer a question that names none of them.
        if (isOffTopic(clause, opts)) cs -= 1.5;
        if (cs > bestClauseScore) {
          bestClauseScore = cs;
          bestClause = clause;
          bestFigure = figs[0].figure;
        }
      }
      // A sentence drifts when every clause that matches the topic is about another subject.
      const matching = clauses.filter((c) => overlap(c, terms) > 0);
      const drift = matching.length > 0 && matching.every((c) => isOffTopic(c, opts)) ? 1 : 0;
      const base = overlap(sentence, terms) + Math.min(3, longestSharedRun(sentence, opts.phrase) / 3) - drift;
      const figureScore = opts.wantFigure ? Math.max(bestClauseScore, 0) + (bestFigure ? 2 : 0) : 0;
      const score = base + figureScore + sectionBonus + 1 / (1 + rank) + (p.chunk.meta.block === "prose" ? 0 : -1.5);
      out.push({ passage: p, rank, sentence: sentence.trim(), clause: bestClause.replace(/[，,；;。]$/, "").trim(), figure: bestFigure, score });
    }
  });
  return out.sort((a, b) => b.score - a.score);
}

export function citeLabel(c: Citation): string {
  const where = [c.region, c.year ? `${c.year}年` : null].filter(Boolean).join("，");
  return `《${c.title}》${where ? `（${where}）` : ""} › ${c.section}`;
}

/** Shortens a quote to a verbatim excerpt around `focus`. */
export function excerpt(text: string, focus: string, max = 160): string {
  const flat = text.replace(/\s*\n\s*/g, " ");
  if (flat.length <= max) return flat;
  const at = Math.max(0, flat.indexOf(focus));
  const start = Math.max(0, Math.min(at - Math.floor(max / 3), flat.length - max));
  return `${start > 0 ? "…" : ""}${flat.slice(start, start + max)}${start + max < flat.length ? "…" : ""}`;
}

/** Citations list deduplicated by chunk, in order of first use. */
export class CitationList {
  readonly items: Citation[] = [];
  private readonly ids: string[] = [];

  add(p: Passage): number {
    const i = this.ids.indexOf(p.chunk.id);
    if (i >= 0) return i + 1;
    this.ids.push(p.chunk.id);
    this.items.push(citationOf(p));
    return this.items.length;
  }
}

/** Numbers in `answer` that no citation (quote, title or section) contains: must be empty before an answer leaves. */
export function unsupportedNumbers(answer: string, citations: Citation[], computed: Computed[] = []): string[] {
  const allowed = new Set<string>();
  const allow = (text: string) => {
    for (const t of numberTokens(text)) {
      allowed.add(t);
      allowed.add(t.replace(/(%|‰|万亿|万|亿)$/, ""));
    }
  };
  for (const c of citations) {
    allow(`${c.title} ${c.section} ${c.year ?? ""} ${c.quote}`);
    // A table figure is its cell's value (the quote is the table row as the source prints it, digits run together).
    if (typeof c.cell?.value === "number") allow(String(c.cell.value));
  }
  // Arithmetic on cited numbers: its working and its result.
  for (const k of computed) allow(`${k.expr} ${k.value}`);
  const body = answer.replace(/\[\d+\]/g, " ");
  return numberTokens(body).filter((t) => !allowed.has(t));
}

export function citationOf(p: Passage): Citation {
  const m = p.chunk.meta;
  return { id: chunkCitationId(p.chunk.id), title: m.title, region: m.region, year: m.year, section: m.section, quote: p.chunk.text, source: m.source };
}
