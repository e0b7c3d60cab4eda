import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { AnswerEngine } from "../answer/api.js";
import type { Settings } from "../config.js";
import type { Citation, Passage } from "../types.js";
import type { ErrorBody } from "./errors.js";
import { checkQuestion } from "./conversation.js";
import { citeText } from "../present/json.js";
import { parseBody } from "./validate.js";

/**
 * Dify's external knowledge API (POST /retrieval). Records are the passages the engine's answer cites, best
 * first, then — when the engine exposes its retriever — further retrieved passages up to top_k. Scores are by
 * rank (1, 0.87, 0.77, …), not similarities: the fused retrieval score has no 0–1 meaning.
 */

const RetrievalBody = z.looseObject({
  knowledge_id: z.string().max(200),
  query: z.string(),
  retrieval_setting: z.looseObject({
    top_k: z.number().int().min(1).max(100),
    score_threshold: z.number().min(0).max(1).optional().default(0),
  }),
  metadata_condition: z.unknown().optional(),
});

export interface DifyRecord {
  content: string;
  score: number;
  title: string;
  metadata: { body: string | null; year: number | null; section: string; url: string | null; source: string; region: string | null; published: string | null; label: string };
}

/** Dify's error shape ({error_code, error_msg}) alongside ours. Auth errors carry Dify's codes 1001/1002. */
export function difyErrorBody(status: number, body: ErrorBody): Record<string, unknown> {
  const code = /^\d+$/.test(body.error.code) ? Number(body.error.code) : status;
  return { error_code: code, error_msg: body.error.message, ...body };
}

export const rankScore = (i: number) => Math.round((1 / (1 + 0.15 * i)) * 1000) / 1000;

function record(c: Citation, content: string, i: number): DifyRecord {
  return {
    content,
    score: rankScore(i),
    title: c.title,
    metadata: { body: c.body ?? null, year: c.year, section: c.section, url: c.url ?? null, source: c.source, region: c.region, published: c.published ?? null, label: citeText(c) },
  };
}

/** The engine's own retriever when it has one (the concrete Engine does; the contract does not require it). */
type Retriever = { retrieve(question: string): Promise<Passage[]> };
const hasRetriever = (e: unknown): e is Retriever => typeof (e as Partial<Retriever>)?.retrieve === "function";

export function registerDifyRoutes(app: FastifyInstance, engine: AnswerEngine, settings: Settings): void {
  app.post("/retrieval", async (req) => {
    const body = parseBody(RetrievalBody, req.body);
    const query = checkQuestion(body.query, settings.MAX_QUESTION_CHARS, "query");
    const { top_k, score_threshold } = body.retrieval_setting;
    const { answer } = await engine.ask(query, null);
    const records: DifyRecord[] = [];
    const seen = new Set<string>();
    for (const c of answer.citations) {
      if (records.length >= top_k) break;
      seen.add(`${c.source}\u0000${c.section}`);
      records.push(record(c, c.quote, records.length));
    }
    if (records.length < top_k && answer.found && hasRetriever(engine)) {
      let passages: Passage[] = [];
      try {
        passages = await engine.retrieve(query);
      } catch {
        passages = [];
      }
      for (const p of Array.isArray(passages) ? passages : []) {
        if (records.length >= top_k) break;
        const m = p?.chunk?.meta;
        if (!m || typeof p.chunk.text !== "string") continue;
        const key = `${m.source}\u0000${m.section}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const c: Citation = { title: m.title, region: m.region, year: m.year, section: m.section, quote: p.chunk.text, source: m.source, body: m.issuer };
        records.push(record(c, p.chunk.text, records.length));
      }
    }
    return { records: records.filter((r) => r.score >= score_threshold) };
  });
}
