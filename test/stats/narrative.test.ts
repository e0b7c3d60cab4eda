import { describe, expect, it } from "vitest";
import { CHANNEL_SUFFIX, extractNarrative } from "../../src/stats/extract/narrative.js";
import { readCorpus } from "./helpers.js";

/** Figures stated in sentences: strict about what is a count and what is a total. */

const values = (text: string, metric: string) => extractNarrative(text).filter((f) => f.metric === metric).map((f) => f.value);

describe("narrative facts", () => {
  it("seed page: 沈阳 2013 received 249 applications; 长沙 2011's channel counts (23 online, 20 by letter) are not the total", () => {
    const facts = extractNarrative(readCorpus("000_0ce3f265a70a93e0.txt"));
    const apps = facts.filter((f) => f.metric === "applications");
    expect(apps.map((f) => f.value)).toEqual([249]);
    expect(apps[0].sentence).toContain("共受理政府信息公开申请249件");
    expect(facts.find((f) => f.metric === "review")?.value).toBe(22);
    expect(facts.find((f) => f.metric === "litigation")?.value).toBe(11);
    expect(apps.some((f) => f.value === 23 || f.value === 20)).toBe(false);
    // They are kept as the channel parts they are (the answer sums them, with the working shown).
    expect(facts.filter((f) => f.metric === `applications${CHANNEL_SUFFIX}`).map((f) => f.value)).toEqual([23, 20]);
  });

  it("平潭县 2012: 21 applications in total; 当面申请 18 is not the total", () => {
    const text = readCorpus("平潭县人民政府-2012-年度报告.txt");
    const apps = values(text, "applications");
    expect(apps).toContain(21);
    expect(apps).not.toContain(18);
    expect(apps).not.toContain(3);
  });

  it("the year is never a count, nor is 第3项", () => {
    expect(values("2013年受理政府信息公开申请。根据条例第3项规定办理。", "applications")).toEqual([]);
    expect(values("2013年共受理政府信息公开申请12件。", "applications")).toEqual([12]);
    expect(values("本年度全区共收到70件申请，及时依法依规办结69件。", "applications")).toEqual([70]);
  });

  it("a channel sub-count is not the total; a total after a closed list of channels is", () => {
    expect(values("全年共收到信息公开申请43件，其中网上申请23件。", "applications")).toEqual([43]);
    expect(values("通过门户网站栏目共收到依申请公开23件。", "applications")).toEqual([]);
    expect(values("采用信件受理、当面受理等方式共受理政府信息公开申请249件。", "applications")).toEqual([249]);
  });

  it("old-style 统计表 rows give this year's figure (first column)", () => {
    const text = "政府信息公开情况统计表\n指标名称 | 计量单位 | 本年度 | 历年累计\n受理依申请公开信息总数 | 条 | 21 | 35\n";
    const f = extractNarrative(text).filter((x) => x.metric === "applications");
    expect(f.map((x) => x.value)).toEqual([21]);
    expect(f[0].sentence).toContain("受理依申请公开信息总数");
    // A glued "2121" (this year and cumulative run together) is not read.
    expect(extractNarrative("政府信息公开情况统计表 指标名称计量单位受理依申请公开信息总数条2121其中").filter((x) => x.metric === "applications")).toEqual([]);
  });

  it("fees with their unit", () => {
    const f = extractNarrative("全年收取费用120.5元。").find((x) => x.metric === "fees")!;
    expect([f.value, f.unit]).toEqual([120.5, "元"]);
  });
});

describe("narrative facts: none in words, totals not parts (issue 15)", () => {
  it("'未收到…申请' states no applications: the figure 0; a review application not received is no such sentence", () => {
    expect(values("2023年我局未收到依申请公开事宜。", "applications")).toEqual([0]);
    expect(values("2023年,我局未收到过信息公开申请。", "applications")).toEqual([0]);
    expect(values("2017年未收到有关政府信息公开申请。", "applications")).toEqual([0]);
    expect(values("未收到有关政府信息公开行政复议申请。", "applications")).toEqual([]);
  });

  it("主动公开: the year's total, not a category of the breakdown nor a running total since the regulation", () => {
    expect(values("全年主动公开信息数160条，其中政策文件5条，其他应主动公开的政府信息65条。", "proactive_items")).toEqual([160]);
    expect(values("主动公开的其他政府信息2条。", "proactive_items")).toEqual([]);
    expect(values("自条例颁布以来,我市累计主动公开信息数量190441条。2009年度全市主动公开政府信息更新数量75954条。", "proactive_items")).toEqual([75954]);
    expect(values("2024年累计主动公开政府信息37条。", "proactive_items")).toEqual([37]);
  });
});

describe("narrative facts: the year's portal total written without 主动 (issue 15)", () => {
  it("门户网站公开政府信息N条 and 政府信息主动公开N条 are the total; a WeChat account's count and a running total are not", () => {
    expect(values("2023年我局共在“平潭综合实验区党工委管委会”门户网站公开政府信息159条，其中规划2条。", "proactive_items")).toEqual([159]);
    expect(values("全年政府信息主动公开135条，其中政策文件3条。", "proactive_items")).toEqual([135]);
    expect(values("充分发挥微信公众号作用，及时公开各类政府信息756条。", "proactive_items")).toEqual([]);
    expect(values("2020年我局主动公开信息141条，历年累计主动公开191条。", "proactive_items")).toEqual([141]);
    // A body created that September counts its year "since": 以来 alone is no running total.
    expect(values("2019年9月以来，苏平片区主动公开政府信息40条。", "proactive_items")).toEqual([40]);
  });
});
