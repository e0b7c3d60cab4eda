import type { ConversationState } from "../understand/types.js";
import type { Answer, Citation, DocKind, SourceView } from "../types.js";

/**
 * The contract between the answer engine and its channels (terminal, Telegram).
 * Channels depend on this file only; the engine never imports a channel.
 */

export type { ConversationState } from "../understand/types.js";
export { emptyState } from "../understand/understand.js";
export { conversationStateSchema } from "../understand/types.js";
export { checkQuestionLength, questionLength, type LengthCheck } from "./limits.js";

export interface AskResult {
  answer: Answer;
  /** State to pass with the next question of the same conversation. */
  state: ConversationState;
}

export interface CoverageReport {
  region: string;
  /** The issuing department (or 片区, town) when not the region's government. */
  issuer: string | null;
  /** The body's registry id, level (市, 区县, 部门, 片区, 乡镇…) and the body one level up, when known. */
  body?: string;
  level?: string | null;
  parent?: string | null;
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
  /** What a citation id points at (its section; a cell shown in its table), or null for an id not held. */
  source(id: string): SourceView | null;
}
