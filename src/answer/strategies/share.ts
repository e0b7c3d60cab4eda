import { APPLICATIONS_TABLE } from "../../domain/types.js";
import { findMetric } from "../../domain/format/metrics.js";
import { formatNumber, reportLabel } from "../figures.js";
import type { Strategy } from "../strategy.js";
import { checkComputed, checkNotes, collectCitations, figureAnswer, metricName, valueText } from "./figureText.js";
import { targetReports, type FiguresContext } from "./factsContext.js";

/** The whole a part belongs to: an applicant column's row total, a result row's （七）总计. */
function wholeOf(metricId: string): string | null {
  const [table, row, column] = metricId.split(":");
  if (table !== APPLICATIONS_TABLE || row === "group") return metricId.startsWith("表三:group:") ? `表三:total:${metricId.split(":").pop()}` : null;
  if (column !== "total") return `${table}:${row}:total`;
  if (row === "new" || row === "carried_in" || row === "total" || row === "carried_out") return null;
  return "表三:total:total";
}

/** A part as a share of its whole, both cited, the division shown. */
export const shareStrategy: Strategy<FiguresContext> = {
  name: "share",
  operations: ["share"],
  answer(ctx, { plan }) {
    const fs = ctx.figures;
    const whole = plan.metric ? wholeOf(plan.metric) : null;
    if (!fs || !plan.metric || !whole || !findMetric(whole)) return null;
    const { reports } = targetReports(fs, plan);
    const r = reports[0];
    if (!r) return null;
    const part = fs.figure(r, plan.metric);
    const all = fs.figure(r, whole);
    const { citations, first } = collectCitations([part, all]);
    if (part.value === null || all.value === null || all.value === 0) {
      return { answer: figureAnswer(plan.original, { short: `无法计算占比：${reportLabel(r)}报告${part.value === null ? `未载明${metricName(part.metric)}` : all.value === 0 ? `${metricName(all.metric)}为0` : `未载明${metricName(all.metric)}`}。`, lines: [], citations, found: false }), passages: [] };
    }
    const pct = (part.value / all.value) * 100;
    const expr = `${formatNumber(part.value)} ÷ ${formatNumber(all.value)} × 100% ≈ ${pct.toFixed(1)}%`;
    const short = `${reportLabel(r)}${metricName(part.metric)}${valueText(part)}，占${metricName(all.metric)}（${valueText(all)}）的${pct.toFixed(1)}%（${expr}）。`;
    return {
      answer: figureAnswer(plan.original, { short, lines: checkNotes([part, all]), citations, computed: [{ expr, value: Math.round(pct * 10) / 10, inputs: [first.get(part)!, first.get(all)!] }, ...checkComputed([part, all], first)] }),
      passages: [],
    };
  },
};
