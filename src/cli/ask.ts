import { createInterface } from "node:readline";
import { loadSettings } from "../config.js";
import { NianbaoError } from "../errors.js";
import type { Answer } from "../types.js";
import { openEngine } from "../answer/engine.js";
import { citeLabel } from "../answer/extractive.js";
import { parseArgs } from "./args.js";
import { answerJson } from "../server/serialize.js";
import { loadDotEnv } from "./env.js";

const USAGE = `usage: npm run --silent ask -- [--index DIR] [--json] "问题"
       npm run --silent ask -- [--index DIR] --jsonl   (one question per line on stdin)`;

export function formatAnswerText(a: Answer): string {
  const lines = [a.answer];
  if (a.citations.length) {
    lines.push("", "出处：");
    a.citations.forEach((c, i) => lines.push(`[${i + 1}] ${citeLabel(c)}（${c.source}）`));
  }
  return lines.join("\n");
}

async function main(): Promise<number> {
  loadDotEnv();
  const args = parseArgs(process.argv.slice(2), ["index"]);
  if (args.flags.has("help")) {
    console.log(USAGE);
    return 0;
  }
  const settings = loadSettings();
  const log = (e: Record<string, unknown>) => {
    if (e.event === "index_build") console.error("首次使用：正在从 corpus/ 构建索引… / building the index from corpus/");
    else if (e.event === "index_refresh") console.error("corpus/ 有变动：正在增量更新索引… / updating the index");
    else if (settings.LOG_LEVEL === "debug" || String(e.event).includes("fallback") || String(e.event).includes("failure")) console.error(JSON.stringify(e));
  };
  const engine = await openEngine({ indexDir: args.values.get("index") ?? settings.NIANBAO_INDEX_DIR, corpusDir: settings.CORPUS_DIR, settings, log });

  if (args.flags.has("jsonl")) {
    const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
    for await (const line of rl) {
      if (!line.trim()) continue;
      const { answer } = await engine.ask(line);
      process.stdout.write(`${answerJson(answer)}\n`);
    }
    return 0;
  }
  const question = args.positionals.join(" ").trim();
  if (!question) {
    console.error(USAGE);
    return 2;
  }
  const { answer } = await engine.ask(question);
  console.log(args.flags.has("json") ? answerJson(answer) : formatAnswerText(answer));
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof NianbaoError ? `错误 / error: ${err.message}` : `错误 / error: ${(err as Error).message}`);
    process.exit(2);
  },
);
