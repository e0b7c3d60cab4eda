import { beforeAll, describe, expect, it } from "vitest";
import type { OpenedEngine as Engine } from "../../src/app/open.js";
import type { Answer, Citation } from "../../src/types.js";
import { askTurns, useRealEngine } from "../helpers/engine.js";

// The fact strategies through the real engine on the real corpus. Every number asserted below was read in the
// corpus text (the 表三/表四 digit runs decoded by hand, e.g. 平潭综合实验区 2024 "三类内部事务信息320000032").
const real = useRealEngine();
let engine: Engine;
beforeAll(() => {
  engine = real.engine();
});

const ask = (...turns: string[]) => askTurns(engine, ...turns);
const cellCitations = (a: Answer) => a.citations.filter((c) => c.cell);
/** A cited cell by its official labels. */
const cited = (a: Answer, row: string, column = "总计"): Citation | undefined => a.citations.find((c) => c.cell?.row === row && c.cell?.column === column);

describe("value", () => {
  it("a table figure is the cell's value, cited with table, row and column", async () => {
    const a = await ask("平潭综合实验区2024年三类内部事务信息有多少件？");
    expect(a.operation).toBe("value");
    expect(a.short).toContain("32件");
    expect(a.short).not.toContain("218");
    const c = cited(a, "（三）不予公开 › 5.属于三类内部事务信息")!;
    expect(c).toMatchObject({ source: "平潭综合实验区-2024-年度报告.txt", year: 2024, cell: { table: "表三", column: "总计" } });
    expect(c.quote).toContain("32");
  });

  it("a column word reads that column of the row (表四 行政复议 结果纠正)", async () => {
    const a = await ask("沭阳县2025年行政复议结果纠正多少件？");
    expect(a.short).toContain("10件");
    expect(cited(a, "行政复议", "结果纠正")).toMatchObject({ source: "沭阳县人民政府-2025-年度报告.txt", cell: { table: "表四" } });
  });

  it("a 表二 figure of a PDF report is its cell, zero included (洪泽 2023 规章 本年制发 = 0)", async () => {
    const a = await ask("洪泽区2023年规章本年制发多少件？");
    expect(a.short).toMatch(/为0件/);
    expect(a.citations[0]).toMatchObject({ source: "洪泽区人民政府-2023-年度报告.pdf", cell: { table: "表二", column: "本年制发件数" } });
  });

  it("a metric stated only in sentences, absent from the report's figures, is answered from what the report says, never with another metric's number", async () => {
    // 平潭综合实验区 2024 states no fee amount; its text says 无收取信息处理费情况.
    const a = await ask("平潭综合实验区2024年收取费用多少？");
    expect(a.answer).toContain("无收取");
    expect(a.answer.split("\n")[0].replace(/2024年|\[\d+\]/g, "")).not.toMatch(/\d/);
    expect(a.citations[0].source).toBe("平潭综合实验区-2024-年度报告.txt");
  });


  it("when no total is written, the channel counts are summed with the working shown, never one channel alone", async () => {
    const a = await ask("长沙市2011年收到多少件申请？");
    expect(a.short).toContain("43件");
    expect(a.answer).toContain("23件 + 20件 = 43件");
    expect(a.computed).toEqual([expect.objectContaining({ expr: "23件 + 20件 = 43件", value: 43 })]);
    for (const i of a.computed![0].inputs) expect(a.citations[i].quote).toMatch(/23/);
  });
});

describe("series", () => {
  it("历年 gives one table row per report year, the cell values of the 2019+ reports in it", async () => {
    const a = await ask("平潭综合实验区历年申请数");
    expect(a.operation).toBe("series");
    const byYear = new Map(a.table!.rows.map((r) => [r[1], r[2]]));
    expect([byYear.get(2019), byYear.get(2021), byYear.get(2022), byYear.get(2023), byYear.get(2024)]).toEqual([23, 70, 74, 81, 218]);
    expect(a.table!.rows.map((r) => r[1])).toEqual([...a.table!.rows.map((r) => r[1] as number)].sort((x, y) => x - y));
  });

  it("a year range (2021到2024年) covers every report year inside it, not just its ends", async () => {
    const a = await ask("平潭综合实验区2021到2024年收到的申请数");
    expect(a.operation).toBe("series");
    expect(a.table).toBeTruthy();
    const rows = a.table!.rows.map((r) => [r[1], r[2]]);
    expect(rows).toEqual([[2021, 70], [2022, 74], [2023, 81], [2024, 218]]);
    expect(a.citations.filter((c) => c.cell).map((c) => c.year)).toEqual(expect.arrayContaining([2021, 2022, 2023, 2024]));
  });
});

