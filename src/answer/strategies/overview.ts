import { sectionCitationId } from "../../types.js";
import type { Strategy } from "../strategy.js";
import { figureAnswer, valueText } from "./figureText.js";
import type { FiguresContext } from "./factsContext.js";

/** A bare body name: the reports held, each year's key figure, and what to ask next. */
export const overviewStrategy: Strategy<FiguresContext> = {
  name: "overview",
  operations: ["overview"],
  answer(ctx, { plan }) {
    const fs = ctx.figures;
    if (!fs || !plan.bodies.length) return null;
    const lines: string[] = [];
    const rows: Array<Array<string | number | null>> = [];
    const citations = [];
    for (const b of plan.bodies.slice(0, 3)) {
      const body = fs.bodies.get(b);
      const reps = fs.reportsOf(b);
      const rel = [body?.parent ? `上级：${body.parent}` : "", body?.predecessors.length ? `前身：${body.predecessors.join("、")}` : "", body?.successors.length ? `后继：${body.successors.join("、")}` : ""].filter(Boolean).join("；");
      lines.push(`${b}（${body?.level ?? "机关"}${rel ? `；${rel}` : ""}）：语料收有${reps.length}份年度报告（${reps.map((r) => r.year).join("、")}年）。`);
      for (const r of reps) {
        const f = fs.keyFigure(r);
        rows.push([b, r.year, r.format === "pre2019" ? "2019年以前格式" : r.format === "2019" ? "2019年试行格式" : "2021年格式", f.value, r.published]);
        citations.push({ id: f.citations[0]?.id ?? sectionCitationId(r.docId, ""), title: r.title, region: r.region, year: r.year, section: f.citations[0]?.section ?? "全文", quote: f.citations[0]?.quote ?? r.title, source: r.source, body: r.body, published: r.published, url: r.url, cell: f.citations[0]?.cell ?? null });
        if (f.value !== null) lines.push(`${r.year}年：收到政府信息公开申请${valueText(f)}。`);
      }
    }
    lines.push(`可以继续问，例如：“${plan.bodies[0]}${rows.length ? rows[rows.length - 1][1] : ""}年收到多少件申请？”“${plan.bodies[0]}历年申请数”“${plan.bodies[0]}存在的主要问题”。`);
    return {
      answer: figureAnswer(plan.original, {
        short: `${plan.bodies.join("、")}：语料收有${rows.length}份年度报告。`,
        lines,
        citations,
        table: { columns: ["机关", "年份", "格式", "收到申请（件）", "发布日期"], rows },
      }),
      passages: [],
    };
  },
};
