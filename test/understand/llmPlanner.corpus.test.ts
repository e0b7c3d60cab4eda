import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { openEngine, type OpenedEngine as Engine } from "../../src/app/open.js";
import { loadSettings, settingsSchema } from "../../src/config.js";
import { ConfigError } from "../../src/errors.js";
import { planWithLlm, renderPlannerPrompt, validateLlmPlan } from "../../src/understand/llmPlanner.js";
import type { PlannerContext } from "../../src/understand/planner.js";
import type { PlanDraft as Plan, PlanCore } from "../../src/understand/types.js";
import { startFakeOpenAI, type ChatHandler, type ChatReply, type FakeOpenAI } from "../helpers/fakeOpenAI.js";

// The optional LLM planner (LLM_PLANNER) through the engine, against a fake OpenAI-compatible server that
// answers with tool calls (the structured-output method chosen: function calling).
const KEY = "sk-test-secret-key";
const CAIJIN = "平潭综合实验区财政金融局";
/** "那几年…怎么变的" names no series word the offline rules know: offline, it is one value (the latest year). */
const Q = "财金局那几年的申请量怎么变的";

const SERIES_PLAN: PlanCore = {
  operation: "series",
  bodies: [CAIJIN],
  years: [],
  yearRange: null,
  metric: "表三:new:total",
  direction: null,
  section: null,
  table: null,
  governing: [],
  topic: "申请量",
};

let fake: FakeOpenAI;
let engine: Engine;
let offlineEngine: Engine;
const logs: Array<Record<string, unknown>> = [];
let plannerReply: (body: any) => ChatReply | Promise<ChatReply> = () => ({ toolCall: { arguments: SERIES_PLAN } });

/** Planner calls carry `tools`; composer calls do not (they are answered NOT_FOUND: the extractive answer stands). */
const handler: ChatHandler = ({ body }) => (Array.isArray(body?.tools) ? plannerReply(body) : { content: "NOT_FOUND" });

const plannerRequests = () => fake.requests.filter((r) => r.path.endsWith("/chat/completions") && Array.isArray(r.body?.tools));
const fallbacks = () => logs.filter((l) => l.event === "planner_fallback");

beforeAll(async () => {
  fake = await startFakeOpenAI({ chatHandler: handler });
  const settings = settingsSchema.parse({ LLM_BASE_URL: fake.url, LLM_MODEL: "fake-chat", LLM_API_KEY: KEY, LLM_TIMEOUT_MS: "1500", LLM_PLANNER: "true" });
  engine = await openEngine({ indexDir: inject("realIndexDir"), corpusDir: "corpus", settings, log: (e) => logs.push(e), refresh: false });
  offlineEngine = await openEngine({ indexDir: inject("realIndexDir"), corpusDir: "corpus", settings: settingsSchema.parse({}), refresh: false });
}, 120_000);

afterAll(async () => {
  await fake.close();
});

beforeEach(() => {
  logs.length = 0;
  plannerReply = () => ({ toolCall: { arguments: SERIES_PLAN } });
});

function plannerCtx(e: Engine): PlannerContext {
  return { bodies: e.ctx.bodies, yearsOf: (b) => e.ctx.figures?.reportsOf(b).map((r) => r.year!) ?? [], unknownPlace: () => null };
}

describe("settings", () => {
  it("is off by default, and on only with a chat server configured", () => {
    expect(settingsSchema.parse({}).LLM_PLANNER).toBe(false);
    expect(settingsSchema.parse({ LLM_PLANNER: "1" }).LLM_PLANNER).toBe(true);
    expect(() => loadSettings({ LLM_PLANNER: "true" })).toThrow(ConfigError);
    expect(loadSettings({ LLM_PLANNER: "true", LLM_BASE_URL: "http://127.0.0.1:9/v1", LLM_MODEL: "m" }).LLM_PLANNER).toBe(true);
  });

  it("without LLM_PLANNER the model is never asked to plan (the offline planner is the default)", async () => {
    const s = settingsSchema.parse({ LLM_BASE_URL: fake.url, LLM_MODEL: "fake-chat" });
    const e = await openEngine({ indexDir: inject("realIndexDir"), corpusDir: "corpus", settings: s, refresh: false });
    const before = plannerRequests().length;
    const { answer } = await e.ask(Q);
    expect(answer.operation).toBe("value");
    expect(plannerRequests().length).toBe(before);
  });
});

