import type { Answer } from "../types.js";

/** One evaluation item (test/eval/questions.jsonl). */
export interface EvalItem {
  id: string;
  type: string;
  question: string;
  found: boolean;
  answer_any: string[];
  all_of?: string[];
  sources: string[];
  section_any?: string[];
  /** Who asks (sealed-rules.jsonl): "clerk" (clerks and citizens) or "drafter" (staff drafting a report). */
  group?: string;
  /** Strings that must not appear in the answer: the opposite of the governing clause, another body's figure. */
  must_not?: string[];
  /** The governing clause: one of these must appear in the FIRST citation's section path or quote. */
  first_citation_any?: string[];
  /** Earlier user turns of the same conversation (one question, or several in order). */
  previous?: string | string[];
}

/** What a pipeline returned for one item: an answer and its ranked sources. */
export interface EvalOutcome {
  answer: Answer;
  /** Ranked (source, section) list: the answer's citations, or retrieved passages for retrieval-only baselines. */
  ranked: Array<{ source: string; section: string }>;
}

export interface EvalScores {
  n: number;
  answerAccuracy: number;
  hit1: number;
  hit3: number;
  mrr: number;
  refusalAccuracy: number;
  falseRefusals: number;
  failures: string[];
}

const squash = (s: string) => s.replace(/\s+/g, "");

/** The direct answer: the answer text without the supporting quote lines, so a number that only sits in a quote does not count. */
export function directAnswer(text: string): string {
  return text
    .split("\n")
    .filter((l) => !/^(原文：|另见)/.test(l.trim()))
    .join("\n");
}

/** Whether the answer states something `must_not` forbids (checked on the whole answer, quotes included). */
export function contradicts(item: EvalItem, out: EvalOutcome): boolean {
  const text = squash(directAnswer(out.answer.answer));
  return (item.must_not ?? []).some((m) => text.includes(squash(m)));
}

/** Whether the first citation is the governing clause (null when the item names none). */
export function governingFirst(item: EvalItem, out: EvalOutcome): boolean | null {
  if (!item.first_citation_any?.length || !item.found) return null;
  const c = out.answer.citations[0];
  if (!c) return false;
  const where = squash(`${c.section} ${c.quote} ${c.title}`);
  return item.first_citation_any.some((s) => where.includes(squash(s)));
}

/** A refusal is short when its first paragraph fits one sentence (the "one short sentence"). */
export function shortRefusal(out: EvalOutcome, maxChars = 120): boolean {
  return !out.answer.found && out.answer.answer.trim().length <= maxChars;
}

/** Per-group summary lines (accuracy, governing clause first, contradictions, short refusals) for sets with `group`. */
export function groupReport(items: EvalItem[], outs: EvalOutcome[]): string[] {
  const groups = [...new Set(items.map((i) => i.group).filter((g): g is string => Boolean(g)))];
  return groups.map((g) => {
    let n = 0, ok = 0, gov = 0, govN = 0, contra = 0, refusals = 0, shortR = 0;
    items.forEach((it, i) => {
      if (it.group !== g) return;
      n++;
      if (isCorrect(it, outs[i])) ok++;
      const f = governingFirst(it, outs[i]);
      if (f !== null) { govN++; if (f) gov++; }
      if (contradicts(it, outs[i])) contra++;
      if (!it.found) { refusals++; if (shortRefusal(outs[i])) shortR++; }
    });
    const f = (a: number, b: number) => (b ? (a / b).toFixed(3) : "—");
    return `${g}: accuracy ${f(ok, n)} (${ok}/${n}) · governing clause first ${f(gov, govN)} (${gov}/${govN}) · contradictions ${contra} · short refusals ${shortR}/${refusals}`;
  });
}

