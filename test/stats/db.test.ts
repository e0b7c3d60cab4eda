import Database from "better-sqlite3";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BodyRegistry } from "../../src/domain/bodies.js";
import { IndexStoreError } from "../../src/errors.js";
import { parseText } from "../../src/ingest/document.js";
import { FACTS_SCHEMA_VERSION, FactsDb, toReportInfo, writeFactsDb } from "../../src/stats/db.js";
import type { ReportStatistics } from "../../src/stats/types.js";
import type { DocMeta } from "../../src/types.js";

const FILES = ["平潭综合实验区-2023-年度报告.txt", "平潭综合实验区-2024-年度报告.txt", "平潭综合实验区财政金融局-2024-年度报告.txt", "regulation-2019.txt"];
let dir: string;
let file: string;
let db: FactsDb;
const documents: DocMeta[] = [];
const statistics: Record<string, ReportStatistics> = {};

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "nianbao-factsdb-"));
  file = path.join(dir, "facts.sqlite");
  for (const f of FILES)
    for (const d of parseText(readFileSync(`corpus/${f}`, "utf8"), f)) {
      documents.push(d.meta);
      if (d.statistics) statistics[d.meta.docId] = d.statistics;
    }
  const bodies = new BodyRegistry(documents.filter((d) => d.kind === "report").map((d) => ({ issuer: d.issuer, region: d.region })), { 平潭综合实验区财政金融局: { predecessors: ["平潭县财政局"] } });
  writeFactsDb(file, { documents, statistics, bodies });
  db = new FactsDb(file);
});
afterAll(() => {
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

const docOf = (source: string) => db.reports().find((r) => r.source === source)!;

describe("facts database: write and read back", () => {
  it("only reports are stored, each with its body, year, format, title and (for crawled pages) date and URL", () => {
    expect(db.reports().map((r) => r.source).sort()).toEqual(FILES.filter((f) => !f.startsWith("regulation")).sort());
    const dept = docOf("平潭综合实验区财政金融局-2024-年度报告.txt");
    const meta = documents.find((d) => d.source === dept.source)!;
    expect(dept).toMatchObject({ body: "平潭综合实验区财政金融局", year: 2024, format: "2021", level: "部门", region: "平潭综合实验区", title: meta.title });
    expect(dept.published).toBe(meta.published);
    expect(dept.url).toBe(meta.url);
    expect(dept.published).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(docOf("平潭综合实验区-2024-年度报告.txt")).toMatchObject({ body: "平潭综合实验区", published: null, url: null });
  });

  it("a cell comes back with its value, official labels, unit, method and quote", () => {
    const r = docOf("平潭综合实验区-2024-年度报告.txt");
    const c = db.cell(r.docId, "表三", "withheld.internal", "total")!;
    expect(c).toMatchObject({ value: 32, rowLabel: "（三）不予公开 › 5.属于三类内部事务信息", columnLabel: "总计", unit: "件", section: "三、收到和处理政府信息公开申请情况" });
    expect(c.quote).toContain("32");
    expect(db.cell(r.docId, "表三", "new", "total")?.value).toBe(218);
    expect(db.cell(r.docId, "表三", "nonexistent", "total")).toBeNull();
  });

  it("every stored cell equals the extraction's cell (values, candidates) — nothing is lost or altered", () => {
    for (const [docId, st] of Object.entries(statistics)) {
      for (const t of st.tables)
        for (const c of t.cells) {
          const back = db.cell(docId, t.table, c.row, c.column)!;
          expect(back, `${docId} ${t.table} ${c.row} ${c.column}`).not.toBeNull();
          expect(back.value).toBe(c.value);
          expect(back.candidates).toEqual(c.candidates ?? null);
        }
    }
  });

  it("tables, facts and checks round-trip, checks with ok true/false/null preserved", () => {
    for (const [docId, st] of Object.entries(statistics)) {
      expect(db.tables(docId).map((t) => t.table).sort()).toEqual(st.tables.map((t) => t.table).sort());
      expect(db.facts(docId).map((f) => [f.metric, f.value])).toEqual([...st.facts].sort((a, b) => a.span[0] - b.span[0]).map((f) => [f.metric, f.value]));
      expect(db.checks(docId).map((c) => [c.rule, c.ok, c.expr])).toEqual(st.checks.map((c) => [c.rule, c.ok, c.expr]));
    }
  });

  it("bodies round-trip with names, level, parent and predecessor links", () => {
    const b = db.bodies.find((x) => x.id === "平潭综合实验区财政金融局")!;
    expect(b).toMatchObject({ level: "部门", parent: "平潭综合实验区", predecessors: ["平潭县财政局"] });
    expect(b.names).toContain("财金局");
  });

  it("reportsOf lists one body's reports in year order", () => {
    expect(db.reportsOf("平潭综合实验区").map((r) => r.year)).toEqual([2023, 2024]);
    expect(db.reportsOf("无此机关")).toEqual([]);
  });

  it("toReportInfo keeps the fields channels show", () => {
    const info = toReportInfo(docOf("平潭综合实验区财政金融局-2024-年度报告.txt"));
    expect(Object.keys(info).sort()).toEqual(["body", "docId", "format", "level", "published", "region", "source", "title", "url", "year"]);
  });
});

describe("exportRows: one row per cell under a filter", () => {
  it("--table 表三 of one 2021-format report gives its 175 cells, each with official labels", () => {
    const rows = db.exportRows({ body: "平潭综合实验区", year: 2024, table: "表三" });
    expect(rows).toHaveLength(175);
    expect(new Set(rows.map((r) => r.table))).toEqual(new Set(["表三"]));
    expect(rows.find((r) => r.row === "（三）不予公开 › 5.属于三类内部事务信息" && r.column === "总计")?.value).toBe(32);
    expect(rows.find((r) => r.row === "一、本年新收政府信息公开申请数量" && r.column === "法人或其他组织 › 商业企业")?.value).toBe(1);
  });

  it("a body filter keeps that body only, a year filter that year only", () => {
    const byBody = db.exportRows({ body: "平潭综合实验区财政金融局" });
    expect(byBody.length).toBeGreaterThan(0);
    expect(new Set(byBody.map((r) => r.body))).toEqual(new Set(["平潭综合实验区财政金融局"]));
    const byYear = db.exportRows({ year: 2023 });
    expect(new Set(byYear.map((r) => r.year))).toEqual(new Set([2023]));
    expect(db.exportRows({ year: 1999 })).toEqual([]);
  });

  it("without a table filter, narrative facts follow the cells as 叙述 rows with their sentence", () => {
    const rows = db.exportRows({ body: "平潭综合实验区", year: 2024 });
    const narr = rows.filter((r) => r.table === "叙述");
    expect(narr.find((r) => r.row === "applications")).toMatchObject({ value: 218, method: "sentence" });
    expect(narr.find((r) => r.row === "applications")!.quote).toContain("218件");
    expect(rows.findIndex((r) => r.table === "叙述")).toBeGreaterThan(rows.findLastIndex((r) => r.table !== "叙述"));
  });
});

describe("opening a facts database", () => {
  it("an unknown schema version is refused with IndexStoreError naming the version", () => {
    const other = path.join(dir, "future.sqlite");
    copyFileSync(file, other);
    const w = new Database(other);
    w.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(String(FACTS_SCHEMA_VERSION + 1));
    w.close();
    expect(() => new FactsDb(other)).toThrowError(IndexStoreError);
    expect(() => new FactsDb(other)).toThrowError(new RegExp(String(FACTS_SCHEMA_VERSION + 1)));
  });

  it("a missing file and a file that is no database are refused with IndexStoreError", () => {
    expect(() => new FactsDb(path.join(dir, "missing.sqlite"))).toThrowError(IndexStoreError);
    const junk = path.join(dir, "junk.sqlite");
    copyFileSync("corpus/regulation-2019.txt", junk);
    expect(() => new FactsDb(junk)).toThrowError(IndexStoreError);
  });

  it("the database is opened read-only: nothing can be written through it", () => {
    const raw = (db as unknown as { db: Database.Database }).db;
    expect(raw.readonly).toBe(true);
  });
});
