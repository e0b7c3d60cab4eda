import { describe, expect, it } from "vitest";
import { TABLES } from "../../src/domain/format/index.js";
import { extractStatistics } from "../../src/stats/extract/index.js";
import type { ExtractedTable, ReportStatistics } from "../../src/stats/types.js";
import { loadCorpus, modernReports, readCorpus, yearOf } from "./helpers.js";

/** Tables read from real reports of every shape: flattened digit runs, PDF text rows, Markdown pipe tables. */

function stats(name: string, text = readCorpus(name)): ReportStatistics {
  return extractStatistics(text, { year: yearOf(name), source: name });
}

function table(s: ReportStatistics, id: "表二" | "表三" | "表四"): ExtractedTable {
  const t = s.tables.find((x) => x.table === id);
  if (!t) throw new Error(`${id} not read`);
  return t;
}

function row(t: ExtractedTable, key: string): Array<number | null> {
  const cols = TABLES[t.format][t.table].order().filter(([r]) => r.key === key).map(([, c]) => c.key);
  return cols.map((c) => t.cells.find((x) => x.row === key && x.column === c)!.value);
}

const failing = (s: ReportStatistics, table?: string) => s.checks.filter((c) => c.ok === false && (!table || c.rule.startsWith(table)));

describe("平潭综合实验区: flattened digit runs", () => {
  it("2021 本年新收 run 640020470 is 64, 0, 0, 2, 0, 4, 70", () => {
    const t = table(stats("平潭综合实验区-2021-年度报告.txt"), "表三");
    expect(row(t, "new")).toEqual([64, 0, 0, 2, 0, 4, 70]);
    const cell = t.cells.find((c) => c.row === "new" && c.column === "natural")!;
    expect(cell.method).toBe("digit-run");
    expect(cell.quote).toContain("640020470");
  });

  it.each([2019, 2021, 2022, 2023, 2024, 2025])("%i 表三 decodes one way only and every rule holds", (year) => {
    const s = stats(`平潭综合实验区-${year}-年度报告.txt`);
    const t = table(s, "表三");
    expect(t.status).toBe("decoded");
    expect(t.cells.every((c) => c.value !== null && !c.candidates)).toBe(true);
    const t3checks = s.checks.filter((c) => c.rule.startsWith("t3."));
    expect(t3checks.length).toBeGreaterThan(30);
    expect(t3checks.every((c) => c.ok === true)).toBe(true);
  });

  it("2019 表三: 23 applications, all from 自然人", () => {
    const t = table(stats("平潭综合实验区-2019-年度报告.txt"), "表三");
    expect(t.format).toBe("2019");
    expect(row(t, "new")).toEqual([23, 0, 0, 0, 0, 0, 23]);
    expect(row(t, "open")).toEqual([7, 0, 0, 0, 0, 0, 7]);
    expect(row(t, "total")).toEqual([23, 0, 0, 0, 0, 0, 23]);
  });

  it("2024 表三 三类内部事务信息 and 2022 表三 known rows", () => {
    const t22 = table(stats("平潭综合实验区-2022-年度报告.txt"), "表三");
    expect(row(t22, "new")).toEqual([71, 3, 0, 0, 0, 0, 74]);
    expect(row(t22, "unable.not_held")).toEqual([37, 0, 0, 0, 0, 0, 37]);
    expect(row(t22, "other.other")).toEqual([0, 2, 0, 0, 0, 0, 2]);
    const t25 = table(stats("平潭综合实验区-2025-年度报告.txt"), "表三");
    expect(row(t25, "new")).toEqual([151, 3, 0, 0, 0, 0, 154]);
    expect(row(t25, "carried_out")).toEqual([4, 2, 0, 0, 0, 0, 6]);
  });

  it("2020 fails the column rule (自然人 6+6+4+3+3+4 = 26 ≠ 20) and is flagged, not forced", () => {
    const s = stats("平潭综合实验区-2020-年度报告.txt");
    const t = table(s, "表三");
    expect(t.note).toMatch(/rules fail/);
    const f = failing(s, "t3");
    expect(f.map((c) => c.expr)).toContain("6+6+4+3+3+4 = 26 ≠ 20");
    const natural = f.find((c) => c.expr === "6+6+4+3+3+4 = 26 ≠ 20")!;
    expect(natural.rule).toBe("t3.col-sum");
    expect(natural.label).toContain("自然人");
    // Rows whose digit count equals their cell count are kept as read.
    expect(row(t, "other")).toEqual([4, 0, 0, 0, 0, 0, 4]);
    const tot = t.cells.find((c) => c.row === "total" && c.column === "natural")!;
    expect(tot.value).toBe(20);
    expect(tot.basis).toBe("row-rule");
  });

  it("2021 表四 run 10203120001200000 decodes under the row rule; 2019 all zeros", () => {
    const t = table(stats("平潭综合实验区-2021-年度报告.txt"), "表四");
    expect(t.status).toBe("decoded");
    expect(row(t, "review")).toEqual([1, 0, 2, 0, 3]);
    expect(row(t, "suit.direct")).toEqual([12, 0, 0, 0, 12]);
    expect(row(t, "suit.after_review")).toEqual([0, 0, 0, 0, 0]);
    expect(row(table(stats("平潭综合实验区-2019-年度报告.txt"), "表四"), "review")).toEqual([0, 0, 0, 0, 0]);
  });

  it("表二: single-cell rows are forced, multi-cell runs without sums stay undecided with candidates", () => {
    const t = table(stats("平潭综合实验区-2021-年度报告.txt"), "表二");
    expect(row(t, "rules")).toEqual([0, 0, 0]);
    expect(row(t, "licensing")).toEqual([2293]);
    expect(row(t, "penalty")).toEqual([1282]);
    expect(row(t, "coercion")).toEqual([42]);
    const normative = t.cells.filter((c) => c.row === "normative");
    expect(normative.every((c) => c.value === null && (c.candidates?.length ?? 0) > 1)).toBe(true);
    expect(normative[0].candidates).toContain(69);
    const t19 = table(stats("平潭综合实验区-2019-年度报告.txt"), "表二");
    expect(row(t19, "rules")).toEqual([0, 0, 0]);
    // "行政事业性收费350": 3|50 or 35|0 — undecided.
    expect(row(t19, "fees")).toEqual([null, null]);
    const t20 = table(stats("平潭综合实验区-2020-年度报告.txt"), "表二");
    // "35-15": the sign splits the run.
    expect(row(t20, "fees")).toEqual([35, -15]);
  });
});

