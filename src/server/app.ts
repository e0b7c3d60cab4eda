import { STATUS_CODES } from "node:http";
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
import { answerJson } from "../present/json.js";
import { askInConversation, checkQuestion, decodeState, encodeState } from "./conversation.js";
import { registerStatsRoutes } from "./stats.js";
import { registerOpenAiRoutes } from "./openai.js";
import { registerDifyRoutes, difyErrorBody } from "./dify.js";
import { parseBody } from "./validate.js";
import { trackConnections } from "./shutdown.js";

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

/**
 * Routes anyone may call when API keys are set: the health check and the web page with its static assets
 * (@fastify/static's wildcard). Every other route requires a key: the check runs on the route the router
 * matched (after it decoded the path), never on the raw URL, so `/%61pi/ask` is checked as `/api/ask`.
 * A route added later is protected unless it is added here.
 */
export const PUBLIC_ROUTES: ReadonlySet<string> = new Set(["/healthz", "/*"]);
const DIFY_ROUTE = "/retrieval";
const pathOf = (url: string) => url.split("?")[0];
/** The matched route's pattern (e.g. "/v1/models/:id"); undefined when nothing matched (404). */
const routeOf = (req: FastifyRequest): string | undefined => req.routeOptions?.url;
const isDify = (req: FastifyRequest) => routeOf(req) === DIFY_ROUTE;

declare module "fastify" {
  interface FastifyInstance {
    /** Every route registered, as method and pattern (the auth matrix test walks them all). */
    routeList(): Array<{ method: string; url: string }>;
  }
  interface FastifyRequest {
    /** The API key the request authenticated with (null when keys are off). */
    apiKey: string | null;
  }
}

/** Client errors raised by Node's HTTP parser (before routing): status, code, message. */
const CLIENT_ERRORS: Record<string, [number, string, string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, "request_timeout", "请求超时：请求未在规定时间内发送完毕。"],
  HPE_HEADER_OVERFLOW: [431, "headers_too_large", "请求头过大。"],
  default: [400, "bad_request", "请求无效。"],
};

