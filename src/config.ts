import { z } from "zod";
import { ConfigError } from "./errors.js";

/**
 * Every setting, typed once, with its default beside it. `.env.example` documents the same names.
 * Values come from process.env (optionally loaded from .env by the CLI entry points).
 */
const emptyToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
const optStr = z.preprocess(emptyToUndefined, z.string().optional());
const optUrl = z.preprocess(emptyToUndefined, z.string().url().optional());
/** Comma-separated ids (letters, digits and _-.:@=+/ as the platforms spell them), or unset. */
const optIdList = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .regex(/^\s*[\w.:@=+/-]+(\s*,\s*[\w.:@=+/-]+)*\s*$/, "must be comma-separated ids")
    .optional(),
);
const int = (def: number, min = 1) => z.preprocess(emptyToUndefined, z.coerce.number().int().min(min).default(def));

/**
 * Hosts an answer may link to besides a cited report's own site: the government's own domain. Registration under
 * gov.cn is restricted to government bodies, which publish these reports (ANSWER_LINK_ALLOWLIST overrides it).
 */
export const DEFAULT_LINK_ALLOWLIST = "gov.cn";

export const settingsSchema = z.object({
  /** Where the corpus lives. */
  CORPUS_DIR: z.preprocess(emptyToUndefined, z.string().default("corpus")),
  /** Where the index lives (git-ignored). */
  NIANBAO_INDEX_DIR: z.preprocess(emptyToUndefined, z.string().default("data/index")),

  /** Optional OpenAI-compatible embeddings server; unset = built-in offline embedder. */
  EMBEDDINGS_BASE_URL: optUrl,
  EMBEDDINGS_MODEL: optStr,
  EMBEDDINGS_API_KEY: optStr,

  /** Optional OpenAI-compatible chat server; unset = extractive answers. */
  LLM_BASE_URL: optUrl,
  LLM_MODEL: optStr,
  LLM_API_KEY: optStr,
  LLM_TIMEOUT_MS: int(20000),
  /** Let the chat model plan the question too (structured output, validated; the offline planner is the fallback). Needs LLM_BASE_URL and LLM_MODEL. */
  LLM_PLANNER: z.preprocess(emptyToUndefined, z.enum(["true", "false", "1", "0"]).default("false").transform((v) => v === "true" || v === "1")),

  /** Telegram; unset token = terminal chat. */
  TELEGRAM_BOT_TOKEN: optStr,
  TELEGRAM_API_ROOT: optUrl,
  WEBHOOK_URL: optUrl,
  WEBHOOK_SECRET: optStr,
  WEBHOOK_PORT: int(8080),
  /** Comma-separated chat ids; empty = everyone. */
  ALLOWED_CHAT_IDS: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^\s*-?\d+(\s*,\s*-?\d+)*\s*$/, "must be comma-separated chat ids")
      .optional(),
  ),
  MAX_QUESTION_CHARS: int(500),
  RATE_LIMIT_PER_MINUTE: int(10),
  /** Web page and HTTP APIs (`npm start`). */
  HOST: z.preprocess(emptyToUndefined, z.string().default("127.0.0.1")),
  PORT: int(8080, 0),
  /** Comma-separated API keys; when set, every API call needs `Authorization: Bearer <key>`. */
  NIANBAO_API_KEYS: optStr,
  /** API requests per minute per key, and per client IP. */
  API_RATE_LIMIT_PER_KEY: int(600),
  API_RATE_LIMIT_PER_IP: int(120),
  /** Largest JSON request body and largest uploaded draft (bytes). */
  API_BODY_LIMIT_BYTES: int(256 * 1024),
  UPLOAD_MAX_BYTES: int(10 * 1024 * 1024),
  /** Earlier turns replayed for a follow-up (`history`, OpenAI `messages`); older ones are dropped. */
  API_MAX_HISTORY: int(10, 0),
  /** Comma-separated origins allowed to call the APIs from a browser; empty = CORS off. */
  CORS_ORIGINS: optStr,
  /**
   * Slow clients: the whole request (headers and body) must arrive within HTTP_REQUEST_TIMEOUT_MS, its headers within
   * HTTP_HEADERS_TIMEOUT_MS (else 408 and the connection is closed); an idle kept-alive connection is closed after
   * HTTP_KEEP_ALIVE_TIMEOUT_MS; at most HTTP_MAX_CONNECTIONS connections are open at once (more are closed at once).
   */
  HTTP_REQUEST_TIMEOUT_MS: int(60_000),
  HTTP_HEADERS_TIMEOUT_MS: int(10_000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: int(5_000),
  HTTP_MAX_CONNECTIONS: int(1_000),
  /** SIGTERM/SIGINT: requests in flight (and the bot's answers) get this long to finish before the process exits. */
  SHUTDOWN_GRACE_MS: int(10_000, 0),
  /** Trust X-Forwarded-For (behind a reverse proxy) for the per-IP limit. */
  TRUST_PROXY: z.preprocess(emptyToUndefined, z.enum(["true", "false"]).default("false")),
  /** Corpus files larger than this (MB) are skipped with a reason. */
  MAX_FILE_MB: int(64),
  /** A DOCX whose parts, or a PDF whose compressed streams (images aside), inflate to more than this (MB) is refused before it is parsed. */
  MAX_UNZIPPED_MB: int(128),
  /** A file whose extracted text is longer than this (characters) is refused (PDF/DOCX bombs, runaway text). */
  MAX_TEXT_CHARS: int(20_000_000),
  /**
   * Untrusted files (uploads, corpus files at ingest) are parsed in a separate process (src/ingest/sandbox.ts)
   * that is killed past this wall time (ms) or this resident memory (MB); the caps below refuse a file before
   * the parser runs, from its structure.
   */
  PARSE_TIMEOUT_MS: int(30_000),
  PARSE_MEMORY_MB: int(768, 128),
  /** PDF pages (the page tree's count, read before any text is extracted). */
  PDF_MAX_PAGES: int(1000),
  /** DOCX: inflated size of its XML parts (MB), and paragraphs and XML elements in them (counted before mammoth). */
  DOCX_MAX_XML_MB: int(32),
  DOCX_MAX_PARAGRAPHS: int(100_000),
  DOCX_MAX_ELEMENTS: int(300_000),
  /** HTML: nesting depth and elements (a linear scan of the tags before cheerio builds the tree). */
  HTML_MAX_DEPTH: int(1000),
  HTML_MAX_ELEMENTS: int(200_000),
  /** Draft checks (`POST /api/check`) parsed at once; more are answered 503 with Retry-After. */
  MAX_CONCURRENT_CHECKS: int(2),
  /** Follow symlinks in the corpus whose target lies outside the corpus folders. */
  FOLLOW_SYMLINKS_OUTSIDE: z.preprocess(emptyToUndefined, z.enum(["true", "false", "1", "0"]).default("false").transform((v) => v === "true" || v === "1")),
  /** Bot API unreachable at start: retry with back-off for this many seconds, then exit with an error. */
  BOT_START_TIMEOUT_SECONDS: int(600),
  /** Where the bot remembers which Telegram updates it has answered (exactly once across a crash). */
  BOT_STATE_FILE: z.preprocess(emptyToUndefined, z.string().default("data/bot-state.json")),
  /** Longest answer accepted from the LLM (characters); a longer one falls back to the extractive answer. */
  LLM_MAX_ANSWER_CHARS: int(4000),
  /**
   * Hosts (comma-separated) a link in an answer may point to besides the cited report's own site (its 原文链接);
   * each allows its subdomains. Unset = gov.cn; set but empty = only the cited report's own site.
   */
  ANSWER_LINK_ALLOWLIST: z
    .string()
    .regex(/^\s*(?:[A-Za-z0-9*][A-Za-z0-9.-]*(?:\s*,\s*[A-Za-z0-9*][A-Za-z0-9.-]*)*)?\s*$/, "must be comma-separated host names")
    .default(DEFAULT_LINK_ALLOWLIST),
  LOG_LEVEL: z.preprocess(emptyToUndefined, z.enum(["debug", "info", "warn", "error"]).default("info")),

  /**
   * Chinese office channels (src/office/): each starts with `npm start` when its two credentials are set. The
   * server address defaults to the official one; private deployments (政务微信, 专有钉钉/浙政钉) and tests point elsewhere.
   */
  WECOM_BOT_ID: optStr,
  WECOM_BOT_SECRET: optStr,
  WECOM_WS_URL: z.preprocess(emptyToUndefined, z.string().url().regex(/^wss?:\/\//i, "must be a ws:// or wss:// URL").default("wss://openws.work.weixin.qq.com")),
  DINGTALK_CLIENT_ID: optStr,
  DINGTALK_CLIENT_SECRET: optStr,
  DINGTALK_GATEWAY_URL: z.preprocess(emptyToUndefined, z.string().url().default("https://api.dingtalk.com")),
  FEISHU_APP_ID: optStr,
  FEISHU_APP_SECRET: optStr,
  FEISHU_DOMAIN: z.preprocess(emptyToUndefined, z.string().url().default("https://open.feishu.cn")),
  /**
   * Who may use an office channel: comma-separated user or group (conversation) ids, per platform; empty =
   * everyone in the tenant. A group listed lets everyone in it ask; a user listed may ask anywhere.
   */
  WECOM_ALLOWED: optIdList,
  DINGTALK_ALLOWED: optIdList,
  FEISHU_ALLOWED: optIdList,
  /** Folder for the office channels' state (messages answered, follow-up conversations), one file per platform. */
  OFFICE_STATE_DIR: z.preprocess(emptyToUndefined, z.string().default("data/office")),

  /** PostgreSQL instead of the embedded index (src/search/pg/): `postgres://user:pass@host:port/db`; unset = embedded. */
  NIANBAO_DATABASE_URL: z.preprocess(emptyToUndefined, z.string().regex(/^postgres(ql)?:\/\//i, "must be a postgres:// URL").optional()),
});

export type Settings = z.infer<typeof settingsSchema>;

export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const parsed = settingsSchema.safeParse(env);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new ConfigError(`设置错误 / invalid setting ${first.path.join(".")}: ${first.message}`);
  }
  const s = parsed.data;
  if (s.EMBEDDINGS_BASE_URL && !s.EMBEDDINGS_MODEL)
    throw new ConfigError("EMBEDDINGS_BASE_URL is set but EMBEDDINGS_MODEL is missing");
  if (s.LLM_BASE_URL && !s.LLM_MODEL) throw new ConfigError("LLM_BASE_URL is set but LLM_MODEL is missing");
  if (s.LLM_PLANNER && !s.LLM_BASE_URL) throw new ConfigError("LLM_PLANNER is on but LLM_BASE_URL and LLM_MODEL are not set");
  if (s.WEBHOOK_URL && !s.WEBHOOK_SECRET) throw new ConfigError("WEBHOOK_URL is set but WEBHOOK_SECRET is missing");
  if (s.HTTP_HEADERS_TIMEOUT_MS > s.HTTP_REQUEST_TIMEOUT_MS)
    throw new ConfigError(`设置错误 / invalid setting HTTP_HEADERS_TIMEOUT_MS: must not exceed HTTP_REQUEST_TIMEOUT_MS (${s.HTTP_REQUEST_TIMEOUT_MS})`);
  for (const [id, secret] of [
    ["WECOM_BOT_ID", "WECOM_BOT_SECRET"],
    ["DINGTALK_CLIENT_ID", "DINGTALK_CLIENT_SECRET"],
    ["FEISHU_APP_ID", "FEISHU_APP_SECRET"],
  ] as const)
    if (Boolean(s[id]) !== Boolean(s[secret])) throw new ConfigError(`设置错误 / invalid setting ${s[id] ? secret : id}: ${id} and ${secret} must be set together`);
  return s;
}

/** An office channel's allow-list (user and group ids), or null for everyone. */
export function allowedIds(list: string | undefined): Set<string> | null {
  if (!list) return null;
  return new Set(list.split(",").map((x) => x.trim()).filter(Boolean));
}

export function allowedChatIds(s: Settings): Set<number> | null {
  if (!s.ALLOWED_CHAT_IDS) return null;
  return new Set(s.ALLOWED_CHAT_IDS.split(",").map((x) => Number(x.trim())));
}

/** The configured API keys (empty = no authentication). */
export function apiKeys(s: Settings): string[] {
  return (s.NIANBAO_API_KEYS ?? "").split(",").map((k) => k.trim()).filter(Boolean);
}