describe("a valid plan from the model is used", () => {
  it("routes a series question the offline rules read as one value, and the answer is the series table from the facts", async () => {
    const offline = await offlineEngine.ask(Q);
    expect(offline.answer.operation).toBe("value");

    const { answer, state } = await engine.ask(Q);
    expect(answer.operation).toBe("series");
    expect(answer.table?.rows.map((r) => r[1])).toEqual(expect.arrayContaining([2021, 2024]));
    expect(answer.table?.rows.every((r) => r[0] === CAIJIN)).toBe(true);
    // The figures are the facts' (表三 cells), not anything the model said.
    expect(answer.table?.rows.find((r) => r[1] === 2024)?.[2]).toBe(2);
    expect(state.plan).toMatchObject({ operation: "series", bodies: [CAIJIN], metric: "表三:new:total" });
    expect(fallbacks()).toEqual([]);
    expect(logs.some((l) => l.event === "planner_llm" && l.operation === "series" && l.offline === "value")).toBe(true);
  });

  it("asks through a forced function call whose parameters are the plan schema, with the question as delimited data", async () => {
    await engine.ask(Q);
    const req = plannerRequests().at(-1)!.body;
    expect(req.tools).toHaveLength(1);
    expect(req.tools[0].function.name).toBe("plan");
    expect(Object.keys(req.tools[0].function.parameters.properties)).toEqual(
      expect.arrayContaining(["operation", "bodies", "years", "yearRange", "metric", "direction", "section", "table", "governing", "topic"]),
    );
    expect(req.tool_choice).toEqual({ type: "function", function: { name: "plan" } });
    expect(req.response_format).toBeUndefined();
    const system = req.messages.find((m: any) => m.role === "system").content as string;
    const user = req.messages.find((m: any) => m.role === "user").content as string;
    expect(system).toContain("表三:new:total");
    expect(system).toContain(CAIJIN);
    expect(system).toContain("财金局");
    expect(user).toContain(`<<<问题开始>>>\n${Q}\n<<<问题结束>>>`);
    // The model sees vocabulary, names and years, never a figure: no count with its unit anywhere in the prompt.
    expect(`${system}\n${user}`).not.toMatch(/\d\s*(件|条|元|万元)/);
  });

  it("resolves a short name to the canonical body, and keeps the offline plan's own fields", async () => {
    const ctx = plannerCtx(engine);
    plannerReply = () => ({ toolCall: { arguments: { ...SERIES_PLAN, bodies: ["财金局"] } } });
    const offline: Plan = {
      ...SERIES_PLAN,
      operation: "value",
      original: "財金局那幾年的申請量怎麼變的",
      question: Q,
      suggestions: ["平潭县财政局"],
      unknownPlaces: ["北京"],
      inherited: ["years"],
    };
    const s = settingsSchema.parse({ LLM_BASE_URL: fake.url, LLM_MODEL: "fake-chat", LLM_TIMEOUT_MS: "1500" });
    const p = await planWithLlm(Q, null, offline, ctx, s, (e) => logs.push(e));
    expect(p).toMatchObject({ operation: "series", bodies: [CAIJIN], original: offline.original, question: Q, suggestions: ["平潭县财政局"], unknownPlaces: ["北京"], inherited: ["years"] });
  });

  it("accepts the plan as JSON content from a server that ignores tool_choice (same validation)", async () => {
    plannerReply = () => ({ content: "```json\n" + JSON.stringify(SERIES_PLAN) + "\n```" });
    const { answer } = await engine.ask(Q);
    expect(answer.operation).toBe("series");
    expect(fallbacks()).toEqual([]);
  });

  it("gives the model the previous turn for a follow-up", async () => {
    const first = await engine.ask(Q);
    await engine.ask("那行政复议呢", first.state);
    const user = plannerRequests().at(-1)!.body.messages.find((m: any) => m.role === "user").content as string;
    expect(user).toContain(`问题「${Q}」`);
    expect(user).toContain('"metric":"表三:new:total"');
  });
});

