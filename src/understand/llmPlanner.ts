import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Settings } from "../config.js";
import { redact } from "../errors.js";
import { findMetric, METRICS } from "../domain/format/metrics.js";
import { extractYears } from "./query.js";
import type { PlannerContext } from "./planner.js";
import { resolveMetric, resolveMetrics } from "./metric.js";
import { OPERATIONS, planSchema, type Operation, type PlanDraft as Plan, type PlanCore } from "./types.js";

/**
 * The LLM planner (optional, LLM_PLANNER): the chat model parses a question into the same PlanCore the offline
 * planner produces, through LangChain's `withStructuredOutput(planSchema)`. Its plan is used only after it passes
 * every check below; on any failure (server down, timeout, malformed or invalid plan) the offline plan stands and
 * `planner_fallback` is logged with the reason. The model sees no figures and its plan carries none: figures still
 * come from the statistics database and the passages.
 *
 * Structured-output method: function calling (`method: "functionCalling"`). @langchain/openai 1.5.8 defaults to
 * `jsonSchema` (`response_format: {type: "json_schema"}`) for every model whose name does not start with gpt-3/gpt-4,
 * i.e. for every local model; many OpenAI-compatible servers (DeepSeek, older vLLM and Ollama, llama.cpp builds)
 * reject or ignore `json_schema`, and `jsonMode` (`json_object`) carries no schema at all. Tool calls with a forced
 * `tool_choice` are the most widely implemented of the three. A server that ignores `tool_choice` and writes the
 * JSON into the message content is accepted too, under the same validation.
 */

/** What the model is told each operation means (kept beside OPERATIONS: a new operation fails to compile here). */
const OPERATION_HINTS: Record<Operation, string> = {
  value: "某机关某年的一个数字",
  series: "某机关某指标历年的变化（历年、这几年、趋势、怎么变的）",
  extreme: "哪一年/哪个机关最多或最少（配 direction）",
  rank: "多个机关某年按指标排名（配 direction）",
  difference: "两年或两个机关之间相差多少",
  sum: "多份报告合计",
  share: "占比、比例",
  check: "核对一份报告的数字是否对得上（勾稽关系）",
  section: "某份报告某一部分的原文（配 section）",
  precedents: "别的报告某一部分是怎么写的，写作参考（配 section）",
  definition: "一个术语是什么意思（条例条文）",
  procedure: "规则要求：期限、能不能、怎么办、要写哪些内容",
  format: "格式要求：统计表怎么填、某部分写什么、2019与2021格式的区别",
  overview: "只说了一个机关名：它有哪些报告、主要数字",
  search: "其他问题：全文检索",
  help: "没有问题（系统自行判断，不要选）",
  english: "英文问题（系统自行判断，不要选）",
};

/** Operations that answer with figures: each needs a metric. */
const FIGURE_OPS: readonly Operation[] = ["value", "series", "extreme", "rank", "difference", "sum", "share"];
/** Decided by the form of the text, not its meaning: the model is not asked. */
const FORM_OPS: readonly Operation[] = ["help", "english"];

/** Delimiters of the question in the user prompt; stripped from the question so it cannot close its section. */
const QUESTION_MARKERS = ["<<<问题开始>>>", "<<<问题结束>>>"];
const USER_SEPARATOR = "<!-- user -->";
const PLACEHOLDERS = ["operations", "metrics", "bodies", "years", "history", "question"] as const;

/** The previous turn, as the planner may use it (no figures: a question and a plan). */
export interface PlannerHistory {
  lastQuestion: string | null;
  plan: PlanCore | null;
}

export type PlannerSettings = Pick<Settings, "LLM_BASE_URL" | "LLM_MODEL" | "LLM_API_KEY" | "LLM_TIMEOUT_MS">;
export type PlannerLog = (e: Record<string, unknown>) => void;

