import path from "node:path";
import { fileURLToPath } from "node:url";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import fastifyStatic from "@fastify/static";
import multipart from "@fastify/multipart";
import { z } from "zod";
import type { AnswerEngine } from "../answer/api.js";
import type { StatsService } from "../stats/api.js";
import { apiKeys, type Settings } from "../config.js";
import { redact } from "../errors.js";
import { ApiError, toErrorResponse } from "./errors.js";
import { KeyCheck, RateLimiter, SECURITY_HEADERS, bearerKey, corsOrigins, rateLimited } from "./security.js";
import { answerJson } from "./serialize.js";
import { askInConversation, checkQuestion, decodeState, encodeState } from "./conversation.js";
import { registerStatsRoutes } from "./stats.js";
import { registerOpenAiRoutes } from "./openai.js";
import { registerDifyRoutes, difyErrorBody } from "./dify.js";
import { parseBody } from "./validate.js";

/**
 * The HTTP server: the web page (static files from web/) and the APIs, on one Fastify instance.
 *   /api/*          the page's own API (ask, sources, coverage, statistics, draft check)
 *   /v1/*           OpenAI-compatible chat completions (Open WebUI, LobeChat, Dify "model")
 *   /retrieval      Dify external knowledge
 * Every API route passes the same hooks: CORS → per-IP limit → key → per-key limit.
 */

export type ServerLog = (e: Record<string, unknown>) => void;

export interface ServerOptions {
  engine: AnswerEngine;
  stats: StatsService | null;
  settings: Settings;
  log?: ServerLog;
  /** Folder of the web page; defaults to web/ at the repository root. */
  webDir?: string;
  /** Clock for the rate limiters (tests). */
  now?: () => number;
}

export const DEFAULT_WEB_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../web");

const API_PREFIXES = ["/api/", "/v1/", "/retrieval"];
const isApiPath = (url: string) => API_PREFIXES.some((p) => url === p.replace(/\/$/, "") || url.startsWith(p));
const pathOf = (url: string) => url.split("?")[0];
const isDify = (url: string) => pathOf(url) === "/retrieval";

declare module "fastify" {
  interface FastifyRequest {
    /** The API key the request authenticated with (null when keys are off). */
    apiKey: string | null;
  }
}

const SourceBody = z.object({
  citation: z.object({
    title: z.string(),
    region: z.string().nullable(),
    year: z.number().int().nullable(),
    section: z.string(),
    quote: z.string(),
    source: z.string(),
    body: z.string().nullable().optional(),
    published: z.string().nullable().optional(),
    url: z.string().nullable().optional(),
  }),
});

