import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FORMATS, detectFormat, sectionKeyOf } from "../../src/domain/format/formats.js";

const text = (f: string) => readFileSync(`corpus/${f}`, "utf8");

describe("detectFormat", () => {
  it("a report for 2018 or before is pre-2019 whatever words it shares with the notices", () => {
    expect(detectFormat(2018, "本年制发件数 现行有效件数")).toBe("pre2019");
    expect(detectFormat(2009, "")).toBe("pre2019");
  });

  it("without table markers the year decides: 2019–2020 the trial format, 2021 on the revised one", () => {
    expect(detectFormat(2019, "一、总体情况")).toBe("2019");
    expect(detectFormat(2020, "一、总体情况")).toBe("2019");
    expect(detectFormat(2021, "一、总体情况")).toBe("2021");
    expect(detectFormat(2025, "")).toBe("2021");
    expect(detectFormat(null, "一、总体情况")).toBe("pre2019");
  });

  it("the 表二 column labels of one era win over the year", () => {
    expect(detectFormat(2020, "信息内容 本年制发件数 本年废止件数 现行有效件数")).toBe("2021");
    expect(detectFormat(2021, "信息内容 本年新制作数量 本年新公开数量 对外公开总数量")).toBe("2019");
    expect(detectFormat(null, "政府集中采购 采购项目数量")).toBe("2019");
  });

  it("real reports: 平潭综合实验区 2019 and 2020 follow the 2019 format, 2021–2025 the 2021 format", () => {
    expect(detectFormat(2019, text("平潭综合实验区-2019-年度报告.txt"))).toBe("2019");
    expect(detectFormat(2020, text("平潭综合实验区-2020-年度报告.txt"))).toBe("2019");
    for (const y of [2021, 2022, 2023, 2024, 2025]) expect(detectFormat(y, text(`平潭综合实验区-${y}-年度报告.txt`)), String(y)).toBe("2021");
  });
});

describe("FORMATS", () => {
  it("the two notices are named by their document numbers; before 2019 there is none", () => {
    expect(FORMATS["2019"].notice?.docNo).toBe("国办公开办函〔2019〕60号");
    expect(FORMATS["2021"].notice?.docNo).toBe("国办公开办函〔2021〕30号");
    expect(FORMATS.pre2019.notice).toBeNull();
    expect(FORMATS.pre2019.tables).toEqual([]);
  });

  it("each notice's recorded date is the date its corpus text is signed", () => {
    const written = (iso: string) => { const [y, m, d] = iso.split("-").map(Number); return `${y}年${m}月${d}日`; };
    expect(text("format-notice-2019-国办公开办函2019-60号.txt")).toContain(written(FORMATS["2019"].notice!.date));
    expect(text("format-notice-2021-国办公开办函2021-30号.txt")).toContain(written(FORMATS["2021"].notice!.date));
  });

  it("modern formats have six sections; the tables sit in sections two to four", () => {
    for (const f of ["2019", "2021"] as const) {
      expect(FORMATS[f].sections.map((s) => s.key)).toEqual(["overview", "proactive", "requests", "review", "problems", "other"]);
      expect(FORMATS[f].sections.filter((s) => s.table).map((s) => s.table)).toEqual(["表二", "表三", "表四"]);
    }
    expect(FORMATS.pre2019.sections.map((s) => s.key)).toContain("fees");
  });
});

describe("sectionKeyOf", () => {
  it("a heading is known by the format's headings and their aliases, numbering ignored, longest alias winning", () => {
    expect(sectionKeyOf("五、存在的主要问题及改进情况")).toBe("problems");
    expect(sectionKeyOf("六、政府信息公开工作存在的主要问题及改进措施")).toBe("problems");
    expect(sectionKeyOf("三、依申请公开政府信息情况")).toBe("requests");
    expect(sectionKeyOf("四、政府信息公开的收费及减免情况")).toBe("fees");
    expect(sectionKeyOf("二、主动公开政府信息情况")).toBe("proactive");
    expect(sectionKeyOf("附件：联系方式")).toBeNull();
  });
});
