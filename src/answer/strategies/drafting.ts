import { SECTION_SEPARATOR, splitSentences } from "../../ingest/chunk.js";
import type { SearchFilter } from "../../search/types.js";
import type { Passage } from "../../types.js";
import { contentWords, PRECEDENT, withStatutory, type AnswerContext } from "../context.js";
import { CitationList, citeLabel, excerpt } from "../extractive.js";
import { displayName } from "../corpus.js";
import { groupsIn, sectionGroup } from "../../domain/vocabulary.js";
import type { Plan } from "../../understand/types.js";
import type { Strategy, StrategyResult } from "../strategy.js";
import { answerDefinition } from "./definition.js";

/** Words naming the report or its parts, or asking (怎么, 哪些), not a practice described in a report. */
const DOCUMENT_WORDS = /^(年度报告|年度|年报|报告|工作报告|部分|内容|章节|段落|别人|别的|其他|单位|部门|怎么|如何|怎样|哪些|什么|可以|应该|原文|例子|举例|提到|提过|写过|给我|几个|哪家|哪份|有没有|现成|说法|一般|地方|通常|别的地方|类似|参考)$/;

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

/** The practice a question asks examples of: "有没有单位写过办前沟通的做法" → 办前沟通. */
export function practiceOf(q: string): string | null {
  // A quoted span is the practice as the asker would write it ("怎么写“申请量同比增长”的").
  // A quoted section name ("“其他需要报告的事项”里…") says where, not what.
  const quoted = [...q.matchAll(/[“"「]([^”"」]{2,24})[”"」]/g)].map((m) => m[1]).find((t) => !sectionGroup(t));
  if (quoted) return quoted;
  const m = q.match(/(?:写过|写了|提到过?|提过|体现|反映)[“"「]?([\u4e00-\u9fa5、\dA-Za-z]{2,24}?)[”"」]?(?:的(?:做法|问题|情况|内容|经验|说法|写法|举措|措施)|[？?，,。]|$)/);
  return m ? m[1].replace(/的$/, "") : null;
}

function pairs(s: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 2 <= s.length; i++) out.push(s.slice(i, i + 2));
  return out;
}

/**
 * The sentence of a passage that shows the practice: most of the practice's character pairs (办前沟通 ~ 办前主动沟通)
 * and of its words. Returns the sentence and its score (0 when it shows nothing).
 */
export function showingSentence(text: string, words: string[], practice: string | null, section = "", rarest: string | null = null): { sentence: string; score: number } {
  let best = { sentence: "", score: 0 };
  const ps = practice ? pairs(practice) : [];
  // A heading line opening a chunk names its section; it shows no practice.
  const headings = new Set(section.split(SECTION_SEPARATOR).map((h) => h.replace(/\s+/g, "")));
  for (const sentence of splitSentences(text)) {
    if (headings.has(sentence.replace(/\s+/g, "").replace(/[。；]$/, "")) || sentence.trim().length < 8) continue;
    // The question's rarest word is what sets the practice apart (培训 in 政务公开培训): a sentence without it shows another.
    if (rarest && !sentence.includes(rarest)) continue;
    const w = words.length ? words.filter((x) => sentence.includes(x)).length / words.length : 0;
    const p = ps.length ? ps.filter((x) => sentence.includes(x)).length / ps.length : 0;
    const score = ps.length ? 0.6 * p + 0.4 * w : w;
    if (score > best.score) best = { sentence: sentence.trim(), score };
  }
  return best;
}

/** The word of a list the corpus uses least (null for none used). */
function rarestOf(ctx: AnswerContext, words: string[]): string | null {
  const used = words.filter((w) => ctx.lexical.df(w) > 0);
  return used.length ? used.reduce((a, b) => (ctx.idf(b) > ctx.idf(a) ? b : a)) : null;
}

/** Passages of several reports that do what the question describes, one per report. */
async function answerPrecedents(ctx: AnswerContext, plan: Plan): Promise<StrategyResult> {
  const reports = ctx.corpus.docs.filter((d) => d.kind === "report" && (plan.scope.bodies.length === 0 || (d.region && plan.scope.bodies.includes(d.region))));
  const scope: SearchFilter = plan.scope.bodies.length ? { docIds: reports.map((d) => d.docId) } : { kinds: ["report"] };
  // Table chunks repeat the template's labels in every report: many more candidates, then the prose among them.
  const retrieved = (await ctx.search(withStatutory(plan), scope, 80, ["report"])).filter((p) => p.chunk.meta.block === "prose");
  const words = contentWords(plan.words).filter((w) => !DOCUMENT_WORDS.test(w));
  const groups = groupsIn(plan.question);
  const ranked = retrieved
    .map((p, i) => ({ ...p, score: ctx.termCoverage(words, `${p.chunk.meta.section} ${p.chunk.text}`, groups) + 0.3 / (1 + i) }))
    .sort((a, b) => b.score - a.score);
  const practice = practiceOf(plan.question);
  // The rarest word of the practice itself must be there; words describing the request (起草, 开头) need not.
  const rarest = practice ? rarestOf(ctx, words.filter((w) => practice.includes(w))) : null;
  const picked: Array<{ p: Passage; sentence: string }> = [];
  for (const p of ranked) {
    if (picked.length >= 5 || p.score < 0.45) break;
    if (picked.some((x) => x.p.chunk.meta.docId === p.chunk.meta.docId)) continue;
    const shown = showingSentence(p.chunk.text, words, practice, p.chunk.meta.section, rarest);
    if (shown.score >= (practice ? 0.5 : 0.34) && !picked.some((x) => x.sentence === shown.sentence)) picked.push({ p, sentence: shown.sentence });
  }
  if (picked.length === 0) return ctx.none(plan, "语料中的报告没有找到相应的写法。");
  const cites = new CitationList();
  const lines = ["以下报告有相关写法可供参考："];
  for (const x of picked) {
    const n = cites.add(x.p);
    const m = x.p.chunk.meta;
    lines.push(`[${n}] ${displayName(m)}${m.year ? `${m.year}年` : ""} › ${m.section}：“${x.sentence}”`);
  }
  return ctx.finish(plan, lines, cites, ranked);
}

async function answerDrafting(ctx: AnswerContext, plan: Plan): Promise<StrategyResult> {
  const group = ctx.draftingGroup(plan.question);
  // Without a named section: a request for examples is answered from the reports, anything else from the
  // regulation and notices (the report as a whole).
  if (!group) return plan.kind === "examples" || PRECEDENT.test(plan.question) ? answerPrecedents(ctx, plan) : answerDefinition(ctx, plan);
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
  const practice = practiceOf(plan.question);
  const extra = contentWords(plan.words).filter(
    (w) => !group.terms.some((t) => t.includes(w) || w.includes(t)) && ctx.lexical.df(w) > 0 && !PRECEDENT.test(w) && !DOCUMENT_WORDS.test(w),
  );
  const asksExamples = plan.kind === "examples" || PRECEDENT.test(plan.question);
  if ((extra.length || practice) && asksExamples) {
    // Only a chunk holding one of the words (or a glossary equivalent, or a pair of the practice's characters) can
    // show the practice: a substring test skips scoring every other chunk of the section across all reports.
    const needles = [...new Set([...extra, ...groupsIn(extra.join("")).flatMap((g) => g.terms), ...(practice ? pairs(practice) : [])])];
    const scope: SearchFilter = plan.scope.bodies.length || plan.scope.years.length ? { docIds: reports.map((d) => d.docId) } : { kinds: ["report"] };
    const inSection = ctx.chunks
      .list(scope)
      .filter((c) => c.meta.block === "prose" && hints.some((h) => c.meta.section.includes(h)) && needles.some((w) => c.text.includes(w)));
    const scored = inSection
      .map((c) => ({ p: { chunk: c, score: 1 } as Passage, ...showingSentence(c.text, extra, practice, c.meta.section, practice ? rarestOf(ctx, extra.filter((w) => practice.includes(w))) : null) }))
      // Half of what the question describes is enough: the rest is how people describe a practice (体现, 做法, 类似).
      .filter((x) => x.score >= 0.5)
      .sort((a, b) => b.score - a.score || (b.p.chunk.meta.year ?? 0) - (a.p.chunk.meta.year ?? 0));
    const picked: Array<{ p: Passage; sentence: string }> = [];
    // One per report, and a sentence several reports share word for word is shown once.
    for (const x of scored) if (picked.length < 5 && !picked.some((y) => y.p.chunk.meta.docId === x.p.chunk.meta.docId || y.sentence === x.sentence)) picked.push(x);
    if (picked.length) {
      // Examples were asked for: each with its report, section and the sentence that shows it, after what the
      // notice requires of the section (when it says anything).
      lines.push(`以下报告在“${hints[0]}”部分有相关写法：`);
      for (const x of picked) {
        all.push(x.p);
        const n = cites.add(x.p);
        const m = x.p.chunk.meta;
        lines.push(`[${n}] ${displayName(m)}${m.year ? `${m.year}年` : ""} › ${m.section}：“${x.sentence}”`);
      }
      return ctx.finish(plan, lines, cites, all);
    }
    // Examples of a practice were asked for and the reports in scope have none: say so; with a scope, look at all reports.
    if (plan.scope.bodies.length || plan.scope.years.length) {
      const wider = await answerDrafting(ctx, { ...plan, scope: { bodies: [], years: [] } });
      if (wider.answer.found) {
        const where = `${plan.scope.bodies.join("、")}${plan.scope.years.map((y) => `${y}年`).join("、")}`;
        return { ...wider, answer: { ...wider.answer, answer: `语料中${where}的报告没有找到这种写法；其他报告中有：\n${wider.answer.answer}` } };
      }
    }
    // Nothing shows the practice: what the notice requires of the section, with the section from a few reports, says
    // at least how it is written; with no requirement either, say so.
    if (!cites.items.length) return ctx.none(plan, `语料中的报告在“${hints[0]}”部分没有找到这种写法。`);
    lines.push(`语料中的报告在“${hints[0]}”部分没有找到专门写这一做法的段落。`);
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
