import { describe, expect, it } from "vitest";
import { resolveMetric } from "../../src/understand/metric.js";

const id = (q: string) => resolveMetric(q)?.metric.id ?? null;

describe("resolveMetric: the metric a question asks for, from the format vocabulary", () => {
  it("the short names people use map to their 表三 rows", () => {
    expect(id("平潭综合实验区2019年申请数")).toBe("表三:new:total");
    expect(id("2024年三类内部事务信息有几件")).toBe("表三:withheld.internal:total");
    expect(id("结转下年度继续办理的有多少")).toBe("表三:carried_out:total");
    expect(id("上年结转多少件")).toBe("表三:carried_in:total");
  });

  it("a count of applications without the table's words is the new-applications total", () => {
    expect(id("平潭综合实验区2024年收到多少件申请")).toBe("表三:new:total");
    expect(id("长沙市2011年申请有几件")).toBe("表三:new:total");
  });

  it("a column word narrows the row to that column (结果纠正, 自然人, 本年制发)", () => {
    expect(id("沭阳2025年行政复议结果纠正多少件")).toBe("表四:review:corrected");
    expect(id("洪泽2023年规章本年制发多少件")).toBe("表二:rules:made");
    expect(id("自然人申请了多少")).toBe("表三:new:natural");
    expect(id("商业企业的申请数")).toBe("表三:new:business");
  });

  it("a row group is a metric of its own (（三）不予公开, 行政诉讼)", () => {
    expect(id("不予公开多少件")).toBe("表三:group:（三）不予公开:total");
    expect(id("行政诉讼多少件")).toBe("表四:group:行政诉讼:total");
  });

  it("narrative metrics: 行政复议 (表四 total), 主动公开, 收费", () => {
    expect(id("行政复议多少件")).toBe("表四:review:total");
    expect(id("主动公开了多少条")).toBe("narr:proactive_items");
    expect(id("收取费用多少")).toBe("narr:fees");
  });

  it("the longest alias wins: 三类内部事务信息 is not the bare 内部事务 of another row", () => {
    expect(resolveMetric("三类内部事务信息")?.words[0]).toBe("三类内部事务信息");
  });

  it("no metric word, no metric", () => {
    expect(resolveMetric("平潭综合实验区存在的主要问题")).toBeNull();
    expect(resolveMetric("什么是政府信息")).toBeNull();
  });
});
