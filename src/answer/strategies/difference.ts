import { formatNumber, reportLabel, type Figure } from "../figures.js";
import type { Strategy } from "../strategy.js";
import { cellFor } from "../../domain/format/metrics.js";
import { eraNotes } from "./eras.js";
import { checkComputed, checkNotes, collectCitations, figureAnswer, figureLine, metricName, valueText } from "./figureText.js";
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
      // The later year against the earlier one, whatever order the question names them in.
      let years = plan.years.slice(0, 2).sort((x, y) => x - y);
      // "比上年多了多少": the year named and the one before it.
      if (years.length === 1 && /上年|上一年|去年|前一年|同比/.test(plan.question)) years = [years[0] - 1, years[0]];
      const reps = years.map((y) => held.find((r) => r.year === y));
      if (reps.some((r) => !r)) {
        const missing = years.filter((_, i) => !reps[i]).map((y) => `${y}年`);
        if (years.length < 2) return null;
        return { answer: figureAnswer(plan.original, { short: `语料中没有${plan.bodies[0]}${missing.join("、")}的报告，无法比较。`, lines: [`语料中${plan.bodies[0]}的报告年份：${held.map((r) => r.year).join("、")}。`], citations: [], found: false }), passages: [] };
      }
      pair = reps.map((r) => fs.figure(r!, plan.metric!));
    } else if (plan.bodies.length >= 2 && plan.years.length <= 2) {
      // Two bodies: the same year, each one's latest, or "沈阳市2013年和长沙市2011年" (years paired in order).
      const reps = plan.bodies.slice(0, 2).map((b, i) => {
        const held = fs.reportsOf(b);
        const y = plan.years.length === 2 ? plan.years[i] : plan.years[0];
        return y !== undefined ? held.find((r) => r.year === y) : held[held.length - 1];
      });
      if (reps.some((r) => !r)) return null;
      pair = reps.map((r) => fs.figure(r!, plan.metric!));
    } else return null;
    if (pair.length !== 2) return null;
    // "哪个多": the larger one is said first ("哪个少": the smaller); otherwise the later year against the earlier.
    if (plan.direction && pair[0].value !== null && pair[1].value !== null && pair[0].report.body !== pair[1].report.body) {
      const firstBigger = pair[0].value > pair[1].value;
      if (plan.direction === "max" ? firstBigger : !firstBigger && pair[0].value !== pair[1].value) pair.reverse();
    }
    const [a, b] = pair;
    const name = metricName(a.metric);
    const { citations, first } = collectCitations(pair);
    // Where a report's prose states the metric differently from its table, both are shown.
    const prose: string[] = [];
    for (const f of pair) {
      const other = fs.narrativeDiffering(f);
      if (!other) continue;
      prose.push(`${reportLabel(f.report)}报告正文另写：“${other.sentence.length > 80 ? `${other.sentence.slice(0, 80)}…` : other.sentence}”（${formatNumber(other.value)}${other.unit}），与表中数字不同。`);
      citations.push(other.citation);
    }
    // A figure only sentences state, not read here: the passage strategies compare the sentences.
    if (pair.some((f) => f.status === "missing" && !cellFor(f.metric, f.report.format))) return null;
    if (a.value === null || b.value === null) {
      return {
        answer: figureAnswer(plan.original, { short: `无法计算差值：${pair.filter((f) => f.value === null).map((f) => figureLine(f)).join("；")}。`, lines: pair.filter((f) => f.value !== null).map((f) => figureLine(f) + "。"), citations, found: false }),
        passages: [],
      };
    }
    const diff = b.value - a.value;
    const expr = `${formatNumber(b.value)} − ${formatNumber(a.value)} = ${formatNumber(diff)}`;
    // Two years of one body: an increase or decrease; two bodies: more or fewer.
    const sameBody = a.report.body === b.report.body;
    const more = diff > 0 ? `${sameBody ? "增加" : "多"}${formatNumber(diff)}${a.unit}` : diff < 0 ? `${sameBody ? "减少" : "少"}${formatNumber(-diff)}${a.unit}` : "持平";
    const who = (f: Figure) => (sameBody ? `${f.report.year}年` : reportLabel(f.report));
    const short = `${who(b)}${diff === 0 ? "与" + who(a) + "持平" : `比${who(a)}${more}`}（${expr}）：${reportLabel(b.report)}${name}为${valueText(b)}，${reportLabel(a.report)}为${valueText(a)}。`;
    const computed = [{ expr, value: diff, inputs: [first.get(b)!, first.get(a)!] }];
    computed.push(...checkComputed(pair, first));
    let pct = "";
    if (a.value !== 0) {
      const rate = Math.round((diff / a.value) * 1000) / 10;
      const pexpr = `${formatNumber(diff)} ÷ ${formatNumber(a.value)} ≈ ${rate.toFixed(1)}%`;
      computed.push({ expr: pexpr, value: rate, inputs: [first.get(b)!, first.get(a)!] });
      pct = `变化幅度：${pexpr}。`;
    }
    return {
      answer: figureAnswer(plan.original, {
        short,
        lines: [pct, ...prose, ...eraNotes(pair), ...checkNotes(pair)].filter(Boolean),
        citations,
        computed,
        table: { columns: ["报告", name], rows: pair.map((f) => [reportLabel(f.report), f.value]) },
      }),
      passages: [],
    };
  },
};
