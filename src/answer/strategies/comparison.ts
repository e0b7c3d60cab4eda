import type { IndexedDocument } from "../../types.js";
import type { Passage } from "../../types.js";
import { RELEVANCE_SCOPED, type AnswerContext } from "../context.js";
import { displayName } from "../corpus.js";
import { CitationList } from "../extractive.js";
import type { Plan } from "../../understand/types.js";
import type { Strategy, StrategyResult } from "../strategy.js";

/**
 * A comparison from passages: each report the question names searched on its own, its best figure sentence
 * quoted, and a one-line conclusion when the figures share a unit. The fallback for difference, rank, extreme
 * and series plans (fact-based strategies registered before it answer those first).
 */

/** Most reports one comparison answers for, each searched on its own. */
export const MAX_COMPARED = 6;

async function answerComparison(ctx: AnswerContext, plan: Plan, targets: IndexedDocument[]): Promise<StrategyResult> {
  const cites = new CitationList();
  const lines: string[] = [];
  const all: Passage[] = [];
  const values: Array<{ label: string; name: string; year: number | null; value: number | null; unit: string }> = [];
  for (const d of targets) {
    const passages = await ctx.search(plan, { docIds: [d.docId] }, 6);
    all.push(...passages);
    const best = ctx.bestSentence(plan, passages);
    const label = `${displayName(d)}${d.year ? `${d.year}年` : ""}`;
    if (!best || ctx.relevance(plan, passages) < RELEVANCE_SCOPED) {
      lines.push(`${label}：报告正文中没有找到相关数字。`);
      values.push({ label, name: displayName(d), year: d.year, value: null, unit: "" });
      continue;
    }
    lines.push(...ctx.figureLine(best, cites, `${label}：`));
    if (!best.figure) {
      values.push({ label, name: displayName(d), year: d.year, value: null, unit: "" });
      continue;
    }
    const m = best.figure.match(/^(\d+(?:\.\d+)?)(万|亿)?(.*)$/)!;
    values.push({ label, name: displayName(d), year: d.year, value: Number(m[1]) * (m[2] === "万" ? 1e4 : m[2] === "亿" ? 1e8 : 1), unit: m[3] });
  }
  if (cites.items.length === 0) return ctx.none(plan, "语料中没有找到可比较的相关数字。");
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
  return ctx.finish(plan, lines, cites, all);
}

export const comparison: Strategy<AnswerContext> = {
  name: "comparison",
  operations: ["difference", "rank", "extreme", "series"],
  answer(ctx, { plan }) {
    // Two to a handful of reports; a year shared by many regions is a figure question over all of them (null: search answers).
    const targets = ctx.corpus.targetDocs(plan);
    if (targets.length < 2 || targets.length > MAX_COMPARED) return null;
    return answerComparison(ctx, plan, targets.sort((a, b) => (a.year ?? 0) - (b.year ?? 0) || (a.region ?? "").localeCompare(b.region ?? "")));
  },
};