describe("anything doubtful falls back to the offline plan, the reason logged", () => {
  const cases: Array<[rule: string, reply: () => ChatReply, reason: RegExp]> = [
    ["a body the registry does not hold", () => ({ toolCall: { arguments: { ...SERIES_PLAN, bodies: ["北京市财政局"] } } }), /unknown body: 北京市财政局/],
    ["a metric id not in the vocabulary", () => ({ toolCall: { arguments: { ...SERIES_PLAN, metric: "表三:applications:total" } } }), /unknown metric id: 表三:applications:total/],
    ["arguments that are not JSON", () => ({ toolCall: { arguments: '{"operation": "series", "bodies": ["平潭' } }), /not JSON/],
    ["a content reply that is not JSON", () => ({ content: "好的，这是一个关于申请量的问题。" }), /not JSON/],
    ["a tool call to another function", () => ({ toolCall: { name: "answer", arguments: SERIES_PLAN } }), /tool call to answer/],
    ["a field the schema does not have (a figure smuggled in)", () => ({ toolCall: { arguments: { ...SERIES_PLAN, answer: "2024年收到2件" } } }), /schema: .*answer/],
    ["a figure in the topic", () => ({ toolCall: { arguments: { ...SERIES_PLAN, topic: "申请量 218件" } } }), /figure in topic: 218/],
    ["a figure written in Chinese numerals", () => ({ toolCall: { arguments: { ...SERIES_PLAN, topic: "申请二百一十八件" } } }), /figure in topic: 二百一十八/],
    ["a wrong type", () => ({ toolCall: { arguments: { ...SERIES_PLAN, years: ["2024"] } } }), /schema: years\.0/],
    ["an operation outside the enum", () => ({ toolCall: { arguments: { ...SERIES_PLAN, operation: "forecast" } } }), /schema: operation/],
    ["a year the corpus does not hold and the question does not name", () => ({ toolCall: { arguments: { ...SERIES_PLAN, years: [1999] } } }), /year 1999/],
    ["a year range beyond the corpus", () => ({ toolCall: { arguments: { ...SERIES_PLAN, yearRange: [1991, 1995] } } }), /yearRange 1991–1995/],
    ["a figure operation without a metric", () => ({ toolCall: { arguments: { ...SERIES_PLAN, metric: null } } }), /series needs a metric/],
    ["an operation decided by the text", () => ({ toolCall: { arguments: { ...SERIES_PLAN, operation: "english" } } }), /english is decided by the text/],
    ["a server error", () => ({ status: 500, body: { error: { message: "boom" } } }), /llm http 500/],
    ["a timeout", () => ({ delayMs: 3000, content: "{}" }), /llm timeout after 1500 ms/],
  ];

  it.each(cases)("%s", async (_rule, reply, reason) => {
    plannerReply = reply;
    const { answer } = await engine.ask(Q);
    expect(answer.operation).toBe("value");
    expect(answer.answer).toContain("2024年");
    const f = fallbacks();
    expect(f).toHaveLength(1);
    expect(String(f[0].reason)).toMatch(reason);
    expect(f[0].operation).toBe("value");
  });

  it("never logs the API key, even when the server echoes it", async () => {
    plannerReply = () => ({ status: 401, body: { error: { message: `Incorrect API key provided: ${KEY}`, type: "invalid_request_error" } } });
    await engine.ask(Q);
    // A reason that would quote the key (the model names it as a body) has it redacted.
    plannerReply = () => ({ toolCall: { arguments: { ...SERIES_PLAN, bodies: [KEY] } } });
    await engine.ask(Q);
    expect(fallbacks()).toHaveLength(2);
    expect(String(fallbacks()[0].reason)).toBe("llm http 401");
    expect(String(fallbacks()[1].reason)).toBe("unknown body: ***");
    expect(JSON.stringify(logs)).not.toContain(KEY);
    // It was sent, as a bearer token, to the configured server only.
    expect(plannerRequests().at(-1)!.headers.authorization).toBe(`Bearer ${KEY}`);
  });
});