/** A source asked by citation id (every citation carries one), or — for older pages — by the citation itself. */
const SourceBody = z.union([
  z.object({ id: z.string().min(1).max(2000) }).strict(),
  z.object({
    citation: z.object({
      id: z.string().max(2000).optional(),
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
  }),
]);

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
    // Idle keep-alive sockets are closed on shutdown; requests in flight finish first (closeGracefully, shutdown.ts).
    forceCloseConnections: "idle",
    return503OnClosing: true,
    // Slow clients are cut (Node's default in Fastify is never): the request must arrive within its timeouts; Node
    // checks them every `connectionsCheckingInterval`, so a cut comes at most that much late.
    requestTimeout: settings.HTTP_REQUEST_TIMEOUT_MS,
    keepAliveTimeout: settings.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    http: {
      requestTimeout: settings.HTTP_REQUEST_TIMEOUT_MS,
      headersTimeout: settings.HTTP_HEADERS_TIMEOUT_MS,
      connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(settings.HTTP_HEADERS_TIMEOUT_MS / 4))),
    },
    // Errors Node's parser raises before Fastify sees a request (timeouts, malformed requests): our error shape.
    clientErrorHandler: (err: NodeJS.ErrnoException, socket) => {
      if (err.code === "ECONNRESET" || socket.destroyed) return;
      const [status, code, message] = CLIENT_ERRORS[err.code ?? ""] ?? CLIENT_ERRORS.default;
      log({ level: "debug", event: "http_client_error", code: err.code, status });
      if (socket.writable) {
        const body = JSON.stringify({ error: { code, message } });
        socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      }
      socket.destroy();
    },
    // A URL the router cannot decode (overlong UTF-8, a bad escape) is the client's error, in our error shape.
    frameworkErrors: (err, req, reply: FastifyReply) => {
      void reply
        .code(400)
        .headers(SECURITY_HEADERS)
        .type("application/json; charset=utf-8")
        .send({ error: { code: "bad_request", message: "请求地址无效。" } });
      void err;
      void req;
    },
  });
  app.decorateRequest("apiKey", null);
  // Beyond the cap a new connection is closed as soon as it is accepted (file descriptors stay bounded).
  app.server.maxConnections = settings.HTTP_MAX_CONNECTIONS;
  let dropped = 0;
  let droppedLogged = 0;
  app.server.on("drop", () => {
    dropped++;
    if (Date.now() - droppedLogged < 60_000) return;
    droppedLogged = Date.now();
    log({ level: "warn", event: "connections_dropped", count: dropped, max: settings.HTTP_MAX_CONNECTIONS });
    dropped = 0;
  });
  trackConnections(app);

  const sendError = (req: FastifyRequest, reply: FastifyReply, err: unknown) => {
    const { status, body, headers } = toErrorResponse(err);
    if (status >= 500) {
      const e = err as Error;
      log({ level: "error", event: "http_error", method: req.method, path: pathOf(req.url), error: e?.name, message: redact(String(e?.message ?? e), secrets) });
    }
    reply.code(status).headers(headers).type("application/json; charset=utf-8");
    return reply.send(isDify(req) ? difyErrorBody(status, body) : body);
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

  // Deny by default: every matched route but the public ones needs a key (when keys are set) and counts
  // against the limits. Unmatched requests go on to the 404 handler, which reveals nothing.
  const cors = (req: FastifyRequest, reply: FastifyReply) => {
    const origin = req.headers.origin;
    if (!origin || !origins.has(origin)) return false;
    reply
      .header("access-control-allow-origin", origin)
      .header("access-control-expose-headers", "X-Nianbao-State, Retry-After")
      .header("vary", "Origin");
    return true;
  };
  // Every protected route gets a CORS preflight route of its own (registered below from this list), so that
  // preflights too are decided on the matched route.
  const protectedRoutes = new Set<string>();
  const routes: Array<{ method: string; url: string }> = [];
  app.decorate("routeList", () => routes.slice());
  app.addHook("onRoute", (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) routes.push({ method, url: route.url });
    if (!PUBLIC_ROUTES.has(route.url) && !methods.includes("OPTIONS")) protectedRoutes.add(route.url);
  });
  app.addHook("onRequest", async (req, reply) => {
    const route = routeOf(req);
    if (route === undefined || PUBLIC_ROUTES.has(route)) return;
    if (req.method === "OPTIONS") {
      if (!cors(req, reply)) throw new ApiError(404, "not_found", "未找到。");
      reply
        .header("access-control-allow-methods", "GET, POST, OPTIONS")
        .header("access-control-allow-headers", "Authorization, Content-Type")
        .header("access-control-max-age", "600");
      return reply.code(204).send();
    }
    cors(req, reply);
    const ipWait = ipLimiter.hit(req.ip);
    if (ipWait) throw rateLimited(ipWait);
    if (!keys.enabled) return;
    const b = bearerKey(req.headers.authorization);
    if ("failure" in b) {
      if (isDify(req)) throw new ApiError(403, "1001", "Invalid Authorization header format. Expected 'Bearer <api-key>' format.");
      throw new ApiError(401, "unauthorized", "需要 API 密钥：请在请求头中提供 Authorization: Bearer <密钥>。", { "www-authenticate": "Bearer" });
    }
    if (!keys.matches(b.key)) {
      if (isDify(req)) throw new ApiError(403, "1002", "Authorization failed");
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

  // One plugin per API family, each an encapsulated Fastify context under the hooks above.
  await app.register(pageApi, { engine, settings, stats: opts.stats !== null, auth: keys.enabled });
  await app.register(async (f) => registerStatsRoutes(f, opts.stats, settings));
  await app.register(async (f) => registerOpenAiRoutes(f, engine, settings));
  await app.register(async (f) => registerDifyRoutes(f, engine, settings));

  for (const url of protectedRoutes) app.options(url, async (_req, reply) => reply.code(204).send());

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

/** The page's own API: configuration, questions in a conversation, sources by citation id, coverage. */
async function pageApi(app: FastifyInstance, o: { engine: AnswerEngine; settings: Settings; stats: boolean; auth: boolean }): Promise<void> {
  const { engine, settings } = o;
  app.get("/api/config", async () => ({
    maxQuestionChars: settings.MAX_QUESTION_CHARS,
    uploadMaxBytes: settings.UPLOAD_MAX_BYTES,
    stats: o.stats,
    auth: o.auth,
    llm: Boolean(settings.LLM_BASE_URL),
  }));

  const AskBody = z.object({
    question: z.string(),
    history: z.array(z.string()).max(100).optional(),
    // Checked by decodeState (length included), so every bad token is answered as bad_state.
    state: z.string().optional(),
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
    const body = parseBody(SourceBody, req.body);
    const id = "id" in body ? body.id : body.citation.id;
    if (id) {
      const v = engine.source(id);
      if (!v) throw new ApiError(404, "source_not_found", "找不到这条依据的原文章节。");
      return v;
    }
    const c = (body as { citation: { published?: string | null; url?: string | null } & Parameters<typeof engine.fullSection>[0] }).citation;
    const text = engine.fullSection(c);
    if (text === null) throw new ApiError(404, "source_not_found", "找不到这条依据的原文章节。");
    return { text, published: c.published ?? null, url: c.url ?? null };
  });

  app.get("/api/coverage", async () => engine.coverage());


}
