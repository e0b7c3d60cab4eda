import { SECTION_SEPARATOR } from "../../ingest/chunk.js";
import { GOVERNING_KINDS } from "../../search/types.js";
import type { DocKind, Passage } from "../../types.js";
import { contentWords, RELEVANCE_OPEN, type AnswerContext } from "../context.js";
import { CitationList, excerpt } from "../extractive.js";
import { groupsIn } from "../../domain/vocabulary.js";
import { definedTerm, escapeRegExp } from "../../understand/query.js";
import type { Plan } from "../../understand/types.js";
import type { Strategy, StrategyResult } from "../strategy.js";
import { ruleRefusal } from "./rules.js";

/**
 * Rule questions ("什么是政府信息", "申请内容不明确怎么处理", "答复期限是多少个工作日"): the article or notice
 * section that says it, from the governing texts (regulation 2019/2007, format notices, judicial interpretations),
 * then how the other texts treat it.
 */

/** Which governing texts a rule question is about, best first. */
export function governingKinds(q: string): DocKind[] {
  if (/法院|诉讼|起诉|被告|立案|判决|审理|司法解释|最高法|法释/.test(q)) return ["judicial_interpretation", "regulation", "format_notice"];
  if (/年报|年度报告|表格|统计|格式|填报|报送/.test(q) && !/条例/.test(q)) return ["format_notice", "regulation", "judicial_interpretation"];
  return ["regulation", "format_notice", "judicial_interpretation"];
}

/** "《中华人民共和国政府信息公开条例》（2019年修订）第三十条" or the notice title and section. */
export function ruleSource(p: Passage): string {
  const m = p.chunk.meta;
  const last = m.section.split(SECTION_SEPARATOR).pop() ?? "";
  if (m.kind === "regulation") return `《${m.title}》（${m.year}年${m.year === 2019 ? "修订" : ""}）${/^第.+条$/.test(last) ? last : ` › ${m.section}`}`;
  if (m.kind === "judicial_interpretation") return `《${m.title}》${/^第.+条$/.test(last) ? last : ` › ${m.section}`}`;
  return `《${m.title}》 › ${m.section}`;
}

/** The rule answer; also the drafting strategy's fallback when no report section or example fits. */
export async function answerDefinition(ctx: AnswerContext, plan: Plan): Promise<StrategyResult> {
  const q = plan.question;
  const kinds = governingKinds(q);
  const governing = { kinds: GOVERNING_KINDS };
  const retrieved = await ctx.search(plan, governing, 12, kinds);
  const words = contentWords(`${plan.words} ${plan.context}`);
  const groups = groupsIn(q);
  const asksMeaning = /定义|是什么|什么是|什么叫|何为|何谓|什么意思|含义|指什么|是指|怎么理解/.test(q);
  // "什么是政府信息": the text that defines the term ("本条例所称政府信息，是指…") is the answer.
  const term = definedTerm(q);
  if (term) {
    const defining = new RegExp(`(所称|所说的)${escapeRegExp(term)}[，,]?(是指|指)|^${escapeRegExp(term)}[，,]?是指`, "m");
    for (const c of ctx.chunks.list(governing)) {
      if (defining.test(c.text) && !retrieved.some((p) => p.chunk.id === c.id)) retrieved.unshift({ chunk: c, score: 0 });
    }
  }
  const wantsOld = /2007|2008|旧条例|旧版|原条例|修订前|492号/.test(q);
  const wantsBoth = /新旧|两版|修订前后|前后/.test(q);
  const wantsOldJi = /2011|旧规定|原规定|还有效|废止|失效/.test(q);
  // Rerank: how much of the question the passage covers decides, retrieval order and kind break ties.
  const ranked = retrieved
    .map((p, i) => {
      const m = p.chunk.meta;
      let s = ctx.termCoverage(words, `${m.section} ${p.chunk.text}`, groups) + 0.3 / (1 + i);
      const k = kinds.indexOf(m.kind);
      s += k === 0 ? 0.15 : k === 1 ? 0.05 : 0;
      if (asksMeaning && /是指|所称/.test(p.chunk.text)) s += 0.3;
      if (term && new RegExp(`(所称|所说的)${escapeRegExp(term)}`).test(p.chunk.text)) s += 1;
      if (m.kind === "regulation" && !wantsBoth) s *= (m.year === 2007) === wantsOld ? 1 : 0.6;
      if (m.kind === "judicial_interpretation" && m.year !== null && m.year <= 2011 && !wantsOldJi) s *= 0.7;
      // Table rows (the templates' labels) name categories but explain nothing.
      if (m.block !== "prose") s *= 0.6;
      // The promulgation preamble (国务院令…) names the text but rules nothing.
      if (m.section === "前言") s *= 0.5;
      return { ...p, score: s };
    })
    .sort((a, b) => b.score - a.score);
  if (ranked.length === 0 || ctx.relevance(plan, ranked) < RELEVANCE_OPEN)
    return ctx.none(plan, ruleRefusal(plan));
  const cites = new CitationList();
  const lines: string[] = [];
  const focus = words.filter((w) => ranked[0].chunk.text.includes(w)).sort((a, b) => b.length - a.length)[0] ?? "";
  const main = ranked[0];
  const n = cites.add(main);
  lines.push(`${ruleSource(main)}规定：[${n}]`);
  lines.push(`“${excerpt(main.chunk.text, focus, 400)}”`);
  // Then how the other texts treat it (the other regulation version, the format notice's table, a court rule).
  // Another article of the same text counts when it covers the question as well (不予公开: 第十四、十五、十六条);
  // another text when it covers it reasonably.
  const seen = new Set<string>([main.chunk.meta.docId]);
  for (const p of ranked.slice(1)) {
    if (cites.items.length >= 3) break;
    const sameDoc = seen.has(p.chunk.meta.docId);
    if (p.score < main.score * (sameDoc ? 0.85 : 0.6)) continue;
    seen.add(p.chunk.meta.docId);
    const i = cites.add(p);
    const f = words.filter((w) => p.chunk.text.includes(w)).sort((a, b) => b.length - a.length)[0] ?? "";
    lines.push(`参见${ruleSource(p)}：“${excerpt(p.chunk.text, f, 220)}”[${i}]`);
  }
  return ctx.finish(plan, lines, cites, ranked);
}

export const definition: Strategy<AnswerContext> = {
  name: "definition",
  operations: ["definition", "procedure"],
  answer: (ctx, { plan }) => answerDefinition(ctx, plan),
};
