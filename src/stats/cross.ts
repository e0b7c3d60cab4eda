import type { BodyRegistry } from "../domain/bodies.js";
import type { DocMeta } from "../types.js";
import type { CheckResult } from "./api.js";
import { crossYearChecks } from "./checks.js";
import type { ReportStatistics } from "./types.js";

/**
 * Checks across reports: for every body, each report against the same body's report of the year before
 * (上年结转 = 上年的结转下年度, 表二 现行有效 continuity). Keyed by the later report.
 */
export function consecutiveYearChecks(documents: DocMeta[], statistics: Record<string, ReportStatistics>, bodies: BodyRegistry): Array<CheckResult & { docId: string }> {
  const byBody = new Map<string, Map<number, DocMeta>>();
  for (const d of documents) {
    if (d.kind !== "report" || d.year === null || !statistics[d.docId]) continue;
    const id = bodies.idOf(d.issuer, d.region);
    const years = byBody.get(id) ?? new Map<number, DocMeta>();
    // Two reports of one body and year (a cover letter and the report): the first one read stands.
    if (!years.has(d.year)) years.set(d.year, d);
    byBody.set(id, years);
  }
  const out: Array<CheckResult & { docId: string }> = [];
  for (const years of byBody.values())
    for (const [year, doc] of years) {
      const before = years.get(year - 1);
      if (!before) continue;
      for (const c of crossYearChecks(statistics[before.docId], statistics[doc.docId])) out.push({ ...c, docId: doc.docId });
    }
  return out;
}
