import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { AnswerEngine } from "../answer/api.js";
import type { Settings } from "../config.js";
import type { Answer, Citation } from "../types.js";
import { ApiError } from "./errors.js";
import { askInConversation, charCount, checkQuestion } from "./conversation.js";
import { citeText } from "../present/json.js";
import { parseBody } from "./validate.js";

/**
 * OpenAI-compatible chat completions, so that Open WebUI, LobeChat, Dify or the official `openai` client can use
 * Nianbao as a model named "nianbao". The conversation is the user turns of `messages`: earlier ones are replayed
 * for follow-up state and the last one is answered. Citations become numbered footnotes in the content and a
 * `sources` list beside `choices` (non-standard, ignored by clients that do not know it).
 */

export const MODEL_ID = "nianbao";
const MODEL_CREATED = 1735689600; // 2025-01-01, fixed so the listing is stable

const Part = z.looseObject({ type: z.string(), text: z.string().optional() });
const Message = z.looseObject({
  role: z.string(),
  content: z.union([z.string(), z.array(Part), z.null()]).optional(),
});
const ChatBody = z.looseObject({
  model: z.string().optional(),
  messages: z.array(Message).min(1).max(500),
  stream: z.boolean().nullable().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
});

function textOf(content: z.infer<typeof Message>["content"]): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.filter((p) => p.type === "text" && p.text).map((p) => p.text).join("\n");
  return "";
}

export interface Source extends Citation {
  index: number;
}

export function sourcesOf(answer: Answer): Source[] {
  return answer.citations.map((c, i) => ({ index: i + 1, ...c }));
}

/** The answer with its citations as numbered footnotes (Markdown). */
export function contentWithFootnotes(answer: Answer): string {
  const out = [answer.answer.trim() || "（没有找到相关内容）"];
  if (answer.citations.length) {
    const notes = answer.citations.map((c, i) => {
      const extra = [c.published ? `发布日期 ${c.published}` : "", c.url ? `原文链接 ${c.url}` : ""].filter(Boolean).join("，");
      return `[${i + 1}] ${citeText(c)}${extra ? `（${extra}）` : ""}`;
    });
    out.push(`来源：\n\n${notes.join("\n\n")}`);
  }
  return out.join("\n\n");
}

/** Splits text into pieces of at most n characters (code points), for streaming. */
export function pieces(text: string, n = 16): string[] {
  const chars = [...text];
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += n) out.push(chars.slice(i, i + n).join(""));
  return out;
}

export function registerOpenAiRoutes(app: FastifyInstance, engine: AnswerEngine, settings: Settings): void {
  const model = { id: MODEL_ID, object: "model", created: MODEL_CREATED, owned_by: "nianbao" };
  app.get("/v1/models", async () => ({ object: "list", data: [model] }));
  app.get<{ Params: { id: string } }>("/v1/models/:id", async (req) => {
    if (req.params.id !== MODEL_ID) throw new ApiError(404, "model_not_found", `没有名为 ${req.params.id} 的模型（只有 ${MODEL_ID}）。`);
    return model;
  });

  app.post("/v1/chat/completions", async (req, reply) => {
    const body = parseBody(ChatBody, req.body);
    const userTurns = body.messages.filter((m) => m.role === "user").map((m) => textOf(m.content));
    if (userTurns.length === 0) throw new ApiError(400, "no_user_message", "messages 中没有用户提问（role 为 user 的消息）。");
    const question = checkQuestion(userTurns[userTurns.length - 1], settings.MAX_QUESTION_CHARS);
    const { answer } = await askInConversation(engine, question, userTurns.slice(0, -1), {
      maxHistory: settings.API_MAX_HISTORY,
      maxChars: settings.MAX_QUESTION_CHARS,
    });
    const content = contentWithFootnotes(answer);
    const id = `chatcmpl-${randomBytes(12).toString("hex")}`;
    const created = Math.floor(Date.now() / 1000);
    const promptChars = body.messages.reduce((n, m) => n + charCount(textOf(m.content)), 0);
    const usage = { prompt_tokens: promptChars, completion_tokens: charCount(content), total_tokens: promptChars + charCount(content) };
    const sources = sourcesOf(answer);

    if (!body.stream) {
      return {
        id,
        object: "chat.completion",
        created,
        model: MODEL_ID,
        choices: [{ index: 0, message: { role: "assistant", content }, logprobs: null, finish_reason: "stop" }],
        usage,
        sources,
      };
    }
    const chunk = (delta: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = {}) =>
      `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model: MODEL_ID, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...extra })}\n\n`;
    const events = [chunk({ role: "assistant", content: "" }, null)];
    for (const p of pieces(content)) events.push(chunk({ content: p }, null));
    events.push(chunk({}, "stop", { sources }));
    if (body.stream_options?.include_usage)
      events.push(`data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model: MODEL_ID, choices: [], usage })}\n\n`);
    events.push("data: [DONE]\n\n");
    reply
      .type("text/event-stream; charset=utf-8")
      .header("cache-control", "no-cache")
      .header("x-accel-buffering", "no");
    return reply.send(Readable.from(events));
  });
}
