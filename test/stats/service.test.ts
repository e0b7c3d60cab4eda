import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { LoadError } from "../../src/errors.js";
import { TABLES } from "../../src/domain/format/tables.js";
import { checkDraft } from "../../src/ingest/draft.js";

const REPORT = readFileSync("corpus/平潭综合实验区-2024-年度报告.txt", "utf8");
/** The 表三 row "3.补正后申请内容仍不明确" is seven single-digit cells in this report: 0000000. */
const UNCLEAR_RUN = "补正后申请内容仍不明确0000000";

describe("checkDraft: a staff member's draft, read as ingestion reads it", () => {
  it("a draft made from a real report's text decodes its tables and passes every check", async () => {
    const d = await checkDraft(Buffer.from(REPORT), "我的草稿.txt");
    expect(d.ok).toBe(true);
    expect(d.filename).toBe("我的草稿.txt");
    expect(d.report).toMatchObject({ year: 2024, format: "2021", body: "平潭综合实验区" });
    expect(d.checks.length).toBeGreaterThan(25);
    expect(d.checks.every((c) => c.ok === true)).toBe(true);
    expect(d.cells.find((c) => c.table === "表三" && c.row.endsWith("5.属于三类内部事务信息") && c.column === "总计")?.value).toBe(32);
  });

  it("changing one digit of a 表三 run makes the row and column rules fail, with the numbers", async () => {
    expect(REPORT).toContain(UNCLEAR_RUN);
    const d = await checkDraft(Buffer.from(REPORT.replace(UNCLEAR_RUN, "补正后申请内容仍不明确0000001")), "draft.txt");
    expect(d.ok).toBe(false);
    const failed = d.checks.filter((c) => c.ok === false);
    expect(failed.find((c) => c.rule === "t3.row-sum")?.expr).toBe("0 ≠ 1");
    expect(failed.find((c) => c.rule === "t3.col-sum")?.expr).toMatch(/= 219 ≠ 218$/);
  });

  // GAP (stats check): a changed digit that leaves no split of its run consistent with the rules makes the cells
  // undecided, every affected check "cannot be checked" (ok null), and the draft passes (ok true, `check` exits 0).
  // Issue 8 asks for exit 0 only "when all hold"; a draft whose table cannot be read consistently should not pass.
  it("a draft whose 表三 run cannot be decoded consistently does not pass", async () => {
    const d = await checkDraft(Buffer.from(REPORT.replace("本机关不掌握相关政府信息750000075", "本机关不掌握相关政府信息760000075")), "draft.txt");
    expect(d.checks.some((c) => c.ok === null)).toBe(true);
    expect(d.ok).toBe(false);
  });

  it("an HTML draft's 表三 is read cell by cell; a row whose columns do not add up fails the row rule", async () => {
    const schema = TABLES["2021"].表三;
    const values: Record<string, number[]> = { new: [3, 0, 0, 0, 0, 0, 3], open: [3, 0, 0, 0, 0, 0, 3], total: [3, 0, 0, 0, 0, 0, 3] };
    const html = (broken: boolean) => {
      const rows = schema.rows.map((r) => {
        const v = values[r.key] ?? [0, 0, 0, 0, 0, 0, 0];
        const cells = broken && r.key === "new" ? [2, 0, 0, 0, 0, 0, 3] : v;
        return `<tr><td>${[...r.group, r.label].join("")}</td>${cells.map((x) => `<td>${x}</td>`).join("")}</tr>`;
      });
      const head = `<tr><td></td>${schema.columns.map((c) => `<td>${c.label}</td>`).join("")}</tr>`;
      return `<html><body><h1>某某县人民政府2024年政府信息公开工作年度报告</h1><p>三、收到和处理政府信息公开申请情况</p><table>${head}${rows.join("")}</table><p>四、政府信息公开行政复议、行政诉讼情况</p></body></html>`;
    };
    const ok = await checkDraft(Buffer.from(html(false)), "draft.html");
    expect(ok.cells.filter((c) => c.table === "表三").length).toBeGreaterThan(100);
    expect(ok.checks.filter((c) => c.ok === false)).toEqual([]);
    const bad = await checkDraft(Buffer.from(html(true)), "draft.html");
    expect(bad.ok).toBe(false);
    expect(bad.checks.find((c) => c.ok === false && c.rule === "t3.row-sum")?.expr).toBe("2 ≠ 3");
  });

  it("a file with no report in it is refused with LoadError naming the file", async () => {
    await expect(checkDraft(Buffer.from("今天天气很好。"), "notes.txt")).rejects.toThrowError(LoadError);
    await expect(checkDraft(Buffer.from("今天天气很好。"), "notes.txt")).rejects.toThrowError(/notes\.txt/);
  });
});
