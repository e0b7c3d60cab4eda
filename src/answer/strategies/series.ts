import type { Figure } from "../figures.js";
import type { Computed } from "../../types.js";
import type { Strategy } from "../strategy.js";
import { eraNotes } from "./eras.js";
import { checkComputed, checkNotes, collectCitations, figureAnswer, metricName, valueText, whereStated } from "./figureText.js";
import type { FiguresContext } from "./factsContext.js";

/** One metric over the years of a body (or of each of a few bodies), as a table. */
export const seriesStrategy: Strategy<FiguresContext> = {
  name: "series",
  operations: ["series", "sum"],
  answer(ctx, { plan }) {
    const fs = ctx.figures;
    if (!fs || !plan.metric || !plan.bodies.length) return null;
    // The years named (one year for several bodies: "2025年A和B各多少件"), the range, or every year held.
    const years = plan.yearRange ? null : plan.years.length > 1 || (plan.years.length === 1 && plan.bodies.length > 1) ? plan.years : null;
    const rows: Figure[][] = plan.bodies.slice(0, 4).map((b) => fs.reportsOf(b, years, plan.yearRange).map((r) => fs.figure(r, plan.metric!)));
    const figs = rows.flat();
    if (!figs.length) return null;
    const known = figs.filter((f) => f.value !== null);
    const name = metricName(figs[0].metric);
    const lines: string[] = [];
    const { citations, first } = collectCitations(figs);
    const computed: Computed[] = [];
    for (const series of rows) {
      const k = series.filter((f) => f.value !== null);
      if (!k.length) continue;
      const body = series[0].report.body;
      lines.push(`${body}：${series.map((f) => `${f.report.year}年 ${f.value === null ? (f.status === "undecided" ? "未能确定" : "未载明") : valueText(f)}`).join("；")}。`);
      if (plan.operation === "sum" && k.length > 1) {
        const total = k.reduce((a, f) => a + f.value!, 0);
        computed.push({ expr: `${k.map((f) => f.value).join(" + ")} = ${total}`, value: total, inputs: k.map((f) => first.get(f)!) });
        lines.push(`合计（仅计载明的年份）：${k.map((f) => f.value).join(" + ")} = ${total}${k[0].unit}。`);
      }
    }
    const missingYears = figs.filter((f) => f.value === null).map((f) => `${f.report.year}年`);
    if (missingYears.length) lines.push(`${missingYears.join("、")}的报告未载明或无法确定该项，表中留空，未作推断。`);
    lines.push(...eraNotes(figs), ...checkNotes(figs));
    computed.push(...checkComputed(figs, first));
    const span = `${figs[0].report.year}–${figs[figs.length - 1].report.year}年`;
    // A few figures are the answer itself, one per year (and body): said in the first line, not only in the table.
    const perBody = rows.filter((r) => r.length).map((series) => `${series[0].report.body}${name}：${series.map((f) => `${f.report.year}年${f.value === null ? (f.status === "undecided" ? "未能确定" : "未载明") : valueText(f)}`).join("，")}`);
    const short = !known.length
      ? `${plan.bodies.join("、")}的报告均未载明${name}。`
      : figs.length <= 12
        ? `${perBody.join("；")}（语料中有报告的年份）。`
        : `${plan.bodies.slice(0, 4).join("、")}${span}${name}（语料中有报告的年份）见下表。`;
    if (known.length && figs.length <= 12) lines.splice(0, lines.length, ...lines.filter((l) => !rows.some((r) => r.length && l.startsWith(`${r[0].report.body}：`))));
    return {
      answer: figureAnswer(plan.original, {
        short,
        lines,
        citations,
        computed,
        found: known.length > 0,
        table: { columns: ["机关", "年份", name, "出处"], rows: figs.map((f) => [f.report.body, f.report.year, f.value, whereStated(f)]) },
      }),
      passages: [],
    };
  },
};
