import { splitSentences } from "../ingest/chunk.js";
import type { Citation, Passage } from "../types.js";
import { citationOf, numberTokens } from "./llm.js";

/**
 * Offline answer composition: every sentence of an answer is either a fixed phrase without figures
 * or text copied from a retrieved passage, so a figure can only come from a cited source.
 */

/** Number with its unit as reports write it ("249件", "1.5万元", "67.75%", "17.8万余条"). */
export const FIGURE_RE =
  /(\d+(?:\.\d+)?)\s*(?:万|亿)?\s*(?:余|多)?\s*(?:人次|万元|亿元|件次|批次|个百分点|件|条|个|次|场|期|人|项|篇|份|家|元|封|册|卷|部|起|宗|所|户|页|类|天|日|个工作日|%|％)/g;

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
export function termWeights(topicWords: string[], expansionWords: string[]): TermWeight[] {
  const out = new Map<string, number>();
  for (const t of topicWords) if (t.length >= 2) out.set(t, Math.max(out.get(t) ?? 0, t.length >= 3 ? 1.5 : 1));
  for (const t of expansionWords) if (t.length >= 2 && !out.has(t)) out.set(t, 0.5);
  return [...out].map(([term, weight]) => ({ term, weight }));
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

/** Scores the sentences of the passages for a figure question and returns them best first. */
export function scoreFigureSentences(passages: Passage[], terms: TermWeight[]): ScoredSentence[] {
  const out: ScoredSentence[] = [];
  passages.forEach((p, rank) => {
    const sectionBonus = overlap(p.chunk.meta.section, terms) * 0.5;
    for (const sentence of splitSentences(p.chunk.text)) {
      const clauses = sentence.split(/(?<=[，,；;])/);
      let bestClause = "";
      let bestFigure: string | null = null;
      let bestClauseScore = -1;
      for (const clause of clauses) {
        const figs = figuresIn(clause);
        if (figs.length === 0) continue;
        const s = overlap(clause, terms) * 2 + (figs.length === 1 ? 0.3 : 0);
        if (s > bestClauseScore) {
          bestClauseScore = s;
          bestClause = clause;
          bestFigure = figs[0].figure;
        }
      }
      const base = overlap(sentence, terms);
      const score = base + Math.max(bestClauseScore, 0) + sectionBonus + (bestFigure ? 2 : 0) + 1.5 / (1 + rank) + (p.chunk.meta.block === "prose" ? 0 : -1.5);
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
export function unsupportedNumbers(answer: string, citations: Citation[]): string[] {
  const allowed = new Set<string>();
  for (const c of citations) {
    for (const t of numberTokens(`${c.title} ${c.section} ${c.year ?? ""} ${c.quote}`)) {
      allowed.add(t);
      allowed.add(t.replace(/(%|‰|万亿|万|亿)$/, ""));
    }
  }
  const body = answer.replace(/\[\d+\]/g, " ");
  return numberTokens(body).filter((t) => !allowed.has(t));
}
