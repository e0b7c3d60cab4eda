import { SECTION_SEPARATOR } from "../../ingest/chunk.js";
import type { SearchFilter } from "../../search/types.js";
import type { Passage } from "../../types.js";
import { contentWords, PRECEDENT, type AnswerContext } from "../context.js";
import { CitationList, citeLabel, excerpt } from "../extractive.js";
import { groupsIn } from "../../domain/vocabulary.js";
import type { Plan } from "../../understand/types.js";
import type { Strategy, StrategyResult } from "../strategy.js";
import { answerDefinition } from "./definition.js";

/** Words naming the report or its parts, or asking (怎么, 哪些), not a practice described in a report. */
const DOCUMENT_WORDS = /^(年度报告|年度|年报|报告|工作报告|部分|内容|章节|段落|别人|其他|单位|部门|怎么|如何|怎样|哪些|什么|可以|应该)$/;

/**
 * The section's first chunk in every report, best title match first, newest first: the same for every question
 * about that section over all reports, so it is computed once per index (the index never changes under an engine).
 */
const sectionExamples = new WeakMap<AnswerContext, Map<string, Array<{ p: Passage; rank: number; year: number }>>>();

/**
 * Drafting help ("依申请公开部分怎么写", "有没有报告写过办前沟通的做法"): what the format notice requires of the
 * section named, then that section from several reports. Without a named section, examples from the reports
 * when examples are asked for, otherwise the rule.
 */

/** Passages of several reports that do what the question describes, one per report. */
async function answerPrecedents(ctx: AnswerContext, plan: Plan): Promise<StrategyResult> {
  const reports = ctx.corpus.docs.filter((d) => d.kind === "report" && (plan.scope.bodies.length === 0 || (d.region && plan.scope.bodies.includes(d.region))));
  const scope: SearchFilter = plan.scope.bodies.length ? { docIds: reports.map((d) => d.docId) } : { kinds: ["report"] };
  const retrieved = await ctx.search(plan, scope, 20, ["report"]);
  const words = contentWords(plan.words);
  const groups = groupsIn(plan.question);
  const ranked = retrieved
    .map((p, i) => ({ ...p, score: ctx.termCoverage(words, `${p.chunk.meta.section} ${p.chunk.text}`, groups) + 0.3 / (1 + i) }))
    .sort((a, b) => b.score - a.score);
  const picked: Passage[] = [];
  for (const p of ranked) {
    if (picked.length >= 3 || p.score < 0.45) break;
    if (p.chunk.meta.block !== "prose" || picked.some((x) => x.chunk.meta.docId === p.chunk.meta.docId)) continue;
    picked.push(p);
  }
  if (picked.length === 0) return ctx.none(plan, "语料中的报告没有找到相应的写法。");
  const cites = new CitationList();
  const lines = ["以下报告有相关写法可供参考："];
  for (const p of picked) {
    const n = cites.add(p);
    const focus = words.filter((w) => p.chunk.text.includes(w)).sort((a, b) => b.length - a.length)[0] ?? "";
    lines.push(`[${n}] ${citeLabel(cites.items[n - 1])}：“${excerpt(p.chunk.text, focus, 200)}”`);
  }
  return ctx.finish(plan, lines, cites, ranked);
}

