import { SECTION_SEPARATOR } from "../../ingest/chunk.js";
import type { Passage } from "../../types.js";

/** Longest section shown whole (characters); a longer one is cut with "…" and its citation opens it in full. */
const WHOLE_CAP = 1500;
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
    const targets = ctx.corpus.targetDocs(plan).sort((a, b) => (b.year ?? 0) - (a.year ?? 0)).slice(0, 3);
    for (const d of targets) {
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
      // The section whole (its prose, subsections included, in order), capped: one report asked for is shown in full.
      const whole = ctx.chunks
        .list({ docIds: [d.docId] })
        .filter((c) => c.meta.block === "prose" && (c.meta.section === hit.top || c.meta.section.startsWith(hit.top + SECTION_SEPARATOR)))
        .map((c) => c.text)
        .join("\n");
      const cap = targets.length === 1 ? WHOLE_CAP : 400;
      // The citation is the section as shown (the numbers of every subsection are in it).
      if (whole) Object.assign(cites.items[n - 1], { section: hit.top, quote: whole });
      lines.push(`${displayName(d)}${d.year ? `${d.year}年` : ""}报告“${hit.top}”部分原文：[${n}]`);
      lines.push(`“${excerpt(whole || p.chunk.text, "", cap)}”`);
    }
    return lines.length ? ctx.finish(plan, lines, cites, passages) : null;
  },
};
