import type { AnswerContext } from "../context.js";
import { groupsIn } from "../../domain/vocabulary.js";
import type { StrategyInput, StrategyResult } from "../strategy.js";

/**
 * Checks run before dispatch, whatever the operation: a message that is no question about disclosure, or about
 * a place or report the corpus does not hold, is refused here, so no strategy has to repeat the check.
 */

export interface Guard {
  /** For logs and the JSON answer's `operation`. */
  name: string;
  /** A refusal, or null to let the question through. */
  check(ctx: AnswerContext, input: StrategyInput): StrategyResult | null;
}

/** A greeting or thanks, not a question. */
const GREETING = /^(你好|您好|嗨|哈喽|hi|hello|hey|在吗|在不在|谢谢|多谢|感谢|thanks?|thank you)[!！。,，~～\s]*$/i;

/** The reply to a greeting or thanks, or null when the text is something else. Runs on the raw question, before analysis. */
export function greetingReply(q: string): string | null {
  if (!GREETING.test(q)) return null;
  return /谢|thank/i.test(q)
    ? "不客气！还有问题可以继续问我。"
    : "您好！我根据政府信息公开工作年度报告和《政府信息公开条例》等文件回答问题，并注明出处。例如：“沈阳2013年受理了多少件政府信息公开申请？”“申请内容不明确怎么处理？”";
}

const DOMAIN_HINT = /政府信息|信息公开|政务公开|公开|申请|条例|报告|年报|复议|诉讼|收费|答复|不予|无法提供|补正|主动|依申请|行政机关|保密|豁免|第三方|工作日|法院|起诉|被告|机关|政府/;
/** A personal matter's status ("我家的补偿款到账没有"): no report or rule answers it, whatever words it shares with them. */
const PERSONAL = /(我家|我的|本人的|我们家|我父母|我爸|我妈).{0,20}(到账|到了没|办到哪|进度|批下来|批了没|有没有批|结果出来|什么时候(到|发|批|办好))|帮我(查|问|办)(一下)?(我|本人)/;
/** What Nianbao answers, in one sentence (the refusal of anything else). */
export const SCOPE_LINE = "Nianbao只回答政府信息公开工作年度报告和信息公开法规（条例、格式通知、司法解释）的问题。";

/** An instruction-changing message is answered only when it also asks a concrete question about a report. */
export const injection: Guard = {
  name: "injection",
  check(ctx, { plan }) {
    if (!plan.injection || plan.scope.bodies.length || plan.scope.years.length) return null;
    return ctx.none(plan, "我只能依据语料中的政府信息公开年度报告和相关法规回答问题，不能更改设定或透露内部指令。您可以问：“沈阳2013年受理了多少件政府信息公开申请？”");
  },
};

/** A personal matter (a payment, a case's progress): one short sentence of what Nianbao answers. */
export const personalMatter: Guard = {
  name: "personal-matter",
  check(ctx, { plan }) {
    if (!PERSONAL.test(plan.question) || plan.scope.bodies.length) return null;
    return ctx.none(plan, `个人事项的办理情况请向经办机关查询；${SCOPE_LINE}`);
  },
};

/** A place the corpus holds no report of ("北京市2015年…"). */
export const unknownPlace: Guard = {
  name: "unknown-place",
  check(ctx, { plan }) {
    const name = plan.unknownPlaces[0];
    if (!name || plan.scope.bodies.length) return null;
    return ctx.none(plan, `语料中没有${name}的政府信息公开年度报告。${heldUnder(ctx, name) ?? ctx.corpus.coverageSummary()}`);
  },
};

