import type { PlanCore } from "../understand/types.js";
import type { Answer, Citation, DocKind } from "../types.js";

/**
 * The contract between the answer engine and its channels (terminal, Telegram).
 * Channels depend on this file only; the engine never imports a channel.
 */

/** What a follow-up question may inherit from the previous turn. */
export interface ConversationState {
  regions: string[];
  /** Departments named (e.g. 平潭综合实验区地方税务局), when the question was about a department's own report. */
  issuers?: string[];
  years: number[];
  /** Topic words of the last question (e.g. ["受理", "申请"]), reused when a follow-up only changes year or region. */
  topic: string[];
  lastQuestion: string | null;
  /** ms since epoch; channels expire stale state. */
  updatedAt: number;
  /** The previous turn's plan: a follow-up inherits from it only what it leaves open. */
  plan?: PlanCore | null;
}

export interface AskResult {
  answer: Answer;
  /** State to pass with the next question of the same conversation. */
  state: ConversationState;
}

export interface CoverageReport {
  region: string;
  issuer: string | null;
  years: number[];
}

export interface CoverageGoverning {
  title: string;
  kind: DocKind;
  year: number | null;
  source: string;
}

export interface Coverage {
  reports: CoverageReport[];
  governing: CoverageGoverning[];
  documents: number;
  chunks: number;
}

export interface AnswerEngine {
  ask(question: string, state?: ConversationState | null): Promise<AskResult>;
  coverage(): Coverage;
  /** Full text of the section a citation points at (for "show source"), or null if unknown. */
  fullSection(citation: Citation): string | null;
}

export function emptyState(): ConversationState {
  return { regions: [], years: [], topic: [], lastQuestion: null, updatedAt: 0 };
}
