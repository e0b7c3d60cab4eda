import { NONE_STATEMENT, RELEVANCE_OPEN, RELEVANCE_SCOPED, type AnswerContext } from "../context.js";
import { CitationList, asksSeveral } from "../extractive.js";
import type { Strategy } from "../strategy.js";

/**
 * A figure (or a claimed figure, or anything else) from passages: the best sentence of the reports the question
 * names (or of the whole corpus), its figure clause first, the sentence quoted. Also the "search" fallback, so it
 * never returns null.
 */
export const figure: Strategy<AnswerContext> = {
  name: "figure",
  operations: ["value", "search"],
  async answer(ctx, { plan }) {
    const scope = ctx.scopeFilter(plan);
    const passages = await ctx.search(plan, scope, scope ? 10 : 8);
    if (passages.length === 0 || ctx.relevance(plan, passages) < (scope ? RELEVANCE_SCOPED : RELEVANCE_OPEN))
      return ctx.none(plan, `语料中没有找到能回答该问题的内容。${plan.scope.bodies.map((b) => ctx.corpus.coverageOfBody(b)).join("") || ctx.corpus.coverageSummary()}`);
    const best = ctx.bestSentence(plan, passages);
    // Every sentence was a heading or pointed to a link that may not be shown.
    if (!best) return ctx.none(plan, `语料中没有找到能回答该问题的内容。${ctx.corpus.coverageSummary()}`);
    const cites = new CitationList();
    const lines: string[] = [];
    if (plan.intent === "verify") {
      const claimed = new Set(plan.claimed.map((c) => c.replace(/[^\d.]/g, "")));
      const actual = best.figure ? best.figure.replace(/[^\d.]/g, "") : null;
      lines.push(actual !== null && claimed.has(actual) ? "是的，与报告一致。" : "与报告不符。报告中的原文如下：");
    }
    if (!best.figure && (plan.intent === "figure" || plan.intent === "verify") && !NONE_STATEMENT.test(best.sentence))
      lines.push("报告正文中没有以文字写明这一数字，以下是最相关的原文（统计表在源文件中已被压平，请以原表为准）：");
    lines.push(...ctx.figureLine(best, cites, ctx.leadFor(best.passage), asksSeveral(plan.question) ? ctx.terms(plan) : null));
    return ctx.finish(plan, lines, cites, passages);
  },
};
