import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { TABLES, cellExists, columnLabel, rowLabel, tableSchema, T3_GROUP_LABELS } from "../../src/domain/format/tables.js";
import { CROSS_RULES } from "../../src/domain/format/checks.js";

const notice2021 = readFileSync("corpus/format-notice-2021-国办公开办函2021-30号.txt", "utf8").replace(/\s+/g, "");
const notice2019 = readFileSync("corpus/format-notice-2019-国办公开办函2019-60号.txt", "utf8").replace(/\s+/g, "");
const squeeze = (s: string) => s.replace(/\s+/g, "");

describe("table schemas as the notices define them", () => {
  it("2021 表三 has 25 rows × 7 columns = 175 cells; 2019 表三 has 23 rows (one （六）其他处理 row)", () => {
    const t21 = TABLES["2021"].表三;
    expect([t21.rows.length, t21.columns.length, t21.order().length]).toEqual([25, 7, 175]);
    const t19 = TABLES["2019"].表三;
    expect([t19.rows.length, t19.order().length]).toEqual([23, 161]);
    expect(t19.rows.filter((r) => r.label === "（六）其他处理")).toHaveLength(1);
    expect(t21.rows.some((r) => r.label === "（六）其他处理")).toBe(false);
  });

  it("表四 has 15 cells (3 rows × 5 outcomes) in both formats", () => {
    for (const f of ["2019", "2021"] as const) expect(TABLES[f].表四.order()).toHaveLength(15);
  });

  it("表二 holds only the cells its template has (10 in 2021, 22 in 2019), and cellExists says so", () => {
    expect(TABLES["2021"].表二.order()).toHaveLength(10);
    expect(TABLES["2019"].表二.order()).toHaveLength(22);
    expect(cellExists(TABLES["2021"].表二, "rules", "made")).toBe(true);
    expect(cellExists(TABLES["2021"].表二, "licensing", "made")).toBe(false);
    expect(cellExists(TABLES["2021"].表三, "withheld.internal", "legal")).toBe(true);
  });

  it("every row, column and group label of the 2021 tables appears in the 2021 notice text", () => {
    for (const t of ["表二", "表三", "表四"] as const) {
      const s = TABLES["2021"][t];
      for (const r of s.rows) expect(notice2021, `${t} ${r.label}`).toContain(squeeze(r.label));
      for (const c of s.columns) expect(notice2021, `${t} ${c.label}`).toContain(squeeze(c.label));
      for (const g of new Set(s.rows.flatMap((r) => r.group))) expect(notice2021, `${t} ${g}`).toContain(squeeze(g));
    }
    for (const g of T3_GROUP_LABELS) expect(notice2021).toContain(squeeze(g));
  });

  it("every label of the 2019 tables appears in the 2019 notice text", () => {
    for (const t of ["表二", "表三", "表四"] as const) {
      const s = TABLES["2019"][t];
      for (const r of s.rows) expect(notice2019, `${t} ${r.label}`).toContain(squeeze(r.label));
      for (const c of s.columns) expect(notice2019, `${t} ${c.label}`).toContain(squeeze(c.label));
    }
  });

  it("row and column keys are unique within a table, and the reading order visits every cell once", () => {
    for (const f of ["2019", "2021"] as const)
      for (const t of ["表二", "表三", "表四"] as const) {
        const s = TABLES[f][t];
        expect(new Set(s.rows.map((r) => r.key)).size).toBe(s.rows.length);
        expect(new Set(s.columns.map((c) => c.key)).size).toBe(s.columns.length);
        const keys = s.order().map(([r, c]) => `${r.key}|${c.key}`);
        expect(new Set(keys).size).toBe(keys.length);
      }
  });

  it("表三 rules name existing keys: six applicant columns sum to 总计, result rows to （七）总计, 一+二 = 三+四", () => {
    const s = TABLES["2021"].表三;
    const rowKeys = new Set(s.rows.map((r) => r.key));
    const colKeys = new Set(s.columns.map((c) => c.key));
    const rowSum = s.rules.find((r) => r.kind === "row-sum")!;
    expect(rowSum.kind === "row-sum" && rowSum.parts).toEqual(["natural", "business", "research", "welfare", "legal", "other"]);
    const colSum = s.rules.find((r) => r.kind === "col-sum")!;
    if (colSum.kind !== "col-sum") throw new Error("no col-sum");
    expect(colSum.parts).toHaveLength(25 - 4); // every row but 一、新收, 二、上年结转, （七）总计, 四、结转下年度
    expect(colSum.parts.every((k) => rowKeys.has(k))).toBe(true);
    expect(colSum.parts).not.toContain("new");
    expect(colSum.parts).not.toContain("total");
    const bal = s.rules.find((r) => r.kind === "col-balance")!;
    expect(bal.kind === "col-balance" && [bal.left, bal.right]).toEqual([["new", "carried_in"], ["total", "carried_out"]]);
    expect([...colKeys]).toContain("total");
  });

  it("every 表三 result row of the 2021 format names the 条例 article behind it", () => {
    const s = TABLES["2021"].表三;
    const results = s.rows.filter((r) => r.group.length > 0 && r.key !== "other.other");
    for (const r of results) expect(r.article, r.label).toMatch(/^第[一二三四五六七八九十]+条/);
    expect(s.rows.find((r) => r.key === "withheld.process")?.article).toMatch(/^第十六条/);
    expect(s.rows.find((r) => r.key === "unable.unclear")?.article).toBe("第三十条");
  });

  it("export labels join the groups and the label with ' › '", () => {
    const s = TABLES["2021"].表三;
    expect(rowLabel(s.rows.find((r) => r.key === "withheld.internal")!)).toBe("（三）不予公开 › 5.属于三类内部事务信息");
    expect(columnLabel(s.columns.find((c) => c.key === "business")!)).toBe("法人或其他组织 › 商业企业");
    expect(columnLabel(s.columns.find((c) => c.key === "natural")!)).toBe("自然人");
  });

  it("a pre-2019 report has no schema", () => {
    expect(tableSchema("pre2019", "表三")).toBeNull();
    expect(tableSchema(null, "表三")).toBeNull();
    expect(tableSchema("2021", "表四")?.order()).toHaveLength(15);
  });

  it("cross-report rules have distinct ids", () => {
    const ids = Object.values(CROSS_RULES).map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
