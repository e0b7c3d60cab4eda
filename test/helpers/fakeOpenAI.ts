import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createHash } from "node:crypto";

/**
 * A minimal OpenAI-compatible server for tests: POST /v1/embeddings and non-streaming
 * POST /v1/chat/completions. It never touches the network beyond 127.0.0.1.
 */

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body (or the raw string when it is not JSON). */
  body: any;
}

export interface ChatMessage {
  role: string;
  content: string;
}

/** What a chat handler decides for one call. */
export type ChatReply =
  | { content: string }
  /** Wait this long before answering (to exceed a client timeout), then answer with `content`. */
  | { delayMs: number; content?: string }
  | { status: number; body?: unknown }
  /**
   * Answer with a tool call (function calling, as `withStructuredOutput(..., { method: "functionCalling" })`
   * asks for): `arguments` is sent as written when a string (so malformed JSON can be tested), else as JSON.
   */
  | { toolCall: { name?: string; arguments: string | Record<string, unknown> }; delayMs?: number };

export type ChatHandler = (req: { messages: ChatMessage[]; body: any }) => ChatReply | Promise<ChatReply>;

export interface FakeOpenAIOptions {
  /** Embedding dimension (default 8). */
  dim?: number;
  /**
   * Force the wire format of embeddings regardless of what the client asked for
   * (some servers ignore encoding_format); default: honour the request.
   */
  forceEncoding?: "float" | "base64";
  /** Return this HTTP status for every embeddings request (to test error paths). */
  embeddingsStatus?: number;
  /** Override the embedding vector for a given input (e.g. to return the wrong dimension). */
  embedOverride?: (input: string, index: number) => number[] | undefined;
  /** Initial chat handler; default answers NOT_FOUND. */
  chatHandler?: ChatHandler;
}

export interface FakeOpenAI {
  /** Base URL including /v1, e.g. http://127.0.0.1:PORT/v1 */
  url: string;
  requests: RecordedRequest[];
  setChatHandler(fn: ChatHandler): void;
  close(): Promise<void>;
}

/**
 * Deterministic, non-normalized vector for a text: each component derives from a hash of
 * (text, i), so equal inputs give equal vectors and tests can recompute the expected value.
 */
export function fakeVector(text: string, dim: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < dim; i++) {
    const h = createHash("sha256").update(`${i}\u0000${text}`).digest();
    // Map to [-2, 2) so vectors are clearly not unit length before the client normalizes them.
    out.push((h.readUInt32BE(0) / 2 ** 32) * 4 - 2);
  }
  return out;
}

function toBase64(vec: number[]): string {
  // OpenAI's base64 format is little-endian float32.
  const f = new Float32Array(vec);
  return Buffer.from(f.buffer, f.byteOffset, f.byteLength).toString("base64");
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(data) });
  res.end(data);
}

function messageText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content))
    return content.map((p) => (typeof p === "string" ? p : typeof p?.text === "string" ? p.text : "")).join("");
  return "";
}

export async function startFakeOpenAI(opts: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const dim = opts.dim ?? 8;
  const requests: RecordedRequest[] = [];
  let chatHandler: ChatHandler = opts.chatHandler ?? (() => ({ content: "NOT_FOUND" }));
  const timers = new Set<NodeJS.Timeout>();

  const server = createServer(async (req, res) => {
    try {
      const raw = await readBody(req);
      let body: any = raw;
      try {
        body = raw ? JSON.parse(raw) : null;
      } catch {
        /* keep raw */
      }
      const path = (req.url ?? "").split("?")[0];
      requests.push({ method: req.method ?? "", path, headers: { ...req.headers }, body });

      if (req.method === "POST" && path === "/v1/embeddings") {
        if (opts.embeddingsStatus) {
          // Like OpenAI's 401, echo the presented credential so tests can prove clients redact it.
          const auth = String(req.headers.authorization ?? "").replace(/^Bearer\s+/i, "");
          sendJson(res, opts.embeddingsStatus, {
            error: { message: `fake embeddings failure; incorrect API key provided: ${auth}`, type: "server_error" },
          });
          return;
        }
        const inputs: string[] = Array.isArray(body?.input) ? body.input : [body?.input];
        const encoding = opts.forceEncoding ?? (body?.encoding_format === "base64" ? "base64" : "float");
        const data = inputs.map((input, index) => {
          const vec = opts.embedOverride?.(String(input), index) ?? fakeVector(String(input), dim);
          return { object: "embedding", index, embedding: encoding === "base64" ? toBase64(vec) : vec };
        });
        sendJson(res, 200, {
          object: "list",
          data,
          model: body?.model ?? "fake",
          usage: { prompt_tokens: inputs.length, total_tokens: inputs.length },
        });
        return;
      }

      if (req.method === "POST" && path === "/v1/chat/completions") {
        const messages: ChatMessage[] = (body?.messages ?? []).map((m: any) => ({
          role: String(m.role),
          content: messageText(m.content),
        }));
        const reply = await chatHandler({ messages, body });
        if ("status" in reply) {
          sendJson(res, reply.status, reply.body ?? { error: { message: "fake chat failure", type: "server_error" } });
          return;
        }
        if ("delayMs" in reply && reply.delayMs) {
          await new Promise<void>((resolve) => {
            const t = setTimeout(() => {
              timers.delete(t);
              resolve();
            }, reply.delayMs);
            timers.add(t);
            // The client gives up first; stop waiting once the socket is gone.
            res.on("close", () => {
              clearTimeout(t);
              timers.delete(t);
              resolve();
            });
          });
          if (res.destroyed || res.writableEnded) return;
        }
        if ("toolCall" in reply) {
          const fn = body?.tools?.[0]?.function?.name ?? "extract";
          const args = reply.toolCall.arguments;
          sendJson(res, 200, {
            id: `chatcmpl-fake-${requests.length}`,
            object: "chat.completion",
            created: Math.floor(Date.now() / 1000),
            model: body?.model ?? "fake",
            choices: [
              {
                index: 0,
                message: {
                  role: "assistant",
                  content: null,
                  tool_calls: [{ id: `call_${requests.length}`, type: "function", function: { name: reply.toolCall.name ?? fn, arguments: typeof args === "string" ? args : JSON.stringify(args) } }],
                },
                finish_reason: "tool_calls",
                logprobs: null,
              },
            ],
            usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
          });
          return;
        }
        const content = "content" in reply && reply.content !== undefined ? reply.content : "NOT_FOUND";
        sendJson(res, 200, {
          id: `chatcmpl-fake-${requests.length}`,
          object: "chat.completion",
          created: Math.floor(Date.now() / 1000),
          model: body?.model ?? "fake",
          choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop", logprobs: null }],
          usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
        });
        return;
      }

      sendJson(res, 404, { error: { message: `no route ${req.method} ${path}` } });
    } catch (err) {
      if (!res.headersSent) sendJson(res, 500, { error: { message: String(err) } });
      else res.destroy();
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    setChatHandler(fn) {
      chatHandler = fn;
    },
    close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
