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
  section_any: string[];
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

export function isCorrect(item: EvalItem, out: EvalOutcome): boolean {
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
    (r) => item.sources.includes(r.source) && (item.section_any.length === 0 || item.section_any.some((s) => r.section.includes(s))),
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
