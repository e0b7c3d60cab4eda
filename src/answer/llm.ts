import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { HumanMessage, SystemMessage } from "@langchain/core/messages";
import { LlmError, redact } from "../errors.js";
import type { Answer, Citation, Passage } from "../types.js";

/**
 * Optional LLM composition on top of retrieval. The model only rephrases what the numbered
 * passages say; every reply is verified (citations in range, every number copied from a cited
 * passage) and anything doubtful falls back to the extractive answer.
 */

export const NOT_FOUND = "NOT_FOUND";

/** Delimiters of the data section in the user prompt; stripped from untrusted text so it cannot close the section early. */
const DATA_MARKERS = ["<<<资料开始>>>", "<<<资料结束>>>"];

const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

function resolvePromptsDir(dir: string): string {
  if (isAbsolute(dir)) return dir;
  const fromCwd = resolve(process.cwd(), dir);
  // The CLI may run from another directory; the shipped prompts live at the package root.
  return existsSync(fromCwd) ? fromCwd : resolve(PACKAGE_ROOT, dir);
}

export function loadPrompts(dir = "prompts"): { system: string; user: string } {
  const root = resolvePromptsDir(dir);
  const read = (name: string): string => {
    try {
      return readFileSync(resolve(root, name), "utf8").replace(/\r\n?/g, "\n").trim();
    } catch (err) {
      throw new LlmError(`提示词文件缺失 / prompt file missing: ${resolve(root, name)}`, { cause: err });
    }
  };
  const system = read("system.md");
  const user = read("user.md");
  if (!system) throw new LlmError("系统提示词为空 / system prompt is empty");
  for (const ph of ["{{question}}", "{{passages}}"])
    if (!user.includes(ph)) throw new LlmError(`用户提示词缺少占位符 / user prompt lacks ${ph}`);
  return { system, user };
}

function sanitizeData(text: string): string {
  let out = text;
  for (const m of DATA_MARKERS) out = out.split(m).join("");
  return out;
}

function passageHeader(p: Passage, n: number): string {
  const m = p.chunk.meta;
  const where = [m.region, m.year != null ? `${m.year}年` : null].filter((x): x is string => !!x).join("，");
  const section = m.section ? `› ${m.section}` : "";
  return `[${n}] 《${m.title}》${where ? `（${where}）` : ""}${section}`;
}

/** `[n] 《title》（region，year年）› section` then the passage text; passages separated by a blank line. */
export function renderPassages(passages: Passage[]): string {
  return passages.map((p, i) => sanitizeData(`${passageHeader(p, i + 1)}\n${p.chunk.text.trim()}`)).join("\n\n");
}

function renderUser(template: string, question: string, passages: Passage[]): string {
  const values: Record<string, string> = { question: sanitizeData(question.trim()), passages: renderPassages(passages) };
  // One pass, so placeholder-like text inside the question or passages is never expanded.
  return template.replace(/\{\{(question|passages)\}\}/g, (_, k: string) => values[k]);
}

// ---------------------------------------------------------------------------------------------
// Verification (pure)

/** Full-width digits and punctuation to ASCII so ［１］ and ６７．７５％ are checked like [1] and 67.75%. */
function normalizeWidth(text: string): string {
  return text
    .replace(/[\uFF10-\uFF19]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xff10 + 0x30))
    .replace(/［/g, "[")
    .replace(/］/g, "]")
    .replace(/％/g, "%")
    .replace(/(\d)．(?=\d)/g, "$1.")
    .replace(/(\d)，(?=\d)/g, "$1,");
}

/** [1] ［1］ [1,2] [1、2] [1-3]; the inner list is digits separated by , ， 、 ; ； or a range dash. */
const CITATION_RE = /\[\s*(\d+(?:\s*[,，、;；\-–~～]\s*\d+)*)\s*\]/g;

function parseCitationList(inner: string): number[] {
  const out: number[] = [];
  for (const part of inner.split(/\s*[,，、;；]\s*/)) {
    const range = part.match(/^(\d+)\s*[-–~～]\s*(\d+)$/);
    if (range) {
      const a = Number(range[1]);
      const b = Number(range[2]);
      // A wide "range" is not a citation list a model would write; keep its ends so they are range-checked.
      if (b >= a && b - a <= 20) for (let k = a; k <= b; k++) out.push(k);
      else out.push(a, b);
    } else if (/^\d+$/.test(part)) out.push(Number(part));
  }
  return out;
}

