import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { LlmError, redact } from "../errors.js";
import type { Answer, Passage } from "../types.js";
import { FIGURE_RE, citationOf } from "./extractive.js";
import { normalizeWidth, numberTokens } from "./numbers.js";
import { DEFAULT_LINK_ALLOWLIST, linkAllowed, linksIn, parseLinkAllowlist } from "./links.js";

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

/** Longest reply accepted by default (characters); the setting LLM_MAX_ANSWER_CHARS overrides it. */
export const DEFAULT_MAX_ANSWER_CHARS = 4000;

export interface VerifyOptions {
  /** Longest reply accepted, in characters (code points). */
  maxChars?: number;
  /** Hosts a link may point to besides a cited report's own site (ANSWER_LINK_ALLOWLIST, parsed); default gov.cn. */
  linkAllowlist?: readonly string[];
}

export function verifyLlmAnswer(
  text: string,
  passages: Passage[],
  opts: VerifyOptions = {},
): { ok: true; cited: number[] } | { ok: false; reason: string } {
  const maxChars = opts.maxChars ?? DEFAULT_MAX_ANSWER_CHARS;
  // Counted before any other work: a runaway reply is refused without scanning it.
  if (text.length > maxChars && [...text].length > maxChars) return { ok: false, reason: `reply too long (${[...text].length} > ${maxChars} characters)` };
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

  const unmarked = normalized.replace(CITATION_RE, " ");
  // Digits inside a link are part of the link (checked as a link below), not figures.
  const body = linksIn(unmarked).reduce((t, u) => t.split(u).join(" "), unmarked);
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

  const grounded = checkStatements(normalized, passages, cited, opts.linkAllowlist ?? parseLinkAllowlist(DEFAULT_LINK_ALLOWLIST));
  if (grounded) return { ok: false, reason: grounded };
  return { ok: true, cited };
}

// ---------------------------------------------------------------------------------------------
// Same-thing checks: every figure stated for the same subject with the same unit, every link and contact
// detail copied, every statement without a figure supported by the passage it cites.

/** Bigrams that name no subject: boilerplate of every report ("政府信息公开", "全年共计"). */
const GENERIC_BIGRAMS = new Set([
  "政府", "府信", "信息", "息公", "公开", "全年", "共计", "合计", "总计", "累计", "其中", "年度", "本年", "全市", "全区", "全县",
  "我市", "我区", "我县", "本市", "本区", "共有", "共受", "一共", "申请", "情况", "工作", "方面", "相关", "有关", "各类", "各级", "以上",
  // Connectives around a figure that name nothing ("分别为249件和218件").
  "分别", "别为", "依次", "次为", "以及", "包括", "达到", "约为", "数为", "数量", "量为", "共为", "其为",
]);

/** Minimum share of a number-free statement's bigrams found in its cited passages. */
export const STATEMENT_SUPPORT_THRESHOLD = 0.65;

const HAN = /\p{Script=Han}/u;

/** Character bigrams of the Han and Latin-letter runs of `text` (digits and punctuation break runs). */
function bigrams(text: string): string[] {
  const out: string[] = [];
  for (const run of text.match(/[\p{Script=Han}A-Za-z]+/gu) ?? []) {
    const chars = [...run];
    for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i] + chars[i + 1]);
  }
  return out;
}

function subjectBigrams(text: string): Set<string> {
  return new Set(bigrams(text).filter((b) => !GENERIC_BIGRAMS.has(b) && HAN.test(b)));
}

interface Figure {
  /** Value with its scale applied, as a string ("249", "113132", "17.8万" → "178000"). */
  value: string;
  unit: string;
  index: number;
  length: number;
}

const SCALE: Record<string, number> = { 万: 1e4, 亿: 1e8 };

/** Figures with a unit (FIGURE_RE, the extractive path's definition), leaving out ordinals (第20条) and dates (1月1日). */
export function figuresWithUnits(text: string): Figure[] {
  const out: Figure[] = [];
  for (const m of text.matchAll(FIGURE_RE)) {
    const at = m.index!;
    const before = text.slice(Math.max(0, at - 2), at);
    if (/第\s*$/.test(before)) continue;
    if (/日$|天$/.test(m[0]) && (/月\s*$/.test(before) || /^\d{4}$/.test(m[1]))) continue;
    const scale = /万(?!元)|亿(?!元)/.exec(m[0].slice(m[1].length))?.[0];
    const unit = m[0]
      .slice(m[1].length)
      .replace(/\s+/g, "")
      .replace(/^(?:万|亿)(?=.)(?!元)/, "")
      .replace(/^(?:余|多)/, "")
      .replace("％", "%");
    const n = Number(m[1]) * (scale ? SCALE[scale] : 1);
    out.push({ value: String(Math.round(n * 1e6) / 1e6), unit, index: at, length: m[0].length });
  }
  return out;
}

