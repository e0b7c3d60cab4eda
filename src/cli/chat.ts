import { writeFile } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import type { AnswerEngine, ConversationState } from "../answer/api.js";
import type { Answer } from "../types.js";
import { NianbaoError, redact } from "../errors.js";
import type { CliDeps } from "./deps.js";
import { line, startupSettings, type CliIo } from "./io.js";
import { NOT_FOUND_HINT, formatCoverageText, previewSection, sourceCutHint } from "../present/telegram.js";
import { answerCsv, citationLabel, exportFileName, hasFigures, renderAnswerText, sourceText } from "../present/text.js";

/**
 * Terminal chat: the same engine as the Telegram bot, one question per line. Works interactively (TTY: prompt,
 * line editing, history) and scripted (piped stdin: lines processed strictly in order, no prompt).
 */

const HELP = [
  "直接输入问题后回车即可，可以接着追问（例如“那行政复议呢？”）。",
  "命令：",
  "  /reports     查看已收录的年度报告和法规",
  "  /source N    查看上一个答案中第 N 条依据的章节（长章节显示节选；/source N 全文 显示全部）",
  "  /export      把最近一个含数字的答案（表格、统计表数字）导出为 CSV 文件，保存在当前文件夹",
  "  /help        显示本说明",
  "  /quit        退出（也可按 Ctrl-D）",
].join("\n");

export interface TerminalChatOptions {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Interactive terminal; defaults to input.isTTY. */
  isTTY?: boolean;
  /** Where /export writes its CSV file; defaults to the current folder. */
  exportDir?: string;
  /** Clock for export file names (tests). */
  now?: () => Date;
  /** Ends the session (after the question being answered) when aborted: SIGTERM/SIGINT on piped input. */
  signal?: AbortSignal;
}

const SOURCE_HINT = "（输入 /source 编号 查看原文，例如 /source 1）";
const EXPORT_HINT = "（输入 /export 把这组数字导出为 CSV 文件）";

/** The chat's rendering of an answer: the shared terminal renderer with the chat's hints. */
function answerText(a: Answer): string {
  const footer = [a.citations.length ? SOURCE_HINT : null, hasFigures(a) ? EXPORT_HINT : null].filter((x): x is string => !!x);
  return renderAnswerText(a, { lead: "答：", notFoundHint: NOT_FOUND_HINT, footer });
}

/**
 * Writes the CSV of the last figure answer to a new file named by the time (never overwriting one) and says where.
 */
async function exportLast(figures: Answer | null, dir: string, now: Date): Promise<string> {
  const doc = figures ? answerCsv(figures) : null;
  if (!figures || doc === null) return "还没有可导出的数字答案。请先提一个涉及数字的问题（例如“平潭综合实验区历年收到多少件申请”），再输入 /export。";
  const base = exportFileName(now).replace(/\.csv$/, "");
  for (let i = 1; ; i++) {
    const file = path.resolve(dir, `${base}${i > 1 ? `-${i}` : ""}.csv`);
    try {
      await writeFile(file, doc, { flag: "wx" });
      const rows = figures.table?.rows.length || figures.citations.filter((c) => c.cell).length;
      return `已导出 ${rows} 行（“${figures.question}”的数字）到：${file}`;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST" && i < 100) continue;
      return `导出失败：${redact((err as Error).message)}`;
    }
  }
}

export async function runTerminalChat(engine: AnswerEngine, opts: TerminalChatOptions): Promise<void> {
  const { input, output } = opts;
  const tty = opts.isTTY ?? Boolean((input as { isTTY?: boolean }).isTTY);
  const rl = createInterface({
    input,
    // Without a TTY readline must not echo or draw prompts into the (scripted) output.
    output: tty ? output : undefined,
    terminal: tty,
    historySize: tty ? 500 : 0,
    removeHistoryDuplicates: true,
    prompt: "问：",
  });
  const write = (text: string) => void output.write(text + "\n");
  rl.on("SIGINT", () => rl.close());
  if (opts.signal?.aborted) rl.close();
  opts.signal?.addEventListener("abort", () => rl.close(), { once: true });

  let state: ConversationState | null = null;
  let last: Answer | null = null;
  /** The last answer with figures, for /export (a later answer without figures does not replace it). */
  let lastFigures: Answer | null = null;

  if (tty) write("「年报」政府信息公开年度报告问答。输入问题后回车；/help 查看命令，/quit 退出。\n");
  if (tty) rl.prompt();

  for await (const rawLine of rl) {
    const line = rawLine.trim();
    if (line) {
      if (line.startsWith("/")) {
        const [cmd, ...args] = line.split(/\s+/);
        if (cmd === "/quit" || cmd === "/exit" || cmd === "/q") break;
        if (cmd === "/export") write(await exportLast(lastFigures, opts.exportDir ?? process.cwd(), (opts.now ?? (() => new Date()))()));
        else write(runCommand(engine, cmd, args, last));
      } else {
        try {
          const r = await engine.ask(line, state);
          state = r.state;
          last = r.answer;
          if (hasFigures(r.answer)) lastFigures = r.answer;
          write(answerText(r.answer));
        } catch (err) {
          // Engine errors carry human-readable messages; anything else is shown generically.
          const msg = err instanceof NianbaoError ? redact(err.message) : "内部错误";
          write(`抱歉，回答这个问题时出错了：${msg}`);
        }
      }
      write("");
    }
    if (tty) rl.prompt();
  }
  rl.close();
}