export function isCorrect(item: EvalItem, out: EvalOutcome): boolean {
  if (contradicts(item, out)) return false;
  if (!item.found) return out.answer.found === false;
  if (!out.answer.found) return false;
  const text = squash(directAnswer(out.answer.answer));
  const anyOk = item.answer_any.length === 0 || item.answer_any.some((a) => text.includes(squash(a)));
  const allOk = (item.all_of ?? []).every((a) => text.includes(squash(a)));
  return anyOk && allOk;
}

/** 1-based rank of the first ranked entry from an expected source (and section, when given), or 0. */
export function hitRank(item: EvalItem, out: EvalOutcome): number {
  const i = out.ranked.findIndex(
    (r) => item.sources.includes(r.source) && (!item.section_any?.length || item.section_any.some((s) => r.section.includes(s))),
  );
  return i + 1;
}

export function score(items: EvalItem[], outcomes: EvalOutcome[]): EvalScores {
  let correct = 0;
  let h1 = 0;
  let h3 = 0;
  let rr = 0;
  let answerable = 0;
  let unanswerable = 0;
  let refused = 0;
  let falseRefusals = 0;
  const failures: string[] = [];
  items.forEach((item, i) => {
    const out = outcomes[i];
    const ok = isCorrect(item, out);
    if (ok) correct++;
    else failures.push(item.id);
    if (item.found) {
      answerable++;
      if (!out.answer.found) falseRefusals++;
      const r = hitRank(item, out);
      if (r === 1) h1++;
      if (r >= 1 && r <= 3) h3++;
      if (r >= 1) rr += 1 / r;
    } else {
      unanswerable++;
      if (!out.answer.found) refused++;
    }
  });
  return {
    n: items.length,
    answerAccuracy: correct / items.length,
    hit1: h1 / Math.max(answerable, 1),
    hit3: h3 / Math.max(answerable, 1),
    mrr: rr / Math.max(answerable, 1),
    refusalAccuracy: refused / Math.max(unanswerable, 1),
    falseRefusals,
    failures,
  };
}

// ---------------------------------------------------------------- first-stage retrieval of the governing clause

/** One first-stage result: where it is (section path) and its text. */
export interface RankedUnit {
  section: string;
  quote: string;
}

/**
 * 1-based rank of the governing clause among first-stage results (before any answer is composed): the first result
 * whose section path or text holds one of the item's `first_citation_any` strings; 0 when none does in the list.
 */
export function clauseRank(item: EvalItem, ranked: readonly RankedUnit[]): number {
  const want = (item.first_citation_any ?? []).map(squash);
  if (!want.length) return 0;
  const i = ranked.findIndex((r) => {
    const where = squash(`${r.section} ${r.quote}`);
    return want.some((w) => where.includes(w));
  });
  return i + 1;
}

export interface RetrievalScores {
  /** Items with a governing clause named and an answer expected. */
  n: number;
  hit1: number;
  hit5: number;
}

/** hit@1 and hit@5 of the governing clause over the items that name one (answerable rule items). */
export function retrievalScores(items: EvalItem[], ranked: ReadonlyArray<readonly RankedUnit[]>): RetrievalScores {
  let n = 0;
  let h1 = 0;
  let h5 = 0;
  items.forEach((item, i) => {
    if (!item.found || !item.first_citation_any?.length) return;
    n++;
    const r = clauseRank(item, ranked[i] ?? []);
    if (r === 1) h1++;
    if (r >= 1 && r <= 5) h5++;
  });
  return { n, hit1: n ? h1 / n : 0, hit5: n ? h5 / n : 0 };
}

/** "retrieval (governing clause, first stage, n=…): nianbao hit@1 … hit@5 … · naive hit@1 … hit@5 …" */
export function retrievalLine(ours: RetrievalScores, naive: RetrievalScores): string {
  const f = (x: number) => x.toFixed(3);
  return `retrieval (governing clause in first-stage results, n=${ours.n}): nianbao hit@1 ${f(ours.hit1)} hit@5 ${f(ours.hit5)} · naive hit@1 ${f(naive.hit1)} hit@5 ${f(naive.hit5)}`;
}