/** Chinese-numeral counts with the measure word after them (二百四十九件). */
function chineseFigures(text: string): Figure[] {
  const out: Figure[] = [];
  for (const m of text.matchAll(/([零〇一二两三四五六七八九十百千万亿]{2,})(件|条|个|次|人次|项|篇|期|家|起|宗|所|%)/g)) {
    const v = chineseToNumber(m[1]);
    if (v !== null) out.push({ value: String(v), unit: m[2], index: m.index!, length: m[0].length });
  }
  return out;
}

/** Sentences of a reply, each with the citation markers that close it ("…249件。[1]" belongs to its sentence). */
function sentencesWithCitations(text: string): Array<{ text: string; cites: number[] }> {
  const moved = text.replace(/([。！？!?；;])((?:\s*\[[^\]]*\])+)/g, "$2$1");
  const out: Array<{ text: string; cites: number[] }> = [];
  for (const raw of moved.split(/(?<=[。！？!?；;\n])/)) {
    const cites: number[] = [];
    for (const m of raw.matchAll(CITATION_RE)) cites.push(...parseCitationList(m[1]));
    const body = raw.replace(CITATION_RE, " ").trim();
    if (body) out.push({ text: body, cites });
  }
  return out;
}

const EMAIL_RE = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;
/** Landlines (024-12345678, (0591)12345678), mobiles (13812345678), hotlines (12345): any run of 5+ digits or with dashes. */
const PHONE_RE = /(?:[(（]\d{3,4}[)）]|\d{3,4}[-－—])?\d{5,8}(?:[-－—]\d{1,6})?|1[3-9]\d{9}/g;

function squash(s: string): string {
  return s.toLowerCase().replace(/[\s\-－—()（）]/g, "");
}

