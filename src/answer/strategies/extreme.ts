import type { Figure } from "../figures.js";
import { reportLabel } from "../figures.js";
import type { Strategy } from "../strategy.js";
import { eraNotes } from "./eras.js";
import { checkComputed, checkNotes, collectCitations, figureAnswer, metricName, valueText } from "./figureText.js";
import type { FiguresContext } from "./factsContext.js";
import { rankedBodies } from "./rank.js";

/**
 * Which year (of one body) or which body (in one year) has the most or least of a metric. Only reports that
 * state the metric take part; the answer says how many did not.
 */
export const extremeStrategy: Strategy<FiguresContext> = {
  name: "extreme",
  operations: ["extreme"],
  answer(ctx, { plan }) {
    const fs = ctx.figures;
    if (!fs || !plan.metric) return null;
    const overYears = plan.bodies.length === 1 && plan.years.length !== 1;
    const figs: Figure[] = overYears
      ? fs.figuresOf(fs.reportsOf(plan.bodies[0], plan.yearRange ? null : plan.years.length > 1 ? plan.years : null, plan.yearRange), plan.metric!)
      : rankedBodies(fs, plan);
    const known = figs.filter((f) => f.value !== null);
    if (!known.length) return null;
    const dir = plan.direction ?? "max";
    const best = dir === "max" ? Math.max(...known.map((f) => f.value!)) : Math.min(...known.map((f) => f.value!));
    const winners = known.filter((f) => f.value === best);
    const name = metricName(known[0].metric);
    const word = dir === "max" ? "最多" : "最少";
    const who = winners.map((f) => (overYears ? `${f.report.year}年` : f.report.body)).join("、");
    const scope = overYears ? `${plan.bodies[0]}在语料所收的${known.length}个年度中` : `${known[0].report.year}年语料所收的${known.length}个机关中`;
    const short = `${scope}，${name}${word}的是${who}（${valueText(winners[0])}）。`;
    const { citations, first } = collectCitations([...winners, ...known.filter((f) => !winners.includes(f))]);
    const lines = [`依据：${known.map((f) => `${overYears ? `${f.report.year}年` : f.report.body} ${valueText(f)}`).join("；")}。`];
    const silent = figs.length - known.length;
    if (silent) lines.push(`另有${silent}份报告未载明或无法确定该项（${figs.filter((f) => f.value === null).map((f) => reportLabel(f.report)).join("、")}），未参与比较。`);
    lines.push(...eraNotes(known), ...checkNotes(known));
    return {
      answer: figureAnswer(plan.original, {
        short,
        lines,
        citations,
        computed: checkComputed(known, first),
        table: { columns: [overYears ? "年份" : "机关", name], rows: known.map((f) => [overYears ? f.report.year : f.report.body, f.value]) },
      }),
      passages: [],
    };
  },
};
