import type { Operation, Plan } from "../plan/types.js";
import { sectionGroup } from "./context.js";
import type { Intent, QueryInfo } from "./query.js";

/**
 * A Plan derived from the older query analysis, so that the engine can dispatch on operations before the
 * planner (src/plan/planner.ts) takes over. It only decides the operation; the passage strategies still read
 * `QueryInfo` for everything else.
 */

const OPERATION_OF: Record<Intent, Operation> = {
  definition: "definition",
  drafting: "precedents",
  comparison: "difference",
  // A claimed figure ("受理了300件，对吗") is checked by the figure path.
  verify: "value",
  figure: "value",
  general: "search",
};

export function operationFromInfo(info: QueryInfo): Operation {
  // "长沙2011年的下步工作打算是什么": a named report's section, shown as written (passages when it has none).
  if (info.intent === "general" && (info.regions.length || info.years.length) && sectionGroup(info.question)) return "section";
  return OPERATION_OF[info.intent];
}

export function planFromInfo(info: QueryInfo): Plan {
  return {
    operation: operationFromInfo(info),
    bodies: info.issuers.length ? [...info.issuers] : [...info.regions],
    years: [...info.years],
    yearRange: null,
    metric: null,
    direction: null,
    section: null,
    table: null,
    governing: [],
    topic: info.topic,
    original: info.question,
    question: info.question,
    suggestions: [],
    unknownPlaces: info.unknownPlace ? [info.unknownPlace] : [],
    inherited: info.inherited ? ["bodies", "years"] : [],
  };
}
