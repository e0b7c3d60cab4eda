import { APPLICATIONS_TABLE } from "../domain/types.js";
import type { BodyRegistry } from "../domain/bodies.js";
import { cellFor, findMetric, type CellRef, type Metric } from "../domain/format/metrics.js";
import { tableSchema } from "../domain/format/tables.js";
import type { CheckResult } from "../stats/api.js";
import type { CellRow, FactRow, ReportRow } from "../stats/db.js";
import type { TableId } from "../stats/api.js";
import type { FactStore } from "../search/types.js";
import { cellCitationId, sectionCitationId, type Citation } from "../types.js";
import { SECTION_SEPARATOR } from "../ingest/chunk.js";
import { CHANNEL_SUFFIX } from "../stats/extract/narrative.js";

/**
 * Figures from facts: the value a report states for a metric, with the cell (or sentence) it comes from.
 * Never another metric's number: a report that does not state the metric yields "missing" and what it does state.
 */

export type FigureStatus = "cell" | "sum" | "sentence" | "undecided" | "missing";

export interface Figure {
  report: ReportRow;
  metric: Metric;
  value: number | null;
  status: FigureStatus;
  unit: string;
  citations: Citation[];
  /** For a sum: "1 + 0 + 2 = 3". */
  working?: string;
  /** What was summed: table cells of a row group, or the per-channel counts of a sentence that states no total. */
  basis?: "cells" | "channels";
  candidates?: number[];
  /** Failed 勾稽关系 checks that involve the cells read. */
  failedChecks: CheckResult[];
  /** Why the figure is not the table cell's as printed (a glued cell, a total its own row contradicts). */
  note?: string;
}

export function reportLabel(r: ReportRow): string {
  return `${r.body}${r.year ?? ""}年`;
}

export function formatNumber(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Math.round(v * 10000) / 10000);
}

/** Reads facts through a FactStore (FactsDb in process); `F` keeps the concrete store's type for its owner. */
/** What reading one figure needs from the store (a prefetched map for many reports at once). */
export interface FigureLookup {
  cell(docId: string, table: TableId, row: string, column: string): CellRow | null;
  facts(docId: string, metric: string): FactRow[];
  checks(docId: string): CheckResult[];
  /** Cite the report's own sentence after a table figure (default true; a ranking of many reports skips it). */
  withProse?: boolean;
}

export class FigureService<F extends FactStore = FactStore> {
  constructor(
    readonly facts: F,
    readonly bodies: BodyRegistry,
    /** The section of a report that holds a sentence (from the index's chunks), for citing narrative figures. */
    private readonly sectionOf: (docId: string, sentence: string) => string | null = () => null,
    /** A report's prose (no tables), for a sentence deciding between an undecided cell's candidates. */
    private readonly proseOf: (docId: string) => string = () => "",
  ) {}

  /** Reports of a body in year order (one per year: the first read when a body published two). */
  reportsOf(body: string, years?: number[] | null, range?: [number, number] | null): ReportRow[] {
    const seen = new Set<number>();
    return this.facts.reportsOf(body).filter((r) => {
      if (r.year === null || seen.has(r.year)) return false;
      if (years?.length && !years.includes(r.year)) return false;
      if (range && (r.year < range[0] || r.year > range[1])) return false;
      seen.add(r.year);
      return true;
    });
  }

  /** Every report of a year, one per body. */
  reportsInYear(year: number): ReportRow[] {
    const seen = new Set<string>();
    return this.facts.reports().filter((r) => r.year === year && !seen.has(r.body) && (seen.add(r.body), true));
  }

  /**
   * The cells of a cell's row, by point lookups over the row's columns (a ranking quotes a row of every report: a
   * scan of each report's whole table cost ~10× the ranking itself on the 50 MB index).
   */
  private rowCells(r: ReportRow, c: CellRow, look: Pick<FigureLookup, "cell">): CellRow[] {
    const schema = tableSchema(r.format, c.table);
    if (!schema) return [c];
    const out: CellRow[] = [];
    for (const col of schema.columns) {
      const x = col.key === c.column ? c : look.cell(r.docId, c.table, c.row, col.key);
      if (x) out.push(x);
    }
    return out;
  }

