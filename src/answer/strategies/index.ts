import type { AnswerContext } from "../context.js";
import { StrategyRegistry, type Strategy } from "../strategy.js";
import { comparison } from "./comparison.js";
import { definition } from "./definition.js";
import { drafting } from "./drafting.js";
import { figure } from "./figure.js";
import { section } from "./section.js";
import { articleStrategy } from "./article.js";
import { checkStrategy } from "./check.js";
import { differenceStrategy } from "./difference.js";
import { extremeStrategy } from "./extreme.js";
import { formatStrategy } from "./formatTable.js";
import { overviewStrategy } from "./overview.js";
import { rankStrategy } from "./rank.js";
import { englishStrategy, helpStrategy } from "./reply.js";
import { rulesStrategy } from "./rules.js";
import { reportCase } from "./reportCase.js";
import { seriesStrategy } from "./series.js";
import { shareStrategy } from "./share.js";
import { valueStrategy } from "./value.js";

/**
 * The one place strategies are registered. A new question kind is a new file here plus one entry below; order
 * matters only between strategies sharing an operation (the first that answers wins), and "search" is every
 * plan's last resort. Fact-based strategies for difference/rank/extreme/series go BEFORE `comparison`, which
 * answers those from passages when no fact does.
 */
export function defaultStrategies(): Array<Strategy<AnswerContext>> {
  return [
    helpStrategy,
    // How a named report handled a case: the report's own sentences before its figures or the rule.
    reportCase,
    // Rule questions (and English ones) from the governing texts as clauses; the format tables and the older
    // passage answers stand behind it for what it does not take.
    rulesStrategy,
    englishStrategy,
    // Figures from the statistics database first; the passage strategies answer what no fact does.
    valueStrategy,
    seriesStrategy,
    extremeStrategy,
    rankStrategy,
    differenceStrategy,
    shareStrategy,
    checkStrategy,
    overviewStrategy,
    formatStrategy,
    articleStrategy,
    definition,
    drafting,
    section,
    comparison,
    figure,
  ];
}

export function createRegistry(strategies: Array<Strategy<AnswerContext>> = defaultStrategies()): StrategyRegistry<AnswerContext> {
  return new StrategyRegistry<AnswerContext>().use(...strategies);
}

export { defaultGuards, greetingReply, runGuards, type Guard } from "./guards.js";
