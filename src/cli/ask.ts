import path from "node:path";
import type { Settings } from "../config.js";
import type { Answer } from "../types.js";
import type { AnswerEngine } from "../answer/api.js";
import { parseArgs } from "./args.js";
import type { CliDeps } from "./deps.js";
import { environment, line, write, type CliIo } from "./io.js";
import { answerCsv, renderAnswerText } from "../present/text.js";

const USAGE = `usage: npm run --silent ask -- [--index DIR] [--verify] [--json | --csv] "问题"
       npm run --silent ask -- [--index DIR] --jsonl   (one question per line on stdin)
       npm run --silent ask -- [--index DIR] --verify  (hash every index file; exit 1 when one is damaged)
  --csv   the answer's figures (table, or cited statistics-table cells) as CSV (UTF-8 BOM); exit 2 when it has none`;

/** Said on stderr (exit 2) when `--csv` gets an answer without figures. */
export function noFiguresMessage(a: Answer): string {
  return [
    "错误：这个答案没有可导出的数字（既没有表格，也没有取自统计表的数字），无法生成 CSV。",
    `答案：${(a.short ?? a.answer).split("\n")[0]}`,
    "--csv 适用于数字、历年序列、排名和比较类问题，例如：npm run --silent ask -- --csv \"平潭综合实验区历年收到多少件申请\"",
  ].join("\n");
}

/** One JSON error line of `--jsonl` (and `--json`): stands in for the answer so output lines match input lines. */
export function errorLine(code: string, message: string): string {
  return JSON.stringify({ error: { code, message } });
}

const MESSAGES = {
  empty_question: "空行：请每行输入一个问题。",
  invalid_utf8: "输入不是有效的 UTF-8 文本，无法作为问题处理。",
  internal: "处理这个问题时出错。",
} as const;

/** Stdin split into raw lines (bytes), so invalid UTF-8 is seen instead of silently turned into U+FFFD. */
async function* rawLines(input: NodeJS.ReadableStream): AsyncGenerator<Buffer> {
  let rest = Buffer.alloc(0);
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    let buf = Buffer.concat([rest, typeof chunk === "string" ? Buffer.from(chunk) : chunk]);
    let nl: number;
    while ((nl = buf.indexOf(0x0a)) >= 0) {
      yield buf.subarray(0, nl);
      buf = buf.subarray(nl + 1);
    }
    rest = buf;
  }
  if (rest.length) yield rest;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** The question on one input line, or the code of why it is not one. */
export function questionOf(bytes: Buffer): { question: string } | { error: keyof typeof MESSAGES } {
  let text: string;
  try {
    text = strictUtf8.decode(bytes[bytes.length - 1] === 0x0d ? bytes.subarray(0, bytes.length - 1) : bytes);
  } catch {
    return { error: "invalid_utf8" };
  }
  // Arguments with invalid bytes reach us already decoded, with U+FFFD where the bytes were.
  if (text.includes("\uFFFD")) return { error: "invalid_utf8" };
  const question = text.replace(/^\uFEFF/, "").trim();
  return question ? { question } : { error: "empty_question" };
}

/** Opens the engine for a question, saying on stderr when it first builds or refreshes the index. */
async function openEngineFor(deps: CliDeps, io: CliIo, indexDir: string, settings: Settings): Promise<AnswerEngine> {
  const log = (e: Record<string, unknown>) => {
    if (e.event === "index_build") line(io.stderr, `首次使用：正在从 ${settings.CORPUS_DIR}/ 构建索引… / building the index from ${settings.CORPUS_DIR}/`);
    else if (e.event === "index_refresh") line(io.stderr, `${settings.CORPUS_DIR}/ 有变动：正在增量更新索引… / updating the index`);
    else if (settings.LOG_LEVEL === "debug" || String(e.event).includes("fallback") || String(e.event).includes("failure")) line(io.stderr, JSON.stringify(e));
  };
  return deps.openEngine({ indexDir, corpusDir: path.resolve(io.cwd, settings.CORPUS_DIR), settings, log });
}

/**
 * `npm run ask`: one answer (text, `--json` or `--csv`), or `--jsonl`: one JSON line per stdin line. Returns the
 * exit code: 0, or 2 for a usage error, a question that is none, an answer without figures for `--csv`, a failure.
 */
export async function run(argv: string[], io: CliIo, deps: CliDeps): Promise<number> {
  try {
    return await ask(argv, io, deps);
  } catch (err) {
    line(io.stderr, `错误 / error: ${(err as Error).message}`);
    return 2;
  }
}

async function ask(argv: string[], io: CliIo, deps: CliDeps): Promise<number> {
  const args = parseArgs(argv, ["index"]);
  if (args.flags.has("help")) {
    await write(io.stdout, `${USAGE}\n`);
    return 0;
  }
  const csv = args.flags.has("csv");
  if (csv && (args.flags.has("json") || args.flags.has("jsonl"))) {
    line(io.stderr, `--csv 不能与 --json 或 --jsonl 同时使用。\n${USAGE}`);
    return 2;
  }
  const { loadSettings } = await import("../config.js");
  const settings = loadSettings(environment(io));
  const indexDir = path.resolve(io.cwd, args.values.get("index") ?? settings.NIANBAO_INDEX_DIR);

  if (args.flags.has("verify")) {
    if (!(await deps.verifyIndex(indexDir, (l) => line(io.stderr, l)))) return 1;
    if (!args.positionals.length && !args.flags.has("jsonl")) return 0;
  }

  if (args.flags.has("jsonl")) {
    const engine = await openEngineFor(deps, io, indexDir, settings);
    // Exactly one output line per input line, in order: a line that is no question gets an error object.
    for await (const bytes of rawLines(io.stdin)) {
      const q = questionOf(bytes);
      if ("error" in q) {
        await write(io.stdout, `${errorLine(q.error, MESSAGES[q.error])}\n`);
        continue;
      }
      let out: string;
      try {
        out = JSON.stringify((await engine.ask(q.question)).answer);
      } catch (err) {
        line(io.stderr, `错误 / error: ${(err as Error).message}`);
        out = errorLine("internal", MESSAGES.internal);
      }
      await write(io.stdout, `${out}\n`);
    }
    return 0;
  }
  const raw = args.positionals.join(" ");
  const q = questionOf(Buffer.from(raw, "utf8"));
  if ("error" in q) {
    if (q.error === "empty_question") {
      line(io.stderr, USAGE);
      return 2;
    }
    if (args.flags.has("json")) await write(io.stdout, `${errorLine(q.error, MESSAGES[q.error])}\n`);
    else line(io.stderr, `错误 / error: ${MESSAGES[q.error]}`);
    return 2;
  }
  const engine = await openEngineFor(deps, io, indexDir, settings);
  const { answer } = await engine.ask(q.question);
  if (csv) {
    const doc = answerCsv(answer);
    if (doc === null) {
      line(io.stderr, noFiguresMessage(answer));
      return 2;
    }
    await write(io.stdout, doc);
    return 0;
  }
  await write(io.stdout, `${args.flags.has("json") ? JSON.stringify(answer) : renderAnswerText(answer)}\n`);
  return 0;
}
