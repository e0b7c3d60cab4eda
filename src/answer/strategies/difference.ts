import { formatNumber, reportLabel, type Figure } from "../figures.js";
import type { Strategy } from "../strategy.js";
import { eraNotes } from "./eras.js";
import { checkNotes, collectCitations, figureAnswer, figureLine, metricName, valueText } from "./figureText.js";
import type { FiguresContext } from "./factsContext.js";

/** How much more or less between two reports (two years of a body, or two bodies in a year), working shown. */
export const differenceStrategy: Strategy<FiguresContext> = {
  name: "difference",
  operations: ["difference"],
  answer(ctx, { plan }) {
    const fs = ctx.figures;
    if (!fs || !plan.metric) return null;
    let pair: Figure[] = [];
    if (plan.bodies.length === 1) {
      const held = fs.reportsOf(plan.bodies[0]);
      let years = plan.years.slice(0, 2);
      // "比上年多了多少": the year named and the one before it.
      if (years.length === 1 && /上年|上一年|去年|前一年|同比/.test(plan.question)) years = [years[0] - 1, years[0]];
      const reps = years.map((y) => held.find((r) => r.year === y));
      if (reps.some((r) => !r)) {
        const missing = years.filter((_, i) => !reps[i]).map((y) => `${y}年`);
        if (years.length < 2) return null;
        return { answer: figureAnswer(plan.original, { short: `语料中没有${plan.bodies[0]}${missing.join("、")}的报告，无法比较。`, lines: [`语料中${plan.bodies[0]}的报告年份：${held.map((r) => r.year).join("、")}。`], citations: [], found: false }), passages: [] };
      }
      pair = reps.map((r) => fs.figure(r!, plan.metric!));
    } else if (plan.bodies.length >= 2 && plan.years.length <= 1) {
      const reps = plan.bodies.slice(0, 2).map((b) => {
        const held = fs.reportsOf(b);
        return plan.years.length ? held.find((r) => r.year === plan.years[0]) : held[held.length - 1];
      });
      if (reps.some((r) => !r)) return null;
      pair = reps.map((r) => fs.figure(r!, plan.metric!));
    } else return null;
    const [a, b] = pair;
    const name = metricName(a.metric);
    const { citations, first } = collectCitations(pair);
    if (a.value === null || b.value === null) {
      return {
        answer: figureAnswer(plan.original, { short: `无法计算差值：${pair.filter((f) => f.value === null).map((f) => figureLine(f)).join("；")}。`, lines: pair.filter((f) => f.value !== null).map((f) => figureLine(f) + "。"), citations, found: false }),
        passages: [],
      };
    }
    const diff = b.value - a.value;
    const expr = `${formatNumber(b.value)} − ${formatNumber(a.value)} = ${formatNumber(diff)}`;
    const more = diff > 0 ? `多${formatNumber(diff)}${a.unit}` : diff < 0 ? `少${formatNumber(-diff)}${a.unit}` : "持平";
    const short = `${reportLabel(b.report)}${name}为${valueText(b)}，${reportLabel(a.report)}为${valueText(a)}，${reportLabel(b.report)}${diff === 0 ? "与之持平" : `比${reportLabel(a.report)}${more}`}（${expr}）。`;
    const pct = a.value !== 0 ? `变化幅度：${formatNumber(diff)} ÷ ${formatNumber(a.value)} ≈ ${(diff / a.value * 100).toFixed(1)}%。` : "";
    return {
      answer: figureAnswer(plan.original, {
        short,
        lines: [pct, ...eraNotes(pair), ...checkNotes(pair)].filter(Boolean),
        citations,
        computed: [{ expr, value: diff, inputs: [first.get(b)!, first.get(a)!] }],
        table: { columns: ["报告", name], rows: pair.map((f) => [reportLabel(f.report), f.value]) },
      }),
      passages: [],
    };
  },
};