describe("the model's plan must be about what the question names", () => {
  // 平潭综合实验区 2021: 表三 new total 70 (2022: 74); 沈阳市 2013: 249.
  const PT = "平潭2021年收到多少申请";
  const PT_PLAN: PlanCore = { ...SERIES_PLAN, operation: "value", bodies: ["平潭综合实验区"], years: [2021], topic: "收到 申请" };
  const asksFor = (body: any): string => body.messages.find((m: any) => m.role === "user").content.match(/<<<问题开始>>>\n([\s\S]*?)\n<<<问题结束>>>/)?.[1] ?? "";

  const cases: Array<[rule: string, plan: Partial<PlanCore>, reason: RegExp]> = [
    ["another body and year (沈阳 2013 for a 平潭 question)", { bodies: ["沈阳市"], years: [2013] }, /question names 平潭综合实验区, the plan has 沈阳市/],
    ["another year", { years: [2013] }, /question names 2021, the plan has 2013/],
    ["another metric", { metric: "表四:review:total" }, /question names metric 表三:new:total, the plan has 表四:review:total/],
    ["a body the question does not name, added", { bodies: ["平潭综合实验区", "沈阳市"] }, /body 沈阳市 neither named in the question nor carried/],
    ["a year the question does not name, added", { years: [2021, 2013] }, /year 2013 neither named in the question nor carried/],
    ["a range reaching past the year named", { years: [], yearRange: [2011, 2025] }, /yearRange 2011–2025 goes beyond/],
    ["no body at all", { bodies: [] }, /question names 平潭综合实验区, the plan has no body/],
  ];

  it.each(cases)("%s: the offline plan stands, planner_fallback gives the reason", async (_rule, over, reason) => {
    plannerReply = () => ({ toolCall: { arguments: { ...PT_PLAN, ...over } } });
    const { answer, state } = await engine.ask(PT);
    expect(answer.short).toContain("平潭综合实验区2021年");
    expect(answer.short).toContain("70件");
    expect(answer.answer).not.toContain("249");
    expect(state.plan).toMatchObject({ bodies: ["平潭综合实验区"], years: [2021], metric: "表三:new:total" });
    const f = fallbacks();
    expect(f).toHaveLength(1);
    expect(String(f[0].reason)).toMatch(reason);
  });

  it("a plan that agrees is used, and a follow-up may take its body from the conversation", async () => {
    plannerReply = (body) => ({ toolCall: { arguments: asksFor(body).includes("2022") ? { ...PT_PLAN, years: [2022] } : PT_PLAN } });
    const first = await engine.ask(PT);
    expect(first.answer.short).toContain("70件");
    const next = await engine.ask("那2022年呢", first.state);
    expect(next.answer.short).toContain("平潭综合实验区2022年");
    expect(next.answer.short).toContain("74件");
    expect(fallbacks()).toEqual([]);
    expect(logs.filter((l) => l.event === "planner_llm")).toHaveLength(2);
  });

  it("a plan with the metric the offline planner resolved keeps the further metrics the question names", async () => {
    const q = "平潭综合实验区2024年行政复议和行政诉讼各有多少件";
    plannerReply = () => ({ toolCall: { arguments: { ...PT_PLAN, years: [2024], metric: "表四:review:total", section: "review", topic: "行政复议 行政诉讼" } } });
    const { answer } = await engine.ask(q);
    expect(fallbacks()).toEqual([]);
    expect(answer.short).toContain("行政复议7件");
    expect(answer.short).toContain("行政诉讼");
    expect(answer.short).toContain("19件");
  });

  it("a year written in Chinese numerals is a year the question names", async () => {
    plannerReply = () => ({ toolCall: { arguments: PT_PLAN } });
    const { answer } = await engine.ask("平潭二〇二一年收到多少申请");
    expect(answer.short).toContain("平潭综合实验区2021年");
    expect(answer.short).toContain("70件");
    expect(fallbacks()).toEqual([]);
  });

  it("a rule question's year names a version of the rules: the plan need not carry it as a report year", () => {
    const rule: PlanCore = { ...SERIES_PLAN, operation: "procedure", bodies: [], years: [], metric: null, governing: ["regulation-2019"], topic: "答复期限" };
    const offline: Plan = { ...rule, original: "", question: "", suggestions: [], unknownPlaces: [], inherited: [] };
    expect(validateLlmPlan(rule, "2019年修订的条例规定答复期限是多久", offline, plannerCtx(engine)).ok).toBe(true);
    // A report question's year is the plan's.
    expect(validateLlmPlan({ ...PT_PLAN, years: [] }, PT, { ...offline, ...PT_PLAN }, plannerCtx(engine))).toMatchObject({ ok: false, reason: "question names 2021, the plan has no year" });
  });
});