describe("extreme", () => {
  it("哪一年最多 compares only figures of the asked metric and names the year with the largest one", async () => {
    const a = await ask("平潭综合实验区哪一年收到的申请最多？");
    expect(a.operation).toBe("extreme");
    expect(a.short).toContain("2024年");
    expect(a.short).toContain("218件");
  });

  it("the extreme answer lists what it compared, as table rows of year and value", async () => {
    const a = await ask("平潭综合实验区哪一年收到的申请最少？");
    expect(a.operation).toBe("extreme");
    expect(a.table?.columns[0]).toBe("年份");
    const byYear = new Map(a.table!.rows.map((r) => [r[0], r[1]]));
    expect(byYear.get(2024)).toBe(218);
    expect(byYear.get(2019)).toBe(23);
  });
});

describe("rank", () => {
  it("a ranking of departments in a year is ordered by value, each cited to its own report's cell", async () => {
    const a = await ask("2024年各部门收到的申请数排名");
    expect(a.operation).toBe("rank");
    const values = a.table!.rows.map((r) => r[2] as number);
    expect(values).toEqual([...values].sort((x, y) => y - x));
    for (const row of a.table!.rows) {
      const c = a.citations.find((x) => x.body === row[1])!;
      expect(c, String(row[1])).toBeTruthy();
      expect(c.cell?.row).toBe("一、本年新收政府信息公开申请数量");
      expect(c.source.startsWith(String(row[1]))).toBe(true);
    }
  });
});

describe("difference", () => {
  it("多了多少 shows the subtraction and a computed entry whose inputs are the two cited cells", async () => {
    const a = await ask("平潭综合实验区2024年比2023年多了多少件申请？");
    expect(a.operation).toBe("difference");
    expect(a.short).toContain("218 − 81 = 137");
    const c = a.computed!.find((x) => x.expr === "218 − 81 = 137")!;
    expect(c.value).toBe(137);
    const [later, earlier] = c.inputs.map((i) => a.citations[i]);
    expect([later.year, later.cell?.row, later.quote]).toEqual([2024, "一、本年新收政府信息公开申请数量", expect.stringContaining("218")]);
    expect([earlier.year, earlier.quote]).toEqual([2023, expect.stringContaining("81")]);
  });

  it("the order the years are named in does not flip the sign", async () => {
    const a = await ask("平潭综合实验区2023年和2024年的申请数相差多少？");
    expect(a.short).toContain("218 − 81 = 137");
  });
});

describe("share", () => {
  it("a part as a share of its whole: both cells cited, the division shown", async () => {
    const a = await ask("平潭综合实验区2024年三类内部事务信息占比是多少？");
    expect(a.operation).toBe("share");
    expect(a.short).toContain("32 ÷ 218");
    expect(a.short).toContain("14.7%");
    const c = a.computed![0];
    expect(c.inputs.map((i) => a.citations[i].cell?.row)).toEqual(["（三）不予公开 › 5.属于三类内部事务信息", "（七）总计"]);
  });
});

describe("check", () => {
  it("a report that fails a 勾稽关系 rule is answered with the failure and its numbers (平潭 2020: 26 ≠ 20)", async () => {
    const a = await ask("平潭综合实验区2020年的统计数据勾稽关系对得上吗？");
    expect(a.operation).toBe("check");
    expect(a.answer).toContain("26 ≠ 20");
    expect(a.short).toMatch(/不相符/);
    expect(a.citations[0].source).toBe("平潭综合实验区-2020-年度报告.txt");
  });

  it("a report whose rules all hold says so", async () => {
    const a = await ask("平潭综合实验区2024年的勾稽关系对得上吗？");
    expect(a.operation).toBe("check");
    expect(a.short).toMatch(/全部相符/);
    expect(a.answer).not.toContain("✗");
  });

  it("a figure from a report that fails a check carries the failure beside the number", async () => {
    const a = await ask("平潭综合实验区2020年予以公开多少件？");
    expect(a.answer).toMatch(/勾稽关系/);
  });
});

