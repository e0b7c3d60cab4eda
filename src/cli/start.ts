import path from "node:path";
import { apiKeys } from "../config.js";
import { redact } from "../errors.js";
import type { CliDeps, CliEngine, CliServer } from "./deps.js";
import { line, startupSettings, type CliIo } from "./io.js";

/**
 * `npm start`: builds the index from corpus/ when it is missing, then serves the web page and the APIs on
 * HOST:PORT, and the Telegram bot as well when TELEGRAM_BOT_TOKEN is set. Stops cleanly when io.signal is aborted
 * (src/bin/start.ts aborts it on SIGTERM/SIGINT): the server closes (requests in flight finish), then the bot
 * stops, and run() returns 0. Returns 1, with one line saying why, when it cannot start. The terminal chat is
 * `npm run chat`.
 */
const LEVELS: Record<string, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Resolves when the signal is aborted (at once if it already is; never without a signal). */
function stopped(signal: AbortSignal | undefined): Promise<string> {
  return new Promise((resolve) => {
    if (!signal) return;
    const reason = () => String(signal.reason ?? "abort");
    if (signal.aborted) resolve(reason());
    else signal.addEventListener("abort", () => resolve(reason()), { once: true });
  });
}

/** Whether any office bot's credentials are set (the launcher is loaded only then). */
function configuredOffice(s: { WECOM_BOT_ID?: string; DINGTALK_CLIENT_ID?: string; FEISHU_APP_ID?: string }): boolean {
  return Boolean(s.WECOM_BOT_ID || s.DINGTALK_CLIENT_ID || s.FEISHU_APP_ID);
}

export async function run(argv: string[], io: CliIo, deps: CliDeps): Promise<number> {
  const setup = startupSettings(argv, io);
  if ("failed" in setup) return 1;
  const { settings, indexDir } = setup;
  if (settings.TELEGRAM_BOT_TOKEN && settings.WEBHOOK_URL && settings.WEBHOOK_PORT === settings.PORT && settings.PORT !== 0) {
    line(io.stderr, `启动失败：设置错误 / invalid setting WEBHOOK_PORT: must differ from PORT (${settings.PORT}), the web page and API port`);
    return 1;
  }
  const secrets = [settings.TELEGRAM_BOT_TOKEN, settings.WECOM_BOT_SECRET, settings.DINGTALK_CLIENT_SECRET, settings.FEISHU_APP_SECRET, settings.LLM_API_KEY, settings.EMBEDDINGS_API_KEY, settings.WEBHOOK_SECRET, ...apiKeys(settings)];
  const minLevel = LEVELS[settings.LOG_LEVEL] ?? 20;
  const now = io.now ?? (() => new Date());
  // Structured logs: one JSON object per line on stderr, credentials redacted.
  const log = (e: Record<string, unknown>) => {
    const level = typeof e.level === "string" ? e.level : e.event === "debug" ? "debug" : "info";
    if ((LEVELS[level] ?? 20) < minLevel) return;
    line(io.stderr, redact(JSON.stringify({ time: now().toISOString(), level, ...e }), secrets));
  };
  const stop = stopped(io.signal);
  let app: CliServer | null = null;
  let bot: { stop(): Promise<void> } | null = null;
  let office: { stop(): Promise<void> } | null = null;
  let served: CliEngine | null = null;
  try {
    if (!settings.NIANBAO_DATABASE_URL && !(await deps.indexExists(indexDir))) line(io.stderr, `首次启动：正在从 ${settings.CORPUS_DIR}/ 构建索引（约数秒）… / building the index`);
    // The server follows the index: a generation that ingest makes live while it runs is swapped in between requests.
    const open = deps.openServedEngine ?? deps.openEngine;
    const engine = await open({ indexDir, corpusDir: path.resolve(io.cwd, settings.CORPUS_DIR), settings, log });
    served = engine;
    const cov = engine.coverage();
    line(io.stderr, `索引已就绪：${cov.documents} 篇文档，${cov.chunks} 个片段。模式：${settings.LLM_BASE_URL ? `LLM（${settings.LLM_MODEL}）+ 抽取式兜底` : "抽取式（离线）"}。`);

    const stats = engine.stats();
    const server = await deps.buildServer({ engine, stats, settings, log });
    app = server;
    await server.listen({ host: settings.HOST, port: settings.PORT });
    const addr = server.server.address();
    const port = typeof addr === "object" && addr ? addr.port : settings.PORT;
    const shownHost = ["0.0.0.0", "::"].includes(settings.HOST) ? "127.0.0.1" : settings.HOST.includes(":") ? `[${settings.HOST}]` : settings.HOST;
    line(io.stdout, `Nianbao 网页和接口已启动：http://${shownHost}:${port}/`);
    if (!stats) line(io.stderr, "统计功能未启用：/api/reports、/api/stats、/api/check 暂时返回 503。");
    if (apiKeys(settings).length) line(io.stderr, "已启用 API 密钥（NIANBAO_API_KEYS）：网页首次使用时会要求输入密钥。");

    if (settings.TELEGRAM_BOT_TOKEN) {
      // Said only once getMe has succeeded: while the Bot API is unreachable, launchBot retries and says so every minute.
      bot = await deps.launchBot(engine, settings, log, { notice: (l) => line(io.stderr, l) });
      line(io.stderr, settings.WEBHOOK_URL ? `Telegram 机器人（webhook，端口 ${settings.WEBHOOK_PORT}）已启动。` : "Telegram 机器人（长轮询）已启动。");
    }
    if (deps.launchOffice && configuredOffice(settings)) {
      // Each office bot says it started once connected; a platform that refuses the credentials fails the start.
      office = await deps.launchOffice(engine, settings, log, { notice: (l) => line(io.stderr, l), cwd: io.cwd });
    }
    line(io.stderr, "按 Ctrl-C 停止。");
  } catch (err) {
    await bot?.stop().catch(() => undefined);
    await app?.close().catch(() => undefined);
    served?.close?.();
    const code = (err as { code?: string }).code;
    const hint = code === "EADDRINUSE" ? "（端口已被占用，请设置其他 PORT）" : "";
    line(io.stderr, `启动失败：${redact((err as Error).message, secrets)}${hint}`);
    return 1;
  }
  log({ level: "info", event: "shutdown", signal: await stop });
  // Stop accepting, let accepted requests (streams and uploads included) finish within SHUTDOWN_GRACE_MS, then cut.
  const closeServer = deps.closeServer ?? ((s: CliServer) => s.close());
  await Promise.all([closeServer(app, { graceMs: settings.SHUTDOWN_GRACE_MS, log }), bot?.stop(), office?.stop()]);
  served?.close?.();
  return 0;
}