const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** prompts/planner.md: the system prompt, then `<!-- user -->` and the user template. */
export function loadPlannerPrompt(dir = "prompts"): { system: string; user: string } {
  const root = isAbsolute(dir) ? dir : existsSync(resolve(process.cwd(), dir, "planner.md")) ? resolve(process.cwd(), dir) : resolve(PACKAGE_ROOT, dir);
  const text = readFileSync(resolve(root, "planner.md"), "utf8").replace(/\r\n?/g, "\n");
  const at = text.indexOf(USER_SEPARATOR);
  if (at < 0) throw new Error(`planner prompt lacks ${USER_SEPARATOR}`);
  const system = text.slice(0, at).trim();
  const user = text.slice(at + USER_SEPARATOR.length).trim();
  if (!user.includes("{{question}}")) throw new Error("planner prompt lacks {{question}}");
  return { system, user };
}

/** One pass, so placeholder-like text inside the question is never expanded. */
function fill(template: string, values: Record<(typeof PLACEHOLDERS)[number], string>): string {
  return template.replace(/\{\{(operations|metrics|bodies|years|history|question)\}\}/g, (_, k: keyof typeof values) => values[k]);
}

function stripMarkers(s: string): string {
  let out = s;
  for (const m of QUESTION_MARKERS) out = out.split(m).join("");
  return out.trim();
}

/** Years any report in the corpus covers. */
function corpusYears(ctx: PlannerContext): number[] {
  const ys = new Set<number>();
  for (const b of ctx.bodies.all()) for (const y of ctx.yearsOf(b.id)) if (Number.isInteger(y)) ys.add(y);
  return [...ys].sort((a, b) => a - b);
}

/** The metric vocabulary, compact: each row's default cell, row groups and narrative metrics (not every column). */
export function metricVocabulary(): string {
  return METRICS.filter((m) => m.aliases.length > 0 || m.narrative || m.id.startsWith("narr:"))
    .map((m) => `- ${m.id}＝${m.label}${m.unit ? `（${m.unit}）` : ""}`)
    .join("\n");
}

export function renderPlannerPrompt(question: string, history: PlannerHistory | null, ctx: PlannerContext, prompt = loadPlannerPrompt()): { system: string; user: string } {
  const years = corpusYears(ctx);
  const bodies = ctx.bodies
    .all()
    .map((b) => {
      const others = b.names.filter((n) => n !== b.id);
      return `- ${b.id}${others.length ? `：${others.join("、")}` : ""}`;
    })
    .join("\n");
  const prev = history?.lastQuestion || history?.plan
    ? `上一轮（供追问参考）：${history?.lastQuestion ? `问题「${stripMarkers(history.lastQuestion).slice(0, 200)}」` : ""}${history?.plan ? `，计划 ${JSON.stringify(history.plan)}` : ""}\n\n`
    : "";
  const values = {
    operations: OPERATIONS.filter((o) => !FORM_OPS.includes(o)).map((o) => `  - ${o}：${OPERATION_HINTS[o]}`).join("\n"),
    metrics: metricVocabulary(),
    bodies: bodies || "（无）",
    years: years.length ? `${years[0]}–${years[years.length - 1]}（${years.join("、")}）` : "（无）",
    history: prev,
    question: stripMarkers(question),
  };
  return { system: fill(prompt.system, values), user: fill(prompt.user, values) };
}

// ---------------------------------------------------------------------------------------------
// Validation (pure)

function halfWidth(s: string): string {
  return s.replace(/[\uFF10-\uFF19]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xff10 + 0x30));
}

/** Chinese-numeral counts with a measure word (二百一十八件): a figure written out. */
const CN_COUNT = /[零〇一二两三四五六七八九十百千万亿]{2,}(?=[件条个次项宗起份元])/g;

/** A figure in the model's free text that the question does not contain; null when there is none. */
function smuggledFigure(text: string, question: string): string | null {
  const q = halfWidth(question);
  for (const m of halfWidth(text).match(/\d+(?:\.\d+)?/g) ?? []) if (!q.includes(m)) return m;
  for (const m of text.match(CN_COUNT) ?? []) if (!question.includes(m)) return m;
  return null;
}

