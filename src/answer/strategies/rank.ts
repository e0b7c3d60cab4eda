import type { Plan } from "../../understand/types.js";
import type { Figure, FigureService } from "../figures.js";
import type { Strategy } from "../strategy.js";
import { checkComputed, checkNotes, collectCitations, figureAnswer, metricName, valueText } from "./figureText.js";
import type { FiguresContext } from "./factsContext.js";

/** The year a ranking of bodies is about: the one asked, else the latest year in which most bodies reported. */
function rankYear(fs: FigureService, plan: Plan): number | null {
  if (plan.years.length) return plan.years[0];
  const counts = new Map<number, number>();
  for (const r of fs.facts.reports()) if (r.year !== null) counts.set(r.year, (counts.get(r.year) ?? 0) + 1);
  let best: number | null = null;
  for (const [y, n] of counts) if (best === null || n > counts.get(best)! || (n === counts.get(best)! && y > best)) best = y;
  return best;
}

/** Figures of every body with a report in the ranking year (departments only when the question says 部门). */
export function rankedBodies(fs: FigureService, plan: Plan): Figure[] {
  const year = rankYear(fs, plan);
  if (year === null) return [];
  // 部门/局/单位: departments and the 片区 bureaus, not governments.
  const onlyDepartments = /部门|局|单位/.test(plan.question);
  const scope = plan.bodies.length > 1 ? new Set(plan.bodies) : null;
  const reports = fs.reportsInYear(year).filter((r) => (scope ? scope.has(r.body) : !onlyDepartments || r.level === "部门" || r.level === "片区"));
  return fs.figuresOf(reports, plan.metric!);
}

export const rankStrategy: Strategy<FiguresContext> = {
  name: "rank",
  operations: ["rank"],
  answer(ctx, { plan }) {
    const fs = ctx.figures;
    if (!fs || !plan.metric) return null;
    const figs = rankedBodies(fs, plan);
    const known = figs.filter((f) => f.value !== null).sort((a, b) => (plan.direction === "min" ? a.value! - b.value! : b.value! - a.value!));
    if (!known.length) return null;
    const name = metricName(known[0].metric);
    const year = known[0].report.year;
    const short = `${year}年语料所收${known.length}个机关的${name}排名（${plan.direction === "min" ? "从少到多" : "从多到少"}）：${known.slice(0, 10).map((f, i) => `${i + 1}. ${f.report.body} ${valueText(f)}`).join("；")}。`;
    const lines: string[] = [];
    const silent = figs.length - known.length;
    if (silent) lines.push(`另有${silent}个机关的报告未载明或无法确定该项，未列入。`);
    if (!plan.years.length) lines.push(`（问题未指明年份，取语料中报告最多的最近年份：${year}年。）`);
    lines.push(...checkNotes(known));
    const { citations, first } = collectCitations(known);
    return {
      answer: figureAnswer(plan.original, { short, lines, citations, computed: checkComputed(known, first), table: { columns: ["名次", "机关", name], rows: known.map((f, i) => [i + 1, f.report.body, f.value]) } }),
      passages: [],
    };
  },
};
