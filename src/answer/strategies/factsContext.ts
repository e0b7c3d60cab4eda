import type { Plan } from "../../understand/types.js";
import type { ReportRow } from "../../stats/db.js";
import type { FigureService } from "../figures.js";

/** What the figure strategies need from the answer context. */
export interface FiguresContext {
  figures: FigureService | null;
}

/** Levels that publish a government's own report (not a department's). */
const GOVERNMENT_LEVELS = new Set(["省", "市", "区县", "国家"]);

/**
 * The reports a figure question is about: the bodies named (or, when none is named, the governments holding
 * a report for the years asked), each for the years asked (or its latest report).
 */
export function targetReports(fs: FigureService, plan: Plan): { reports: ReportRow[]; missing: string[]; latestUsed: boolean } {
  const missing: string[] = [];
  const reports: ReportRow[] = [];
  let bodies = plan.bodies;
  if (!bodies.length && plan.years.length) {
    const govs = new Set(plan.years.flatMap((y) => fs.reportsInYear(y)).filter((r) => GOVERNMENT_LEVELS.has(r.level ?? "")).map((r) => r.body));
    bodies = [...govs];
  }
  let latestUsed = false;
  for (const b of bodies) {
    const held = fs.reportsOf(b);
    if (plan.years.length) {
      for (const y of plan.years) {
        const r = held.find((x) => x.year === y);
        if (r) reports.push(r);
        else missing.push(`${b}${y}年`);
      }
    } else if (held.length) {
      reports.push(held[held.length - 1]);
      latestUsed = true;
    } else missing.push(b);
  }
  return { reports, missing, latestUsed };
}

export function yearsHeld(fs: FigureService, body: string): string {
  const ys = fs.reportsOf(body).map((r) => r.year);
  return ys.length ? `语料中${body}的报告年份：${ys.join("、")}。` : `语料中没有${body}的报告。`;
}
