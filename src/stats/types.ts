import type { FormatId } from "../domain/format/tables.js";
import type { CheckResult, ReadMethod, TableId } from "./api.js";

/** One cell as extraction produced it; row and column are the format module's keys. */
export interface ExtractedCell {
  table: TableId;
  row: string;
  column: string;
  /** null when the source leaves it empty or when it is undecided (then `candidates` lists what is possible). */
  value: number | null;
  candidates?: number[];
  method: ReadMethod;
  /** Character span in the text given to the extractor (document text), when known. */
  span?: [number, number];
  page?: number;
  /** The source text the value was read from (a row of the table, or the digit run with its label). */
  quote: string;
  /**
   * What fixed the value: the digit count and spaces alone, the row's own sum (the one reading of the row
   * whose applicant columns add up to its total), the whole table's rules, or nothing (undecided / missing).
   */
  basis?: "digits" | "row-rule" | "table-rules" | "undecided" | "missing";
}

export interface ExtractedTable {
  table: TableId;
  format: Exclude<FormatId, "pre2019">;
  method: ReadMethod;
  /** decoded = every cell has a value; partial = some cells undecided or missing; */
  status: "decoded" | "partial" | "unreadable";
  cells: ExtractedCell[];
  /** Span of the whole table in the text. */
  span: [number, number];
  note?: string;
}

/** A figure stated in a sentence ("共受理申请249件"), for any era. */
export interface NarrativeFact {
  /** NarrativeMetric id from the format module, e.g. "applications". */
  metric: string;
  value: number;
  unit: string;
  sentence: string;
  span: [number, number];
}

export interface ReportStatistics {
  format: FormatId;
  tables: ExtractedTable[];
  facts: NarrativeFact[];
  checks: CheckResult[];
}
