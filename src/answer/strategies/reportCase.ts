import { splitSentences } from "../../ingest/chunk.js";
import { KIND_WORDS } from "../../understand/kinds.js";
import type { Passage } from "../../types.js";
import { queryCoverage } from "../clauses.js";
import { contentWords, withStatutory, type AnswerContext } from "../context.js";
import { displayName } from "../corpus.js";
import { CitationList } from "../extractive.js";
import type { Strategy, StrategyResult } from "../strategy.js";
import { answerRules } from "./rules.js";

/**
 * "公安局2022年报告里那件从上一年结转过来的申请，最后是怎么处理的": how a named report handled one of its own cases
 * (applications, measures) is answered from that report's sentences first — its statistics cell or the rule behind
 * it says what the category is, not what happened. Only when the report says nothing does the rule answer, and the
 * answer says the report does not state it.
 */

/** Words of the report itself or of the asking, not of the case. */
const NOT_CASE = /^(报告|年报|年度报告|那件|这件|那个|这个|过来|后来|到底)$/;
/** How well a sentence must cover the case before it is given as the report's own account. */
const MIN_COVERAGE = 0.6;

export const reportCase: Strategy<AnswerContext> = {
  name: "report-case",
  operations: ["value", "search", "section", "series", "definition", "procedure", "precedents"],
  async answer(ctx, { plan }): Promise<StrategyResult | null> {
    if (plan.kind !== "handled" || (!plan.scope.bodies.length && !plan.scope.years.length)) return null;
    const docs = ctx.corpus.targetDocs(plan);
    if (!docs.length) return null;
    // The report calls itself 我局/我区: the body's own names say nothing about the case.
    const names = plan.scope.bodies.flatMap((b) => ctx.bodies.get(b)?.names ?? [b]);
    const passages = await ctx.search(withStatutory(plan), { docIds: docs.map((d) => d.docId) }, 16, ["report"]);
    // Only words the report writes somewhere can be matched by one of its sentences: the others count for none.
    const text = ctx.chunks.list({ docIds: docs.map((d) => d.docId) }).map((c) => c.text).join("\n");
    const raw = contentWords(plan.words).filter((w) => !KIND_WORDS.handled.test(w) && !NOT_CASE.test(w) && !names.some((n) => n.includes(w)) && text.includes(w));
    const words = raw.filter((w) => !raw.some((o) => o !== w && o.length > w.length && o.includes(w)));
    const q = {
      terms: words.map((term) => ({ term, weight: Math.min(2, Math.max(0.3, ctx.idf(term) / 3)) })),
      phrases: plan.statutory.filter((p) => text.includes(p)).map((phrase) => ({ phrase, focus: 1 })),
    };
    if (!q.terms.length && !q.phrases.length) return null;
    // A report words a case its own way: a statutory phrase counts as one word there, not as the key it is in a rule.
    const phraseWeight = () => 1;
    let best: { p: Passage; sentence: string; part: string; score: number } | null = null;
    for (const p of passages) {
      if (p.chunk.meta.block !== "prose") continue;
      for (const sentence of splitSentences(p.chunk.text)) {
        // The part of a sentence that tells this case ("…作出答复；结转上年度…1件，因…不再处理…").
        for (const part of sentence.split(/(?<=[；;])/)) {
          const score = queryCoverage(part, q, phraseWeight);
          if (!best || score > best.score) best = { p, sentence: sentence.trim(), part: part.replace(/[；;。]$/, "").trim(), score };
        }
      }
    }
    const d = docs[0];
    const name = `${displayName(d)}${d.year ? `${d.year}年` : ""}报告`;
    if (best && best.score >= MIN_COVERAGE) {
      const cites = new CitationList();
      const n = cites.add(best.p);
      return ctx.finish(plan, [`${name}写道：“${best.part}”[${n}]`, best.part.length + 10 < best.sentence.length ? `原文：“${best.sentence}”[${n}]` : ""], cites, [best.p]);
    }
    // The report says nothing of it: the rule, saying so.
    const rule = await answerRules(ctx, { ...plan, kind: "duty", scope: { bodies: [], years: [] } });
    if (!rule) return null;
    const a = rule.answer;
    return { ...rule, answer: { ...a, answer: `${name}中没有写明这一情况；以下是相关规定：\n${a.answer}`, short: `${name}中没有写明这一情况。` } };
  },
};