const short = (s: unknown) => String(s).replace(/\s+/g, " ").slice(0, 60);

/** Rule questions: a year in them names a version of the rules ("2007年的条例"), not a report. */
const RULE_OPS: readonly Operation[] = ["definition", "procedure", "format"];
const CN_YEAR_DIGITS = "〇零一二三四五六七八九";

/** Years a question names, as the offline planner reads them, also written in Chinese numerals (二〇二一年). */
function namedYears(question: string): number[] {
  const digits = question.replace(/[〇零一二三四五六七八九]{4}(?=年)/g, (run) => [...run].map((c) => Math.max(0, CN_YEAR_DIGITS.indexOf(c) - 1)).join(""));
  return extractYears(digits);
}

/**
 * Null when the plan is about what the question names; otherwise the reason. The bodies and years the question
 * names (resolved as the offline planner resolves them: the registry's mentions, the years written) must be the
 * plan's; a body or year it does not name must come from the conversation (the offline plan's inherited ones or
 * the previous plan); a metric the question names must not be replaced by another (one of the others it names,
 * "行政复议和行政诉讼", is no replacement).
 */
function disagreement(core: PlanCore, question: string, offline: Plan, ctx: PlannerContext, history: PlannerHistory | null): string | null {
  const named = ctx.bodies.mentions(question).map((b) => b.id);
  for (const id of named) if (!core.bodies.includes(id)) return `question names ${id}, the plan has ${core.bodies.join("、") || "no body"}`;
  const carriedBodies = new Set([...named, ...offline.bodies, ...(history?.plan?.bodies ?? [])]);
  for (const id of core.bodies) if (!carriedBodies.has(id)) return `body ${id} neither named in the question nor carried by the conversation`;

  const years = namedYears(question);
  const within = (y: number, r: [number, number] | null | undefined) => !!r && y >= r[0] && y <= r[1];
  if (!RULE_OPS.includes(core.operation))
    for (const y of years) if (!core.years.includes(y) && !within(y, core.yearRange)) return `question names ${y}, the plan has ${core.years.join("、") || (core.yearRange ? core.yearRange.join("–") : "no year")}`;
  const carriedYear = (y: number) =>
    years.includes(y) || offline.years.includes(y) || (history?.plan?.years ?? []).includes(y) || within(y, offline.yearRange) || within(y, history?.plan?.yearRange);
  for (const y of core.years) if (!carriedYear(y)) return `year ${y} neither named in the question nor carried by the conversation`;
  // A range where the question names years ends at them (2100 is the open end of "2019年以来").
  if (core.yearRange && years.length) for (const y of core.yearRange) if (y !== 2100 && !carriedYear(y)) return `yearRange ${core.yearRange.join("–")} goes beyond the years the question names`;

  const asked = resolveMetric(question)?.metric.id;
  if (asked && core.metric && core.metric !== asked && !resolveMetrics(question).some((m) => m.id === core.metric)) return `question names metric ${asked}, the plan has ${short(core.metric)}`;
  return null;
}

/**
 * Checks a plan from the model and resolves its body names to canonical ids. Every rule has its reason:
 * the schema (strict: no extra fields), bodies in the registry, metric ids in the vocabulary, years the corpus
 * holds or the question (or the conversation) names, an operation its fields can serve, agreement with what the
 * question names (its bodies, years and metric; nothing it does not name unless the conversation carries it), no
 * figures.
 */
