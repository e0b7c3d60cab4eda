import { describe, expect, it } from "vitest";
import { askTurns, useRealEngine } from "../helpers/engine.js";

/**
 * Questions a user asks of a region's reports (issue 15), on the real corpus: not held means not held, one body
 * named gets that body only, and operations over a range or several bodies show one figure per year or body.
 */
describe("region questions on the real corpus", () => {
  const real = useRealEngine();
  const ask = (...q: string[]) => askTurns(real.engine(), ...q);

  it("a department not held under a held place is not held: never the place's figure", async () => {
    const a = await ask("平潭综合实验区气象局2023年收到多少件申请？");
    expect(a.found).toBe(false);
    expect(a.answer).toContain("语料中没有平潭综合实验区气象局");
    expect(a.answer).toContain("平潭综合实验区公安局");
    expect(a.answer).not.toContain("81件");
  }, 60_000);

  it("a held body's year not held is said with the years held, never another year's or body's figure", async () => {
    const a = await ask("平潭综合实验区公安局2023年收到了多少件申请？");
    expect(a.found).toBe(false);
    expect(a.answer).toMatch(/语料中没有平潭综合实验区公安局2023年.*2022年、2024年/s);
  }, 60_000);

  it("a short name no held body derives (国资局 here) is not held, not 国土资源局 nor the place", async () => {
    const a = await ask("国资局2021年主动公开了多少条政府信息？");
    expect(a.found).toBe(false);
    expect(a.answer).toContain("语料中没有国资局");
    expect(a.answer).not.toContain("国土资源局2021");
  }, 60_000);

  it("哪一年最多 over a range: the extreme, with every year's figure shown", async () => {
    const a = await ask("平潭综合实验区2021至2024年哪一年收到的政府信息公开申请最多？");
    expect(a.operation).toBe("extreme");
    expect(a.short).toContain("2024年（218件）");
    for (const s of ["70件", "74件", "81件", "218件"]) expect(a.answer).toContain(s);
    expect(a.table?.rows.map((r) => r[0])).toEqual([2021, 2022, 2023, 2024]);
  }, 60_000);

  it("各是多少 over named years: one figure per year in the direct answer and the table", async () => {
    const a = await ask("平潭综合实验区2021、2023、2024年收到的政府信息公开申请各是多少？");
    expect(a.short).toContain("2021年70件，2023年81件，2024年218件");
    expect(a.table?.rows.map((r) => [r[1], r[2]])).toEqual([[2021, 70], [2023, 81], [2024, 218]]);
  }, 60_000);

  it("2024年A和B各多少: two figures of that year, not both bodies' whole series", async () => {
    const a = await ask("2024年平潭综合实验区公安局和财政金融局各收到多少件申请？");
    expect(a.table?.rows.map((r) => [r[0], r[1], r[2]])).toEqual([
      ["平潭综合实验区公安局", 2024, 8],
      ["平潭综合实验区财政金融局", 2024, 2],
    ]);
    expect(a.short).toContain("2024年8件");
    expect(a.short).toContain("2024年2件");
  }, 60_000);

  it("the coverage (/reports, 收录范围) lists each body with its level and parent", () => {
    const c = real.engine().coverage();
    expect(c.reports.find((r) => r.body === "平潭综合实验区财政金融局")).toMatchObject({ region: "平潭综合实验区", issuer: "平潭综合实验区财政金融局", level: "部门", parent: "平潭综合实验区" });
    expect(c.reports.find((r) => r.body === "平潭综合实验区")).toMatchObject({ issuer: null, level: "市" });
    expect(c.reports.find((r) => r.body === "洪泽区")).toMatchObject({ level: "区县", parent: "淮安市", years: [2023, 2024] });
  });

  it("a total cell its own row contradicts gives way to the parts' sum the report's sentence states, and says so", async () => {
    // 农业农村局 2025: 本年新收 "1000000" (自然人 1, 总计 0); "2025年，我局共收到政府信息公开申请1份".
    const a = await ask("平潭综合实验区农业农村局2025年收到多少件政府信息公开申请？");
    expect(a.short).toContain("为1件");
    expect(a.answer).toContain("“总计”印为0，与同行各项之和1不符");
  }, 60_000);

  it("哪个多 between two bodies says the larger one first", async () => {
    const a = await ask("2024年平潭综合实验区财政金融局和公安局哪个收到的申请多？");
    expect(a.short?.startsWith("平潭综合实验区公安局2024年比平潭综合实验区财政金融局2024年多6件")).toBe(true);
  }, 60_000);

  it("a glued 表二 cell the rules leave open is decided by the report's own sentence, and says so", async () => {
    const a = await ask("平潭综合实验区2024年制发了多少件行政规范性文件？");
    expect(a.short).toContain("62件");
    expect(a.answer).toMatch(/粘连.*6 或 62.*正文写明62件/);
  }, 60_000);
});

describe("the ambiguity guard", () => {
  it("asks which body a shared short name means: 您是指…还是…？", async () => {
    const { ambiguousBody } = await import("../../src/answer/strategies/guards.js");
    const ctx = { none: (_p: unknown, text: string) => ({ answer: { answer: text, found: false }, passages: [] }) } as never;
    const plan = { operation: "value", ambiguous: [{ name: "市场监管局", candidates: ["福州市市场监督管理局", "厦门市市场监督管理局"] }] } as never;
    const r = ambiguousBody.check(ctx, { plan });
    expect(r?.answer.answer).toBe("“市场监管局”可指语料中的2个机关。您是指福州市市场监督管理局还是厦门市市场监督管理局？请写明全称后再问。");
    expect(ambiguousBody.check(ctx, { plan: { operation: "value" } as never })).toBeNull();
  });
});
