import { readFile } from "node:fs/promises";
import path from "node:path";
import { loadSettings } from "../config.js";
import { NianbaoError } from "../errors.js";
import { columnLabel, rowLabel, tableSchema } from "../domain/format/tables.js";
import type { CellExportRow, CheckResult, TableId } from "../stats/api.js";
import { parseArgs } from "./args.js";
import type { CliDeps, StatsSource } from "./deps.js";
import { environment, line, write, type CliIo } from "./io.js";
import { csvDocument } from "../present/csv.js";
import { displayWidth } from "../present/text.js";
import { TABLE_IDS, isTableId } from "../domain/types.js";

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
function tableText(db: StatsSource["facts"], docId: string, table: TableId): string[] {
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

/**
 * `npm run stats`: `show` a report's tables, figures and checks, `export` every cell (CSV or JSON lines), `check`
 * drafts. Exit 0; 1 when a checked draft fails a rule or cannot be checked; 2 for a usage error or a failure.
 */
export async function run(argv: string[], io: CliIo, deps: CliDeps): Promise<number> {
  try {
    return await stats(argv, io, deps);
  } catch (err) {
    line(io.stderr, `错误 / error: ${(err as Error).message}`);
    return 2;
  }
}

async function stats(argv: string[], io: CliIo, deps: CliDeps): Promise<number> {
  const args = parseArgs(argv, ["index", "format", "table", "body", "year"]);
  const [cmd, ...rest] = args.positionals;
  if (!cmd || args.flags.has("help")) {
    line(cmd ? io.stdout : io.stderr, USAGE);
    return cmd ? 0 : 2;
  }
  if (cmd === "check") {
    if (!rest.length) {
      line(io.stderr, USAGE);
      return 2;
    }
    let failed = false;
    for (const file of rest) {
      const d = await deps.checkDraft(await readFile(path.resolve(io.cwd, file)), file);
      await write(io.stdout, `${file}：${d.report?.title ?? ""}（${d.report?.format ?? "格式未知"}）\n${checkLines(d.checks).join("\n")}\n`);
      if (!d.ok) failed = true;
    }
    return failed ? 1 : 0;
  }
  if (cmd !== "show" && cmd !== "export") {
    line(io.stderr, USAGE);
    return 2;
  }
  // Arguments are checked before the index is opened.
  const format = args.values.get("format") ?? "jsonl";
  if (format !== "csv" && format !== "jsonl") throw new NianbaoError(`--format 只能是 csv 或 jsonl：${format}`);
  const table = args.values.get("table") as TableId | undefined;
  if (table && !isTableId(table)) throw new NianbaoError(`--table 只能是 表二、表三 或 表四：${table}`);
  const settings = loadSettings(environment(io));
  const indexDir = path.resolve(io.cwd, args.values.get("index") ?? settings.NIANBAO_INDEX_DIR);
  const fs = await deps.openStats({ indexDir, corpusDir: path.resolve(io.cwd, settings.CORPUS_DIR), settings });
  if (!fs) throw new NianbaoError("该索引没有统计数据库，请重建：npm run ingest -- --rebuild");
  if (cmd === "show") {
    const [what, year] = rest;
    const reports = fs.facts.reports().filter((r) => r.source === what || r.source.endsWith(`/${what}`) || (what === r.body || fs.bodies.lookup(what ?? "")?.id === r.body) && (!year || String(r.year) === year));
    if (!reports.length) {
      line(io.stderr, `没有找到报告：${rest.join(" ")}`);
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
    await write(io.stdout, out.join("\n") + "\n");
    return 0;
  }
  // export
  const bodyArg = args.values.get("body");
  const body = bodyArg ? fs.bodies.lookup(bodyArg)?.id ?? bodyArg : undefined;
  const yearArg = args.values.get("year");
  const rows = fs.facts.exportRows({ body, year: yearArg ? Number(yearArg) : undefined, table });
  await write(io.stdout, format === "csv" ? toCsv(rows) : rows.map((r) => JSON.stringify(Object.fromEntries(EXPORT_FIELDS.map((f) => [f, r[f]])))).join("\n") + (rows.length ? "\n" : ""));
  return 0;
}