  /** `look`: where the row's other cells are read (a ranking's prefetched lookup holds only the cells it ranks). */
  cellCitation(r: ReportRow, c: CellRow, look: Pick<FigureLookup, "cell"> = this.facts): Citation {
    return {
      id: cellCitationId(r.docId, c.table, c.row, c.column),
      title: r.title,
      region: r.region,
      year: r.year,
      section: [c.section, c.table, c.rowLabel, c.columnLabel].join(SECTION_SEPARATOR),
      // The row as the table states it, with its labels (a flattened row alone is a bare digit run).
      quote: rowWithLabels(c, this.rowCells(r, c, look)),
      source: r.source,
      body: r.body,
      published: r.published,
      url: r.url,
      cell: { table: c.table, row: c.rowLabel, column: c.columnLabel, value: c.value },
    };
  }

  sentenceCitation(r: ReportRow, sentence: string): Citation {
    const section = this.sectionOf(r.docId, sentence);
    return { id: sectionCitationId(r.docId, section ?? ""), title: r.title, region: r.region, year: r.year, section: section ?? "正文", quote: sentence, source: r.source, body: r.body, published: r.published, url: r.url, cell: null };
  }

  private failed(r: ReportRow, refs: CellRef[], look: FigureLookup = this.facts): CheckResult[] {
    const schema = tableSchema(r.format, refs[0]?.table ?? APPLICATIONS_TABLE);
    if (!schema) return [];
    const labels = new Set(refs.flatMap((x) => [schema.rows.find((y) => y.key === x.row)?.label, schema.columns.find((y) => y.key === x.column)?.label]));
    const tables = new Set(refs.map((x) => x.table));
    return look
      .checks(r.docId)
      .filter((c) => c.ok === false && c.cells.some((cell) => tables.has(cell.table as CellRef["table"]) && [...labels].some((l) => l && (cell.row.endsWith(l) || cell.column.endsWith(l)))));
  }

  /**
   * The figures of many reports for one metric (a ranking, an extreme over every body of a year): read as
   * `figure` does, with the failed checks looked up per report among the failing ones only, and without the
   * second, sentence citation (finding its section scans the report's chunks; one figure is worth it, every
   * body's is not).
   */
  figuresOf(reports: ReportRow[], metricId: string): Figure[] {
    const look: FigureLookup = {
      cell: (docId, table, row, column) => this.facts.cell(docId, table, row, column),
      facts: (docId, id) => this.facts.facts(docId, id),
      checks: (docId) => this.facts.failingChecks(docId),
      withProse: false,
    };
    return reports.map((r) => this.figure(r, metricId, look));
  }

