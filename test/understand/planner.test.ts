import { isDictionaryWord } from "../../src/understand/query.js";
import { describe, expect, it } from "vitest";
import { BodyRegistry } from "../../src/domain/bodies.js";
import { inherit, plan, type PlannerContext } from "../../src/understand/planner.js";
import type { PlanDraft as Plan, PlanCore } from "../../src/understand/types.js";
import { planSchema } from "../../src/understand/types.js";

const bodies = new BodyRegistry(
  [
    { issuer: "平潭综合实验区管委会", region: "平潭综合实验区" },
    { issuer: "平潭综合实验区财政金融局", region: "平潭综合实验区" },
    { issuer: "平潭综合实验区经济发展局", region: "平潭综合实验区" },
    { issuer: "沈阳市人民政府", region: "沈阳市" },
    { issuer: "长沙市人民政府", region: "长沙市" },
    { issuer: "淮安市洪泽区人民政府", region: "洪泽区" },
  ],
  { 平潭综合实验区: { level: "市" } },
);
const ctx: PlannerContext = { bodies, yearsOf: () => [], unknownPlace: (q) => (q.includes("北京") ? "北京市" : null) };
const P = (q: string, prev: PlanCore | null = null): Plan => plan(q, q, prev, ctx);
const core = (p: Plan): PlanCore => planSchema.parse(p);

