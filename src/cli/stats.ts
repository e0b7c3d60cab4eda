import { loadSettings } from "../config.js";
import { NianbaoError } from "../errors.js";
import { openStatistics } from "../app/open.js";
import { readFile } from "node:fs/promises";
import { columnLabel, rowLabel, tableSchema } from "../domain/format/tables.js";
import type { CellExportRow, CheckResult, TableId } from "../stats/api.js";
import { TABLE_IDS, isTableId } from "../domain/types.js";
import type { FactsDb } from "../stats/db.js";
import { checkDraft } from "../app/draft.js";
import { parseArgs } from "./args.js";
import { loadDotEnv } from "./env.js";
import { writeOut } from "./output.js";
import { csvDocument } from "../present/csv.js";
import { displayWidth } from "../present/text.js";

const USAGE = `usage: npm run --silent stats -- [--index DIR] show FILE|BODY YEAR
       npm run --silent stats -- [--index DIR] export --format csv|jsonl [--table 表三] [--body 机关] [--year 2024]
       npm run --silent stats -- check FILE...        (a draft: txt/md/html/pdf/docx; exit 1 when a rule fails)`;

const EXPORT_FIELDS = ["source", "title", "body", "year", "table", "row", "column", "value", "method", "quote"] as const;

/** CSV that Excel and WPS open as UTF-8 (BOM), one line per cell. */
export function toCsv(rows: CellExportRow[]): string {
  return csvDocument(EXPORT_FIELDS, rows.map((r) => EXPORT_FIELDS.map((f) => r[f])));
}

function checkLines(checks: CheckResult[]): string[] {
  if (!checks.length) return ["（没有可核对的勾稽关系）"];
  return checks.map((c) => `${c.ok === null ? "？" : c.ok ? "✓" : "✗"} ${c.label}：${c.expr}`);
}

const pad = (s: string, n: number) => s + " ".repeat(Math.max(0, n - displayWidth(s)));

/** One table as aligned text: rows down, columns across, undecided cells as "?". */
function tableText(db: FactsDb, docId: string, table: TableId): string[] {
  const cells = db.cells(docId, table);
  const meta = db.tables(docId).find((t) => t.table === table);
  const s = meta ? tableSchema(meta.format, table) : null;
  if (!s || !cells.length) return [];
  const cols = s.columns.filter((c) => cells.some((x) => x.column === c.key));
  const lines = [`${table}（${meta!.method}，${meta!.status}）`];
  const labelW = Math.max(...s.rows.map((r) => displayWidth(rowLabel(r)))) + 2;
  const heads = cols.map((c) => columnLabel(c).split(" › ").pop()!);
  const colW = heads.map((h) => Math.max(displayWidth(h), 8) + 2);
  lines.push(pad("", labelW) + heads.map((h, i) => pad(h, colW[i])).join(""));
  for (const r of s.rows) {
    const rowCells = cols.map((c) => cells.find((x) => x.row === r.key && x.column === c.key));
    if (rowCells.every((x) => !x)) continue;
    lines.push(pad(rowLabel(r), labelW) + rowCells.map((x, i) => pad(x ? (x.value === null ? (x.candidates ? "?" : "—") : String(x.value)) : "", colW[i])).join(""));
  }
  return lines;
}

async function main(): Promise<number> {
  loadDotEnv();
  const args = parseArgs(process.argv.slice(2), ["index", "format", "table", "body", "year"]);
  const [cmd, ...rest] = args.positionals;
  if (!cmd || args.flags.has("help")) {
    console.log(USAGE);
    return cmd ? 0 : 2;
  }
  if (cmd === "check") {
    if (!rest.length) {
      console.error(USAGE);
      return 2;
    }
    let failed = false;
    for (const file of rest) {
      const d = await checkDraft(await readFile(file), file);
      await writeOut(`${file}：${d.report?.title ?? ""}（${d.report?.format ?? "格式未知"}）\n${checkLines(d.checks).join("\n")}\n`);
      if (!d.ok) failed = true;
    }
    return failed ? 1 : 0;
  }
  const settings = loadSettings();
  // The statistics alone: no search index, no embedder, no engine.
  const fs = await openStatistics({ indexDir: args.values.get("index") ?? settings.NIANBAO_INDEX_DIR, corpusDir: settings.CORPUS_DIR, settings });
  if (cmd === "show") {
    const [what, year] = rest;
    const reports = fs.facts.reports().filter((r) => r.source === what || r.source.endsWith(`/${what}`) || (what === r.body || fs.bodies.lookup(what ?? "")?.id === r.body) && (!year || String(r.year) === year));
    if (!reports.length) {
      console.error(`没有找到报告：${rest.join(" ")}`);
      return 2;
    }
    const out: string[] = [];
    for (const r of reports) {
      out.push(`■ ${r.title}（${r.body}，${r.year}年，${r.format ?? "格式未知"}）${r.published ? ` 发布：${r.published}` : ""}${r.url ? ` ${r.url}` : ""}`);
      for (const t of TABLE_IDS) out.push(...tableText(fs.facts, r.docId, t));
      const facts = fs.facts.facts(r.docId);
      if (facts.length) out.push("正文中的数字：", ...facts.map((f) => `  ${f.metric} = ${f.value}${f.unit}：${f.sentence.slice(0, 80)}`));
      out.push("勾稽关系：", ...checkLines(fs.facts.checks(r.docId)), "");
    }
    await writeOut(out.join("\n") + "\n");
    return 0;
  }
  if (cmd === "export") {
    const format = args.values.get("format") ?? "jsonl";
    if (format !== "csv" && format !== "jsonl") throw new NianbaoError(`--format 只能是 csv 或 jsonl：${format}`);
    const table = args.values.get("table") as TableId | undefined;
    if (table && !isTableId(table)) throw new NianbaoError(`--table 只能是 表二、表三 或 表四：${table}`);
    const bodyArg = args.values.get("body");
    const body = bodyArg ? fs.bodies.lookup(bodyArg)?.id ?? bodyArg : undefined;
    const yearArg = args.values.get("year");
    const rows = fs.facts.exportRows({ body, year: yearArg ? Number(yearArg) : undefined, table });
    await writeOut(format === "csv" ? toCsv(rows) : rows.map((r) => JSON.stringify(Object.fromEntries(EXPORT_FIELDS.map((f) => [f, r[f]])))).join("\n") + (rows.length ? "\n" : ""));
    return 0;
  }
  console.error(USAGE);
  return 2;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`错误 / error: ${err instanceof NianbaoError ? err.message : (err as Error).message}`);
    process.exit(2);
  },
);
