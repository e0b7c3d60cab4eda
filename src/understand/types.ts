import { z } from "zod";
import { GOVERNING, SECTION_KEYS, TABLE_IDS } from "../domain/types.js";

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

export interface Plan extends PlanCore {
  /** The question as the user wrote it, and normalized (simplified, half-width digits, trimmed). */
  original: string;
  question: string;
  /** Near-miss body names, for "您是否指…". */
  suggestions: string[];
  /** Places named that the corpus does not hold. */
  unknownPlaces: string[];
  /** Which fields came from earlier turns. */
  inherited: Array<"bodies" | "years" | "metric" | "section">;
  /** Further metrics the question names beside `metric` ("行政复议和行政诉讼各有多少件"). */
  alsoMetrics?: string[];
}