export function validateLlmPlan(
  raw: unknown,
  question: string,
  offline: Plan,
  ctx: PlannerContext,
  history: PlannerHistory | null = null,
): { ok: true; core: PlanCore } | { ok: false; reason: string } {
  const parsed = planSchema.strict().safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    const extra = i.code === "unrecognized_keys" ? `: ${(i as { keys?: string[] }).keys?.map(short).join(", ")}` : "";
    return { ok: false, reason: `schema: ${i.path.join(".") || "(root)"} ${i.message}${extra}`.slice(0, 200) };
  }
  const core = { ...parsed.data };

  if (FORM_OPS.includes(core.operation) && core.operation !== offline.operation) return { ok: false, reason: `operation ${core.operation} is decided by the text, not the model` };

  const bodies: string[] = [];
  for (const name of core.bodies) {
    const b = ctx.bodies.lookup(name.trim());
    if (!b) return { ok: false, reason: `unknown body: ${short(name)}` };
    if (!bodies.includes(b.id)) bodies.push(b.id);
  }
  core.bodies = bodies;

  if (core.metric !== null && !findMetric(core.metric)) return { ok: false, reason: `unknown metric id: ${short(core.metric)}` };

  const allowedYears = new Set([...corpusYears(ctx), ...extractYears(question), ...offline.years, ...(history?.plan?.years ?? [])]);
  for (const y of core.years) if (!allowedYears.has(y)) return { ok: false, reason: `year ${y} neither held by the corpus nor named in the question` };
  if (core.yearRange) {
    const [lo, hi] = core.yearRange;
    if (lo > hi) return { ok: false, reason: `yearRange reversed: ${lo}–${hi}` };
    const held = corpusYears(ctx);
    const within = (y: number) => allowedYears.has(y) || (held.length > 0 && y >= held[0] && y <= held[held.length - 1]);
    // 2100 is the open end of "2019年以来", as the offline planner writes it.
    if (!within(lo) || (hi !== 2100 && !within(hi))) return { ok: false, reason: `yearRange ${lo}–${hi} outside the years the corpus holds` };
  }

  if (FIGURE_OPS.includes(core.operation) && !core.metric) return { ok: false, reason: `operation ${core.operation} needs a metric` };
  if (core.operation === "section" && !core.section) return { ok: false, reason: "operation section needs a section" };
  if (core.operation === "overview" && !core.bodies.length) return { ok: false, reason: "operation overview needs a body" };
  if (core.operation === "check" && !core.bodies.length && !core.years.length) return { ok: false, reason: "operation check needs a body or a year" };
  if ((core.operation === "extreme" || core.operation === "rank") && !core.direction) core.direction = "max";

  const off = disagreement(core, question, offline, ctx, history);
  if (off) return { ok: false, reason: off };

  const figure = smuggledFigure(core.topic, question);
  if (figure) return { ok: false, reason: `figure in topic: ${short(figure)}` };
  if (core.topic.length > 200) return { ok: false, reason: `topic too long (${core.topic.length} characters)` };
  return { ok: true, core };
}

/** The plan's arguments from the model's reply: the `plan` tool call, or JSON in the content of a server that ignores tool_choice. */
function extractArgs(msg: { content?: unknown; tool_calls?: Array<{ name: string; args: unknown }>; invalid_tool_calls?: Array<{ name?: string; error?: string }> }): { args: unknown } | { reason: string } {
  const call = msg.tool_calls?.find((c) => c.name === "plan") ?? msg.tool_calls?.[0];
  if (call) return call.name === "plan" ? { args: call.args } : { reason: `tool call to ${short(call.name)}, not plan` };
  if (msg.invalid_tool_calls?.length) return { reason: "malformed tool call arguments (not JSON)" };
  const text = (typeof msg.content === "string" ? msg.content : Array.isArray(msg.content) ? msg.content.map((p: any) => (typeof p === "string" ? p : p?.text ?? "")).join("") : "")
    .replace(/<think>[\s\S]*?<\/think>/g, "")
    .trim();
  if (!text) return { reason: "no tool call in the reply" };
  const body = text.match(/^```(?:json)?\s*([\s\S]*?)\s*```$/)?.[1] ?? text;
  try {
    return { args: JSON.parse(body) };
  } catch {
    return { reason: "no tool call, and the content is not JSON" };
  }
}

