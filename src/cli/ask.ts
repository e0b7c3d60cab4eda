import { loadSettings } from "../config.js";
import { writeOut } from "./output.js";
import { NianbaoError } from "../errors.js";
import type { Answer } from "../types.js";
import type { AnswerEngine } from "../answer/api.js";
import { parseArgs } from "./args.js";
import { loadDotEnv } from "./env.js";
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

async function openEngineFor(indexDir: string, settings: ReturnType<typeof loadSettings>): Promise<AnswerEngine> {
  const log = (e: Record<string, unknown>) => {
    if (e.event === "index_build") console.error("首次使用：正在从 corpus/ 构建索引… / building the index from corpus/");
    else if (e.event === "index_refresh") console.error("corpus/ 有变动：正在增量更新索引… / updating the index");
    else if (settings.LOG_LEVEL === "debug" || String(e.event).includes("fallback") || String(e.event).includes("failure")) console.error(JSON.stringify(e));
  };
  // Loaded after the arguments are checked: --help and usage errors never pay for the engine's modules.
  const { openEngine } = await import("../app/open.js");
  return openEngine({ indexDir, corpusDir: settings.CORPUS_DIR, settings, log });
}

async function main(): Promise<number> {
  loadDotEnv();
  const args = parseArgs(process.argv.slice(2), ["index"]);
  if (args.flags.has("help")) {
    await writeOut(`${USAGE}\n`);
    return 0;
  }
  const settings = loadSettings();
  const indexDir = args.values.get("index") ?? settings.NIANBAO_INDEX_DIR;
  const csv = args.flags.has("csv");
  if (csv && (args.flags.has("json") || args.flags.has("jsonl"))) {
    console.error(`--csv 不能与 --json 或 --jsonl 同时使用。\n${USAGE}`);
    return 2;
  }

  if (args.flags.has("verify")) {
    const { verifyIndex } = await import("../index/store.js");
    if (!(await verifyIndex(indexDir, (line) => console.error(line)))) return 1;
    if (!args.positionals.length && !args.flags.has("jsonl")) return 0;
  }

  if (args.flags.has("jsonl")) {
    const engine = await openEngineFor(indexDir, settings);
    // Exactly one output line per input line, in order: a line that is no question gets an error object.
    for await (const bytes of rawLines(process.stdin)) {
      const q = questionOf(bytes);
      if ("error" in q) {
        await writeOut(`${errorLine(q.error, MESSAGES[q.error])}\n`);
        continue;
      }
      let line: string;
      try {
        line = JSON.stringify((await engine.ask(q.question)).answer);
      } catch (err) {
        console.error(`错误 / error: ${(err as Error).message}`);
        line = errorLine("internal", MESSAGES.internal);
      }
      await writeOut(`${line}\n`);
    }
    return 0;
  }
  const raw = args.positionals.join(" ");
  const q = questionOf(Buffer.from(raw, "utf8"));
  if ("error" in q) {
    if (q.error === "empty_question") {
      console.error(USAGE);
      return 2;
    }
    if (args.flags.has("json")) await writeOut(`${errorLine(q.error, MESSAGES[q.error])}\n`);
    else console.error(`错误 / error: ${MESSAGES[q.error]}`);
    return 2;
  }
  const engine = await openEngineFor(indexDir, settings);
  const { answer } = await engine.ask(q.question);
  if (csv) {
    const doc = answerCsv(answer);
    if (doc === null) {
      console.error(noFiguresMessage(answer));
      return 2;
    }
    await writeOut(doc);
    return 0;
  }
  await writeOut(`${args.flags.has("json") ? JSON.stringify(answer) : renderAnswerText(answer)}\n`);
  return 0;
}

/** Exit only after stdout has been fully handed over, whatever path main() took. */
async function finish(code: number): Promise<never> {
  await writeOut("").catch(() => undefined);
  process.exit(code);
}

main().then(
  (code) => finish(code),
  (err) => {
    console.error(err instanceof NianbaoError ? `错误 / error: ${err.message}` : `错误 / error: ${(err as Error).message}`);
    return finish(2);
  },
);
