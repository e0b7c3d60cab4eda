/**
 * The contract of the statistics layer, as channels (CLI, web, APIs) see it.
 * Extraction and the database live beside this file; channels depend on this file only.
 */

import type { FormatId, TableId } from "../domain/types.js";

export type { TableId } from "../domain/types.js";
import type { LoadLimits } from "../limits.js";

/** How a value was read. */
export type ReadMethod = "html" | "pdf-layout" | "pipe" | "digit-run" | "text-row" | "sentence";

/** One cell as exported (`stats export`, `GET /api/stats`): labels are the official ones joined with " › ". */
export interface CellExportRow {
  source: string;
  title: string;
  body: string;
  year: number | null;
  table: TableId | "叙述";
  row: string;
  column: string;
  /** null = stated but undecided (see `candidates`) or empty in the source. */
  value: number | null;
  unit: string;
  method: ReadMethod;
  quote: string;
  candidates?: number[];
}

/** One 勾稽关系 rule applied to one report (or to two consecutive reports of a body). */
export interface CheckResult {
  /** Stable rule id, e.g. "t3.row-sum". */
  rule: string;
  /** The rule in Chinese, e.g. "表三 申请人各列之和等于总计（本年新收）". */
  label: string;
  /** true = holds, false = fails, null = cannot be checked (cells missing or undecided). */
  ok: boolean | null;
  /** The working, e.g. "6+6+4+3+3+4 = 26 ≠ 20". */
  expr: string;
  cells: Array<{ table: string; row: string; column: string; value: number | null }>;
}

export interface ReportInfo {
  docId: string;
  source: string;
  title: string;
  body: string;
  level: string | null;
  region: string | null;
  year: number | null;
  format: FormatId | null;
  published: string | null;
  url: string | null;
}

/** A staff member's draft, read as ingestion reads a corpus file, with every check. */
export interface DraftCheck {
  filename: string;
  report: ReportInfo | null;
  cells: CellExportRow[];
  checks: CheckResult[];
  /** true when every rule could be checked and holds (an unreadable cell or a failed rule makes it false). */
  ok: boolean;
}

export interface StatsFilter {
  body?: string;
  year?: number;
  table?: TableId;
}

export interface StatsService {
  reports(): ReportInfo[];
  cells(filter: StatsFilter): CellExportRow[];
  checks(filter: StatsFilter): Array<CheckResult & { source: string }>;
  /** Reads and checks an uploaded draft under `limits` (the settings' parse limits; defaults when left out). */
  checkDraft(bytes: Buffer, filename: string, limits?: LoadLimits): Promise<DraftCheck>;
}
