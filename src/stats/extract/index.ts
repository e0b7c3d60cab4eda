import { detectFormat } from "../../domain/format/index.js";
import { reportChecks } from "../checks.js";
import type { ExtractedTable, ReportStatistics } from "../types.js";
import { extractNarrative } from "./narrative.js";
import { findT3Region, readT2, readT3, readT4 } from "./tables.js";

/**
 * Statistics of one report: its format, 表二/表三/表四 read from whatever shape they arrived in (each cell
 * with provenance), the figures its sentences state, and every 勾稽关系 check. Pure; linear in the text.
 */
/** Bump when extraction changes: every file's statistics are then extracted again on the next ingest. */
export const STATISTICS_VERSION = "10";

/**
 * Benchmark-only switch (bench/ingest.ts): with NIANBAO_BENCH_SKIP_STATISTICS=1 no table or sentence is read
 * (the format is still detected), so a run measures ingest without the statistics stage. Read once, here only.
 */
const SKIP_FOR_BENCH = process.env.NIANBAO_BENCH_SKIP_STATISTICS === "1";

export function extractStatistics(text: string, meta: { year: number | null; source: string }): ReportStatistics {
  const format = detectFormat(meta.year, text);
  if (SKIP_FOR_BENCH) return { format, tables: [], facts: [], checks: [] };
  const tables: ExtractedTable[] = [];
  // Cheap gate: the tables' anchors must be present before any table is searched for.
  if (format !== "pre2019" || text.includes("本年新收")) {
    const f = format === "pre2019" ? "2019" : format;
    const t2 = readT2(text, f);
    if (t2) tables.push(t2);
    const t3 = readT3(text, f);
    if (t3) tables.push(t3);
    const t3r = findT3Region(text);
    const t4 = readT4(text, f, t3r ? t3r.start : 0);
    if (t4) tables.push(t4);
  }
  const facts = extractNarrative(text);
  return { format, tables, facts, checks: reportChecks(tables, facts) };
}

export { crossYearChecks, narrativeChecks, tableChecks } from "../checks.js";
export { extractNarrative } from "./narrative.js";
export { readT2, readT3, readT4 } from "./tables.js";
