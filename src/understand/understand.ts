import type { BodyRegistry } from "../domain/bodies.js";
import { englishTerms, expansions, sectionGroup, statutoryPhrases } from "../domain/vocabulary.js";
import { questionKind } from "./kinds.js";
import { normalizeQuestion } from "./normalize.js";
import { plan as offlinePlan, type PlannerContext } from "./planner.js";
import { planWithLlm, type PlannerSettings } from "./llmPlanner.js";
import {
  asksFigure,
  detectIntent,
  extractClaimed,
  hasLegalCue,
  isDictionaryWord,
  isFollowUp,
  isInjection,
  kindsFor,
  regionsNamed,
  statedFigures,
  topicOf,
  unknownPlaceIn,
  type RegionEntry,
} from "./query.js";
import { planSchema, type ConversationState, type Intent, type Operation, type Plan, type PlanCore, type PlanDraft } from "./types.js";

/**
 * normalize → resolve (bodies, years, places, metric, claims) → plan → inherit → complete. One understanding of a
 * question: the Plan. Guards and strategies read nothing else; the conversation state is the plan's core plus
 * the words a follow-up may continue.
 */

export interface UnderstandContext {
  bodies: BodyRegistry;
  /** Years held per body id. */
  yearsOf(body: string): number[];
  /** Regions held, with the names users write for them (to take held names out before looking for unknown places). */
  regions: RegionEntry[];
  /** Whether the corpus itself writes a word (a near miss that the corpus uses is a word, not a misspelt name). */
  corpusUses(word: string): boolean;
  /** Optional LLM planner (LLM_PLANNER): its plan is validated and the offline plan stands on any failure. */
  llm?: { settings: PlannerSettings & { LLM_PLANNER: boolean }; log: (e: Record<string, unknown>) => void } | null;
  now?: () => number;
}

export interface Understood {
  plan: Plan;
  /** A note for the user ("您是否指…"), or null. */
  note: string | null;
}

/** A follow-up is fresh for 30 minutes. */
const FRESH_MS = 30 * 60_000;
const RULE_OPERATIONS: readonly Operation[] = ["definition", "procedure", "format"];

export async function understand(raw: string, prev: ConversationState | null, ctx: UnderstandContext): Promise<Understood> {
  let q = await normalizeQuestion(raw);
  let note: string | null = null;
  let suggested: string | null = null;
  if (ctx.bodies.mentions(q).length === 0) {
    // A near-miss that the corpus itself writes ("长时" in 多长时间) is a word, not a misspelt name.
    const miss = ctx.bodies.nearMisses(q, isDictionaryWord).find((m) => !ctx.corpusUses(m.word));
    if (miss && !ctx.regions.some((r) => r.names.some((n) => q.includes(n)))) {
      q = q.split(miss.word).join(miss.name);
      note = `您是否指“${miss.name}”？以下按“${miss.body.id}”回答。`;
      suggested = miss.body.id;
    }
  }
  const named = regionsNamed(q, ctx.regions);
  const plannerCtx: PlannerContext = {
    bodies: ctx.bodies,
    yearsOf: ctx.yearsOf,
    unknownPlace: () => (named.regions.length ? null : unknownPlaceIn(named.rest)),
  };
  const now = (ctx.now ?? Date.now)();
  const fresh = prev !== null && prev.lastQuestion !== null && now - prev.updatedAt < FRESH_MS ? prev : null;
  let draft = offlinePlan(q, raw, fresh?.plan ?? null, plannerCtx);
  if (suggested) draft.suggestions = [suggested];
  const llm = ctx.llm;
  if (llm && llm.settings.LLM_PLANNER && llm.settings.LLM_BASE_URL && llm.settings.LLM_MODEL)
    draft = (await planWithLlm(q, fresh ? { lastQuestion: fresh.lastQuestion, plan: fresh.plan ?? null } : null, draft, plannerCtx, llm.settings, llm.log)) ?? draft;
  return { plan: complete(draft, named.names, fresh), note };
}