function runCommand(engine: AnswerEngine, cmd: string, args: string[], last: Answer | null): string {
  switch (cmd) {
    case "/help":
      return HELP;
    case "/reports":
      return formatCoverageText(engine.coverage());
    case "/source": {
      if (!last || last.citations.length === 0) return "还没有可查看的依据，请先提问。";
      const n = Number(args[0] ?? "1");
      const c = Number.isInteger(n) ? last.citations[n - 1] : undefined;
      if (!c)
        return last.citations.length === 1
          ? "上一个答案只有 1 条依据，请输入 /source 1。"
          : `请输入 1 到 ${last.citations.length} 之间的编号，例如 /source 1。`;
      const view = c.id ? engine.source(c.id) : null;
      const full = view ? sourceText(view) : engine.fullSection(c);
      if (full === null) return `来源${n}：${citationLabel(c)}\n\n（未能找到完整章节，以下为引用片段）\n${c.quote.trim()}`;
      // "/source N 全文" shows everything; otherwise the first part, like the Telegram button.
      const all = args.slice(1).some((a) => /^(全文|all|full)$/i.test(a));
      const p = all ? { text: full.trim(), truncated: false, shown: 0, total: 0 } : previewSection(full);
      const hint = p.truncated ? `\n……\n\n${sourceCutHint(p.shown, p.total, c, `输入 /source ${n} 全文，或打开`)}` : "";
      return `来源${n}：${citationLabel(c)}\n\n${p.text}${hint}`;
    }
    default:
      return `未识别的命令 ${cmd}。\n${HELP}`;
  }
}

/**
 * `npm run chat`: the terminal chat on io.stdin/io.stdout (builds the index from the corpus first when it is
 * missing). Exit 0 when the session ends (EOF, /quit, io.signal); 1 when it cannot start, with one line saying why.
 */
export async function run(argv: string[], io: CliIo, deps: CliDeps): Promise<number> {
  const setup = startupSettings(argv, io);
  if ("failed" in setup) return 1;
  const { settings, indexDir } = setup;
  try {
    if (!(await deps.indexExists(indexDir))) line(io.stderr, `首次启动：正在从 ${settings.CORPUS_DIR}/ 构建索引（约数秒）… / building the index`);
    const quiet = (e: Record<string, unknown>) => {
      if (e.event === "index_refresh") line(io.stderr, `${settings.CORPUS_DIR}/ 有变动：正在增量更新索引… / updating the index`);
      if (e.event === "ingest_failure") line(io.stderr, `无法读取 / cannot read: ${String(e.source)}: ${String(e.reason)}`);
    };
    const engine = await deps.openEngine({ indexDir, corpusDir: path.resolve(io.cwd, settings.CORPUS_DIR), settings, log: quiet });
    const cov = engine.coverage();
    line(io.stderr, `索引已就绪：${cov.documents} 篇文档，${cov.chunks} 个片段。模式：${settings.LLM_BASE_URL ? `LLM（${settings.LLM_MODEL}）+ 抽取式兜底` : "抽取式（离线）"}。`);
    await runTerminalChat(engine, { input: io.stdin, output: io.stdout, exportDir: io.cwd, now: io.now, signal: io.signal });
    return 0;
  } catch (err) {
    line(io.stderr, `启动失败：${redact((err as Error).message, [settings.LLM_API_KEY, settings.EMBEDDINGS_API_KEY])}`);
    return 1;
  }
}
