import type { Strategy } from "../strategy.js";
import { formatNumber, reportLabel, type Figure, type FigureService } from "../figures.js";
import type { Citation } from "../../types.js";
import { checkComputed, checkNotes, collectCitations, figureAnswer, figureLine, metricName, valueText } from "./figureText.js";
import { targetReports, yearsHeld, type FiguresContext } from "./factsContext.js";

/** One figure of one report (or the same figure of each report named), from its table cell or sentence. */
export const valueStrategy: Strategy<FiguresContext> = {
  name: "value",
  operations: ["value"],
  answer(ctx, { plan, info }) {
    const fs = ctx.figures;
    if (!fs || !plan.metric || (!plan.bodies.length && !plan.years.length)) return null;
    const extra: Citation[] = [];
    const { reports, missing, latestUsed } = targetReports(fs, plan);
    if (!reports.length) {
      if (!missing.length) return null;
      const held = plan.bodies.map((b) => yearsHeld(fs, b)).join("");
      return { answer: figureAnswer(plan.original, { short: `语料中没有${missing.join("、")}的政府信息公开年度报告，无法回答。`, lines: held ? [held] : [], citations: [], found: false }), passages: [] };
    }
    const figs = reports.slice(0, 8).map((r) => fs.figure(r, plan.metric!));
    const known = figs.filter((f) => f.value !== null);
    const lines: string[] = [];
    let short: string;
    if (figs.length === 1) {
      const f = figs[0];
      if (f.value !== null) {
        short = `${reportLabel(f.report)}${metricName(f.metric)}为${valueText(f)}。`;
        // "受理了300件，对吗": the claim is checked against the figure, and a wrong one is not repeated.
        const claimed = info.claimed.map(Number).filter((n) => Number.isFinite(n));
        if (claimed.length) short = claimed.includes(f.value) ? `与报告相符：${short}` : `与报告不符：${short}`;
        const other = fs.narrativeDiffering(f);
        if (other) {
          const carried = carriedIn(fs, f, other.value);
          lines.push(`报告正文另写：“${other.sentence.length > 90 ? `${other.sentence.slice(0, 90)}…` : other.sentence}”（${formatNumber(other.value)}${other.unit}），与表中数字不同${carried ? `（正文数含上年结转的${formatNumber(carried.value!)}件：${formatNumber(f.value)} + ${formatNumber(carried.value!)} = ${formatNumber(other.value)}）` : ""}。`);
          extra.push(other.citation, ...(carried ? carried.citations : []));
        }
      }
      else {
        // Before 2019 the figures are in sentences the patterns may not know: the passage strategies read them.
        if (f.status === "missing" && f.report.format === "pre2019") return null;
        short = figureLine(f) + "。";
        if (f.status === "missing") {
          const s = fs.stated(f.report);
          if (s.lines.length) lines.push(`该报告载明的有：${s.lines.join(" ")}`);
          return { answer: figureAnswer(plan.original, { short, lines, citations: s.citations, found: false }), passages: [] };
        }
      }
      if (f.status === "sum") lines.push(f.basis === "channels" ? `报告未写总数，只分渠道列出；相加：${f.working}。` : `计算：${f.working}（${f.citations.length}个单元格相加）。`);
    } else {
      short = figs.map((f) => figureLine(f)).join("；") + "。";
    }
    if (latestUsed) lines.push(`（问题未指明年份，取语料中最新的报告：${figs.map((f) => `${f.report.year}年`).join("、")}。）`);
    if (missing.length) lines.push(`语料中没有${missing.join("、")}的报告。`);
    lines.push(...checkNotes(figs));
    const { citations, first } = collectCitations(figs);
    citations.push(...extra);
    const computed = [
      ...figs.filter((f) => f.status === "sum").map((f) => ({ expr: f.working!, value: f.value!, inputs: f.citations.map((_, i) => first.get(f)! + i) })),
      ...checkComputed(figs, first),
    ];
    return {
      answer: figureAnswer(plan.original, {
        short,
        lines,
        citations,
        computed,
        found: known.length > 0,
        table: figs.length > 1 ? { columns: ["报告", metricName(figs[0].metric), "出处"], rows: figs.map((f) => [reportLabel(f.report), f.value, f.citations[0]?.cell?.table ?? (f.status === "sentence" ? "正文" : "—")]) } : null,
      }),
      passages: [],
    };
  },
};

/** The carried-over applications, when the sentence's figure is the table's new plus carried-over ones. */
function carriedIn(fs: FigureService, f: Figure, stated: number): Figure | null {
  if (!f.metric.id.startsWith("表三:new:")) return null;
  const carried = fs.figure(f.report, f.metric.id.replace(":new:", ":carried_in:"));
  return carried.value !== null && carried.value > 0 && carried.value + f.value! === stated ? carried : null;
}
