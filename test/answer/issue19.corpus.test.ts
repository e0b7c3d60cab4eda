import { beforeAll, describe, expect, it } from "vitest";
import type { OpenedEngine as Engine } from "../../src/app/open.js";
import { askTurns, useRealEngine } from "../helpers/engine.js";

// Issue 19, part 5: place names and numbers in a question, on the real corpus. Figures checked in the corpus:
// 平潭综合实验区 2021 表三 new total 70, 2025 行政复议 36; 沈阳市 2013 249; 长沙市 2011 43 (23 + 20); 沭阳县 2025 713.
const real = useRealEngine();
let engine: Engine;
beforeAll(() => {
  engine = real.engine();
});
const ask = (...turns: string[]) => askTurns(engine, ...turns);

describe("a place the corpus does not hold is declined, never mapped to a body sharing a character", () => {
  // 云新县/东湖新区: the stem ends in 新, which the unknown-place rule took for the generic word 新区; 东湖实验区
  // likewise (实验区). 平安县: one character from 平潭县, but a word of its own. None may get 平潭's figures.
  it.each(["云新县", "东湖新区", "新华区", "平安县", "东湖实验区", "云新县财政局"])("%s", async (name) => {
    const a = await ask(`${name}2021年收到多少申请`);
    expect(a.found).toBe(false);
    expect(a.citations).toEqual([]);
    const place = name.replace(/财政局$/, "");
    expect(a.answer.startsWith(`语料中没有${place}的`)).toBe(true);
    expect(a.answer).not.toContain("您是否指");
    expect(a.answer).not.toContain("70件");
    // The refusal and at most one line of what the corpus holds.
    expect(a.answer.split("\n").length).toBeLessThanOrEqual(2);
  });

  it("a held place's department the corpus does not hold is not another place's department of that name", async () => {
    const a = await ask("长沙市公安局2011年收到多少申请");
    expect(a.answer).not.toContain("平潭");
    expect(a.citations.every((c) => c.region === "长沙市")).toBe(true);
  });

  it.each([
    ["平潭2021年收到多少申请", "平潭综合实验区", "70件"],
    ["平潭综合实验区2021年收到多少申请", "平潭综合实验区", "70件"],
    ["平潭实验区2021年收到多少申请", "平潭综合实验区", "70件"],
    ["实验区2021年收到多少申请", "平潭综合实验区", "70件"],
    ["沈阳2013年收到多少申请", "沈阳市", "249件"],
    ["长沙2011年收到多少申请", "长沙市", "43件"],
    ["沭阳2025年收到多少申请", "沭阳县", "713件"],
    // The OCR'd spelling the report itself uses (corpus/overrides.json aliases) names the body, not 沈阳 nor every 2025 report.
    ["沐阳2025年收到多少申请", "沭阳县", "713件"],
    ["财金局2021年收到多少申请", "平潭综合实验区财政金融局", "0件"],
    // The place before its own department's short name names the department only.
    ["平潭实验区财金局2021年收到多少申请", "平潭综合实验区财政金融局", "0件"],
  ])("a real name still resolves: %s", async (q, body, figure) => {
    const a = await ask(q);
    expect(a.found).toBe(true);
    expect(a.short).toContain(figure);
    expect(a.short?.startsWith(body)).toBe(true);
    expect(a.table ?? null).toBeNull();
    expect(new Set(a.citations.map((c) => c.body ?? c.region))).toEqual(new Set([body]));
  });

  it("攀枝花 resolves to its one report; a misspelling that is no word is still corrected (沈杨市 → 沈阳市)", async () => {
    const p = await ask("攀枝花2009年收到多少申请");
    expect(p.found).toBe(true);
    expect(p.citations[0].region).toBe("攀枝花市");
    const s = await ask("沈杨市2013年收到多少申请");
    expect(s.answer).toMatch(/^您是否指“沈阳市”/);
    expect(s.answer).toContain("249件");
  });
});

describe("a number in a question is a claim only when the question asserts it", () => {
  it.each(["<script>alert(1)</script>平潭2021年收到多少申请", "alert(1) 平潭2021年收到多少申请", "99999 平潭2021年收到多少申请", "问题编号12345：平潭2021年收到多少申请"])(
    "a stray number is no claim: %s",
    async (q) => {
      const a = await ask(q);
      expect(a.short).toContain("70件");
      expect(a.answer).not.toMatch(/与报告(不符|相符|一致)/);
    },
  );

  it("a claim with its measure word is checked against the table figure, and a wrong one is not repeated", async () => {
    const wrong = await ask("平潭2021年收到的申请是不是80件");
    expect(wrong.short).toMatch(/^与报告不符：.*70件/);
    expect(wrong.answer).not.toContain("80");
    const right = await ask("平潭综合实验区2025年因政府信息公开引发的行政复议是36起吗？");
    expect(right.short).toMatch(/^与报告相符：.*36件/);
    const only = await ask("平潭综合实验区2025年因政府信息公开引发的行政复议只有6起吗？");
    expect(only.short).toMatch(/^与报告不符：.*36件/);
  });

  it("a claim about a report's sentence is checked too (报告说…对吗, …吗)", async () => {
    expect((await ask("报告说沈阳2013年收到249件申请，对吗")).answer).toMatch(/^是的，与报告一致/);
    const wrong = await ask("沈阳2013年受理了300件申请吗");
    expect(wrong.answer).toMatch(/^与报告不符/);
    expect(wrong.answer).toContain("249件");
    expect(wrong.answer).not.toContain("300");
  });
});
