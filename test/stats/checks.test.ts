import { describe, expect, it } from "vitest";
import { TABLES } from "../../src/domain/format/index.js";
import { crossYearChecks, narrativeChecks, tableChecks } from "../../src/stats/checks.js";
import type { ExtractedCell, ExtractedTable, ReportStatistics } from "../../src/stats/types.js";

/** Each 勾稽关系 rule on tiny synthetic tables: holds, fails with its working, or cannot be checked. */

function t3(values: Record<string, number[]>, format: "2019" | "2021" = "2021"): ExtractedTable {
  const s = TABLES[format].表三;
  const cells: ExtractedCell[] = s.order().map(([r, c], i) => ({
    table: "表三", row: r.key, column: c.key, value: values[r.key]?.[s.columns.indexOf(c)] ?? 0, method: "text-row", quote: `q${i}`,
  }));
  return { table: "表三", format, method: "text-row", status: "decoded", cells, span: [0, 0] };
}

function t4(values: number[][]): ExtractedTable {
  const s = TABLES["2021"].表四;
  const cells: ExtractedCell[] = s.order().map(([r, c]) => ({ table: "表四", row: r.key, column: c.key, value: values[s.rows.indexOf(r)][s.columns.indexOf(c)], method: "digit-run", quote: "" }));
  return { table: "表四", format: "2021", method: "digit-run", status: "decoded", cells, span: [0, 0] };
}

function t2(values: Record<string, number[]>): ExtractedTable {
  const s = TABLES["2021"].表二;
  const cells: ExtractedCell[] = s.order().map(([r, c]) => {
    const cols = s.order().filter(([rr]) => rr.key === r.key).map(([, cc]) => cc.key);
    return { table: "表二", row: r.key, column: c.key, value: values[r.key]?.[cols.indexOf(c.key)] ?? 0, method: "text-row", quote: "" };
  });
  return { table: "表二", format: "2021", method: "text-row", status: "decoded", cells, span: [0, 0] };
}

const valid = { new: [5, 1, 0, 0, 0, 0, 6], open: [4, 1, 0, 0, 0, 0, 5], total: [4, 1, 0, 0, 0, 0, 5], carried_out: [1, 0, 0, 0, 0, 0, 1] };

describe("表三 rules", () => {
  it("all hold on a consistent table", () => {
    const checks = tableChecks(t3(valid));
    expect(checks.filter((c) => c.rule === "t3.row-sum")).toHaveLength(TABLES["2021"].表三.rows.length);
    expect(checks.filter((c) => c.rule === "t3.col-sum")).toHaveLength(7);
    expect(checks.filter((c) => c.rule === "t3.balance")).toHaveLength(7);
    expect(checks.every((c) => c.ok === true)).toBe(true);
    expect(checks.find((c) => c.rule === "t3.balance" && c.label.includes("自然人"))!.expr).toBe("5 = 4+1 = 5");
  });

  it("row sum fails with its working and cells", () => {
    const c = tableChecks(t3({ ...valid, open: [4, 1, 0, 0, 0, 0, 6] })).find((x) => x.rule === "t3.row-sum" && x.ok === false)!;
    expect(c.expr).toBe("4+1 = 5 ≠ 6");
    expect(c.label).toContain("予以公开");
    expect(c.cells.at(-1)).toMatchObject({ table: "表三", column: "总计", value: 6 });
  });

  it("column sum names the column", () => {
    const c = tableChecks(t3({ ...valid, partial: [2, 0, 0, 0, 0, 0, 2] })).filter((x) => x.rule === "t3.col-sum" && x.ok === false);
    expect(c.map((x) => x.expr)).toContain("4+2 = 6 ≠ 4");
    expect(c[0].label).toContain("自然人");
  });

  it("一+二 = 三+四 fails", () => {
    const c = tableChecks(t3({ ...valid, carried_in: [1, 0, 0, 0, 0, 0, 1] })).filter((x) => x.rule === "t3.balance" && x.ok === false);
    expect(c.map((x) => x.expr)).toContain("5+1 = 6 ≠ 4+1 = 5");
  });

  it("an undecided cell makes the rule uncheckable, not failing", () => {
    const t = t3(valid);
    const cell = t.cells.find((c) => c.row === "open" && c.column === "natural")!;
    cell.value = null;
    cell.candidates = [4, 40];
    const c = tableChecks(t).find((x) => x.rule === "t3.row-sum" && x.label.includes("予以公开"))!;
    expect(c.ok).toBeNull();
  });

  it("the 2019 layout has its single （六）其他处理 row in the column sum", () => {
    const checks = tableChecks(t3({ ...valid, open: [3, 1, 0, 0, 0, 0, 4], other: [1, 0, 0, 0, 0, 0, 1] }, "2019"));
    expect(checks.every((c) => c.ok === true)).toBe(true);
  });
});

