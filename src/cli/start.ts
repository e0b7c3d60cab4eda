import { loadSettings, apiKeys, type Settings } from "../config.js";
import { NianbaoError, redact } from "../errors.js";
import { LiveEngine } from "../app/live.js";
import { indexExists } from "../index/store.js";
import { launchBot } from "../bot/bot.js";
import { buildServer } from "../server/app.js";
import { closeGracefully, stopSignal } from "../server/shutdown.js";
import { parseArgs } from "./args.js";
import { loadDotEnv } from "./env.js";

/**
 * `npm start`: builds the index from corpus/ when it is missing, then serves the web page and the APIs on
 * HOST:PORT, and the Telegram bot as well when TELEGRAM_BOT_TOKEN is set. Stops cleanly on SIGTERM/SIGINT:
 * requests in flight finish, then the bot stops. The terminal chat is `npm run chat`.
 */
const LEVELS: Record<string, number> = { debug: 10, info: 20, warn: 30, error: 40 };

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
  if (settings.TELEGRAM_BOT_TOKEN && settings.WEBHOOK_URL && settings.WEBHOOK_PORT === settings.PORT && settings.PORT !== 0) {
    console.error(`启动失败：设置错误 / invalid setting WEBHOOK_PORT: must differ from PORT (${settings.PORT}), the web page and API port`);
    return 1;
  }
  const secrets = [settings.TELEGRAM_BOT_TOKEN, settings.LLM_API_KEY, settings.EMBEDDINGS_API_KEY, settings.WEBHOOK_SECRET, ...apiKeys(settings)];
  const minLevel = LEVELS[settings.LOG_LEVEL] ?? 20;
  // Structured logs: one JSON object per line on stderr, credentials redacted.
  const log = (e: Record<string, unknown>) => {
    const level = typeof e.level === "string" ? e.level : e.event === "debug" ? "debug" : "info";
    if ((LEVELS[level] ?? 20) < minLevel) return;
    console.error(redact(JSON.stringify({ time: new Date().toISOString(), level, ...e }), secrets));
  };
  const indexDir = args.values.get("index") ?? settings.NIANBAO_INDEX_DIR;
  if (!(await indexExists(indexDir))) console.error(`首次启动：正在从 ${settings.CORPUS_DIR}/ 构建索引（约数秒）… / building the index`);
  // The server follows the index: a generation that ingest makes live while it runs is swapped in between requests.
  const engine = await LiveEngine.open({ indexDir, corpusDir: settings.CORPUS_DIR, settings, log });
  const cov = engine.coverage();
  console.error(`索引已就绪：${cov.documents} 篇文档，${cov.chunks} 个片段。模式：${settings.LLM_BASE_URL ? `LLM（${settings.LLM_MODEL}）+ 抽取式兜底` : "抽取式（离线）"}。`);

  const stats = engine.stats();
  const app = await buildServer({ engine, stats, settings, log });
  await app.listen({ host: settings.HOST, port: settings.PORT });
  const addr = app.server.address();
  const port = typeof addr === "object" && addr ? addr.port : settings.PORT;
  const shownHost = ["0.0.0.0", "::"].includes(settings.HOST) ? "127.0.0.1" : settings.HOST.includes(":") ? `[${settings.HOST}]` : settings.HOST;
  console.log(`Nianbao 网页和接口已启动：http://${shownHost}:${port}/`);
  if (!stats) console.error("统计功能未启用：/api/reports、/api/stats、/api/check 暂时返回 503。");
  if (apiKeys(settings).length) console.error("已启用 API 密钥（NIANBAO_API_KEYS）：网页首次使用时会要求输入密钥。");

  let bot: { stop(): Promise<void> } | null = null;
  if (settings.TELEGRAM_BOT_TOKEN) {
    // Said only once getMe has succeeded: while the Bot API is unreachable, launchBot retries and says so every minute.
    bot = await launchBot(engine, settings, log, { notice: (line) => console.error(line) });
    console.error(settings.WEBHOOK_URL ? `Telegram 机器人（webhook，端口 ${settings.WEBHOOK_PORT}）已启动。` : "Telegram 机器人（长轮询）已启动。");
  }
  console.error("按 Ctrl-C 停止。");
  // A second signal during shutdown exits at once.
  const signal = await stopSignal(() => process.exit(1));
  log({ level: "info", event: "shutdown", signal });
  await Promise.all([closeGracefully(app, { graceMs: settings.SHUTDOWN_GRACE_MS, log }), bot?.stop()]);
  engine.close();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    const msg = err instanceof NianbaoError ? err.message : (err as Error).message;
    const code = (err as { code?: string }).code;
    const hint = code === "EADDRINUSE" ? "（端口已被占用，请设置其他 PORT）" : "";
    console.error(`启动失败：${redact(msg, [process.env.TELEGRAM_BOT_TOKEN, process.env.LLM_API_KEY, process.env.EMBEDDINGS_API_KEY, process.env.NIANBAO_API_KEYS])}${hint}`);
    process.exit(1);
  },
);