function isNotFoundReply(text: string): boolean {
  const first = text.trim().split("\n")[0]?.trim() ?? "";
  return first.replace(/[\s。.!！`*]/g, "") === NOT_FOUND;
}

/** Digits with optional thousands separators and decimals, plus a scale/percent suffix that changes the meaning. */
const NUMBER_RE = /\d+(?:\.\d+)?(?:\s*(?:%|‰|万亿|万|亿))?/g;

export function numberTokens(text: string): string[] {
  const cleaned = normalizeWidth(text).replace(/(\d),(?=\d{3}(?!\d))/g, "$1");
  return (cleaned.match(NUMBER_RE) ?? []).map((t) => t.replace(/\s+/g, ""));
}

const CN_DIGIT: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };
const CN_UNIT: Record<string, number> = { 十: 10, 百: 100, 千: 1000 };

/** 二百四十九 → 249, 十二 → 12, 一万零五 → 10005; null when the run is not a well-formed number. */
function chineseToNumber(run: string): number | null {
  let total = 0;
  let section = 0;
  let digit: number | null = null;
  for (const ch of run) {
    if (ch in CN_DIGIT) {
      if (digit !== null) return null; // 二三 is not a number
      digit = CN_DIGIT[ch];
    } else if (ch in CN_UNIT) {
      section += (digit ?? 1) * CN_UNIT[ch];
      digit = null;
    } else if (ch === "万" || ch === "亿") {
      total += (section + (digit ?? 0)) * (ch === "万" ? 1e4 : 1e8);
      section = 0;
      digit = null;
    } else return null;
  }
  return total + section + (digit ?? 0);
}

/**
 * Chinese-numeral counts followed by a measure word (二百四十九件, 十二个). Narrow on purpose:
 * 一是, 三审三校, 十二五 are words, not figures.
 */
const CN_COUNT_RE = /([零〇一二两三四五六七八九十百千万亿]{2,})(?=[件条个次人项篇期家起宗所万亿%])/g;

export function verifyLlmAnswer(
  text: string,
  passages: Passage[],
): { ok: true; cited: number[] } | { ok: false; reason: string } {
  const normalized = normalizeWidth(text).trim();
  if (!normalized) return { ok: false, reason: "empty reply" };
  if (isNotFoundReply(normalized)) return { ok: true, cited: [] };

  const cited: number[] = [];
  for (const m of normalized.matchAll(CITATION_RE)) {
    for (const n of parseCitationList(m[1])) {
      if (n < 1 || n > passages.length) return { ok: false, reason: `citation [${n}] out of range` };
      if (!cited.includes(n)) cited.push(n);
    }
  }
  if (cited.length === 0) return { ok: false, reason: "no citations" };

  // What the model saw for each cited passage: header (title, region, year, section) and text.
  const allowedText = cited
    .map((n) => {
      const p = passages[n - 1];
      return `${passageHeader(p, n).replace(/^\[\d+\]\s*/, "")}\n${p.chunk.text}`;
    })
    .join("\n");
  const allowed = new Set<string>();
  for (const t of numberTokens(allowedText)) {
    allowed.add(t);
    // "67.75%" in a passage also licenses a bare "67.75"; the reverse does not hold.
    allowed.add(t.replace(/(%|‰|万亿|万|亿)$/, ""));
  }

  const body = normalized.replace(CITATION_RE, " ");
  for (const t of numberTokens(body)) {
    if (!allowed.has(t)) return { ok: false, reason: `number ${t} not in cited passages` };
  }

  const allowedNormalized = normalizeWidth(allowedText);
  for (const m of body.matchAll(CN_COUNT_RE)) {
    const run = m[1];
    if (allowedNormalized.includes(run)) continue;
    const value = chineseToNumber(run);
    if (value === null) continue; // not a well-formed numeral: a word, not a figure
    if (!allowed.has(String(value))) return { ok: false, reason: `number ${run} not in cited passages` };
  }

  return { ok: true, cited };
}

// ---------------------------------------------------------------------------------------------
// Composition

export interface ComposeOptions {
  baseURL: string;
  model: string;
  apiKey?: string;
  timeoutMs: number;
  promptsDir?: string;
  log?: (event: Record<string, unknown>) => void;
}

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content))
    return content
      .map((p) => (typeof p === "string" ? p : p && typeof p === "object" && "text" in p ? String((p as any).text) : ""))
      .join("");
  return "";
}

/** Rewrite markers to consecutive [1], [2] … matching the order of the returned citations. */
function renumberCitations(text: string, cited: number[]): string {
  const order = new Map(cited.map((n, i) => [n, i + 1]));
  return normalizeWidth(text).replace(CITATION_RE, (_, inner: string) => {
    const ns = [...new Set(parseCitationList(inner))];
    return ns.map((n) => `[${order.get(n) ?? n}]`).join("");
  });
}

export function citationOf(p: Passage): Citation {
  const m = p.chunk.meta;
  return { title: m.title, region: m.region, year: m.year, section: m.section, quote: p.chunk.text, source: m.source };
}

function describeError(err: unknown, timedOut: boolean, timeoutMs: number, apiKey?: string): string {
  const e = err as { name?: string; message?: string; status?: number; code?: string } | undefined;
  const msg = String(e?.message ?? err);
  if (timedOut || e?.name === "TimeoutError" || /timed? ?out/i.test(msg) || /timeout/i.test(e?.name ?? ""))
    return `llm timeout after ${timeoutMs} ms`;
  if (typeof e?.status === "number") return `llm http ${e.status}`;
  if (e?.name === "AbortError" || /abort/i.test(msg)) return "llm aborted";
  if (/connection error|ECONNREFUSED|ENOTFOUND|fetch failed/i.test(msg)) return "llm unreachable";
  return redact(`llm error: ${msg.replace(/\s+/g, " ").slice(0, 160)}`, [apiKey]);
}

export async function composeWithLlm(
  question: string,
  passages: Passage[],
  fallback: Answer,
  opts: ComposeOptions,
): Promise<{ answer: Answer; fallbackReason: string | null }> {
  const fall = (reason: string) => {
    const safe = redact(reason, [opts.apiKey]);
    opts.log?.({ event: "llm_fallback", reason: safe });
    return { answer: fallback, fallbackReason: safe };
  };

  if (passages.length === 0) return fall("no passages");

  let prompts: { system: string; user: string };
  try {
    prompts = loadPrompts(opts.promptsDir);
  } catch (err) {
    return fall(`prompts: ${(err as Error).message}`);
  }

  // Loaded on first use: the OpenAI client costs ~0.7 s of start-up that offline use never needs.
  const { ChatOpenAI } = await import("@langchain/openai");
  const chat = new ChatOpenAI({
    model: opts.model,
    temperature: 0,
    maxRetries: 0,
    timeout: opts.timeoutMs,
    // Local OpenAI-compatible servers need no key, but the client refuses to start without one.
    apiKey: opts.apiKey || "not-needed",
    configuration: { baseURL: opts.baseURL },
    streaming: false,
    useResponsesApi: false,
  });

  // Our own deadline as well: the client's timeout does not cover every phase of a slow reply.
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, opts.timeoutMs);

  let text: string;
  try {
    const reply = await chat.invoke(
      [new SystemMessage(prompts.system), new HumanMessage(renderUser(prompts.user, question, passages))],
      { signal: controller.signal },
    );
    // Reasoning models served locally may prepend their thinking; it is not part of the answer.
    text = contentText(reply.content).replace(/<think>[\s\S]*?<\/think>/g, "").trim();
  } catch (err) {
    return fall(describeError(err, timedOut, opts.timeoutMs, opts.apiKey));
  } finally {
    clearTimeout(timer);
  }

  if (isNotFoundReply(normalizeWidth(text))) {
    if (!fallback.found) return { answer: fallback, fallbackReason: null };
    return fall("llm said not found");
  }

  const verdict = verifyLlmAnswer(text, passages);
  if (!verdict.ok) return fall(verdict.reason);

  return {
    answer: {
      question,
      found: true,
      answer: renumberCitations(text, verdict.cited),
      citations: verdict.cited.map((n) => citationOf(passages[n - 1])),
      mode: "llm",
    },
    fallbackReason: null,
  };
}