/** For a body not held under a held place ("平潭综合实验区气象局"): the bodies of that place that are held. */
function heldUnder(ctx: AnswerContext, name: string): string | null {
  const all = ctx.bodies.all();
  for (let k = name.length - 2; k >= 2; k--) {
    // The place written first: a held government, or the place of held departments ("沙县区" of 沙县区农业农村局).
    const written = name.slice(0, k);
    const gov = ctx.bodies.lookup(written);
    const place = gov && !["部门", "片区", "乡镇"].includes(gov.level) ? gov.id : all.some((b) => b.region === written) ? written : null;
    if (!place) continue;
    const own = all.filter((b) => b.id !== place && (b.parent === place || b.region === place) && ctx.corpus.holds(b.id, null));
    if (own.length) return `语料中${place}的机关有：${own.map((b) => b.id).join("、")}。`;
    // No department of that place is held: what the place's own government has.
    return ctx.corpus.coverageOfBody(place) || null;
  }
  return null;
}

/** A short name several held bodies derive, the years asked not deciding: which one is meant is asked, never guessed. */
export const ambiguousBody: Guard = {
  name: "ambiguous-body",
  check(ctx, { plan }) {
    const a = plan.ambiguous?.[0];
    if (!a || ["definition", "procedure", "format"].includes(plan.operation)) return null;
    const c = a.candidates;
    const which = c.length === 2 ? `${c[0]}还是${c[1]}` : `${c.slice(0, -1).join("、")}还是${c[c.length - 1]}`;
    return ctx.none(plan, `“${a.name}”可指语料中的${c.length}个机关。您是指${which}？请写明全称后再问。`);
  },
};

/** A place name alone is no sign that the question is about disclosure ("平潭能看到蓝眼泪吗"). */
export const offDomain: Guard = {
  name: "off-domain",
  check(ctx, { plan }) {
    const asked = `${plan.question} ${plan.context}`;
    // A body, a metric or an operation the planner recognised is the domain, even without its usual words ("沈阳");
    // a rule operation only by its words (every question naming no report would otherwise pass as a rule question).
    const planned = plan.bodies.length > 0 || plan.metric !== null || !["search", "definition", "procedure"].includes(plan.operation);
    const domain = planned || plan.scope.years.length > 0 || groupsIn(asked).length > 0 || plan.statutory.length > 0 || DOMAIN_HINT.test(asked);
    return domain ? null : ctx.none(plan, `这超出了本库的范围。${SCOPE_LINE}`);
  },
};

/** Every report the question names (region × year) is missing: say so, with what the corpus holds. Rule and drafting questions pass. */
export const missingReport: Guard = {
  name: "missing-report",
  check(ctx, { plan }) {
    if (!plan.scope.bodies.length && !plan.scope.years.length) return null;
    const missing: string[] = [];
    const regions = plan.scope.bodies.length ? plan.scope.bodies : [null];
    for (const r of regions) {
      const years = plan.scope.years.length ? plan.scope.years : [null];
      for (const y of years) {
        const has = ctx.corpus.holds(r, y);
        if (!has) missing.push(`${r ?? ""}${y ? `${y}年` : ""}`);
      }
    }
    if (!missing.length || plan.intent === "definition" || plan.intent === "drafting") return null;
    if (missing.length !== regions.length * (plan.scope.years.length || 1)) return null;
    // Exactly what is missing, and the nearest years held of the same body (one line).
    const near = plan.scope.years.length === 1 ? ctx.corpus.nearbyYears(plan.scope.bodies[0] ?? null, plan.scope.years[0]) : [];
    const cover = near.length ? `相近年份收录有${near.map((y) => `${y}年`).join("、")}。` : plan.scope.bodies.map((b) => ctx.corpus.coverageOfBody(b)).join("");
    return ctx.none(plan, `语料中没有${missing.join("、")}的政府信息公开年度报告。${cover || ctx.corpus.coverageSummary()}`);
  },
};

/** In order: the first refusal wins. */
export function defaultGuards(): Guard[] {
  return [injection, personalMatter, unknownPlace, ambiguousBody, offDomain, missingReport];
}

export function runGuards(guards: readonly Guard[], ctx: AnswerContext, input: StrategyInput): (StrategyResult & { strategy: string }) | null {
  for (const g of guards) {
    const r = g.check(ctx, input);
    if (r) return { ...r, strategy: g.name };
  }
  return null;
}
