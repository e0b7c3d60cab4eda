import path from "node:path";
import { LoadError } from "../errors.js";
import { parseText } from "../ingest/document.js";
import { limitsFromEnv, type LoadLimits } from "../ingest/limits.js";
import { loadFile } from "../ingest/load.js";
import { runInSandbox } from "../ingest/sandbox.js";
import { columnLabel, rowLabel, tableSchema } from "../format/tables.js";
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

/**
 * Reads a staff member's draft (txt/md/html/pdf/docx bytes) as ingestion reads a corpus file, in memory only,
 * and returns its tables and every check. Nothing is written anywhere.
 */
export async function checkDraft(bytes: Buffer, filename: string, limits?: LoadLimits): Promise<DraftCheck> {
  const name = path.basename(filename || "draft.txt");
  const loaded = await loadFile(name, name, bytes, limits);
  const docs = parseText(loaded.text, name);
  const doc = docs.find((d) => d.statistics) ?? null;
  if (!doc || !doc.statistics) throw new LoadError(name, "没有读到年度报告的内容（标题、统计表或统计数字）");
  const m = doc.meta;
  const body = m.issuer ?? m.region ?? "（未识别机关）";
  const st = doc.statistics;
  const checks: CheckResult[] = st.checks;
  return {
    filename: name,
    report: { docId: m.docId, source: name, title: m.title, body, level: null, region: m.region, year: m.year, format: st.format, published: m.published ?? null, url: m.url ?? null },
    cells: exportRowsOf(st, { source: name, title: m.title, body, year: m.year }),
    checks,
    // A draft passes only when every rule could be checked and holds: a cell that cannot be read is no pass.
    ok: checks.length > 0 && checks.every((c) => c.ok === true),
  };
}

/**
 * checkDraft run whole in a sandbox process (src/ingest/sandbox.ts) under `limits`: the server's process neither
 * extracts nor parses an uploaded file (parsing a 10 MB text draft held the event loop for seconds).
 */
export async function checkDraftInSandbox(bytes: Buffer, filename: string, limits: LoadLimits): Promise<DraftCheck> {
  const name = path.basename(filename || "draft.txt");
  return (await runInSandbox({ kind: "draft", filename: name }, bytes, name, limits)) as DraftCheck;
}

/** The statistics service of one index generation. */
export class FactsStatsService implements StatsService {
  constructor(private readonly db: FactsDb) {}

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

  checkDraft(bytes: Buffer, filename: string, limits: LoadLimits = limitsFromEnv()): Promise<DraftCheck> {
    return checkDraftInSandbox(bytes, filename, limits);
  }
}