async function answerDrafting(ctx: AnswerContext, plan: Plan): Promise<StrategyResult> {
  const group = ctx.draftingGroup(plan.question);
  // Without a named section: a request for examples is answered from the reports, anything else from the
  // regulation and notices (the report as a whole).
  if (!group) return PRECEDENT.test(plan.question) ? answerPrecedents(ctx, plan) : answerDefinition(ctx, plan);
  const hints = group.sectionHints!;
  const cites = new CitationList();
  const lines: string[] = [];
  const all: Passage[] = [];
  // The requirement: the format notice section titled like the one asked about, newest notice first.
  const notices = ctx.corpus.docs.filter((d) => d.kind === "format_notice").sort((a, b) => (b.year ?? 0) - (a.year ?? 0));
  for (const d of notices) {
    const chunk = ctx.chunks.list({ docIds: [d.docId] }).find((c) => {
      const last = c.meta.section.split(SECTION_SEPARATOR).pop() ?? "";
      return c.meta.block === "prose" && hints.some((h) => last.includes(h));
    });
    if (chunk === undefined) continue;
    const p: Passage = { chunk, score: 1 };
    all.push(p);
    const n = cites.add(p);
    lines.push(`现行格式要求（${citeLabel(cites.items[n - 1])}）：[${n}]`);
    lines.push(`“${excerpt(p.chunk.text, hints[0], 400)}”`);
    break;
  }
  // Precedents: that section from several reports (those named, if any), best-matching title first, newest first, one per report.
  const reports = plan.scope.bodies.length || plan.scope.years.length ? ctx.corpus.targetDocs(plan) : ctx.corpus.docs.filter((d) => d.kind === "report");
  const scoped = Boolean(plan.scope.bodies.length || plan.scope.years.length);
  const memo = scoped ? null : (sectionExamples.get(ctx) ?? sectionExamples.set(ctx, new Map()).get(ctx)!);
  let candidates = memo?.get(hints.join("|"));
  if (!candidates) {
    candidates = [];
    for (const d of reports) {
      for (const { top, id } of ctx.corpus.topSections(d.docId)) {
        const rank = hints.findIndex((h) => top.includes(h));
        if (rank < 0) continue;
        const chunk = ctx.chunks.get(id);
        if (!chunk) continue;
        candidates.push({ p: { chunk, score: 1 }, rank, year: d.year ?? 0 });
        break;
      }
    }
    candidates.sort((a, b) => a.rank - b.rank || b.year - a.year);
    memo?.set(hints.join("|"), candidates);
  }
  let examples = candidates.slice(0, 3).map((c) => c.p);
  // "依申请公开部分想体现办前沟通的做法": words beyond the section's own name pick the passages that do it.
  // Words that name the request (别人, 怎么写) or the document (年度报告, 部分) say nothing about the practice.
  const extra = contentWords(plan.words).filter(
    (w) => !group.terms.some((t) => t.includes(w) || w.includes(t)) && ctx.lexical.df(w) > 0 && !PRECEDENT.test(w) && !DOCUMENT_WORDS.test(w),
  );
  if (extra.length && PRECEDENT.test(plan.question)) {
    // Only a chunk holding one of the words (or a glossary equivalent of one) can reach the bar below: a substring
    // test skips the scoring of every other chunk of the section across all reports.
    const needles = [...new Set([...extra, ...groupsIn(extra.join("")).flatMap((g) => g.terms)])];
    const scope: SearchFilter = plan.scope.bodies.length || plan.scope.years.length ? { docIds: reports.map((d) => d.docId) } : { kinds: ["report"] };
    const inSection = ctx.chunks
      .list(scope)
      .filter((c) => hints.some((h) => c.meta.section.includes(h)) && needles.some((w) => c.text.includes(w)));
    const scored = inSection
      .map((c) => ({ p: { chunk: c, score: 1 } as Passage, s: ctx.termCoverage(extra, c.text) }))
      // A third of the specific words is enough: the rest is how people describe a practice (体现, 做法, 类似).
      .filter((x) => x.s >= 0.34)
      .sort((a, b) => b.s - a.s || (b.p.chunk.meta.year ?? 0) - (a.p.chunk.meta.year ?? 0));
    const picked: Passage[] = [];
    for (const x of scored) if (picked.length < 3 && !picked.some((p) => p.chunk.meta.docId === x.p.chunk.meta.docId)) picked.push(x.p);
    if (picked.length) examples = picked;
  }
  if (examples.length === 0 && cites.items.length === 0) return answerDefinition(ctx, plan);
  if (examples.length) lines.push("其他报告的写法示例：");
  for (const p of examples) {
    all.push(p);
    const n = cites.add(p);
    lines.push(`[${n}] ${citeLabel(cites.items[n - 1])}：“${excerpt(p.chunk.text, "", 180)}”`);
  }
  return ctx.finish(plan, lines, cites, all);
}

export const drafting: Strategy<AnswerContext> = {
  name: "drafting",
  operations: ["precedents", "format"],
  answer: (ctx, { plan }) => answerDrafting(ctx, plan),
};