/**
 * The plan completed for the passage strategies: the kind of answer, the reports in scope (the planned bodies and
 * years — a rule question has none), the content words (a bare follow-up continues the previous turn's words),
 * claims and injection. The operation the planner's rules leave as "search" is read from the kind of answer.
 */
export function complete(draft: PlanDraft, heldNames: string[], prev: ConversationState | null): Plan {
  const q = draft.question;
  const claimed = extractClaimed(q);
  const followup = prev !== null && isFollowUp(q);
  const inherited = draft.inherited.length > 0;
  let words = topicOf(q, heldNames);
  let wordsInherited = false;
  if (prev && (followup || words.replace(/\s/g, "").length <= 2 || (!draft.bodies.length && !draft.years.length && asksFigure(q) && !hasLegalCue(q)))) {
    if (words.replace(/[那么还有另外再同样同期这该]/g, "").length <= 1 && prev.words) {
      words = prev.words;
      wordsInherited = true;
    }
  }
  const continued = (inherited || wordsInherited || followup) && prev?.lastQuestion ? ` ${words} ${prev.lastQuestion}` : "";
  let intent: Intent = detectIntent(q + continued, draft.bodies, draft.years, claimed, statedFigures(q));
  let operation = draft.operation;
  if (operation === "search") operation = operationOf(intent, draft, q);
  const rule = RULE_OPERATIONS.includes(operation);
  if (rule) intent = "definition";
  // Everyday words stand for statutory phrases (平信 → 平常信函); an English question for its Chinese key terms.
  const statutory = operation === "english" ? englishTerms(q) : statutoryPhrases(q);
  return {
    ...draft,
    operation,
    intent,
    scope: rule ? { bodies: [], years: [] } : { bodies: draft.bodies, years: draft.years },
    words,
    // The thesaurus phrases stay apart from the glossary's expansions: clause retrieval and the report searches that
    // want them add them (rules, report cases, precedents); other searches keep their tuned expansions.
    expansions: expansions(words),
    kinds: kindsFor(intent),
    claimed,
    injection: isInjection(q),
    context: followup && !inherited && !wordsInherited ? prev!.words : "",
    kind: questionKind(q),
    statutory,
  };
}

/** The operation the kind of answer implies, for questions the planner's rules leave as "search". */
function operationOf(intent: Intent, draft: PlanDraft, q: string): Operation {
  if (intent === "definition") return "definition";
  // With no report named, a figure word that asks for no count ("其他处理数量偏高，主管部门会怎么看") is a rule question.
  if (intent === "figure" && !draft.bodies.length && !draft.years.length && !/多少|几(件|个|起|条|项|份|次|类)|数量(是|为|有)/.test(q)) return "definition";
  if (intent === "drafting") return "precedents";
  // Comparisons and figures no metric of the vocabulary names: the passage strategies compare or quote.
  if (intent === "comparison") return "difference";
  if (intent === "figure" || intent === "verify") return "value";
  // "长沙2011年的下步工作打算是什么": a named report's section, shown as written.
  if (intent === "general" && (draft.bodies.length || draft.years.length) && sectionGroup(q)) return "section";
  return "search";
}


/** The state carried to the next turn: the plan's core and the words a follow-up may continue. */
export function nextState(plan: Plan | null, prev: ConversationState | null, now = Date.now()): ConversationState {
  if (!plan) return prev ?? emptyState();
  return { plan: planCore(plan), words: plan.words, lastQuestion: plan.question, updatedAt: now };
}

export function emptyState(): ConversationState {
  return { plan: null, words: "", lastQuestion: null, updatedAt: 0 };
}

/** The part of a plan carried to the next turn (the schema's fields only). */
export function planCore(p: PlanCore): PlanCore {
  return planSchema.parse({ operation: p.operation, bodies: p.bodies, years: p.years, yearRange: p.yearRange, metric: p.metric, direction: p.direction, section: p.section, table: p.table, governing: p.governing, topic: p.topic });
}
