import type { Plan, Operation } from "../understand/types.js";
import type { Answer, Passage } from "../types.js";

/**
 * One strategy per operation (src/answer/strategies/*.ts), each behind this interface. A strategy returns a
 * structured answer, or null when it cannot answer the plan (the registry then tries the next one that
 * handles the operation, and finally the "search" strategies).
 */
export interface StrategyInput {
  plan: Plan;
}

export interface StrategyResult {
  answer: Answer;
  /** Passages the answer rests on (for the optional LLM composer). */
  passages: Passage[];
}

export interface Strategy<C> {
  /** For logs and the JSON answer's `operation`. */
  name: string;
  operations: readonly Operation[];
  answer(ctx: C, input: StrategyInput): Promise<StrategyResult | null> | StrategyResult | null;
}

/** Strategies registered in order; the first that handles the operation and answers wins. */
export class StrategyRegistry<C> {
  private readonly list: Array<Strategy<C>> = [];

  use(...s: Array<Strategy<C>>): this {
    this.list.push(...s);
    return this;
  }

  async answer(ctx: C, input: StrategyInput, fallback: Operation = "search"): Promise<(StrategyResult & { strategy: string }) | null> {
    for (const op of input.plan.operation === fallback ? [fallback] : [input.plan.operation, fallback])
      for (const s of this.list) {
        if (!s.operations.includes(op)) continue;
        const r = await s.answer(ctx, input);
        if (r) return { ...r, strategy: s.name };
      }
    return null;
  }
}