  /** The report's figure for the metric: its cell, the sum of its cells, or its sentence; else missing. */
  figure(r: ReportRow, metricId: string, look: FigureLookup = this.facts): Figure {
    const metric = findMetric(metricId);
    if (!metric) throw new Error(`unknown metric ${metricId}`);
    const base = { report: r, metric, unit: metric.unit, failedChecks: [] as CheckResult[] };
    const ref = cellFor(metric, r.format);
    if (ref) {
      const c = look.cell(r.docId, ref.table, ref.row, ref.column);
      if (c && c.value !== null) {
        // A total cell its own row contradicts, where the row's parts add up to what the report's sentence states
        // (海坛片区 2024: 5+1 = 6 ≠ 0, "共受理政府信息公开申请6件"): the two agreeing sources stand, the cell is noted.
        const corrected = this.totalContradicted(r, metric, c, look);
        if (corrected)
          return {
            ...base,
            value: corrected.value,
            unit: corrected.unit,
            status: "sentence",
            citations: [this.sentenceCitation(r, corrected.sentence), this.cellCitation(r, c, look)],
            failedChecks: this.failed(r, [ref], look),
            note: `表中该行“总计”印为${formatNumber(c.value)}，与同行各项之和${formatNumber(corrected.value)}不符；报告正文写明${formatNumber(corrected.value)}${corrected.unit}，按正文。`,
          };
        // The cell first; the report's own sentence stating the same figure second.
        const said = metric.narrative && look.withProse !== false ? look.facts(r.docId, metric.narrative.id) : [];
        const same = said.length && said.every((x) => x.value === c.value) ? [this.sentenceCitation(r, said[0].sentence)] : [];
        return { ...base, value: c.value, status: "cell", citations: [this.cellCitation(r, c, look), ...same], failedChecks: this.failed(r, [ref], look) };
      }
      if (c && c.candidates?.length) {
        // The report's own sentence may state one of the candidates ("本年度制发行政规范性文件62件"): it decides.
        const said = this.proseStating(r, metric, c.candidates);
        if (said)
          return {
            ...base,
            value: said.value,
            status: "sentence",
            citations: [this.sentenceCitation(r, said.sentence), this.cellCitation(r, c, look)],
            candidates: c.candidates,
            failedChecks: this.failed(r, [ref], look),
            note: `表中该格数字粘连，可读作 ${c.candidates.join(" 或 ")}；报告正文写明${formatNumber(said.value)}${metric.unit}，按正文。`,
          };
        return { ...base, value: null, status: "undecided", candidates: c.candidates, citations: [this.cellCitation(r, c, look)], failedChecks: this.failed(r, [ref], look) };
      }
    }
    const parts = r.format === "2019" || r.format === "2021" ? metric.sumOf?.[r.format] : undefined;
    if (parts?.length) {
      const cells = parts.map((p) => look.cell(r.docId, p.table, p.row, p.column));
      if (cells.every((c): c is CellRow => c !== null && c.value !== null)) {
        const value = cells.reduce((a, c) => a + (c.value ?? 0), 0);
        return {
          ...base,
          value,
          status: "sum",
          basis: "cells",
          citations: cells.map((c) => this.cellCitation(r, c, look)),
          working: `${cells.map((c) => formatNumber(c.value!)).join(" + ")} = ${formatNumber(value)}`,
          failedChecks: this.failed(r, parts, look),
        };
      }
    }
    if (metric.narrative) {
      const stated = look.facts(r.docId, metric.narrative.id);
      // A report that states several different values for the metric (a total and its parts, or counts of other
      // things the pattern also reads) is not read by the pattern: the sentence is left to the passage strategies.
      if (new Set(stated.map((x) => x.value)).size > 1) return { ...base, value: null, status: "missing", citations: [] };
      const f = stated[0];
      if (f) return { ...base, value: f.value, unit: f.unit, status: "sentence", citations: [this.sentenceCitation(r, f.sentence)] };
      // No total written, only counts by channel in one sentence ("网站23件，信函20件"): their sum, shown.
      const parts = look.facts(r.docId, `${metric.narrative.id}${CHANNEL_SUFFIX}`);
      const sentence = parts[0]?.sentence;
      const same = parts.filter((p) => p.sentence === sentence && p.unit === parts[0].unit);
      if (same.length >= 2) {
        const value = same.reduce((a, p) => a + p.value, 0);
        const u = same[0].unit;
        return { ...base, value, unit: u, status: "sum", basis: "channels", citations: [this.sentenceCitation(r, sentence)], working: `${same.map((p) => `${formatNumber(p.value)}${u}`).join(" + ")} = ${formatNumber(value)}${u}` };
      }
    }
    return { ...base, value: null, status: "missing", citations: [] };
  }

  /** The sentence's figure when the cell is the total of a row whose parts add up to it and not to the cell. */
  private totalContradicted(r: ReportRow, metric: Metric, c: CellRow, look: FigureLookup): { value: number; unit: string; sentence: string } | null {
    if (!metric.narrative) return null;
    const stated = look.facts(r.docId, metric.narrative.id);
    if (!stated.length || new Set(stated.map((x) => x.value)).size > 1 || stated[0].value === c.value) return null;
    const rowSum = look.checks(r.docId).find((k) => k.ok === false && k.rule.endsWith(".row-sum") && k.cells.length > 1 && k.cells[k.cells.length - 1].row === c.rowLabel && k.cells[k.cells.length - 1].column === c.columnLabel && k.cells[k.cells.length - 1].table === c.table);
    if (!rowSum || rowSum.cells.slice(0, -1).some((x) => x.value === null)) return null;
    const parts = rowSum.cells.slice(0, -1).reduce((a, x) => a + (x.value ?? 0), 0);
    return parts === stated[0].value ? { value: stated[0].value, unit: stated[0].unit, sentence: stated[0].sentence } : null;
  }