describe("planner: operations for typical questions", () => {
  it("a figure of one report is a value, with body, year and metric", () => {
    const p = P("平潭综合实验区2024年收到多少件申请");
    expect([p.operation, p.bodies, p.years, p.metric]).toEqual(["value", ["平潭综合实验区"], [2024], "表三:new:total"]);
  });

  it("a department's short name plans that department, not its place", () => {
    expect(P("财金局2021年申请数").bodies).toEqual(["平潭综合实验区财政金融局"]);
    expect(P("经发局历年申请数")).toMatchObject({ operation: "series", bodies: ["平潭综合实验区经济发展局"] });
  });

  it("哪一年最多/最少 is an extreme with its direction", () => {
    expect(P("平潭综合实验区哪一年收到的申请最多")).toMatchObject({ operation: "extreme", direction: "max", metric: "表三:new:total", years: [] });
    expect(P("平潭综合实验区哪一年收到的申请最少")).toMatchObject({ operation: "extreme", direction: "min" });
  });

  it("over a range, 哪一年最多 is the extreme of every year, not the difference of the two ends (issue 15)", () => {
    expect(P("平潭综合实验区2021至2025年哪一年收到的申请最多")).toMatchObject({ operation: "extreme", direction: "max", yearRange: [2021, 2025] });
    // Two years named, not a range: the two compared.
    expect(P("平潭综合实验区2022年和2023年哪年申请多").operation).toBe("difference");
  });

  it("各是多少/分别多少 asks one figure per year or per body, a difference never (issue 15)", () => {
    expect(P("平潭综合实验区2019、2022、2024年收到的申请各是多少")).toMatchObject({ operation: "series", years: [2019, 2022, 2024] });
    expect(P("2025年财金局和经发局各收到多少件申请")).toMatchObject({ operation: "series", bodies: ["平潭综合实验区财政金融局", "平潭综合实验区经济发展局"], years: [2025] });
    expect(P("沈阳市和长沙市收到的申请分别是多少").operation).toBe("series");
  });

  it("多了多少 between two years is a difference of both years", () => {
    const p = P("平潭综合实验区2024年比2023年多了多少申请");
    expect(p.operation).toBe("difference");
    expect([...p.years].sort()).toEqual([2023, 2024]);
  });

  it("历年 and a year range are a series; the range is inclusive and ordered", () => {
    expect(P("平潭综合实验区历年申请数")).toMatchObject({ operation: "series", yearRange: null });
    expect(P("平潭综合实验区2024到2021年申请数")).toMatchObject({ operation: "series", yearRange: [2021, 2024] });
    expect(P("平潭综合实验区2019年以来申请数").yearRange).toEqual([2019, 2100]);
  });

  it("排名 is a rank (most first), 从少到多 reverses it", () => {
    expect(P("2024年各机关申请数排名")).toMatchObject({ operation: "rank", direction: "max" });
    expect(P("2024年各机关申请数从少到多排序").direction).toBe("min");
  });

  it("占比 is a share; 勾稽关系 with a report is a check", () => {
    expect(P("平潭综合实验区2024年三类内部事务信息占比").operation).toBe("share");
    expect(P("平潭综合实验区2020年表三勾稽关系对得上吗")).toMatchObject({ operation: "check", table: "表三" });
  });

  it("rule questions: 什么是 → definition; deadlines and may/must → procedure; 表三怎么填 → format", () => {
    expect(P("什么是过程性信息").operation).toBe("definition");
    expect(P("政府收到信息公开申请后多少天内必须答复").operation).toBe("procedure");
    expect(P("可以口头申请吗").operation).toBe("procedure");
    expect(P("申请书要写哪些内容").operation).toBe("procedure");
    expect(P("表三怎么填")).toMatchObject({ operation: "format", table: "表三", governing: ["format-2021"] });
  });

  it("a rule question names its governing text: 2007 条例, the 2019 trial format", () => {
    expect(P("那2007年的条例是怎么规定的").governing).toContain("regulation-2007");
    expect(P("2019年试行格式的表三怎么填").governing).toContain("format-2019");
  });

  it("a bare body name is an overview; digits alone are help; English is english", () => {
    expect(P("沈阳")).toMatchObject({ operation: "overview", bodies: ["沈阳市"] });
    expect(P("2021 2022 2023").operation).toBe("help");
    expect(P("How many requests did Shenyang receive in 2013?").operation).toBe("english");
  });

  it("a section asked of a report is a section; examples of a section are precedents", () => {
    expect(P("平潭综合实验区2024年存在的主要问题写了什么")).toMatchObject({ operation: "section", section: "problems" });
    expect(P("给我几个存在的主要问题及改进情况的例子")).toMatchObject({ operation: "precedents", section: "problems" });
  });

  it("a near-miss body name is found where a name stands (the engine replaces it and says so), never inside a word", () => {
    expect(bodies.nearMisses("沈杨2013年受理了多少件申请").map((m) => [m.word, m.body.id])).toEqual([["沈杨", "沈阳市"]]);
    expect(bodies.nearMisses("沈阳2013年受理了多少件申请")).toEqual([]);
    // "能延长吗": 长吗 is one character from 长沙 but sits inside a word.
    expect(bodies.nearMisses("申请答复能延长吗？")).toEqual([]);
  });

  it("a near miss is a misspelling, never a word of its own: 平安县 is not 平潭县 (one character apart)", () => {
    const r = new BodyRegistry([{ issuer: "平潭县人民政府", region: "平潭县" }, { issuer: "沈阳市人民政府", region: "沈阳市" }]);
    expect(r.nearMisses("平安县2021年收到多少申请", isDictionaryWord)).toEqual([]);
    expect(r.nearMisses("平安2021年收到多少申请", isDictionaryWord)).toEqual([]);
    expect(r.nearMisses("沈杨市2013年收到多少申请", isDictionaryWord).map((m) => [m.word, m.body.id])).toEqual([["沈杨市", "沈阳市"]]);
    // Without the dictionary, 平安县 is one character from 平潭县: the word test is what keeps it out.
    expect(r.nearMisses("平安县2021年收到多少申请").map((m) => m.body.id)).toEqual(["平潭县"]);
  });

  it("a department's short name after another place names that place's department, not ours; after its own place, the department alone", () => {
    const r = new BodyRegistry([
      { issuer: "平潭综合实验区管委会", region: "平潭综合实验区" },
      { issuer: "平潭综合实验区公安局", region: "平潭综合实验区" },
      { issuer: "平潭综合实验区财政金融局", region: "平潭综合实验区" },
      { issuer: "平潭县人民政府", region: "平潭县" },
      { issuer: "平潭县财政局", region: "平潭县" },
      { issuer: "长沙市人民政府", region: "长沙市" },
    ]);
    const ids = (q: string) => r.mentions(q).map((b) => b.id);
    expect(ids("长沙市公安局2011年收到多少申请")).toEqual(["长沙市"]);
    expect(ids("云新县财政局2021年收到多少申请")).toEqual([]);
    expect(ids("公安局2013年收到多少申请")).toEqual(["平潭综合实验区公安局"]);
    expect(ids("本区公安局2013年收到多少申请")).toEqual(["平潭综合实验区公安局"]);
    expect(ids("平潭实验区财金局2021年收到多少申请")).toEqual(["平潭综合实验区财政金融局"]);
    expect(ids("平潭综合实验区公安局2013年")).toEqual(["平潭综合实验区公安局"]);
    expect(ids("平潭财政局2010年")).toEqual(["平潭县财政局"]);
    expect(ids("平潭综合实验区和财金局2021年").sort()).toEqual(["平潭综合实验区", "平潭综合实验区财政金融局"].sort());
  });

  it("a report's other spelling of its region (overrides aliases: 沐阳) names its government", () => {
    const r = new BodyRegistry([
      { issuer: "沭阳县人民政府", region: "沭阳县", aliases: ["沐阳县", "沐阳"] },
      { issuer: "沈阳市人民政府", region: "沈阳市" },
    ]);
    expect(r.mentions("沐阳2025年收到多少申请").map((b) => b.id)).toEqual(["沭阳县"]);
    expect(r.lookup("沐阳县")?.id).toBe("沭阳县");
  });

  it("a place the corpus does not hold is recorded as unknown", () => {
    expect(P("北京市2015年收到多少件申请").unknownPlaces).toEqual(["北京市"]);
  });

  it("every plan validates against the structured-output schema", () => {
    for (const q of ["平潭综合实验区2024年收到多少件申请", "沈阳", "表三怎么填", "2021 2022 2023", "平潭综合实验区2019年以来申请数"]) expect(() => core(P(q))).not.toThrow();
  });
});

