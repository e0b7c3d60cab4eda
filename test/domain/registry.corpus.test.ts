import { describe, expect, it } from "vitest";
import { useRealEngine } from "../helpers/engine.js";

describe("the registry of the real corpus", () => {
  const real = useRealEngine();

  it("every report maps to the body its file is named after (a department never to 平潭综合实验区)", () => {
    const facts = real.engine().ctx.figures!.facts;
    const reports = facts.reports().filter((r) => r.source.startsWith("平潭"));
    expect(reports.length).toBeGreaterThanOrEqual(80);
    for (const r of reports) {
      const named = r.source.replace(/-\d{4}-年度报告\.\w+$/, "").replace(/人民政府$/, "");
      expect(r.body, r.source).toBe(named);
    }
  });

  it("department reports are 部门 with their place as parent; the 平潭综合实验区 report is not a 部门", () => {
    const e = real.engine();
    const bodies = e.ctx.figures!.bodies;
    expect(bodies.get("平潭综合实验区财政金融局")).toMatchObject({ level: "部门", parent: "平潭综合实验区" });
    expect(bodies.get("平潭县公安局")).toMatchObject({ level: "部门", parent: "平潭县" });
    expect(bodies.get("平潭综合实验区")?.level).toBe("市");
  });

  it("short names of the corpus resolve to their departments", () => {
    const bodies = real.engine().ctx.figures!.bodies;
    expect(bodies.lookup("财金局")?.id).toBe("平潭综合实验区财政金融局");
    expect(bodies.lookup("经发局")?.id).toBe("平潭综合实验区经济发展局");
    expect(bodies.lookup("行政审批局")?.id).toBe("平潭综合实验区行政审批局");
  });

  it("predecessors from corpus/overrides.json link the 平潭县 bureau to its successor", () => {
    const bodies = real.engine().ctx.figures!.bodies;
    expect(bodies.get("平潭综合实验区财政金融局")?.predecessors).toContain("平潭县财政局");
    expect(bodies.get("平潭县财政局")?.successors).toContain("平潭综合实验区财政金融局");
    expect(bodies.get("平潭综合实验区交通与建设局")?.predecessors).toEqual(expect.arrayContaining(["平潭县交通局", "平潭县建设局"]));
  });
});
