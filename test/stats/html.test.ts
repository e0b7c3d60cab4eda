import { describe, expect, it } from "vitest";
import { TABLES } from "../../src/domain/format/index.js";
import { extractStatisticsFromHtml, htmlToStatsText } from "../../src/stats/extract/html.js";

/** Raw HTML tables: rowspan/colspan, empty cells, numbers split across <span>s, &nbsp;. */

const S = TABLES["2021"].表三;
const row = (label: string, vals: Array<string | number>, lead = "") => `<tr>${lead}<td>${label}</td>${vals.map((v) => `<td>${v}</td>`).join("")}</tr>`;

function page(overrides: Record<string, string[]> = {}): string {
  const rows: string[] = [];
  let group = "";
  for (const r of S.rows) {
    const g = r.group[0] ?? "";
    const span = S.rows.filter((x) => (x.group[0] ?? "") === g).length;
    const lead = g && g !== group ? `<td rowspan="${span}">${g}</td>` : "";
    group = g;
    const vals = overrides[r.key] ?? ["0", "0", "0", "0", "0", "0", "0"];
    rows.push(row(r.label, vals, lead));
  }
  return `<html><body><div class="content"><p>三、收到和处理政府信息公开申请情况</p>
<table><tr><td colspan="3" rowspan="3">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td><td colspan="7">申请人情况</td></tr>
<tr><td rowspan="2">自然人</td><td colspan="5">法人或其他组织</td><td rowspan="2">总计</td></tr>
<tr><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr>
${rows.join("\n")}
</table><p>四、政府信息公开行政复议、行政诉讼情况</p></div></body></html>`;
}

describe("HTML tables", () => {
  it("reads a 表三 with rowspan group cells, split spans and &nbsp;", () => {
    const html = page({
      new: ["<span>1</span><span>2</span>", "1", "0", "0", "0", "0", "1&nbsp;3"],
      open: ["12", "1", "0", "0", "0", "0", "13"],
      total: ["12", "1", "0", "0", "0", "0", "13"],
    });
    const s = extractStatisticsFromHtml(html, { year: 2022, source: "t.html" });
    const t = s.tables.find((x) => x.table === "表三")!;
    const get = (r: string) => S.columns.map((c) => t.cells.find((x) => x.row === r && x.column === c.key)!.value);
    expect(t.status).toBe("decoded");
    expect(get("new")).toEqual([12, 1, 0, 0, 0, 0, 13]);
    expect(get("open")).toEqual([12, 1, 0, 0, 0, 0, 13]);
    expect(t.cells.find((x) => x.row === "new")!.method).toBe("text-row");
    expect(s.checks.filter((c) => c.rule.startsWith("t3.")).every((c) => c.ok === true)).toBe(true);
  });

  it("an empty cell stays an empty field: the row keeps its columns and the empty cell is null", () => {
    const html = page({ partial: ["2", "", "0", "0", "0", "0", "2"] });
    expect(htmlToStatsText(html)).toContain("2 |  | 0 | 0 | 0 | 0 | 2");
    const s = extractStatisticsFromHtml(html, { year: 2022, source: "t.html" });
    const t = s.tables.find((x) => x.table === "表三")!;
    const partial = S.columns.map((c) => t.cells.find((x) => x.row === "partial" && x.column === c.key)!.value);
    expect(partial).toEqual([2, null, 0, 0, 0, 0, 2]);
    expect(t.status).toBe("partial");
  });
});