describe("inherit: a follow-up inherits only what it leaves open", () => {
  const prev = core(P("平潭综合实验区2023年收到多少件申请"));

  it("a follow-up that changes only the year keeps the body and the metric", () => {
    const p = P("那2024年呢", prev);
    expect([p.operation, p.bodies, p.years, p.metric]).toEqual(["value", ["平潭综合实验区"], [2024], "表三:new:total"]);
    expect(p.inherited).toEqual(expect.arrayContaining(["bodies", "metric"]));
    expect(p.inherited).not.toContain("years");
  });

  it("a follow-up that changes only the body keeps the year and the metric", () => {
    const p = P("财金局呢", prev);
    expect([p.bodies, p.years, p.metric]).toEqual([["平潭综合实验区财政金融局"], [2023], "表三:new:total"]);
    expect(p.inherited).not.toContain("bodies");
  });

  it("a rule question never inherits a report", () => {
    for (const q of ["答复期限是多少个工作日", "什么是过程性信息", "表三怎么填", "可以口头申请吗"]) {
      const p = P(q, prev);
      expect([p.bodies, p.years, p.inherited], q).toEqual([[], [], []]);
    }
  });

  it("a question after a rule question does not take a report from it", () => {
    const rule = core(P("政府收到信息公开申请后多少天内必须答复"));
    const p = P("那2007年的条例是怎么规定的", rule);
    expect(p).toMatchObject({ operation: "procedure", bodies: [], governing: ["regulation-2007"] });
    const q = P("平潭综合实验区2024年收到多少件申请", rule);
    expect([q.bodies, q.years, q.inherited]).toEqual([["平潭综合实验区"], [2024], []]);
  });

  it("a question that names its own body and year inherits nothing", () => {
    const p = P("沈阳2013年受理了多少件申请", prev);
    expect([p.bodies, p.years, p.inherited]).toEqual([["沈阳市"], [2013], []]);
  });

  it("inherit() itself leaves a rule plan untouched", () => {
    const rule = P("什么是过程性信息");
    expect(inherit(rule, prev)).toBe(rule);
  });

  it("a follow-up naming only a new metric asks for that metric of the inherited report", () => {
    const p = P("那行政复议呢", prev);
    expect([p.operation, p.bodies, p.years, p.metric]).toEqual(["value", ["平潭综合实验区"], [2023], "表四:review:total"]);
  });

  it("a follow-up asking for every year (历年呢) is a series and does not inherit the year", () => {
    const p = P("历年呢", prev);
    expect(p.operation).toBe("series");
    expect(p.years).toEqual([]);
  });
});

describe("planner: names several bodies carry (issue 15)", () => {
  const r = new BodyRegistry([
    { issuer: "平潭县旅游局", region: "平潭县" },
    { issuer: "平潭综合实验区旅游与文化体育局", region: "平潭综合实验区" },
    { issuer: "福州市市场监督管理局", region: "福州市" },
    { issuer: "厦门市市场监督管理局", region: "厦门市" },
  ]);
  const years: Record<string, number[]> = { 平潭县旅游局: [2011], 平潭综合实验区旅游与文化体育局: [2019, 2020, 2021, 2022, 2023] };
  const c: PlannerContext = { bodies: r, yearsOf: (b) => years[b] ?? [2024], unknownPlace: () => null };
  it("the year asked picks the one body holding it", () => {
    expect(plan("旅游局2023年主动公开政府信息多少条", "", null, c).bodies).toEqual(["平潭综合实验区旅游与文化体育局"]);
    expect(plan("旅游局2011年主动公开政府信息多少条", "", null, c).bodies).toEqual(["平潭县旅游局"]);
  });
  it("otherwise which one is meant is asked, never guessed", () => {
    const p = plan("市场监管局2024年收到多少件申请", "", null, c);
    expect(p.bodies).toEqual([]);
    expect(p.ambiguous).toEqual([{ name: "市场监管局", candidates: ["福州市市场监督管理局", "厦门市市场监督管理局"] }]);
  });
});

describe("planner: a kind of body named instead of one (issue 15)", () => {
  const r = new BodyRegistry([
    { issuer: "平潭综合实验区管委会", region: "平潭综合实验区" },
    { issuer: "平潭综合实验区金井片区管理局", region: "平潭综合实验区" },
    { issuer: "平潭综合实验区苏平片区管理局", region: "平潭综合实验区" },
  ]);
  const c: PlannerContext = { bodies: r, yearsOf: () => [2024], unknownPlace: () => null };
  it("哪个片区/各片区: every held 片区, never the government", () => {
    expect(plan("2024年哪个片区收到的申请最多", "", null, c)).toMatchObject({ operation: "extreme", bodies: ["平潭综合实验区金井片区管理局", "平潭综合实验区苏平片区管理局"] });
    expect(plan("各片区2024年分别收到多少件申请", "", null, c)).toMatchObject({ operation: "series", unknownPlaces: [] });
  });
});

describe("planner: what a body holds (issue 15)", () => {
  it("有哪些年度的报告 after a body name is its overview", () => {
    expect(P("平潭综合实验区财政金融局有哪些年度的报告？").operation).toBe("overview");
  });
});
