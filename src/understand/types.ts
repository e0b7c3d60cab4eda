import { z } from "zod";
import type { DocKind } from "../types.js";
import { GOVERNING, SECTION_KEYS, TABLE_IDS } from "../domain/types.js";
import type { QuestionKind } from "./kinds.js";

/**
 * A question, understood: which bodies, years, metric and operation it asks for. The offline planner
 * (planner.ts) produces it; an LLM may produce the same shape through structured output, validated by
 * `planSchema` before use. Strategies (src/answer/strategies/) answer a plan.
 */

export const OPERATIONS = [
  "value", // one figure of one report
  "series", // one metric over years of one body
  "extreme", // which year/body has the most/least
  "rank", // bodies ordered by a metric in one year
  "difference", // how much more/less between two reports
  "sum", // total over reports
  "share", // part of a total
  "check", // 勾稽关系 of a report
  "section", // a named section of a report, as written
  "precedents", // how other reports wrote a section
  "definition", // what a term means (article)
  "procedure", // what the rules require (deadlines, may/must, how)
  "format", // what the format requires (a table's rows, a section's content, 2019 vs 2021)
  "overview", // a bare body name: what is held, key figures
  "search", // anything else: passages
  "help", // no question in the text
  "english", // a question in English
] as const;
export type Operation = (typeof OPERATIONS)[number];

export { GOVERNING, type GoverningText } from "../domain/types.js";

export const planSchema = z.object({
  operation: z.enum(OPERATIONS),
  /** Canonical body ids (BodyRegistry). */
  bodies: z.array(z.string()),
  years: z.array(z.number().int().min(1990).max(2100)),
  /** Inclusive range, for "2019年以来", "2021到2024年". */
  yearRange: z.tuple([z.number().int(), z.number().int()]).nullable(),
  /** Metric id from the format module (e.g. "表三:new:total", "narr:review"). */
  metric: z.string().nullable(),
  /** "max" | "min" for extremes and rankings. */
  direction: z.enum(["max", "min"]).nullable(),
  /** Section key of the format module, for section text and precedents. */
  section: z.enum(SECTION_KEYS).nullable(),
  /** The statistical table asked about ("表三怎么填"). */
  table: z.enum(TABLE_IDS).nullable(),
  /** The governing texts a rule question is about, when it names them. */
  governing: z.array(z.enum(GOVERNING)),
  /** Content words left for passage search. */
  topic: z.string(),
});
export type PlanCore = z.infer<typeof planSchema>;

/** What the planner decides (offline or by LLM); understand.ts completes it into a Plan. */
export interface PlanDraft extends PlanCore {
  /** The question as the user wrote it, and normalized (simplified, half-width digits, trimmed). */
  original: string;
  question: string;
  /** Near-miss body names, for "您是否指…". */
  suggestions: string[];
  /** Places, departments, 片区 or towns named that the corpus does not hold. */
  unknownPlaces: string[];
  /** Names several held bodies carry with none preferred and the years asked not deciding ("您是指…还是…？"). */
  ambiguous?: Array<{ name: string; candidates: string[] }>;
  /** Which fields came from earlier turns. */
  inherited: Array<"bodies" | "years" | "metric" | "section">;
  /** Further metrics the question names beside `metric` ("行政复议和行政诉讼各有多少件"). */
  alsoMetrics?: string[];
}

/** A question, understood: the only understanding every guard and strategy reads. */
export interface Plan extends PlanDraft {
  /** The kind of answer passages are composed into (figure, comparison, verify, definition, drafting, general). */
  intent: Intent;
  /** The reports passage search is restricted to: the planned bodies and years (none for a rule question). */
  scope: { bodies: string[]; years: number[] };
  /** Content words for passage search (jieba words minus names, years and question words). */
  words: string;
  /** Glossary equivalents of the words (statutory ↔ everyday wording). */
  expansions: string[];
  /** Kinds of documents that answer it. */
  kinds: DocKind[];
  /** Numbers the user asserted ("受理了300件，对吗"), never echoed back. */
  claimed: string[];
  /** The question tries to change the bot's instructions or extract its prompt. */
  injection: boolean;
  /** The previous turn's words, for a follow-up that continues it without inheriting a report ("那2007年的条例呢"). */
  context: string;
  /** The kind of answer wanted (a duty, a deadline, whether one can sue, a report-table row, examples…). */
  kind: QuestionKind;
  /** Statutory phrases the question's everyday words stand for (the thesaurus), or for an English question its Chinese key terms. */
  statutory: string[];
}

export type Intent = "figure" | "comparison" | "verify" | "definition" | "drafting" | "general";

/** What a follow-up may inherit from the previous turn: the previous plan's core and its content words. */
export interface ConversationState {
  /** The previous turn's plan: a follow-up inherits from it only what it leaves open. */
  plan: PlanCore | null;
  /** Content words of the last question, continued by a follow-up that only changes year or body. */
  words: string;
  lastQuestion: string | null;
  /** ms since epoch; follow-ups older than 30 minutes start afresh, and channels expire stale state. */
  updatedAt: number;
}

/** The state as a client may send it back (X-Nianbao-State): strict, bounded. */
const MAX_LIST = 500;
export const conversationStateSchema = z
  .object({
    plan: planSchema
      .extend({
        bodies: z.array(z.string().max(200)).max(MAX_LIST),
        years: planSchema.shape.years.max(MAX_LIST),
        governing: planSchema.shape.governing.max(MAX_LIST),
        topic: z.string().max(2000),
      })
      .strict()
      .nullable(),
    words: z.string().max(2000),
    lastQuestion: z.string().max(2000).nullable(),
    updatedAt: z.number().finite(),
  })
  .strict();