describe("department reports (corpus-depts)", () => {
  it("农业农村局 2025 fails the row rule and keeps the cells its digit counts force", () => {
    const s = stats("平潭综合实验区农业农村局-2025-年度报告.txt");
    const t = table(s, "表三");
    expect(row(t, "new")).toEqual([1, 0, 0, 0, 0, 0, 0]);
    const f = failing(s, "t3.row-sum");
    expect(f.length).toBeGreaterThan(0);
    expect(f[0].label).toContain("本年新收");
    expect(f[0].expr).toBe("1 ≠ 0");
  });

  it("行政审批局 2020 (space-separated runs with glued pairs) decodes", () => {
    const t = table(stats("平潭综合实验区行政审批局-2020-年度报告.txt"), "表三");
    expect(t.status).toBe("decoded");
    expect(row(t, "new")).toEqual([1, 0, 0, 0, 0, 0, 1]);
  });

  it("自然资源与生态环境局 2022: 291000030 = 29, 1, 0, 0, 0, 0, 30", () => {
    const t = table(stats("平潭综合实验区自然资源与生态环境局-2022-年度报告.txt"), "表三");
    expect(row(t, "new")).toEqual([29, 1, 0, 0, 0, 0, 30]);
  });
});

describe("洪泽区 PDFs: text rows with label slips and wrapped labels", () => {
  it("2023 表三 reads every row, including the slip 2.其他法律行政止公开 and 三、本年（一）予以公开", async () => {
    const name = "洪泽区人民政府-2023-年度报告.pdf";
    const s = stats(name, await loadCorpus(name));
    const t = table(s, "表三");
    // The 2021 format with the trial layout's single （六）其他处理 row.
    expect(t.format).toBe("2019");
    expect(t.status).toBe("decoded");
    expect(t.method).toBe("text-row");
    expect(row(t, "new")).toEqual([21, 0, 0, 0, 0, 0, 21]);
    expect(row(t, "open")).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(row(t, "partial")).toEqual([4, 0, 0, 0, 0, 0, 4]);
    const slip = t.cells.find((c) => c.row === "withheld.prohibited")!;
    expect(slip.value).toBe(0);
    expect(slip.quote).toContain("行政止公开");
    expect(row(t, "unable.not_held")).toEqual([10, 0, 0, 0, 0, 0, 10]);
    expect(row(t, "refused.confirm")).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(s.checks.filter((c) => c.rule.startsWith("t3.")).every((c) => c.ok === true)).toBe(true);
    // 表二 (2021 format) read from its rows.
    const t2 = table(s, "表二");
    expect(row(t2, "rules")).toEqual([0, 0, 0]);
    expect(row(t2, "normative")).toEqual([0, 5, 5]);
    expect(row(t2, "fees")).toEqual([7730.28]);
    // Its 表四 row "10 | 1 | 0 …" breaks the rule: flagged.
    expect(failing(s, "t4").length).toBeGreaterThan(0);
  });

  it("2024 表三 and 表四", async () => {
    const name = "洪泽区人民政府-2024-年度报告.pdf";
    const s = stats(name, await loadCorpus(name));
    const t = table(s, "表三");
    expect(row(t, "new")).toEqual([95, 0, 0, 0, 0, 0, 95]);
    expect(row(t, "open")).toEqual([50, 0, 0, 0, 0, 0, 50]);
    expect(row(t, "unable.not_held")).toEqual([31, 0, 0, 0, 0, 0, 31]);
    const t4 = table(s, "表四");
    expect(row(t4, "review")).toEqual([1, 1, 0, 0, 2]);
    expect(row(t4, "suit.after_review")).toEqual([2, 0, 1, 0, 3]);
    expect(failing(s, "t").length).toBe(0);
    expect(row(table(s, "表二"), "licensing")).toEqual([9487]);
  });
});

