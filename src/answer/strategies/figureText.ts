import type { Metric } from "../../domain/format/metrics.js";
import type { Answer, AnswerTable, Citation, Computed } from "../../types.js";
import { formatNumber, reportLabel, type Figure } from "../figures.js";

/**
 * Words shared by the figure strategies: how a metric, a figure and a failed check are said. Structured
 * answers only; channels render them.
 */

/** "（三）不予公开 › 5.属于三类内部事务信息（总计）" → "不予公开·属于三类内部事务信息". */
export function metricName(m: Metric): string {
  return m.label
    .split(" › ")
    .map((p) => p.replace(/^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+\.)/, "").replace(/（区分处理的[^）]*）/, ""))
    .join("·");
}

/** Classifiers of a case count: a question's own ("36起") is used for the same count. */
const CASE_CLASSIFIERS = new Set(["件", "起", "宗", "份"]);

export function valueText(f: Figure, asked?: string | null): string {
  if (f.value === null) return "";
  const unit = asked && CASE_CLASSIFIERS.has(asked) && CASE_CLASSIFIERS.has(f.unit) ? asked : f.unit;
  return `${formatNumber(f.value)}${unit}`;
}

/** The case classifier a question counts in ("有多少起" → 起), if any. */
export function askedClassifier(q: string): string | null {
  return q.match(/(?:多少|几)([件起宗份])/)?.[1] ?? null;
}

/** Where a figure stands, for a table's 出处 column: its table, 正文 for a sentence, — when not stated. */
export function whereStated(f: Figure): string {
  return f.citations[0]?.cell?.table ?? (f.status === "sentence" ? "正文" : "—");
}

/** One line for one figure, saying where it stands. */
export function figureLine(f: Figure): string {
  const who = reportLabel(f.report);
  switch (f.status) {
    case "cell":
      return `${who}${metricName(f.metric)}：${valueText(f)}（${f.citations[0].cell?.table ?? "表"}）`;
    case "sum":
      return f.basis === "channels"
        ? `${who}${metricName(f.metric)}：${valueText(f)}（报告未写总数，只分渠道列出，相加：${f.working}）`
        : `${who}${metricName(f.metric)}：${valueText(f)}（表中各项相加：${f.working}）`;
    case "sentence":
      return `${who}${metricName(f.metric)}：${valueText(f)}（报告正文）`;
    case "undecided":
      return `${who}${metricName(f.metric)}：原表数字粘连，无法唯一确定（可能为 ${f.candidates!.join(" 或 ")}），不作推断`;
    default:
      return `${who}报告未载明${metricName(f.metric)}`;
  }
}

/** The failed checks' working as computed values over the figures' cited cells (for the answer's `computed`). */
export function checkComputed(figs: Figure[], first: Map<Figure, number>): Computed[] {
  const out: Computed[] = [];
  for (const f of figs)
    for (const c of f.failedChecks) {
      const m = c.expr.match(/=\s*(-?[\d.]+)\s*≠/);
      if (first.has(f) && m && !out.some((o) => o.expr === c.expr)) out.push({ expr: c.expr, value: Number(m[1]), inputs: [first.get(f)!] });
    }
  return out;
}

export function checkNotes(figs: Figure[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const f of figs)
    for (const c of f.failedChecks) {
      const key = `${f.report.docId}|${c.rule}|${c.expr}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(`注意：${reportLabel(f.report)}报告未通过勾稽关系检查“${c.label}”（${c.expr}），相关数字按原表照录。`);
    }
  return out;
}

/** Citations of several figures, in order, with each figure's first citation index (for `computed.inputs`). */
export function collectCitations(figs: Figure[]): { citations: Citation[]; first: Map<Figure, number> } {
  const citations: Citation[] = [];
  const first = new Map<Figure, number>();
  for (const f of figs) {
    if (!f.citations.length) continue;
    first.set(f, citations.length);
    citations.push(...f.citations);
  }
  return { citations, first };
}

export function figureAnswer(question: string, parts: { short: string; lines: string[]; citations: Citation[]; table?: AnswerTable | null; computed?: Computed[]; found?: boolean }): Answer {
  const found = parts.found ?? true;
  return {
    question,
    found,
    answer: [parts.short, ...parts.lines].filter(Boolean).join("\n"),
    citations: parts.citations,
    mode: "extractive",
    short: parts.short,
    table: parts.table ?? null,
    computed: parts.computed ?? [],
  };
}