export async function buildServer(opts: ServerOptions): Promise<FastifyInstance> {
  const { engine, settings } = opts;
  const log: ServerLog = opts.log ?? (() => {});
  const keys = new KeyCheck(apiKeys(settings));
  const secrets = apiKeys(settings);
  const ipLimiter = new RateLimiter(settings.API_RATE_LIMIT_PER_IP, opts.now);
  const keyLimiter = new RateLimiter(settings.API_RATE_LIMIT_PER_KEY, opts.now);
  const origins = corsOrigins(settings.CORS_ORIGINS);

  const app = Fastify({
    logger: false,
    bodyLimit: settings.API_BODY_LIMIT_BYTES,
    trustProxy: settings.TRUST_PROXY === "true",
    // Idle keep-alive sockets are closed on shutdown; requests in flight finish first.
    forceCloseConnections: "idle",
    return503OnClosing: true,
  });
  app.decorateRequest("apiKey", null);

  const sendError = (req: FastifyRequest, reply: FastifyReply, err: unknown) => {
    const { status, body, headers } = toErrorResponse(err);
    if (status >= 500) {
      const e = err as Error;
      log({ level: "error", event: "http_error", method: req.method, path: pathOf(req.url), error: e?.name, message: redact(String(e?.message ?? e), secrets) });
    }
    reply.code(status).headers(headers).type("application/json; charset=utf-8");
    return reply.send(isDify(req.url) ? difyErrorBody(status, body) : body);
  };
  app.setErrorHandler((err, req, reply) => sendError(req, reply, err));
  app.setNotFoundHandler((req, reply) => sendError(req, reply, new ApiError(404, "not_found", "未找到。")));

  app.addHook("onSend", async (_req, reply, payload) => {
    reply.headers(SECURITY_HEADERS);
    return payload;
  });
  app.addHook("onResponse", async (req, reply) => {
    log({ level: "info", event: "http", method: req.method, path: pathOf(req.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 });
  });

  app.addHook("onRequest", async (req, reply) => {
    const url = pathOf(req.url);
    if (!isApiPath(url)) return;
    const origin = req.headers.origin;
    if (origin && origins.has(origin)) {
      reply
        .header("access-control-allow-origin", origin)
        .header("access-control-expose-headers", "X-Nianbao-State, Retry-After")
        .header("vary", "Origin");
      if (req.method === "OPTIONS") {
        reply
          .header("access-control-allow-methods", "GET, POST, OPTIONS")
          .header("access-control-allow-headers", "Authorization, Content-Type")
          .header("access-control-max-age", "600");
        return reply.code(204).send();
      }
    }
    const ipWait = ipLimiter.hit(req.ip);
    if (ipWait) throw rateLimited(ipWait);
    if (!keys.enabled) return;
    const b = bearerKey(req.headers.authorization);
    if ("failure" in b) {
      if (isDify(url)) throw new ApiError(403, "1001", "Invalid Authorization header format. Expected 'Bearer <api-key>' format.");
      throw new ApiError(401, "unauthorized", "需要 API 密钥：请在请求头中提供 Authorization: Bearer <密钥>。", { "www-authenticate": "Bearer" });
    }
    if (!keys.matches(b.key)) {
      if (isDify(url)) throw new ApiError(403, "1002", "Authorization failed");
      throw new ApiError(401, "invalid_key", "API 密钥无效。", { "www-authenticate": "Bearer" });
    }
    req.apiKey = b.key;
    const keyWait = keyLimiter.hit(b.key);
    if (keyWait) throw rateLimited(keyWait);
  });

  await app.register(multipart, {
    limits: { fileSize: settings.UPLOAD_MAX_BYTES, files: 1, fields: 10, parts: 12, fieldSize: 64 * 1024 },
  });

  app.get("/healthz", async () => ({ ok: true }));

  app.get("/api/config", async () => ({
    maxQuestionChars: settings.MAX_QUESTION_CHARS,
    uploadMaxBytes: settings.UPLOAD_MAX_BYTES,
    stats: opts.stats !== null,
    auth: keys.enabled,
    llm: Boolean(settings.LLM_BASE_URL),
  }));

  const AskBody = z.object({
    question: z.string(),
    history: z.array(z.string()).max(100).optional(),
    state: z.string().max(16_384).optional(),
  });
  app.post("/api/ask", async (req, reply) => {
    const body = parseBody(AskBody, req.body);
    const question = checkQuestion(body.question, settings.MAX_QUESTION_CHARS);
    const state = body.state ? decodeState(body.state) : null;
    const r = await askInConversation(engine, question, body.history ?? [], {
      maxHistory: settings.API_MAX_HISTORY,
      maxChars: settings.MAX_QUESTION_CHARS,
      state,
    });
    reply.header("x-nianbao-state", encodeState(r.state)).type("application/json; charset=utf-8");
    return reply.send(answerJson(r.answer));
  });

  app.post("/api/source", async (req) => {
    const { citation } = parseBody(SourceBody, req.body);
    const text = engine.fullSection(citation);
    if (text === null) throw new ApiError(404, "source_not_found", "找不到这条依据的原文章节。");
    return { text, published: citation.published ?? null, url: citation.url ?? null };
  });

  app.get("/api/coverage", async () => engine.coverage());

  registerStatsRoutes(app, opts.stats, settings);
  registerOpenAiRoutes(app, engine, settings);
  registerDifyRoutes(app, engine, settings);

  await app.register(fastifyStatic, {
    root: opts.webDir ?? DEFAULT_WEB_DIR,
    prefix: "/",
    index: "index.html",
    dotfiles: "deny",
    cacheControl: true,
    maxAge: 60_000,
  });
  return app;
}