  /**
   * The one candidate of an undecided cell that a sentence of the report states right after the metric's words
   * ("制发行政规范性文件62件" for 行政规范性文件 read as 6 or 62), or null when none or several are stated.
   */
  private proseStating(r: ReportRow, metric: Metric, candidates: number[]): { value: number; sentence: string } | null {
    const words = metric.aliases.filter((a) => a.length >= 3);
    if (!words.length) return null;
    const prose = this.proseOf(r.docId);
    if (!prose) return null;
    const found = new Map<number, string>();
    const re = new RegExp(`(?:${words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")})[^\\d。；;，,]{0,6}?(\\d+)\\s*(?:件|条|项|个)`, "g");
    for (const sentence of prose.split(/(?<=[。；;！？\n])/)) {
      for (const m of sentence.matchAll(re)) {
        const v = Number(m[1]);
        if (candidates.includes(v)) found.set(v, sentence.trim());
      }
    }
    if (found.size !== 1) return null;
    const [[value, sentence]] = [...found];
    return { value, sentence };
  }

  /**
   * The report's sentence stating the same metric, when it differs from the table's figure (正文称收到75件,
   * 表三本年新收74件): both are shown, never silently one for the other.
   */
  narrativeDiffering(f: Figure): { value: number; unit: string; sentence: string; citation: Citation } | null {
    if (f.status !== "cell" || !f.metric.narrative || f.value === null) return null;
    const stated = this.facts.facts(f.report.docId, f.metric.narrative.id);
    const n = stated[0];
    if (!n || n.value === f.value || new Set(stated.map((x) => x.value)).size > 1) return null;
    return { value: n.value, unit: n.unit, sentence: n.sentence, citation: this.sentenceCitation(f.report, n.sentence) };
  }

  /** What a report does state, for an answer that cannot give the metric asked: its narrative figures and tables. */
  stated(r: ReportRow): { lines: string[]; citations: Citation[] } {
    const lines: string[] = [];
    const citations: Citation[] = [];
    for (const f of this.facts.facts(r.docId).slice(0, 4)) {
      citations.push(this.sentenceCitation(r, f.sentence));
      lines.push(`“${f.sentence.length > 80 ? `${f.sentence.slice(0, 80)}…` : f.sentence}”`);
    }
    const tables = this.facts.tables(r.docId).map((t) => t.table);
    if (tables.length) lines.push(`该报告有${tables.join("、")}。`);
    return { lines, citations };
  }

  /** Named applications metric (表三 本年新收 总计 / 叙述的收到申请数), the key figure of an overview. */
  keyFigure(r: ReportRow): Figure {
    return this.figure(r, "表三:new:total");
  }
}

/**
 * A table row quoted with its labels: "（四）无法提供 › 1.本机关不掌握相关政府信息：自然人 22，…，总计 25（原文：220000325）".
 * The source's own text of the row is kept at the end, so the quote is still what the report says.
 */
export function rowWithLabels(c: CellRow, row: CellRow[]): string {
  const cells = row.filter((x) => x.value !== null).map((x) => `${x.columnLabel.split(SECTION_SEPARATOR).pop()} ${formatNumber(x.value!)}`);
  const label = c.rowLabel;
  if (!cells.length) return c.quote;
  const raw = c.quote.replace(/\s+/g, " ").trim();
  return `${label}：${cells.join("，")}${raw ? `（原文：${raw.length > 80 ? `${raw.slice(0, 80)}…` : raw}）` : ""}`;
}
