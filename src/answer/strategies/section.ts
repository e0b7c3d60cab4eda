import type { Passage } from "../../types.js";
import type { AnswerContext } from "../context.js";
import { displayName } from "../corpus.js";
import { CitationList, excerpt } from "../extractive.js";
import type { Strategy } from "../strategy.js";

/**
 * "长沙2011年的下步工作打算是什么": the opening of the section the question names, as written, from each report
 * the question names (at most three, newest first). Null when no named report has that section (the passage
 * search answers then).
 */
export const section: Strategy<AnswerContext> = {
  name: "section",
  operations: ["section"],
  answer(ctx, { plan }) {
    if (!plan.scope.bodies.length && !plan.scope.years.length) return null;
    const group = ctx.draftingGroup(plan.question);
    if (!group) return null;
    const hints = group.sectionHints ?? [];
    const cites = new CitationList();
    const lines: string[] = [];
    const passages: Passage[] = [];
    for (const d of ctx.corpus.targetDocs(plan).sort((a, b) => (b.year ?? 0) - (a.year ?? 0)).slice(0, 3)) {
      const hit = ctx.corpus
        .topSections(d.docId)
        .map((t) => ({ ...t, rank: hints.findIndex((h) => t.top.includes(h)) }))
        .filter((t) => t.rank >= 0)
        .sort((a, b) => a.rank - b.rank)[0];
      const chunk = hit && ctx.chunks.get(hit.id);
      if (!hit || !chunk) continue;
      const p: Passage = { chunk, score: 1 };
      passages.push(p);
      const n = cites.add(p);
      lines.push(`${displayName(d)}${d.year ? `${d.year}年` : ""}报告“${hit.top}”部分原文：[${n}]`);
      lines.push(`“${excerpt(p.chunk.text, "", 400)}”`);
    }
    return lines.length ? ctx.finish(plan, lines, cites, passages) : null;
  },
};