function describeError(err: unknown, timedOut: boolean, timeoutMs: number, apiKey?: string): string {
  const e = err as { name?: string; message?: string; status?: number } | undefined;
  const msg = String(e?.message ?? err);
  if (timedOut || e?.name === "TimeoutError" || /timed? ?out/i.test(msg) || /timeout/i.test(e?.name ?? "")) return `llm timeout after ${timeoutMs} ms`;
  if (typeof e?.status === "number") return `llm http ${e.status}`;
  if (e?.name === "AbortError" || /abort/i.test(msg)) return "llm aborted";
  if (/connection error|ECONNREFUSED|ENOTFOUND|fetch failed/i.test(msg)) return "llm unreachable";
  return redact(`llm error: ${msg.replace(/\s+/g, " ").slice(0, 160)}`, [apiKey]);
}

/**
 * The model's plan for a question, validated, with the offline plan's own fields (original, question,
 * suggestions, unknownPlaces, inherited) kept; null when the offline plan should stand (the reason logged as
 * `planner_fallback`). Never throws.
 */
export async function planWithLlm(
  question: string,
  history: PlannerHistory | null,
  offlinePlan: Plan,
  ctx: PlannerContext,
  settings: PlannerSettings,
  log: PlannerLog = () => {},
  opts: { promptsDir?: string } = {},
): Promise<Plan | null> {
  const apiKey = settings.LLM_API_KEY;
  const fall = (reason: string): null => {
    log({ event: "planner_fallback", reason: redact(reason, [apiKey]), operation: offlinePlan.operation });
    return null;
  };
  if (!settings.LLM_BASE_URL || !settings.LLM_MODEL) return null;
  if (FORM_OPS.includes(offlinePlan.operation)) return null;

  let messages: { system: string; user: string };
  try {
    messages = renderPlannerPrompt(question, history, ctx, loadPlannerPrompt(opts.promptsDir));
  } catch (err) {
    return fall(`prompt: ${(err as Error).message}`);
  }

  // Loaded on first use, as for the composer: offline use never pays for the client.
  const [{ ChatOpenAI }, { HumanMessage, SystemMessage }] = await Promise.all([import("@langchain/openai"), import("@langchain/core/messages")]);
  const chat = new ChatOpenAI({
    model: settings.LLM_MODEL,
    temperature: 0,
    maxRetries: 0,
    timeout: settings.LLM_TIMEOUT_MS,
    apiKey: apiKey || "not-needed",
    configuration: { baseURL: settings.LLM_BASE_URL },
    streaming: false,
    useResponsesApi: false,
  });
  // includeRaw: the raw message is validated here (strictly, with a reason per rule) rather than by the parser,
  // which drops unknown fields and reports no reason.
  const structured = chat.withStructuredOutput(planSchema, { method: "functionCalling", name: "plan", includeRaw: true });

  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, settings.LLM_TIMEOUT_MS);
  let raw: any;
  try {
    const r = await structured.invoke([new SystemMessage(messages.system), new HumanMessage(messages.user)], { signal: controller.signal });
    raw = r.raw;
  } catch (err) {
    return fall(describeError(err, timedOut, settings.LLM_TIMEOUT_MS, apiKey));
  } finally {
    clearTimeout(timer);
  }

  const got = extractArgs(raw ?? {});
  if ("reason" in got) return fall(got.reason);
  const v = validateLlmPlan(got.args, question, offlinePlan, ctx, history);
  if (!v.ok) return fall(v.reason);

  const plan: Plan = { ...offlinePlan, ...v.core };
  // The further metrics the question names ("行政复议和行政诉讼各有多少件") are not in the schema: kept from the offline plan.
  plan.alsoMetrics = plan.metric && plan.metric === offlinePlan.metric ? offlinePlan.alsoMetrics : [];
  log({ event: "planner_llm", operation: plan.operation, offline: offlinePlan.operation, metric: plan.metric, bodies: plan.bodies.length });
  return plan;
}