describe("overview", () => {
  it("a bare body name gets the reports held and their key figure", async () => {
    const a = await ask("沈阳");
    expect(a.operation).toBe("overview");
    expect(a.answer).toContain("2013");
    expect(a.answer).toContain("249件");
    expect(a.table?.rows).toEqual([["沈阳市", 2013, expect.any(String), 249, null]]);
  });

  it("a department overview lists its own reports with their publication dates", async () => {
    const a = await ask("财金局");
    expect(a.operation).toBe("overview");
    expect(a.table!.rows.map((r) => r[1])).toEqual([2012, 2014, 2016, 2018, 2021, 2024]);
    expect(a.table!.rows.every((r) => typeof r[4] === "string")).toBe(true);
    expect(a.citations.every((c) => c.body === "平潭综合实验区财政金融局")).toBe(true);
  });
});

describe("formatTable", () => {
  it("表三怎么填 lists the 2021 table's rows with the 条例 article of each, citing the 2021 notice", async () => {
    const a = await ask("表三怎么填？");
    expect(a.operation).toBe("format");
    expect(a.answer).toContain("〔2021〕30号");
    expect(a.answer).toContain("5.属于三类内部事务信息（《条例》第十六条第一款）");
    expect(a.answer).toContain("3.其他");
    expect(a.citations[0].source).toBe("format-notice-2021-国办公开办函2021-30号.txt");
  });

  it("the 2019 and 2021 formats are compared table by table, both notices cited", async () => {
    const a = await ask("2021年的新格式和2019年的有什么不同？");
    expect(a.operation).toBe("format");
    expect(a.answer).toContain("表四：两版相同");
    expect(a.answer).toContain("本年制发件数");
    expect([...new Set(a.citations.map((c) => c.source))].sort()).toEqual(["format-notice-2019-国办公开办函2019-60号.txt", "format-notice-2021-国办公开办函2021-30号.txt"]);
  });

  it("主动公开那张表 is 表二", async () => {
    const a = await ask("主动公开那张表要填什么？");
    expect(a.operation).toBe("format");
    expect(a.answer).toContain("表二");
    expect(a.answer).toContain("行政规范性文件");
  });
});

describe("article", () => {
  it("什么是 a 表三 category is answered by the article behind its row, quoted whole", async () => {
    const a = await ask("什么是过程性信息？");
    expect(a.citations[0].source).toBe("regulation-2019.txt");
    expect(a.citations[0].section).toMatch(/第十六条$/);
    expect(a.answer).toContain("过程性信息");
  });
});

describe("reply", () => {
  it("text with no question in it gets help, not a figure", async () => {
    const a = await ask("2021 2022 2023");
    expect(a.operation).toBe("help");
    expect(a.found).toBe(false);
    expect(a.citations).toEqual([]);
    expect(a.computed ?? []).toEqual([]);
  });

  it("a question in English gets the English reply with one Chinese example", async () => {
    const a = await ask("How many requests did Shenyang receive in 2013?");
    expect(a.operation).toBe("english");
    expect(a.answer).toMatch(/^Nianbao answers questions in Chinese/);
    expect(a.answer).toMatch(/[\u4e00-\u9fff]+.*？/);
  });
});

describe("citations of figure answers", () => {
  it("a table figure's citation carries its cell; a department report's citation also its 发布日期 and 原文链接", async () => {
    for (const q of ["财金局2021年收到多少件申请？", "经发局2022年收到多少件申请？", "行政审批局2023年收到多少件申请？"]) {
      const a = await ask(q);
      expect(a.operation, q).toBe("value");
      expect(cellCitations(a).length, q).toBeGreaterThan(0);
      // The cell first (a sentence of the same report stating the same figure may follow it).
      expect(a.citations[0].cell, q).toMatchObject({ table: "表三", row: "一、本年新收政府信息公开申请数量", column: "总计" });
      for (const c of a.citations) {
        expect(c.published, q).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        expect(c.url, q).toMatch(/^https:\/\/www\.pingtan\.gov\.cn\//);
      }
    }
  });

  it("a cell citation's value is the number the answer states", async () => {
    const a = await ask("平潭综合实验区2019年申请数是多少？");
    const c = cited(a, "一、本年新收政府信息公开申请数量")!;
    expect(c.cell?.value).toBe(23);
    expect(a.short).toContain("23件");
  });
});
