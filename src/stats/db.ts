import Database from "better-sqlite3";
import type { Body, BodyRegistry } from "../domain/bodies.js";
import { IndexStoreError } from "../errors.js";
import { columnLabel, rowLabel, tableSchema, type FormatId } from "../domain/format/tables.js";
import type { DocMeta } from "../types.js";
import type { CellExportRow, CheckResult, ReadMethod, ReportInfo, StatsFilter, TableId } from "./api.js";
import type { ReportStatistics } from "./types.js";

/**
 * The statistics database of one index generation (facts.sqlite): reports, bodies, table cells, narrative
 * facts and 勾稽关系 checks. Written once when the generation is built, opened read-only when answering.
 */

export const FACTS_SCHEMA_VERSION = 4;
export const FACTS_FILE = "facts.sqlite";

/**
 * Tables keyed by text columns are WITHOUT ROWID: the rows are stored in their primary key's b-tree, instead of a
 * rowid table plus an automatic index repeating every key (cells' key index was as large as the table itself).
 * cells.ord keeps the order cells were written in (what the rowid gave: a replaced cell goes last).
 */
const SCHEMA = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE bodies (id TEXT PRIMARY KEY, level TEXT NOT NULL, region TEXT, parent TEXT, names TEXT NOT NULL, predecessors TEXT NOT NULL, successors TEXT NOT NULL);
CREATE TABLE reports (doc_id TEXT PRIMARY KEY, source TEXT NOT NULL, body TEXT NOT NULL, issuer TEXT, level TEXT, region TEXT,
  year INTEGER, format TEXT, title TEXT NOT NULL, published TEXT, url TEXT);
CREATE TABLE tables (doc_id TEXT NOT NULL, tbl TEXT NOT NULL, format TEXT NOT NULL, method TEXT NOT NULL, status TEXT NOT NULL, note TEXT,
  span_start INTEGER, span_end INTEGER, PRIMARY KEY (doc_id, tbl)) WITHOUT ROWID;
CREATE TABLE row_quotes (doc_id TEXT NOT NULL, tbl TEXT NOT NULL, row_key TEXT NOT NULL, quote TEXT NOT NULL, PRIMARY KEY (doc_id, tbl, row_key)) WITHOUT ROWID;
CREATE TABLE cells (doc_id TEXT NOT NULL, tbl TEXT NOT NULL, row_key TEXT NOT NULL, col_key TEXT NOT NULL, value REAL, candidates TEXT,
  method TEXT NOT NULL, span_start INTEGER, span_end INTEGER, page INTEGER, quote TEXT, ord INTEGER NOT NULL, PRIMARY KEY (doc_id, tbl, row_key, col_key)) WITHOUT ROWID;
CREATE TABLE facts (doc_id TEXT NOT NULL, metric TEXT NOT NULL, value REAL NOT NULL, unit TEXT NOT NULL, sentence TEXT NOT NULL,
  span_start INTEGER, span_end INTEGER);
