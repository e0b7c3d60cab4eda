import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { parseFile, parseText } from "../../src/ingest/document.js";
import { parseProvenance, ProvenanceTables } from "../../src/ingest/provenance.js";

/**
 * Issuing body and year detected for reports of any region (issue 15): a department's report is filed under the
 * department, whatever part of the text names it; the statistics period and the title decide the year.
 */

describe("the issuing body of a report whose title names none", () => {
  it("the opening sentence: 本报告由…编制", () => {
    const [d] = parseText("2024年政府信息公开工作年度报告\n本报告由福州市城市管理局编制。本报告中所列数据的统计期限自2024年1月1日起至2024年12月31日止。一、总体情况 福州市……福州市……", "a.txt");
    expect([d.meta.issuer, d.meta.region, d.meta.year]).toEqual(["福州市城市管理局", "福州市", 2024]);
    expect(d.detection.issuer).toContain("本报告由");
    expect(d.meta.title).toBe("福州市城市管理局2024年政府信息公开工作年度报告");
  });

  it("the contact line (请与…办公室联系) and the signature", () => {
    const [c] = parseText("关于2024年度政府信息公开工作的报告\n如对本报告有疑问，请与厦门市湖里区教育局办公室联系（电话：1234）。一、总体情况 我局……", "b.txt");
    expect([c.meta.issuer, c.meta.region]).toEqual(["厦门市湖里区教育局", "湖里区"]);
    const [s] = parseText("政府信息公开工作年度报告\n一、总体情况 我局在三明市……三明市……\n三明市沙县区农业农村局\n2025年1月20日", "c.txt");
    expect([s.meta.issuer, s.meta.year, s.detection.issuer, s.detection.year]).toEqual(["三明市沙县区农业农村局", 2024, "落款", "落款日期的上一年"]);
  });

  it("a place-only title does not file a department's report under its place when the text names the department and calls itself 我局", () => {
    const [d] = parseText("福州市2024年政府信息公开工作年度报告\n本报告由福州市财政局编制。一、总体情况 2024年，我局……", "d.txt");
    expect(d.meta.issuer).toBe("福州市财政局");
    const [g] = parseText("宁德市2024年政府信息公开工作年度报告\n本报告由宁德市人民政府办公室编制。一、总体情况 2024年，全市……", "e.txt");
    expect(g.meta.issuer).toBe("宁德市");
  });

  it("a cover letter's title (关于报送…的函) names the body, not 'XX关于报送'", () => {
    const raw = readFileSync("test/eval/region/reports/平潭综合实验区苏平片区管理局-2020-年度报告.txt", "utf8");
    const [d] = parseText(raw, "x.txt");
    expect(d.meta.issuer).toBe("平潭综合实验区苏平片区管理局");
    expect(d.meta.title).toBe("平潭综合实验区苏平片区管理局2020年度政府信息公开工作年度报告");
  });

  it("the statistics period's end year wins over other years (a 2019 report covering 9月1日 to 12月31日)", () => {
    const [d] = parseText("某某县某局2018年政府信息公开工作年度报告\n本报告统计期限自2019年9月1日起至2019年12月31日止。", "f.txt");
    expect([d.meta.year, d.detection.year]).toEqual([2019, "统计期限"]);
  });
});

describe("publication date and URL from a folder's provenance table (SOURCES.md)", () => {
  it("reads the corpus's table: full links, links abbreviated with … and dates in their own column", () => {
    const t = parseProvenance(readFileSync("corpus/SOURCES.md", "utf8"));
    expect(t.get("平潭综合实验区-2024-年度报告.txt")).toEqual({ published: "2025-03-10", url: "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/202503/t20250310_97791.htm" });
    expect(t.get("平潭县交通局-2009-年度报告.txt")?.published).toBe("2010-05-12");
  });

  it("a header-less 平潭综合实验区 report gets its 发布日期 and 原文链接 from corpus/SOURCES.md", async () => {
    const file = "corpus/平潭综合实验区-2021-年度报告.txt";
    const [d] = await parseFile(file, "平潭综合实验区-2021-年度报告.txt", {}, undefined, undefined, await new ProvenanceTables().of(file));
    expect([d.meta.published, d.meta.url, d.detection.published]).toEqual(["2022-02-08", "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/202202/t20220208_80613.htm", "SOURCES.md"]);
  });
});
