import { beforeAll, describe, expect, it } from "vitest";
import { FactsStatsService } from "../../src/stats/service.js";
import { useRealEngine } from "../helpers/engine.js";

describe("FactsStatsService on the real index", () => {
  const real = useRealEngine();
  let svc: FactsStatsService;
  beforeAll(() => {
    svc = real.engine().stats() as FactsStatsService;
  });

  it("平潭综合实验区 2020 fails the 表三 column rule with 自然人 6+6+4+3+3+4 = 26 ≠ 20", () => {
    const checks = svc.checks({ body: "平潭综合实验区", year: 2020 });
    const bad = checks.filter((c) => c.ok === false);
    expect(bad.some((c) => c.expr.includes("26 ≠ 20"))).toBe(true);
    expect(bad.every((c) => c.source === "平潭综合实验区-2020-年度报告.txt")).toBe(true);
  });

  it("a table filter on checks keeps that table's rules only", () => {
    const t4 = svc.checks({ body: "平潭综合实验区", year: 2024, table: "表四" });
    expect(t4.length).toBeGreaterThan(0);
    expect(t4.every((c) => c.label.startsWith("表四"))).toBe(true);
  });

  it("reports() lists department reports with their publication date and URL", () => {
    const dept = svc.reports().filter((r) => r.body === "平潭综合实验区财政金融局");
    expect(dept.length).toBe(6);
    for (const r of dept) {
      expect(r.published, r.source).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(r.url, r.source).toMatch(/^https:\/\//);
    }
  });
});