describe("表四 rule", () => {
  it("维持+纠正+其他+尚未审结 = 总计 per row", () => {
    const checks = tableChecks(t4([[1, 0, 2, 0, 3], [12, 0, 0, 0, 12], [0, 1, 0, 0, 2]]));
    expect(checks.map((c) => c.ok)).toEqual([true, true, false]);
    expect(checks[2].expr).toBe("1 ≠ 2");
    expect(checks[2].label).toContain("复议后起诉");
  });
});

describe("narrative against the tables", () => {
  const fact = (metric: string, value: number) => ({ metric, value, unit: "件", sentence: `共${value}件`, span: [0, 1] as [number, number] });
  it("收到申请N件 vs 表三 本年新收 (or 新收 + 上年结转)", () => {
    expect(narrativeChecks([fact("applications", 6)], [t3(valid)])[0].ok).toBe(true);
    expect(narrativeChecks([fact("applications", 7)], [t3({ ...valid, carried_in: [1, 0, 0, 0, 0, 0, 1] })])[0].expr).toBe("正文 7 = 本年新收 6 + 上年结转 1");
    const bad = narrativeChecks([fact("applications", 9)], [t3(valid)])[0];
    expect([bad.ok, bad.expr, bad.rule]).toEqual([false, "正文 9 ≠ 表三 本年新收 6", "narr.applications"]);
  });
  it("行政复议N件 vs 表四 行政复议 总计", () => {
    const t = t4([[1, 0, 2, 0, 3], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]]);
    expect(narrativeChecks([fact("review", 3)], [t])[0].ok).toBe(true);
    expect(narrativeChecks([fact("review", 4)], [t])[0].ok).toBe(false);
  });
});

describe("across years", () => {
  const report = (tables: ExtractedTable[]): ReportStatistics => ({ format: "2021", tables, facts: [], checks: [] });
  it("this year's 上年结转 = last year's 结转下年度, per column", () => {
    const prev = report([t3(valid)]);
    const good = report([t3({ ...valid, carried_in: [1, 0, 0, 0, 0, 0, 1], new: [4, 1, 0, 0, 0, 0, 5], carried_out: [0, 0, 0, 0, 0, 0, 0] })]);
    const carry = crossYearChecks(prev, good).filter((c) => c.rule === "year.carry");
    expect(carry).toHaveLength(7);
    expect(carry.every((c) => c.ok === true)).toBe(true);
    const bad = crossYearChecks(prev, report([t3(valid)])).filter((c) => c.rule === "year.carry" && c.ok === false);
    expect(bad.map((c) => c.expr)).toContain("本年上年结转 0 ≠ 上年结转下年度 1");
  });

  it("表二 现行有效 continuity: last year's − 废止 + 制发 = this year's", () => {
    const prev = report([t2({ normative: [8, 0, 65] })]);
    const ok = crossYearChecks(prev, report([t2({ normative: [5, 3, 67] })])).find((c) => c.rule === "year.in-force" && c.label.includes("行政规范性文件"))!;
    expect([ok.ok, ok.expr]).toEqual([true, "65 − 3 + 5 = 67 = 67"]);
    const bad = crossYearChecks(prev, report([t2({ normative: [5, 3, 70] })])).find((c) => c.rule === "year.in-force" && c.label.includes("行政规范性文件"))!;
    expect([bad.ok, bad.expr]).toEqual([false, "65 − 3 + 5 = 67 ≠ 70"]);
  });
});