describe("validateLlmPlan", () => {
  const offline = (over: Partial<Plan> = {}): Plan => ({ ...SERIES_PLAN, operation: "search", original: "", question: "", suggestions: [], unknownPlaces: [], inherited: [], ...over });

  it("accepts a year the question names even when no report covers it (the 2007 regulation), and an open range", () => {
    const ctx = plannerCtx(engine);
    const rule = validateLlmPlan({ ...SERIES_PLAN, operation: "procedure", bodies: [], metric: null, years: [2007], governing: ["regulation-2007"], topic: "答复期限" }, "那2007年的条例是怎么规定的", offline(), ctx);
    expect(rule.ok).toBe(true);
    const since = validateLlmPlan({ ...SERIES_PLAN, yearRange: [2019, 2100] }, "财金局2019年以来的申请量", offline(), ctx);
    expect(since).toMatchObject({ ok: true, core: { yearRange: [2019, 2100] } });
  });

  it("needs a section for section text and a body for an overview; fills the direction of an extreme", () => {
    const ctx = plannerCtx(engine);
    expect(validateLlmPlan({ ...SERIES_PLAN, operation: "section" }, Q, offline(), ctx)).toMatchObject({ ok: false, reason: "operation section needs a section" });
    expect(validateLlmPlan({ ...SERIES_PLAN, operation: "overview", bodies: [] }, Q, offline(), ctx)).toMatchObject({ ok: false, reason: "operation overview needs a body" });
    expect(validateLlmPlan({ ...SERIES_PLAN, operation: "extreme" }, Q, offline(), ctx)).toMatchObject({ ok: true, core: { direction: "max" } });
  });

  it("lets a digit through in the topic only when the question has it", () => {
    const ctx = plannerCtx(engine);
    expect(validateLlmPlan({ ...SERIES_PLAN, topic: "第33条 期限" }, "第33条说的期限是多少", offline(), ctx).ok).toBe(true);
    expect(validateLlmPlan({ ...SERIES_PLAN, topic: "第34条" }, "第33条说的期限是多少", offline(), ctx)).toMatchObject({ ok: false, reason: "figure in topic: 34" });
  });

  it("the prompt lists the compact vocabulary (row metrics and narrative ones), bodies with their short names, and the years held", () => {
    const { system } = renderPlannerPrompt(Q, null, plannerCtx(engine));
    expect(system).toContain("- narr:proactive_items＝");
    expect(system).toContain("- 表四:review:total＝");
    // Not every column of every table: 表三's per-applicant columns are left out.
    expect(system).not.toMatch(/表三:new:(?!total)/);
    expect(system).toMatch(/- 平潭综合实验区财政金融局：.*财金局/);
    expect(system).toMatch(/2009–\d{4}/);
    expect(system).not.toContain("{{");
  });
});