CREATE TABLE checks (doc_id TEXT NOT NULL, rule TEXT NOT NULL, label TEXT NOT NULL, ok INTEGER, expr TEXT NOT NULL, cells TEXT NOT NULL);
`;

/**
 * Secondary indexes, built after the rows are in (one sort instead of an update per row). Every per-report
 * lookup has one: without checks_doc and facts_doc, checks(docId) and facts(docId) scanned the whole table on
 * every call (on the 50 MB synthetic corpus: ~0.3 s per figure, so a 2000-body ranking took over a minute).
 */
const INDEXES = `
CREATE INDEX reports_body_year ON reports (body, year);
CREATE INDEX cells_metric ON cells (tbl, row_key, col_key);
CREATE INDEX facts_metric ON facts (metric);
CREATE INDEX facts_doc ON facts (doc_id, metric);
CREATE INDEX checks_doc ON checks (doc_id, ok);
`;

export interface FactsInput {
  documents: DocMeta[];
  /** Extraction results by docId (reports only). */
  statistics: Record<string, ReportStatistics>;
  bodies: BodyRegistry;
  /** Checks across reports (computed by the caller over consecutive years), keyed by the later report's docId. */
  crossChecks?: Array<CheckResult & { docId: string }>;
}

/** The tables of the statistics database a row goes to; cross-report checks are `checks` rows kept apart (`cross_checks`). */
export type FactsTable = "bodies" | "reports" | "tables" | "row_quotes" | "cells" | "facts" | "checks" | "cross_checks";

/**
 * The rows of the statistics database, in the order they are written (bodies, then per report its report, tables,
 * row quotes, cells, facts and checks, then the cross-report checks), each as its table's column values. One
 * source of truth for facts.sqlite and for the PostgreSQL backend (src/search/pg/facts.ts), so both hold the same
 * rows. `parts` leaves out the bodies or the cross-report checks (an incremental writer replaces those whole).
 */
export function* factRows(input: FactsInput, parts: { bodies?: boolean; crossChecks?: boolean } = {}): Generator<[FactsTable, unknown[]]> {
  if (parts.bodies !== false)
    for (const b of input.bodies.all()) yield ["bodies", [b.id, b.level, b.region, b.parent, JSON.stringify(b.names), JSON.stringify(b.predecessors), JSON.stringify(b.successors)]];
  for (const d of input.documents) {
    if (d.kind !== "report") continue;
    const bodyId = input.bodies.idOf(d.issuer, d.region);
    const body = input.bodies.get(bodyId);
    yield ["reports", [d.docId, d.source, bodyId, d.issuer, body?.level ?? null, body?.region ?? d.region, d.year, d.format ?? null, d.title, d.published ?? null, d.url ?? null]];
    const st = input.statistics[d.docId];
    if (!st) continue;
    for (const t of st.tables) {
      yield ["tables", [d.docId, t.table, t.format, t.method, t.status, t.note ?? null, t.span[0], t.span[1]]];
      const schema = tableSchema(t.format, t.table);
      if (!schema) continue;
      // Labels, units and the section come from the schema when read; a row's quote is stored once.
      const rowQuote = new Map<string, string>();
      for (const c of t.cells) {
        if (!schema.rows.some((x) => x.key === c.row) || !schema.columns.some((x) => x.key === c.column)) continue;
        if (!rowQuote.has(c.row)) {
          rowQuote.set(c.row, c.quote);
          yield ["row_quotes", [d.docId, t.table, c.row, c.quote]];
        }
        const own = rowQuote.get(c.row) === c.quote ? null : c.quote;
        yield ["cells", [d.docId, t.table, c.row, c.column, c.value, c.candidates ? JSON.stringify(c.candidates) : null, c.method, c.span?.[0] ?? null, c.span?.[1] ?? null, c.page ?? null, own]];
      }
    }
    for (const f of st.facts) yield ["facts", [d.docId, f.metric, f.value, f.unit, f.sentence, f.span[0], f.span[1]]];
    for (const c of st.checks) yield ["checks", [d.docId, c.rule, c.label, c.ok === null ? null : c.ok ? 1 : 0, c.expr, checkCells(c)]];
  }
  if (parts.crossChecks !== false)
    for (const c of input.crossChecks ?? []) yield ["cross_checks", [c.docId, c.rule, c.label, c.ok === null ? null : c.ok ? 1 : 0, c.expr, checkCells(c)]];
}

export function writeFactsDb(file: string, input: FactsInput): void {
  const db = new Database(file);
  try {
    db.pragma("journal_mode = OFF");
    db.pragma("synchronous = OFF");
    db.exec(SCHEMA);
    const tx = db.transaction(() => {
      db.prepare("INSERT INTO meta VALUES ('schema_version', ?)").run(String(FACTS_SCHEMA_VERSION));
      const checks = db.prepare("INSERT INTO checks VALUES (?, ?, ?, ?, ?, ?)");
      const ins: Record<FactsTable, Database.Statement> = {
        bodies: db.prepare("INSERT INTO bodies VALUES (?, ?, ?, ?, ?, ?, ?)"),
        reports: db.prepare("INSERT INTO reports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        tables: db.prepare("INSERT OR REPLACE INTO tables VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
        cells: db.prepare("INSERT OR REPLACE INTO cells VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        row_quotes: db.prepare("INSERT OR IGNORE INTO row_quotes VALUES (?, ?, ?, ?)"),
        facts: db.prepare("INSERT INTO facts VALUES (?, ?, ?, ?, ?, ?, ?)"),
        checks,
        cross_checks: checks,
      };
      // Rows of the WITHOUT ROWID tables are inserted in key order at the end (their b-trees are then filled page
      // after page rather than split at random); a stable sort keeps which duplicate wins (OR REPLACE: the last).
      // A cell's ord keeps the order the rows were produced in (the rowid gave it before).
      const tableRows: unknown[][] = [];
      const quoteRows: unknown[][] = [];
      const cellRows: unknown[][] = [];
      let ord = 0;
      for (const [table, values] of factRows(input)) {
        if (table === "tables") tableRows.push(values);
        else if (table === "row_quotes") quoteRows.push(values);
        else if (table === "cells") cellRows.push([...values, ord++]);
        else ins[table].run(...values);
      }
      for (const r of byKey(tableRows, 2)) ins.tables.run(...r);
      for (const r of byKey(quoteRows, 3)) ins.row_quotes.run(...r);
      for (const r of byKey(cellRows, 4)) ins.cells.run(...r);
    });
    tx();
    db.exec(INDEXES);
  } finally {
    db.close();
  }
}

/** Rows sorted (stably) by their first `n` columns, all text. */
function byKey(rows: unknown[][], n: number): unknown[][] {
  return rows.sort((a, b) => {
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) return (a[i] as string) < (b[i] as string) ? -1 : 1;
    return 0;
  });
}

/** A check's cells are kept where the rule fails or cannot be checked; a rule that holds keeps its working only. */
function checkCells(c: CheckResult): string {
  return c.ok === true ? "[]" : JSON.stringify(c.cells);
}

export interface ReportRow {
  docId: string;
  source: string;
  body: string;
  issuer: string | null;
  level: string | null;
  region: string | null;
  year: number | null;
  format: FormatId | null;
  title: string;
  published: string | null;
  url: string | null;
}

export interface CellRow {
  docId: string;
  table: TableId;
  row: string;
  column: string;
  rowLabel: string;
  columnLabel: string;
  value: number | null;
  candidates: number[] | null;
  unit: string;
  method: ReadMethod;
  section: string;
  quote: string;
}

export interface FactRow {
  docId: string;
  metric: string;
  value: number;
  unit: string;
  sentence: string;
}

export interface TableRow {
  docId: string;
  table: TableId;
  format: FormatId;
  method: ReadMethod;
  status: string;
  note: string | null;
}

/** Read-only access to one generation's statistics; every query is a prepared statement. */
export class FactsDb {
  private readonly db: Database.Database;
  private readonly reportsById = new Map<string, ReportRow>();
  readonly bodies: Body[];

  constructor(file: string) {
    try {
      this.db = new Database(file, { readonly: true, fileMustExist: true });
      const v = (this.db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string } | undefined)?.value;
      if (v !== String(FACTS_SCHEMA_VERSION)) throw new IndexStoreError(`统计数据库版本未知（${v ?? "无"}）/ unknown facts schema version`);
    } catch (err) {
      if (err instanceof IndexStoreError) throw err;
      throw new IndexStoreError(`统计数据库无法读取 / facts database unreadable: ${(err as Error).message}`);
    }
    for (const r of this.db.prepare("SELECT doc_id docId, source, body, issuer, level, region, year, format, title, published, url FROM reports ORDER BY body, year").all() as ReportRow[])
      this.reportsById.set(r.docId, r);
    this.bodies = (this.db.prepare("SELECT * FROM bodies").all() as Array<Record<string, string | null>>).map((b) => ({
      id: b.id!,
      level: b.level as Body["level"],
      region: b.region,
      parent: b.parent,
      names: JSON.parse(b.names!),
      predecessors: JSON.parse(b.predecessors!),
      successors: JSON.parse(b.successors!),
    }));
  }

  close(): void {
    this.db.close();
  }

  reports(): ReportRow[] {
    return [...this.reportsById.values()];
  }

  report(docId: string): ReportRow | null {
    return this.reportsById.get(docId) ?? null;
  }

  reportsOf(body: string): ReportRow[] {
    return this.reports().filter((r) => r.body === body).sort((a, b) => (a.year ?? 0) - (b.year ?? 0));
  }

  cell(docId: string, table: TableId, row: string, column: string): CellRow | null {
    const r = this.stmt("cell", `${CELL_SELECT} WHERE c.doc_id = ? AND c.tbl = ? AND c.row_key = ? AND c.col_key = ?`).get(docId, table, row, column);
    return r ? toCell(r as Record<string, unknown>) : null;
  }

  cells(docId: string, table?: TableId): CellRow[] {
    const rows = table
      ? this.stmt("cellsT", `${CELL_SELECT} WHERE c.doc_id = ? AND c.tbl = ? ORDER BY c.ord`).all(docId, table)
      : this.stmt("cellsA", `${CELL_SELECT} WHERE c.doc_id = ? ORDER BY c.ord`).all(docId);
    return (rows as Array<Record<string, unknown>>).map(toCell).filter((c): c is CellRow => c !== null);
  }

  failingChecks(docId: string): CheckResult[] {
    return (this.stmt("failing", "SELECT rule, label, ok, expr, cells FROM checks WHERE doc_id = ? AND ok = 0 ORDER BY rowid").all(docId) as Array<Record<string, unknown>>).map(toCheck);
  }

  tables(docId: string): TableRow[] {
    return this.stmt("tables", "SELECT doc_id docId, tbl \"table\", format, method, status, note FROM tables WHERE doc_id = ?").all(docId) as TableRow[];
  }

  facts(docId: string, metric?: string): FactRow[] {
    const rows = metric
      ? this.stmt("factsM", "SELECT doc_id docId, metric, value, unit, sentence FROM facts WHERE doc_id = ? AND metric = ? ORDER BY span_start").all(docId, metric)
      : this.stmt("factsA", "SELECT doc_id docId, metric, value, unit, sentence FROM facts WHERE doc_id = ? ORDER BY span_start").all(docId);
    return rows as FactRow[];
  }

  checks(docId: string): CheckResult[] {
    return (this.stmt("checks", "SELECT rule, label, ok, expr, cells FROM checks WHERE doc_id = ? ORDER BY rowid").all(docId) as Array<Record<string, unknown>>).map(toCheck);
  }

  /** Export rows (CellExportRow) under a filter, table cells first, then narrative facts. */
  exportRows(filter: StatsFilter): CellExportRow[] {
    return exportRowsUnder(this, filter);
  }

  private readonly stmts = new Map<string, Database.Statement>();
  private stmt(key: string, sql: string): Database.Statement {
    let s = this.stmts.get(key);
    if (!s) this.stmts.set(key, (s = this.db.prepare(sql)));
    return s;
  }
}

export function toCheck(c: Record<string, unknown>): CheckResult {
  return { rule: String(c.rule), label: String(c.label), ok: c.ok === null ? null : c.ok === 1, expr: String(c.expr), cells: JSON.parse(String(c.cells)) };
}

/** A cell with its table's format and its row's quote. */
const CELL_SELECT = `SELECT c.*, t.format AS format, COALESCE(c.quote, q.quote) AS row_quote FROM cells c
  JOIN tables t ON t.doc_id = c.doc_id AND t.tbl = c.tbl
  LEFT JOIN row_quotes q ON q.doc_id = c.doc_id AND q.tbl = c.tbl AND q.row_key = c.row_key`;

/** Labels, unit and section from the format module (the database stores keys). */
export function toCell(r: Record<string, unknown>): CellRow | null {
  const table = r.tbl as TableId;
  const schema = tableSchema(r.format as FormatId, table);
  const row = schema?.rows.find((x) => x.key === r.row_key);
  const col = schema?.columns.find((x) => x.key === r.col_key);
  if (!schema || !row || !col) return null;
  return {
    docId: String(r.doc_id),
    table,
    row: String(r.row_key),
    column: String(r.col_key),
    rowLabel: rowLabel(row),
    columnLabel: columnLabel(col),
    value: r.value === null ? null : Number(r.value),
    candidates: r.candidates ? JSON.parse(String(r.candidates)) : null,
    unit: col.unit,
    method: r.method as ReadMethod,
    section: schema.section,
    quote: String(r.row_quote ?? ""),
  };
}

export function toReportInfo(r: ReportRow): ReportInfo {
  return { docId: r.docId, source: r.source, title: r.title, body: r.body, level: r.level, region: r.region, year: r.year, format: r.format, published: r.published, url: r.url };
}

/**
 * Export rows under a filter from any fact store (facts.sqlite here, PostgreSQL in src/search/pg/facts.ts): each
 * report's table cells first, then its narrative facts (those only when no table is asked for).
 */
export function exportRowsUnder(
  store: { reports(): ReportRow[]; cells(docId: string, table?: TableId): CellRow[]; facts(docId: string): FactRow[] },
  filter: StatsFilter,
): CellExportRow[] {
  const out: CellExportRow[] = [];
  for (const r of store.reports()) {
    if (filter.body && r.body !== filter.body) continue;
    if (filter.year !== undefined && r.year !== filter.year) continue;
    for (const c of store.cells(r.docId, filter.table))
      out.push({ source: r.source, title: r.title, body: r.body, year: r.year, table: c.table, row: c.rowLabel, column: c.columnLabel, value: c.value, unit: c.unit, method: c.method, quote: c.quote, ...(c.candidates ? { candidates: c.candidates } : {}) });
    if (!filter.table)
      for (const f of store.facts(r.docId))
        out.push({ source: r.source, title: r.title, body: r.body, year: r.year, table: "叙述", row: f.metric, column: "", value: f.value, unit: f.unit, method: "sentence", quote: f.sentence });
  }
  return out;
}
