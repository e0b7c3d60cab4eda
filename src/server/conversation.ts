import type { z } from "zod";
import { conversationStateSchema, type AnswerEngine, type AskResult, type ConversationState } from "../answer/api.js";
import { ApiError } from "./errors.js";

/** Characters as people count them: code points, not UTF-16 units (𠀀 is one character). */
export function charCount(s: string): number {
  return [...s].length;
}

/** Rejects an empty or too long question with a clear 400. Returns it trimmed. */
export function checkQuestion(q: string, maxChars: number, what = "问题"): string {
  const t = q.trim();
  if (!t) throw new ApiError(400, "empty_question", `${what}不能为空。`);
  const n = charCount(t);
  if (n > maxChars) throw new ApiError(400, "question_too_long", `${what}过长（${n}字），请控制在${maxChars}字以内。`);
  return t;
}

/**
 * Answers `question` as the follow-up of `earlier` (earlier user questions, oldest first): the earlier ones are
 * replayed through the engine to rebuild the conversation state, as a chat channel would have kept it.
 * Only the last `maxHistory` earlier questions count; empty or over-long ones are skipped.
 */
export async function askInConversation(
  engine: AnswerEngine,
  question: string,
  earlier: string[],
  opts: { maxHistory: number; maxChars: number; state?: ConversationState | null },
): Promise<AskResult> {
  let state: ConversationState | null = opts.state ?? null;
  if (!state && opts.maxHistory > 0) {
    for (const q of earlier.slice(-opts.maxHistory)) {
      const t = q.trim();
      if (!t || charCount(t) > opts.maxChars) continue;
      state = (await engine.ask(t, state)).state;
    }
  }
  return engine.ask(question, state);
}

/**
 * The opaque state token of `X-Nianbao-State`: base64url JSON of the engine's ConversationState. A client may send
 * anything back, so a token is checked against the state's real shape (the plan inside it included, with bounded
 * lists) before it reaches the engine: a tampered token is the client's error (400 bad_state), never an internal one.
 */
export function encodeState(state: ConversationState): string {
  return Buffer.from(JSON.stringify(state), "utf8").toString("base64url");
}

/** Longest token accepted; a state the engine writes is a few hundred characters. */
export const MAX_STATE_CHARS = 16_384;

// The schema and the engine's type must not drift apart: a field the engine adds without adding it to the schema
// would make every follow-up token it issues fail as "tampered". This fails to compile when they differ.
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const sameShape: Same<z.infer<typeof conversationStateSchema>, ConversationState> = true;
void sameShape;

const BAD_STATE = () => new ApiError(400, "bad_state", "state 无效，请改用 history 传入之前的问题。");

/** A state token the client sent back: decoded and validated with the state's own schema, else 400 bad_state. */
export function decodeState(token: string): ConversationState {
  if (token.length > MAX_STATE_CHARS || !/^[A-Za-z0-9_-]+$/.test(token)) throw BAD_STATE();
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    throw BAD_STATE();
  }
  const parsed = conversationStateSchema.safeParse(raw);
  if (!parsed.success) throw BAD_STATE();
  return parsed.data;
}
