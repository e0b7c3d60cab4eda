import type { Body } from "../../domain/bodies.js";
import type { CellExportRow, CheckResult, StatsFilter, TableId } from "../../stats/api.js";
import { exportRowsUnder, toCell, toCheck, type CellRow, type FactRow, type ReportRow, type TableRow } from "../../stats/db.js";
import type { FactStore } from "../types.js";
import type { Db } from "./connection.js";

/**
 * The statistics (reports, bodies, tables, cells, facts, checks) as the figure service and the statistics service
 * read them, from the PostgreSQL tables that hold what facts.sqlite holds. The FactStore interface is synchronous
 * (figures are read inside ranking loops), so a process reads the tables once when it opens the index, in
 * facts.sqlite's row order, and answers from memory; the rows are the database's (see write.ts).
 */
export class PgFactStore implements FactStore {
  readonly bodies: Body[];
  private readonly reportRows: ReportRow[];
  private readonly reportsById = new Map<string, ReportRow>();
  private readonly cellsByDoc = new Map<string, CellRow[]>();
  private readonly cellByKey = new Map<string, CellRow>();
  private readonly tablesByDoc = new Map<string, TableRow[]>();
  private readonly factsByDoc = new Map<string, FactRow[]>();
  private readonly checksByDoc = new Map<string, Array<CheckResult & { failing: boolean }>>();

  private constructor(rows: Awaited<ReturnType<typeof readAll>>) {
    this.bodies = rows.bodies.map((b) => ({
      id: b.id,
      level: b.level as Body["level"],
      region: b.region,
      parent: b.parent,
      names: JSON.parse(b.names),
      predecessors: JSON.parse(b.predecessors),
      successors: JSON.parse(b.successors),
    }));
    this.reportRows = rows.reports.map((r) => ({ ...r, year: r.year === null ? null : Number(r.year) }) as ReportRow);
    for (const r of this.reportRows) this.reportsById.set(r.docId, r);
    for (const c of rows.cells) {
      const cell = toCell(c);
      if (!cell) continue;
      push(this.cellsByDoc, cell.docId, cell);
      this.cellByKey.set(cellKey(cell.docId, cell.table, cell.row, cell.column), cell);
    }
    for (const t of rows.tables) push(this.tablesByDoc, t.docId as string, t as unknown as TableRow);
    for (const f of rows.facts) push(this.factsByDoc, f.docId as string, { ...(f as unknown as FactRow), value: Number(f.value) });
    for (const c of rows.checks) push(this.checksByDoc, String(c.doc_id), { ...toCheck({ ...c, ok: c.ok === null ? null : Number(c.ok) }), failing: c.ok !== null && Number(c.ok) === 0 });
  }

  static async load(db: Db): Promise<PgFactStore> {
    return new PgFactStore(await readAll(db));
  }

  reports(): ReportRow[] {
    return [...this.reportRows];
  }

  report(docId: string): ReportRow | null {
    return this.reportsById.get(docId) ?? null;
  }

  reportsOf(body: string): ReportRow[] {
    return this.reports().filter((r) => r.body === body).sort((a, b) => (a.year ?? 0) - (b.year ?? 0));
  }

  cell(docId: string, table: TableId, row: string, column: string): CellRow | null {
    return this.cellByKey.get(cellKey(docId, table, row, column)) ?? null;
  }

  cells(docId: string, table?: TableId): CellRow[] {
    const all = this.cellsByDoc.get(docId) ?? [];
    return table ? all.filter((c) => c.table === table) : [...all];
  }

  tables(docId: string): TableRow[] {
    return [...(this.tablesByDoc.get(docId) ?? [])];
  }

  facts(docId: string, metric?: string): FactRow[] {
    const all = this.factsByDoc.get(docId) ?? [];
    return metric ? all.filter((f) => f.metric === metric) : [...all];
  }

  checks(docId: string): CheckResult[] {
    return (this.checksByDoc.get(docId) ?? []).map(({ failing: _, ...c }) => c);
  }

  failingChecks(docId: string): CheckResult[] {
    return (this.checksByDoc.get(docId) ?? []).filter((c) => c.failing).map(({ failing: _, ...c }) => c);
  }

  /** Export rows under a filter, table cells first, then narrative facts (as FactsDb.exportRows). */
  exportRows(filter: StatsFilter): CellExportRow[] {
    return exportRowsUnder(this, filter);
  }

  close(): void {}
}

const cellKey = (docId: string, table: string, row: string, column: string) => `${docId}\u0001${table}\u0001${row}\u0001${column}`;

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

/** One snapshot of the statistics tables (one transaction), in facts.sqlite's orders. */
async function readAll(db: Db) {
  return db.transaction(async (q) => {
    await q("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const bodies = await q<{ id: string; level: string; region: string | null; parent: string | null; names: string; predecessors: string; successors: string }>("SELECT id, level, region, parent, names, predecessors, successors FROM bodies ORDER BY seq");
    // facts.sqlite: ORDER BY body, year (binary collation, NULLs first), then insertion order.
    const reports = await q<Record<string, unknown>>(
      `SELECT doc_id AS "docId", source, body, issuer, level, region, year, format, title, published, url FROM reports ORDER BY body COLLATE "C", year NULLS FIRST, seq`,
    );
    const cells = await q<Record<string, unknown>>(
      `SELECT c.doc_id, c.tbl, c.row_key, c.col_key, c.value, c.candidates, c.method, t.format AS format, COALESCE(c.quote, q.quote) AS row_quote
       FROM cells c JOIN tables t ON t.doc_id = c.doc_id AND t.tbl = c.tbl
       LEFT JOIN row_quotes q ON q.doc_id = c.doc_id AND q.tbl = c.tbl AND q.row_key = c.row_key ORDER BY c.seq`,
    );
    const tables = await q<Record<string, unknown>>(`SELECT doc_id AS "docId", tbl AS "table", format, method, status, note FROM tables ORDER BY doc_id, tbl COLLATE "C"`);
    const facts = await q<Record<string, unknown>>(`SELECT doc_id AS "docId", metric, value, unit, sentence FROM facts ORDER BY doc_id, span_start NULLS FIRST, seq`);
    const checks = await q<Record<string, unknown>>("SELECT doc_id, rule, label, ok, expr, cells FROM checks ORDER BY seq");
    return { bodies, reports, cells, tables, facts, checks };
  });
}
