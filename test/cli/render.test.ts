import { describe, expect, it } from "vitest";
import { csvCell, csvDocument } from "../../src/present/csv.js";
import {
  answerCsv,
  cellLine,
  citationLabel,
  computedLines,
  displayWidth,
  exportFileName,
  hasFigures,
  renderAnswerText,
  rowCitations,
  tableLines,
} from "../../src/present/text.js";
import type { Answer, Citation } from "../../src/types.js";

/** Tiny synthetic answers: the renderer is tested on what the engine's types allow, not on one corpus. */
const cellCite = (year: number, value: number, over: Partial<Citation> = {}): Citation => ({
  title: `甲市${year}年政府信息公开工作年度报告`,
  region: "甲市",
  body: "甲市",
  year,
  section: `三、收到和处理政府信息公开申请情况 › 表三 › 一、本年新收政府信息公开申请数量 › 总计`,
  quote: `一、本年新收政府信息公开申请数量 ${value}`,
  source: `jia-${year}.txt`,
  published: `${year + 1}-01-20`,
  url: `https://example.gov.cn/${year}.htm?a=1&b=2`,
  cell: { table: "表三", row: "一、本年新收政府信息公开申请数量", column: "总计", value },
  ...over,
});

const difference: Answer = {
  question: "甲市2023年和2024年申请数相差多少",
  found: true,
  answer: "2024年比2023年增加7件（81 − 74 = 7）。",
  short: "2024年比2023年增加7件（81 − 74 = 7）。",
  citations: [cellCite(2023, 74), cellCite(2024, 81)],
  mode: "extractive",
  table: { columns: ["报告", "本年新收政府信息公开申请数量"], rows: [["甲市2023年", 74], ["甲市2024年", 81]] },
  computed: [{ expr: "81 − 74 = 7", value: 7, inputs: [1, 0] }],
  operation: "difference",
};

const narrative: Answer = {
  question: "什么是过程性信息",
  found: true,
  answer: "过程性信息是……",
  citations: [{ title: "中华人民共和国政府信息公开条例", region: null, year: 2019, section: "第十六条", quote: "行政机关在履行行政管理职能过程中形成的讨论记录……", source: "regulation-2019.txt" }],
  mode: "extractive",
  table: null,
  computed: [],
};

describe("displayWidth and tableLines", () => {
  it("counts CJK and full-width characters as two columns", () => {
    expect(displayWidth("abc")).toBe(3);
    expect(displayWidth("甲市")).toBe(4);
    expect(displayWidth("（一）ＡＢ")).toBe(10);
    expect(displayWidth("2024年")).toBe(6);
  });

  it("aligns mixed CJK and ASCII columns: every line is as wide as the header rule; numbers right-aligned", () => {
    const lines = tableLines({ columns: ["机关", "年份", "数量"], rows: [["平潭综合实验区", 2019, 23], ["甲市", 2020, 218], ["乙", 2021, null]] });
    expect(lines[1]).toMatch(/^─+  ─+  ─+$/);
    const widths = lines[1].split("  ").map((r) => r.length);
    expect(widths).toEqual([14, 4, 4]);
    expect(lines[2]).toBe("平潭综合实验区  2019    23");
    expect(lines[3]).toBe("甲市            2020   218");
    expect(lines[4]).toBe("乙              2021     —");
    for (const l of lines.slice(2)) expect(displayWidth(l)).toBe(displayWidth(lines[1]));
  });
});

