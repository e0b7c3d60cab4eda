import type { ExtractedCell, ExtractedTable, ReportStatistics } from "./types.js";

/**
 * The extraction results as saved beside a generation (statistics.json), for the next ingest to reuse: a
 * table's cells grouped by row, each row's quote once (a row's cells share the text they were read from),
 * a cell as a short array. pack/unpack round-trip exactly.
 */

type PackedCell = [column: string, value: number | null, method: ExtractedCell["method"], span: [number, number] | null, candidates: number[] | null, page: number | null, basis: ExtractedCell["basis"] | null, quote: string | null];
interface PackedTable extends Omit<ExtractedTable, "cells"> {
  rows: Array<[row: string, quote: string, cells: PackedCell[]]>;
}
export interface PackedStatistics extends Omit<ReportStatistics, "tables"> {
  tables: PackedTable[];
}

export function packStatistics(st: ReportStatistics): PackedStatistics {
  return {
    ...st,
    tables: st.tables.map(({ cells, ...t }) => {
      const rows = new Map<string, [string, string, PackedCell[]]>();
      for (const c of cells) {
        let r = rows.get(c.row);
        if (!r) rows.set(c.row, (r = [c.row, c.quote, []]));
        r[2].push([c.column, c.value, c.method, c.span ?? null, c.candidates ?? null, c.page ?? null, c.basis ?? null, c.quote === r[1] ? null : c.quote]);
      }
      return { ...t, rows: [...rows.values()] };
    }),
  };
}

export function unpackStatistics(p: PackedStatistics): ReportStatistics {
  return {
    ...p,
    tables: p.tables.map(({ rows, ...t }) => ({
      ...t,
      cells: rows.flatMap(([row, quote, cells]) =>
        cells.map(([column, value, method, span, candidates, page, basis, own]): ExtractedCell => ({
          table: t.table,
          row,
          column,
          value,
          method,
          quote: own ?? quote,
          ...(span ? { span } : {}),
          ...(candidates ? { candidates } : {}),
          ...(page !== null ? { page } : {}),
          ...(basis ? { basis } : {}),
        })),
      ),
    })),
  };
}
