import type { LoadLimits } from "../limits.js";
import { columnLabel, rowLabel, tableSchema } from "../domain/format/tables.js";
import type { CellExportRow, CheckResult, DraftCheck, StatsFilter, StatsService } from "./api.js";
import { toReportInfo, type FactsDb } from "./db.js";
import type { ReportStatistics } from "./types.js";

/** Export rows of one report's extraction (used for drafts, which are not in the database). */
export function exportRowsOf(st: ReportStatistics, report: { source: string; title: string; body: string; year: number | null }): CellExportRow[] {
  const out: CellExportRow[] = [];
  for (const t of st.tables) {
    const s = tableSchema(t.format, t.table);
    if (!s) continue;
    for (const c of t.cells) {
      const r = s.rows.find((x) => x.key === c.row);
      const col = s.columns.find((x) => x.key === c.column);
      if (!r || !col) continue;
      out.push({ ...report, table: t.table, row: rowLabel(r), column: columnLabel(col), value: c.value, unit: col.unit, method: c.method, quote: c.quote, ...(c.candidates ? { candidates: c.candidates } : {}) });
    }
  }
  for (const f of st.facts) out.push({ ...report, table: "叙述", row: f.metric, column: "", value: f.value, unit: f.unit, method: "sentence", quote: f.sentence });
  return out;
}

/** The statistics service of one index generation. */
/** How a draft is checked: parsed as ingestion parses a corpus file (in a sandbox process), given by the composition root. */
export type DraftChecker = (bytes: Buffer, filename: string, limits?: LoadLimits) => Promise<DraftCheck>;

const noDraftChecker: DraftChecker = async () => {
  throw new Error("draft checks are not configured for this statistics service");
};

export class FactsStatsService implements StatsService {
  constructor(
    private readonly db: Pick<FactsDb, "reports" | "exportRows" | "checks">,
    private readonly draftChecker: DraftChecker = noDraftChecker,
  ) {}

  reports() {
    return this.db.reports().map(toReportInfo);
  }

  cells(filter: StatsFilter): CellExportRow[] {
    return this.db.exportRows(filter);
  }

  checks(filter: StatsFilter): Array<CheckResult & { source: string }> {
    return this.db
      .reports()
      .filter((r) => (!filter.body || r.body === filter.body) && (filter.year === undefined || r.year === filter.year))
      .flatMap((r) => this.db.checks(r.docId).filter((c) => !filter.table || c.label.startsWith(filter.table)).map((c) => ({ ...c, source: r.source })));
  }

  checkDraft(bytes: Buffer, filename: string, limits?: LoadLimits): Promise<DraftCheck> {
    return this.draftChecker(bytes, filename, limits);
  }
}