const linkCore = (u: string) => squash(u.replace(/^https?:\/\//i, "").replace(/^www\./i, "").replace(/\/$/, ""));

/**
 * A link, e-mail or phone number in the reply that no cited passage contains, or a link that is neither on the site
 * of a cited report's own 原文链接 nor on an allowed host (a passage can carry a planted link); null when all hold.
 * The cited report's 原文链接 itself needs no passage to contain it.
 */
function uncheckedContact(sentence: string, passageText: string, reportUrls: Array<string | null | undefined>, allowHosts: readonly string[]): string | null {
  const hay = squash(passageText);
  for (const m of sentence.matchAll(EMAIL_RE)) if (!hay.includes(squash(m[0]))) return `e-mail ${m[0]} not in cited passages`;
  const noEmails = sentence.replace(EMAIL_RE, " ");
  for (const u of linksIn(noEmails)) {
    const own = reportUrls.some((r) => !!r && linkCore(r) === linkCore(u));
    if (!own && !hay.includes(linkCore(u))) return `link ${u} not in cited passages`;
    if (!linkAllowed(u, allowHosts, reportUrls)) return `link ${u} is neither a cited report's own site nor an allowed host`;
  }
  for (const m of noEmails.matchAll(PHONE_RE)) {
    const digits = m[0];
    // A year, a count or an amount is checked as a figure; a phone number has separators or 7+ digits in a row.
    if (!/[-－—(（]/.test(digits) && digits.replace(/\D/g, "").length < 7) continue;
    if (!hay.includes(squash(digits))) return `phone ${digits} not in cited passages`;
  }
  return null;
}

/** Whether some figure in the passage has this value and unit, with a subject bigram shared with the reply's context. */
function statedForSameThing(fig: Figure, context: Set<string>, passages: Passage[]): boolean {
  for (const p of passages) {
    const text = normalizeWidth(p.chunk.text).replace(/(\d),(?=\d{3}(?!\d))/g, "$1");
    const figs = [...figuresWithUnits(text), ...chineseFigures(text)].sort((a, b) => a.index - b.index);
    for (const [i, pf] of figs.entries()) {
      if (pf.value !== fig.value || pf.unit !== fig.unit) continue;
      // The passage's words for its figure: up to 30 characters before it (not past the previous figure) and a few after.
      const prevEnd = i > 0 ? figs[i - 1].index + figs[i - 1].length : 0;
      const around = text.slice(Math.max(prevEnd, pf.index - 30), pf.index + pf.length + 8);
      // A reply that names no subject next to its figure ("分别为249件") makes no claim about one.
      if (context.size === 0) return true;
      const near = subjectBigrams(around);
      for (const b of context) if (near.has(b)) return true;
    }
  }
  return false;
}

/**
 * Null when every statement of the reply is grounded; otherwise the reason. Figures (with a unit) must be
 * stated in a cited passage with the same unit next to a shared subject word — so "该年度共受理申请2013件" is
 * refused when 2013 is only the report's year; links, e-mails and phone numbers must be copied, and a link must be
 * on a cited report's own site or an allowed host (src/answer/links.ts); a statement
 * with no figure needs STATEMENT_SUPPORT_THRESHOLD of its bigrams in its cited passages.
 */
function checkStatements(reply: string, passages: Passage[], cited: number[], allowHosts: readonly string[]): string | null {
  const sentences = sentencesWithCitations(reply);
  for (const s of sentences) {
    const own = (s.cites.length ? s.cites : cited).filter((n) => n >= 1 && n <= passages.length);
    const ps = own.map((n) => passages[n - 1]);
    const passageText = ps.map((p) => `${passageHeader(p, 0)}\n${p.chunk.text}`).join("\n");
    const contact = uncheckedContact(s.text, passageText, ps.map((p) => p.chunk.meta.url), allowHosts);
    if (contact) return contact;

    const text = s.text.replace(/(\d),(?=\d{3}(?!\d))/g, "$1");
    const figures = [...figuresWithUnits(text), ...chineseFigures(text)];
    const sorted = [...figures].sort((a, b) => a.index - b.index);
    for (const [i, f] of sorted.entries()) {
      // The reply's own words for what is counted: up to 16 characters before the figure (not reaching back past
      // the previous figure) and 6 after (not into the next one).
      const prevEnd = i > 0 ? sorted[i - 1].index + sorted[i - 1].length : 0;
      const nextStart = i + 1 < sorted.length ? sorted[i + 1].index : text.length;
      const before = text.slice(Math.max(prevEnd, f.index - 16), f.index);
      const after = text.slice(f.index + f.length, Math.min(nextStart, f.index + f.length + 6));
      const context = subjectBigrams(`${before} ${after}`);
      if (!statedForSameThing(f, context, ps)) return `number ${text.slice(f.index, f.index + f.length)} not stated for the same thing in cited passages`;
    }
    // A statement carrying a figure was checked through it; a bare year or date does not make a claim grounded.
    if (figures.length > 0) continue;
    // A link was checked above; its letters are no words of the statement.
    const grams = bigrams(linksIn(text).reduce((t, u) => t.split(u).join(" "), text));
    if (grams.length < 4) continue; // "具体如下：" — too short to be a claim
    const support = new Set(bigrams(passageText));
    const share = grams.filter((g) => support.has(g)).length / grams.length;
    if (share < STATEMENT_SUPPORT_THRESHOLD)
      return `statement not supported by cited passages (${Math.round(share * 100)}% overlap): ${s.text.slice(0, 40)}`;
  }
  return null;
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
  /** Longest reply accepted (characters, LLM_MAX_ANSWER_CHARS); default DEFAULT_MAX_ANSWER_CHARS. */
  maxAnswerChars?: number;
  /** Hosts a link in the reply may point to besides a cited report's own site (ANSWER_LINK_ALLOWLIST, parsed). */
  linkAllowlist?: readonly string[];
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

  // Loaded on first use: the OpenAI client and LangChain's message classes cost ~1 s of start-up that offline use never needs.
  const [{ ChatOpenAI }, { HumanMessage, SystemMessage }] = await Promise.all([import("@langchain/openai"), import("@langchain/core/messages")]);
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

  const verdict = verifyLlmAnswer(text, passages, { maxChars: opts.maxAnswerChars, linkAllowlist: opts.linkAllowlist });
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
