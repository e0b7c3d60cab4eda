import type { Strategy } from "../strategy.js";
import { reportLabel } from "../figures.js";
import { figureAnswer } from "./figureText.js";
import { targetReports, type FiguresContext } from "./factsContext.js";
import { sectionCitationId, type Citation } from "../../types.js";

/** The 勾稽关系 of a report's tables, each rule with its cells and numbers. */
export const checkStrategy: Strategy<FiguresContext> = {
  name: "check",
  operations: ["check"],
  answer(ctx, { plan }) {
    const fs = ctx.figures;
    if (!fs || (!plan.bodies.length && !plan.years.length)) return null;
    const { reports, missing } = targetReports(fs, plan);
    if (!reports.length) {
      if (!missing.length) return null;
      return { answer: figureAnswer(plan.original, { short: `语料中没有${missing.join("、")}的报告，无法核对。`, lines: [], citations: [], found: false }), passages: [] };
    }
    const lines: string[] = [];
    const citations: Citation[] = [];
    const rows: Array<Array<string | number | null>> = [];
    let failed = 0;
    let checked = 0;
    for (const r of reports.slice(0, 3)) {
      const checks = fs.facts.checks(r.docId);
      const tables = fs.facts.tables(r.docId);
      const tableSection = tables.length ? fs.facts.cells(r.docId, tables[0].table)[0]?.section : null;
      citations.push({ id: sectionCitationId(r.docId, tableSection ?? ""), title: r.title, region: r.region, year: r.year, section: tables.map((t) => t.table).join("、") || "正文", quote: checks.filter((c) => c.ok === false).map((c) => c.expr).join("；") || checks.slice(0, 2).map((c) => c.expr).join("；"), source: r.source, body: r.body, published: r.published, url: r.url, cell: null });
      if (!checks.length) {
        lines.push(`${reportLabel(r)}报告：${r.format === "pre2019" ? "2019年以前的格式没有统一统计表" : "未能读出统计表"}，没有可核对的勾稽关系。`);
        continue;
      }
      const bad = checks.filter((c) => c.ok === false);
      const open = checks.filter((c) => c.ok === null);
      failed += bad.length;
      checked += checks.length - open.length;
      lines.push(`${reportLabel(r)}报告共核对${checks.length - open.length}项，${bad.length ? `${bad.length}项不相符` : "全部相符"}${open.length ? `，${open.length}项因单元格缺失或无法确定而未核对` : ""}：`);
      for (const c of checks) {
        if (c.ok === null) continue;
        if (c.ok === false || checks.length <= 12) lines.push(`${c.ok ? "✓" : "✗"} ${c.label}：${c.expr}`);
        rows.push([reportLabel(r), c.label, c.ok ? "相符" : "不相符", c.expr]);
      }
    }
    const short = failed ? `发现${failed}处勾稽关系不相符（共核对${checked}项），详见下列各项。` : checked ? `共核对${checked}项勾稽关系，全部相符。` : "没有可核对的统计表。";
    return { answer: figureAnswer(plan.original, { short, lines, citations, table: rows.length ? { columns: ["报告", "规则", "结果", "算式"], rows } : null }), passages: [] };
  },
};
