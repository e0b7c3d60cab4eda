import { describe, expect, it } from "vitest";
import { METRICS, NARRATIVE, cellFor, findMetric } from "../../src/domain/format/metrics.js";
import { TABLES } from "../../src/domain/format/tables.js";

describe("metric vocabulary", () => {
  it("metric ids are unique and every table cell of both formats is a metric", () => {
    const ids = METRICS.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const f of ["2019", "2021"] as const)
      for (const t of ["表二", "表三", "表四"] as const)
        for (const [r, c] of TABLES[f][t].order()) {
          const m = findMetric(`${t}:${r.key}:${c.key}`);
          expect(m, `${f} ${t} ${r.key} ${c.key}`).toBeDefined();
          expect(m!.cells[f]).toEqual({ table: t, row: r.key, column: c.key });
        }
  });

  it("a metric of both formats points at a cell in each; a row of one era only is absent from the other", () => {
    const apps = findMetric("表三:new:total")!;
    expect(cellFor(apps, "2021")).toEqual({ table: "表三", row: "new", column: "total" });
    expect(cellFor(apps, "2019")).toEqual({ table: "表三", row: "new", column: "total" });
    expect(cellFor(apps, "pre2019")).toBeNull();
    expect(cellFor(findMetric("表三:other.no_fee:total")!, "2019")).toBeNull();
    expect(cellFor(findMetric("表三:other:total")!, "2021")).toBeNull();
  });

  it("a row group (（三）不予公开, 行政诉讼) is the sum of its rows' cells, per format", () => {
    const withheld = findMetric("表三:group:（三）不予公开:total")!;
    expect(withheld.sumOf?.["2021"]).toHaveLength(8);
    expect(withheld.sumOf?.["2021"]!.every((c) => c.row.startsWith("withheld."))).toBe(true);
    const suits = findMetric("表四:group:行政诉讼:total")!;
    expect(suits.sumOf?.["2021"]!.map((c) => c.row)).toEqual(["suit.direct", "suit.after_review"]);
    expect(suits.aliases).toContain("行政诉讼");
  });

  it("only the default cell of a row carries the row's aliases (no two metrics claim 申请数)", () => {
    const owners = METRICS.filter((m) => m.aliases.includes("申请数"));
    expect(owners.map((m) => m.id)).toEqual(["表三:new:total"]);
  });

  it("the applications metric is also read from sentences, as a total only", () => {
    const apps = findMetric("表三:new:total")!;
    expect(apps.narrative?.id).toBe("applications");
    expect(apps.narrative?.totalOnly).toBe(true);
    const n = NARRATIVE.find((x) => x.id === "applications")!;
    const read = (s: string) => n.patterns.map((p) => s.match(p)?.[1]).find(Boolean) ?? null;
    expect(read("全年共受理政府信息公开申请249件")).toBe("249");
    expect(read("2013年第3项工作")).toBeNull();
  });

  it("the review and fee narratives read their numbers only after their words", () => {
    const review = NARRATIVE.find((x) => x.id === "review")!;
    expect("发生行政复议22件".match(review.patterns[0])?.[1]).toBe("22");
    expect("2013年行政复议工作".match(review.patterns[0])).toBeNull();
    const fees = NARRATIVE.find((x) => x.id === "fees")!;
    expect("收取费用0元".match(fees.patterns[0])?.slice(1, 3)).toEqual(["0", "元"]);
  });
});