describe("沭阳县 2025: OCR'd Markdown pipe tables", () => {
  it("reads 表三 rows from its sub-tables and 表四 from three small tables", () => {
    const s = stats("沭阳县人民政府-2025-年度报告.txt");
    const t = table(s, "表三");
    expect(t.method).toBe("pipe");
    expect(row(t, "new")).toEqual([705, 3, 0, 0, 5, 0, 713]);
    expect(row(t, "withheld.internal")).toEqual([13, 0, 0, 0, 0, 0, 13]);
    expect(row(t, "other.other")).toEqual([142, 1, 0, 0, 0, 0, 143]);
    expect(row(t, "total")).toEqual([710, 3, 0, 0, 5, 0, 718]);
    expect(row(t, "carried_out")).toEqual([31, 0, 0, 0, 0, 0, 31]);
    const t4 = table(s, "表四");
    expect(row(t4, "review")).toEqual([27, 10, 9, 15, 61]);
    expect(t4.cells.find((c) => c.row === "review" && c.column === "corrected")!.value).toBe(10);
    expect(row(table(s, "表二"), "penalty")).toEqual([693957]);
    expect(failing(s).length).toBe(0);
  });
});

/**
 * 表三 status of every 2019+ report: decoded (every cell, every rule holds), partial (cells missing or
 * undecided) or failing (a rule fails). The expected entries were checked by hand against the source text.
 */
describe("表三 status across the corpus", () => {
  const expected: Record<string, string> = {
    "平潭综合实验区-2019-年度报告.txt": "decoded",
    "平潭综合实验区-2020-年度报告.txt": "failing t3.col-sum",
    "平潭综合实验区-2021-年度报告.txt": "decoded",
    "平潭综合实验区-2022-年度报告.txt": "decoded",
    "平潭综合实验区-2023-年度报告.txt": "decoded",
    "平潭综合实验区-2024-年度报告.txt": "decoded",
    "平潭综合实验区-2025-年度报告.txt": "decoded",
    // "本年新收…0 00000": six digits for seven cells — one cell left empty; 一+二 = 三+四 places it (all 0).
    "平潭综合实验区公安局-2019-年度报告.txt": "decoded",
    // "2.申请人逾期未按…3.其他（七）总计": two rows left empty.
    "平潭综合实验区市场监督管理局-2024-年度报告.txt": "partial",
    // 不掌握 row 1,0,0,0,0,1,2 but （七）总计 3,0,0,0,0,0,3.
    "平潭综合实验区农业农村局-2021-年度报告.txt": "failing t3.col-sum",
    "平潭综合实验区农业农村局-2025-年度报告.txt": "failing t3.row-sum",
    // 本年新收 4 but （七）总计 0000000.
    "平潭综合实验区经济发展局-2025-年度报告.txt": "failing t3.col-sum",
    "平潭综合实验区经济发展局-2019-年度报告.txt": "decoded",
    "平潭综合实验区财政金融局-2024-年度报告.txt": "decoded",
    "平潭综合实验区管委会办公室-2019-年度报告.txt": "decoded",
    "平潭综合实验区交通与建设局-2023-年度报告.txt": "decoded",
    "洪泽区人民政府-2024-年度报告.pdf": "decoded",
    "沭阳县人民政府-2025-年度报告.txt": "decoded",
  };

  it("lists every report's 表三 status", async () => {
    const statuses: Record<string, string> = {};
    for (const name of modernReports()) {
      const text = name.endsWith(".pdf") ? await loadCorpus(name) : readCorpus(name);
      const s = stats(name, text);
      const t = s.tables.find((x) => x.table === "表三");
      const fails = [...new Set(s.checks.filter((c) => c.ok === false && c.rule.startsWith("t3.")).map((c) => c.rule))];
      statuses[name] = !t ? "absent" : fails.length ? `failing ${fails[0]}` : t.status;
    }
    for (const [name, status] of Object.entries(expected)) expect([name, statuses[name]]).toEqual([name, status]);
    // No 2019+ report lacks its 表三.
    expect(Object.entries(statuses).filter(([, v]) => v === "absent")).toEqual([]);
  });
});
