import type { Strategy } from "../strategy.js";
import { asksSeveral } from "../extractive.js";
import { formatNumber, reportLabel, type Figure, type FigureService } from "../figures.js";
import type { Citation, Computed } from "../../types.js";
import { cellFor, findMetric } from "../../domain/format/metrics.js";
import type { ReportRow } from "../../stats/db.js";
import type { StrategyResult } from "../strategy.js";
import { askedClassifier, checkComputed, checkNotes, collectCitations, figureAnswer, figureLine, metricName, valueText, whereStated } from "./figureText.js";
import { targetReports, yearsHeld, type FiguresContext } from "./factsContext.js";
import { claimedValue } from "../../understand/query.js";

/** One figure of one report (or the same figure of each report named), from its table cell or sentence. */
export const valueStrategy: Strategy<FiguresContext> = {
  name: "value",
  operations: ["value"],
  answer(ctx, { plan }) {
    const fs = ctx.figures;
    if (!fs || !plan.metric || (!plan.bodies.length && !plan.years.length)) return null;
    const extra: Citation[] = [];
    const { reports, missing, latestUsed } = targetReports(fs, plan);
    if (!reports.length) {
      if (!missing.length) return null;
      const held = plan.bodies.map((b) => yearsHeld(fs, b)).join("");
      return { answer: figureAnswer(plan.original, { short: `语料中没有${missing.join("、")}的政府信息公开年度报告，无法回答。`, lines: held ? [held] : [], citations: [], found: false }), passages: [] };
    }
    // A question asking several things the vocabulary does not name ("…几条？当面来申请的有几条？"): passages.
    if (asksSeveral(plan.question) && !plan.alsoMetrics?.length) return null;
    // "行政复议和行政诉讼各有多少件", "…一共多少件": each metric the question names, of one report.
    if (reports.length === 1 && plan.alsoMetrics?.length) return severalMetrics(fs, plan.original, reports[0], [plan.metric, ...plan.alsoMetrics], /一共|总共|合计|共计|加起来/.test(plan.question));
    const figs = reports.slice(0, 8).map((r) => fs.figure(r, plan.metric!));
    const known = figs.filter((f) => f.value !== null);
    const lines: string[] = [];
    let short: string;
    if (figs.length === 1) {
      const f = figs[0];
      if (f.value !== null) {
        short = `${reportLabel(f.report)}${metricName(f.metric)}为${valueText(f, askedClassifier(plan.question))}。`;
        // None, said in words ("2011年未收到政府信息公开申请"): the report's words first, the figure after them.
        const none = f.value === 0 && f.status === "sentence" ? f.citations[0]?.quote.match(/[^，,。；;]*(?:未|没有)[^，,。；;]*/)?.[0] : undefined;
        if (none) short = `${reportLabel(f.report)}报告写明：“${none.trim()}”，即${metricName(f.metric)}为${valueText(f, askedClassifier(plan.question))}。`;
        // "受理了300件，对吗": the claim is checked against the figure, and a wrong one is not repeated.
        const claimed = plan.claimed.map(claimedValue).filter((n): n is number => n !== null);
        if (claimed.length) short = claimed.includes(f.value) ? `与报告相符：${short}` : `与报告不符：${short}`;
        const other = fs.narrativeDiffering(f);
        if (other) {
          const carried = carriedIn(fs, f, other.value);
          lines.push(`报告正文另写：“${other.sentence.length > 90 ? `${other.sentence.slice(0, 90)}…` : other.sentence}”（${formatNumber(other.value)}${other.unit}），与表中数字不同${carried ? `（正文数含上年结转的${formatNumber(carried.value!)}件：${formatNumber(f.value)} + ${formatNumber(carried.value!)} = ${formatNumber(other.value)}）` : ""}。`);
          extra.push(other.citation, ...(carried ? carried.citations : []));
        }
      }
      else {
        // A figure stated only in sentences (any report before 2019, a narrative metric in any report) may be
        // worded in ways the patterns do not know: the passage strategies read the sentences. Only a table cell
        // the report's format has is definitive about a missing figure.
        if (f.status === "missing" && !cellFor(f.metric, f.report.format) && !f.metric.sumOf?.[f.report.format as "2019" | "2021"]) return null;
        short = figureLine(f) + "。";
        if (f.status === "missing") {
          const s = fs.stated(f.report);
          if (s.lines.length) lines.push(`该报告载明的有：${s.lines.join(" ")}`);
          return { answer: figureAnswer(plan.original, { short, lines, citations: s.citations, found: false }), passages: [] };
        }
      }
      if (f.note) lines.push(f.note);
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
        table: figs.length > 1 ? { columns: ["报告", metricName(figs[0].metric), "出处"], rows: figs.map((f) => [reportLabel(f.report), f.value, whereStated(f)]) } : null,
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

/** Several metrics of one report, each with its citation; their sum with the working when the question asks for it. */
function severalMetrics(fs: FigureService, question: string, r: ReportRow, metricIds: string[], sum: boolean): StrategyResult | null {
  const figs = metricIds.filter((id) => findMetric(id)).map((id) => fs.figure(r, id));
  const known = figs.filter((f) => f.value !== null);
  if (!known.length) return null;
  const { citations, first } = collectCitations(figs);
  // The short line states every known figure; the metrics a report does not state are said below it.
  const lines = figs.filter((f) => f.value === null).map((f) => figureLine(f) + "。");
  const computed: Computed[] = [];
  let short = `${reportLabel(r)}：${known.map((f) => `${metricName(f.metric)}${valueText(f)}`).join("，")}。`;
  if (sum && known.length === figs.length && new Set(known.map((f) => f.unit)).size === 1) {
    const total = known.reduce((a, f) => a + f.value!, 0);
    const expr = `${known.map((f) => formatNumber(f.value!)).join(" + ")} = ${formatNumber(total)}`;
    computed.push({ expr, value: total, inputs: known.map((f) => first.get(f)!) });
    short = `${reportLabel(r)}合计${formatNumber(total)}${known[0].unit}（${known.map((f) => `${metricName(f.metric)}${valueText(f)}`).join(" + ")}：${expr}）。`;
  }
  computed.push(...checkComputed(figs, first));
  return {
    answer: figureAnswer(question, { short, lines: [...lines, ...checkNotes(figs)], citations, computed, table: { columns: ["项目", "数值"], rows: figs.map((f) => [metricName(f.metric), f.value]) } }),
    passages: [],
  };
}
