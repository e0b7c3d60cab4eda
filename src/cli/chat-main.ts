import { loadSettings, type Settings } from "../config.js";
import { NianbaoError, redact } from "../errors.js";
import { openEngine } from "../app/open.js";
import { indexExists } from "../index/store.js";
import { runTerminalChat } from "./chat.js";
import { parseArgs } from "./args.js";
import { loadDotEnv } from "./env.js";

/** `npm run chat`: the terminal chat (builds the index from corpus/ first when it is missing). */
async function main(): Promise<number> {
  loadDotEnv();
  const args = parseArgs(process.argv.slice(2), ["index"]);
  let settings: Settings;
  try {
    settings = loadSettings();
  } catch (err) {
    console.error(`启动失败：${(err as Error).message}`);
    return 1;
  }
  const indexDir = args.values.get("index") ?? settings.NIANBAO_INDEX_DIR;
  if (!(await indexExists(indexDir))) console.error(`首次启动：正在从 ${settings.CORPUS_DIR}/ 构建索引（约数秒）… / building the index`);
  const quiet = (e: Record<string, unknown>) => {
    if (e.event === "index_refresh") console.error(`${settings.CORPUS_DIR}/ 有变动：正在增量更新索引… / updating the index`);
    if (e.event === "ingest_failure") console.error(`无法读取 / cannot read: ${String(e.source)}: ${String(e.reason)}`);
  };
  const engine = await openEngine({ indexDir, corpusDir: settings.CORPUS_DIR, settings, log: quiet });
  const cov = engine.coverage();
  console.error(`索引已就绪：${cov.documents} 篇文档，${cov.chunks} 个片段。模式：${settings.LLM_BASE_URL ? `LLM（${settings.LLM_MODEL}）+ 抽取式兜底` : "抽取式（离线）"}。`);
  await runTerminalChat(engine, { input: process.stdin, output: process.stdout });
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    const msg = err instanceof NianbaoError ? err.message : (err as Error).message;
    console.error(`启动失败：${redact(msg, [process.env.LLM_API_KEY, process.env.EMBEDDINGS_API_KEY])}`);
    process.exit(1);
  },
);