describe("citations and working", () => {
  it("labels a cell citation by body, year and section, and shows 表/行/列 separately", () => {
    const c = cellCite(2024, 81, { body: "甲市财政局" });
    expect(citationLabel(c)).toBe("《甲市2024年政府信息公开工作年度报告》 · 甲市财政局 · 2024年 · 三、收到和处理政府信息公开申请情况");
    expect(cellLine(c)).toBe("表三 · 行：一、本年新收政府信息公开申请数量 · 列：总计 · 数值：81");
  });

  it("shows each computed number's working with the citations it stands on", () => {
    expect(computedLines(difference)).toEqual(["计算：81 − 74 = 7（据 [2]、[1]）"]);
  });

  it("renders text, then the table, the working and the citations with 发布日期 and 原文链接", () => {
    const text = renderAnswerText(difference);
    const [answer, table, working, sources] = text.split("\n\n");
    expect(answer).toBe(difference.answer);
    expect(table.split("\n")[0]).toMatch(/^报告 +本年新收政府信息公开申请数量$/);
    expect(table).toContain("甲市2024年");
    expect(working).toBe("计算：81 − 74 = 7（据 [2]、[1]）");
    expect(sources.split("\n")[0]).toBe("出处：");
    expect(sources).toContain("[2] 《甲市2024年政府信息公开工作年度报告》 · 甲市 · 2024年");
    expect(sources).toContain("表三 · 行：一、本年新收政府信息公开申请数量 · 列：总计 · 数值：81");
    expect(sources).toContain("发布日期：2025-01-20");
    expect(sources).toContain("原文链接：https://example.gov.cn/2024.htm?a=1&b=2");
    expect(sources).toContain("文件：jia-2024.txt");
  });

  it("a passage citation shows its quote; no table or working when the answer has none", () => {
    const text = renderAnswerText(narrative, { lead: "答：", footer: ["（提示）"] });
    expect(text.startsWith("答：过程性信息是")).toBe(true);
    expect(text).not.toContain("计算：");
    expect(text).toContain("“行政机关在履行行政管理职能过程中形成的讨论记录……”");
    expect(text.endsWith("（提示）")).toBe(true);
  });
});

describe("CSV", () => {
  it("quotes a field holding a comma, a quote or a line break, and nothing else", () => {
    expect(csvCell("平潭，全角逗号")).toBe("平潭，全角逗号");
    expect(csvCell('a,"b"')).toBe('"a,""b"""');
    expect(csvCell("x\ny")).toBe('"x\ny"');
    expect(csvCell(null)).toBe("");
    expect(csvCell(0)).toBe("0");
    expect(csvDocument(["a", "b"], [[1, "x,y"]])).toBe('\ufeffa,b\r\n1,"x,y"\r\n');
  });

  it("a table answer: BOM, header, rows, and an 出处 column with each row's citation", () => {
    const csv = answerCsv(difference)!;
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    const lines = csv.slice(1).trimEnd().split("\r\n");
    expect(lines[0]).toBe("报告,本年新收政府信息公开申请数量,出处");
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^甲市2023年,74,《甲市2023年政府信息公开工作年度报告》 · 甲市 · 2023年 · .*表三 · 行：一、本年新收政府信息公开申请数量 · 列：总计 · 发布日期 2024-01-20 · https:\/\/example\.gov\.cn\/2023\.htm\?a=1&b=2$/);
    expect(lines[2]).toContain("甲市2024年,81,《甲市2024年");
  });

  it("fills a table's own 出处 column where a row maps to a citation, keeps it where none does", () => {
    const series: Answer = {
      ...difference,
      citations: [cellCite(2023, 74), cellCite(2024, 81)],
      table: { columns: ["机关", "年份", "数量", "出处"], rows: [["甲市", 2022, null, "—"], ["甲市", 2023, 74, "表三"], ["甲市", 2024, 81, "表三"]] },
    };
    expect(rowCitations(series.table!, series.citations)).toEqual([null, 0, 1]);
    const lines = answerCsv(series)!.slice(1).trimEnd().split("\r\n");
    expect(lines[0]).toBe("机关,年份,数量,出处");
    expect(lines[1]).toBe("甲市,2022,,—");
    expect(lines[2]).toMatch(/^甲市,2023,74,《甲市2023年/);
  });

  it("maps rows by body when they name no year, preferring the exact body over a region containing it", () => {
    const rank = {
      columns: ["名次", "机关", "数量"],
      rows: [[1, "甲市公安局", 8], [2, "甲市", 2]],
    };
    const cites = [cellCite(2024, 2), cellCite(2024, 8, { body: "甲市公安局", title: "甲市公安局2024年报告" })];
    expect(rowCitations(rank, cites)).toEqual([1, 0]);
  });

  it("without a table: one row per cited statistics-table cell; no figures: null", () => {
    const value: Answer = { ...difference, table: null, citations: [narrative.citations[0], cellCite(2024, 81)], computed: [] };
    const lines = answerCsv(value)!.slice(1).trimEnd().split("\r\n");
    expect(lines[0]).toBe("机关,年份,报告,表,行,列,数值,出处");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^甲市,2024,甲市2024年政府信息公开工作年度报告,表三,一、本年新收政府信息公开申请数量,总计,81,《/);
    expect(hasFigures(narrative)).toBe(false);
    expect(answerCsv(narrative)).toBeNull();
  });

  it("names export files by local time", () => {
    expect(exportFileName(new Date(2025, 0, 23, 9, 30, 5))).toBe("nianbao-20250123-093005.csv");
  });
});
