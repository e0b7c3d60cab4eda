import type { BodyRegistry } from "../domain/bodies.js";
import { sectionKeyOf } from "../domain/format/formats.js";
import { extractYears } from "./query.js";
import { COUNT_WORDS, resolveMetric, resolveMetrics } from "./metric.js";
import { isLatinQuestion } from "./normalize.js";
import { questionKind } from "./kinds.js";
import type { GoverningText, Operation, PlanDraft as Plan, PlanCore } from "./types.js";

/**
 * The offline planner: a normalized question (and the previous turn's plan) → a Plan. Every decision is a
 * rule over words, named below, so that a wrong plan points at the rule to change.
 */

export interface PlannerContext {
  bodies: BodyRegistry;
  /** Years held per body id (for ranges and "历年"). */
  yearsOf(body: string): number[];
  /** Places named in a question that the corpus does not hold (from the query analysis). */
  unknownPlace(q: string): string | null;
}

/** Words of a rule question: what the regulation or a notice says (deadlines, may/must, how to). */
const PROCEDURE = /多少天|几天|多少个?工作日|几个工作日|期限|时限|多久|多长时间|延长|能不能|能否|可不可以|可以.{0,12}吗|是否可以|是否需要|需不需要|要不要|怎么办|怎么处理|如何处理|怎么答复|如何答复|怎么做|怎样|如何|应当|必须|会受理吗|受理吗|要写|写哪些|哪些内容|需要提供|需要什么|收费吗|要钱吗|收不收费|口头|申请书|怎么申请|流程|程序|依据|哪一条|哪条|规定|条例|法律责任|起诉|复议.{0,4}(怎么|如何|可以)/;
const DEFINITION = /什么是|是什么意思|什么意思|指什么|是指|的定义|含义|怎么理解|何为|哪些属于|属于什么/;
/** The report format itself: its tables, template, columns (a difference question counts only when it names the format). */
const FORMAT = /怎么填|如何填|要填什么|填写|填报|模板|表[二三四]|统计表|填什么|栏目|第二十条第|什么单位|计量单位|统计口径|时点|勾稽关系是什么|表格里|表格中|哪几种情形|哪些情形|哪几项|包括哪几种|(格式|年报|年度报告).{0,20}(有何不同|有什么不同|区别|变化)|(有何不同|有什么不同|区别|变化).{0,12}格式|(格式|模板).{0,30}(比|相比|对比|少报|多报|少了|多了)|那张表/;
/** What to write in a section of the report ("总体情况部分应该写哪些内容", "这一部分格式上的重点要求"). */
const SECTION_WRITING = /写哪些|写什么|哪些内容|什么内容|怎么写|如何写|重点要求|要求是什么|格式上|应该包括|要包括/;
const PRECEDENT = /例子|范例|示例|样例|参考|借鉴|怎么写|如何写|写法|别人(写|是怎么|怎么|的(写法|报告|年报|做法))|其他(单位|部门|报告)|哪些报告|看看.{0,6}(写|报告)/;
/** How a named report wrote one of its sections ("平潭2021年报告的存在的主要问题是怎么写的"): that section, as written. */
const AS_WRITTEN = /怎么写的|是怎么写|如何写的|写了什么|写的什么|怎么说的|原文|全文/;
/** A figure is asked for: without a report named, only a question word for a count asks for one ("数量偏高" does not). */
const ASKS_COUNT = /多少|几(件|个|起|条|项|份|次|类)|数量(是|为|有)/;
/** Years that name a version of the format or the rules, not a report ("2019年试行格式", "2021版"). */
const VERSION_YEAR = /(?<!\d)((?:19|20)\d{2})\s*年?\s*(?:的)?\s*(?:修订的?|试行的?)?\s*(?:版|格式|模板|通知|条例|司法解释|规定)/g;
const CHECK = /勾稽|核对|校验|对得上|对不上|是否一致|是否相符|(表|总计|合计).{0,8}加起来|合计是否|自相矛盾|有没有错|数据.{0,4}(对|错)/;
const EXTREME_MAX = /最多|最高|最大|最长|峰值|最多的/;
const EXTREME_MIN = /最少|最低|最小|最短/;
const RANK = /排名|排序|排行|前[三五十]|从高到低|从多到少|从少到多|依次/;
const DIFFERENCE = /多了?多少|少了?多少|相差|差了?多少|差距|增加了?多少|减少了?多少|增长了?多少|下降了?多少|变化了?多少|比.{1,16}(多|少|高|低)|增减|同比|增幅|降幅|对比|比较|相比|比怎么样|比如何|变化如何/;
const SERIES = /历年|每年|逐年|各年|趋势|变化情况|变化趋势|走势|这几年|近[两三四五六七八九十\d]+年|\d{4}\s*(?:年)?\s*(?:以来|至今|到现在)|(?:从|自)?\d{4}\s*年?\s*(?:到|至|—|-|~)\s*\d{4}/;
const SUM = /一共|总共|合计|累计|加起来一共|总和/;
const SHARE = /占比|比例|百分之|百分比|比重|占.{0,8}(多少|几成)/;
const SECTION_ASK = /写了什么|怎么说|内容|情况|说了什么|讲了什么|原文|全文|部分/;
/** What is left of an overview request once the body is taken out: nothing, or words that ask for the whole. */
const OVERVIEW = /^(的)?(政府信息公开)?(报告|年报|年度报告|情况|概况|简介|介绍|有哪些报告|有哪些年报|哪些年份?|有哪些|有什么|有?哪些年(?:份|度)?的?(?:报告|年报)|有?几份(?:报告|年报))?(有哪些|呢)?[？?。!！\s]*$/;
/** Words naming a kind of body rather than one: the held bodies of that level. */
const CATEGORY: Array<[RegExp, "片区" | "乡镇"]> = [
  [/(?:各|每个|哪个|哪一个|哪些|几个|所有|全部|[二三四五六七八九十两]个)片区|片区(?:中|里|之间|当中)/, "片区"],
  [/(?:各|每个|哪个|哪一个|哪些|几个|所有|全部|[二三四五六七八九十两]个)(?:乡镇|街道)|(?:乡镇|街道)(?:中|里|之间|当中)/, "乡镇"],
];

/** "各是多少", "分别多少", "各收到多少件": one figure per year or body. */
const EACH = /各(?:自)?(?:是|有|为|收到|受理|公开|办理)?了?(?:多少|几)|分别(?:是|为|有|收到|受理)?了?(?:多少|几)?|各(?:年|个)/;
/** "哪年…多", "哪个部门…少": which one has more or less. */
const WHICH_MORE = /(?:哪(?:一|个)?(?:年|个|家|些)?|谁).{0,16}(多|少|高|低)/;

function governingOf(q: string, op: Operation): GoverningText[] {
  const out: GoverningText[] = [];
  if (/2007|2008年施行|(旧|老|原)版?的?(政府信息公开)?条例|492号|修订前/.test(q)) out.push("regulation-2007");
  if (/2019年?(修订|版)?的?条例|新条例|711号|修订后/.test(q)) out.push("regulation-2019");
  if (/60号|试行|2019年?的?(新)?格式|2019版/.test(q)) out.push("format-2019");
  if (/30号|2021年?的?(新)?格式|2021版|现行格式|新格式/.test(q)) out.push("format-2021");
  if (/法释|司法解释|最高人民法院|法院/.test(q)) out.push(/2011|17号|旧/.test(q) ? "judicial-2011" : "judicial-2025");
  if (op === "format" && !out.some((g) => g.startsWith("format"))) out.push("format-2021");
  return out;
}

function yearRange(q: string): [number, number] | null {
  const m = q.match(/(?:从|自)?(\d{4})\s*年?\s*(?:到|至|—|-|~)\s*(\d{4})/);
  if (m) return [Math.min(+m[1], +m[2]), Math.max(+m[1], +m[2])];
  const since = q.match(/(\d{4})\s*年?\s*(?:以来|至今|到现在|之后|以后)/);
  if (since) return [+since[1], 2100];
  return null;
}

/** Topic words: the question minus what the plan already took (bodies, years, question words). */
function topicOf(q: string, taken: string[]): string {
  let t = q;
  for (const w of taken) if (w) t = t.split(w).join(" ");
  return t.replace(/(?<!\d)(19|20)\d{2}\s*年?度?/g, " ").replace(/[？?。，,！!、：:；;“”"'（）()]/g, " ").replace(/\s+/g, " ").trim();
}

export function plan(question: string, original: string, prev: PlanCore | null, ctx: PlannerContext): Plan {
  const q = question;
  const base = { original, question: q, suggestions: [] as string[], unknownPlaces: [] as string[], inherited: [] as Plan["inherited"] };
  const empty: PlanCore = { operation: "search", bodies: [], years: [], yearRange: null, metric: null, direction: null, section: null, table: null, governing: [], topic: "" };
  if (isLatinQuestion(q)) return { ...empty, ...base, operation: "english" };
  // No question in it: digits, punctuation, a lone word that names nothing.
  if (!/[\u3400-\u9fffA-Za-z]/.test(q)) return { ...empty, ...base, operation: "help" };

  // A year that names a version of the format or the rules is no report's year.
  const versionYears = new Set([...q.matchAll(VERSION_YEAR)].map((m) => Number(m[1])));
  const years = extractYears(q).filter((y) => !versionYears.has(y));
  const range = yearRange(q);
  const metricMatch = resolveMetric(q);
  const detailed = ctx.bodies.mentionsDetailed(q);
  let mentioned = detailed.bodies;
  // A name several held bodies carry (公安局): the years asked decide when one of them alone holds them; else the
  // registry's preferred one (the latest of a line of succession); else which one is meant is asked.
  const ambiguous: NonNullable<Plan["ambiguous"]> = [];
  for (const a of detailed.ambiguous) {
    const asked = years.length ? years : range ? a.candidates.flatMap((c) => ctx.yearsOf(c.id)).filter((y) => y >= range[0] && y <= range[1]) : [];
    const holders = asked.length ? a.candidates.filter((c) => ctx.yearsOf(c.id).some((y) => asked.includes(y))) : [];
    const chosen = holders.length === 1 ? holders[0] : a.preferred;
    if (chosen && chosen !== a.preferred) mentioned = [...mentioned.filter((b) => b !== a.preferred), chosen];
    if (!chosen) ambiguous.push({ name: a.name, candidates: (holders.length > 1 ? holders : a.candidates).map((c) => c.id) });
  }
  // A department, 片区 or town named but not held ("平潭综合实验区气象局", "澳前片区"): not held, and the place written
  // before it is no body asked about.
  // Only in a question about a report's figures, or (for a name that cannot be another word) about a year's report.
  const asksFigures = metricMatch !== null || COUNT_WORDS.test(q);
  let unheld = ctx.bodies.unheldBodies(q).filter((u) => asksFigures || (u.strong && (years.length > 0 || range !== null)));
  let bodies = [...new Set(mentioned.map((b) => b.id))];
  // "各片区", "哪个片区", "四个片区": every held body of that level, when the question names none of them.
  const category = !bodies.length && !detailed.ambiguous.length && metricMatch ? CATEGORY.find(([re]) => re.test(q))?.[1] : undefined;
  if (category) bodies = ctx.bodies.all().filter((b) => b.level === category && ctx.yearsOf(b.id).length > 0).map((b) => b.id);
  // A department's names, and its place's names written before its short name ("平潭财政局").
  const names = mentioned.flatMap((b) => [...b.names, ...(b.level !== "市" && b.level !== "省" && b.level !== "区县" && b.region ? ctx.bodies.get(b.region)?.names ?? [] : [])].filter((n) => q.includes(n)));
  const tableAsked = q.match(/表([二三四])/)?.[1];
  const sectionKey = sectionKeyOf(q) ?? (/问题|不足|改进/.test(q) && /存在|主要|改进/.test(q) ? "problems" : null);
  let unknown = bodies.length === 0 ? ctx.unknownPlace(q) : null;
  // A department of a place not held ("云新县财政局"): the place is what is not held.
  if (unknown && unheld.some((u) => !u.place && u.name.startsWith(unknown!))) unheld = unheld.filter((u) => u.place || !u.name.startsWith(unknown!));
  else if (unheld.length) unknown = null;

  // The operation, by the words that ask for it; rule words win only when no report is named.
  let op: Operation;
  const asksFigure = metricMatch !== null && (years.length > 0 || bodies.length > 0 || ASKS_COUNT.test(q));
  // "那有没有因此被申请行政复议" after a question about a report: a figure of that report, not a rule.
  const followsReport = prev !== null && prev.bodies.length > 0 && !bodies.length && metricMatch !== null && /^(那|那么|还有|另外|因此|其中|此外)/.test(q);
  if (CHECK.test(q) && (bodies.length || years.length)) op = "check";
  else if (followsReport) op = "value";
  // "有没有单位在总体情况写过…": examples from the reports (a place named only narrows them).
  else if (questionKind(q) === "examples" && !asksFigure) op = "precedents";
  // "平潭2021年报告的存在的主要问题是怎么写的": that report's section, not examples from others.
  else if (sectionKey && bodies.length && AS_WRITTEN.test(q)) op = "section";
  else if (PRECEDENT.test(q) && !asksFigure) op = "precedents";
  // "总体情况部分应该写哪些内容": the section's requirement and examples (a table question is "format").
  else if (sectionKey && SECTION_WRITING.test(q) && !bodies.length && !/表[二三四]|表格|填/.test(q)) op = "precedents";
  else if (FORMAT.test(q) && !bodies.length && !asksFigure) op = "format";
  else if (DEFINITION.test(q) && !bodies.length) op = "definition";
  // Years in a rule question name a version of the rules ("2008年施行的旧版条例"), not a report.
  else if ((PROCEDURE.test(q) || /条例|规定/.test(q)) && !bodies.length) op = "procedure";
  else if (metricMatch && SHARE.test(q)) op = "share";
  else if (metricMatch && RANK.test(q)) op = "rank";
  // "2025年A和B各多少件": one figure per body (of that year only); "2019、2022、2024年各是多少": one per year.
  else if (metricMatch && EACH.test(q) && !EXTREME_MAX.test(q) && !EXTREME_MIN.test(q) && (bodies.length >= 2 || years.length >= 2 || range)) op = "series";
  // "2022年和2023年哪年多", "沈阳市2013年和长沙市2011年哪个多": two reports compared. Over a range ("2021至2025年哪一年
  // 最多") it is the extreme of every year, not the difference of the two ends.
  else if (metricMatch && WHICH_MORE.test(q) && !range && ((years.length === 2 && bodies.length <= 1) || (bodies.length === 2 && years.length <= 2 && !category))) op = "difference";
  else if (metricMatch && (EXTREME_MAX.test(q) || EXTREME_MIN.test(q) || WHICH_MORE.test(q))) op = "extreme";
  else if (metricMatch && DIFFERENCE.test(q)) op = "difference";
  else if (metricMatch && (SERIES.test(q) || range !== null || (years.length === 0 && /各年|每一年|哪几年/.test(q)))) op = "series";
  else if (metricMatch && SUM.test(q) && (years.length > 1 || bodies.length > 1 || range)) op = "sum";
  else if (metricMatch && (asksFigure || bodies.length || years.length)) op = years.length > 1 || bodies.length > 1 ? "series" : "value";
  else if (sectionKey && bodies.length && SECTION_ASK.test(q)) op = "section";
  else if (sectionKey && PRECEDENT.test(q)) op = "precedents";
  else if (bodies.length && !metricMatch && OVERVIEW.test(topicOf(q, names))) op = "overview";
  else if (DEFINITION.test(q)) op = "definition";
  else if (PROCEDURE.test(q) && !years.length) op = "procedure";
  else op = "search";

  // A rule question names no report: a body-like word in it is no report missing.
  if (["definition", "procedure", "format", "precedents", "help", "english"].includes(op) || (op === "search" && !years.length)) unheld = [];
  if (unheld.length) {
    const still = new Set(ctx.bodies.mentions(unheld.reduce((t, u) => t.split(u.name).join("　"), q)).map((b) => b.id));
    bodies = bodies.filter((id) => still.has(id) || !unheld.some((u) => u.place?.id === id));
  }
  const direction = EXTREME_MIN.test(q) || /从少到多|从低到高/.test(q) || /哪.{0,12}(少|低)/.test(q) ? "min" : EXTREME_MAX.test(q) || RANK.test(q) || WHICH_MORE.test(q) ? "max" : null;
  const out: Plan = {
    ...base,
    operation: op,
    bodies,
    years,
    yearRange: range,
    metric: metricMatch?.metric.id ?? null,
    alsoMetrics: metricMatch ? resolveMetrics(q).map((m) => m.id).filter((id) => id !== metricMatch.metric.id && !metricMatch.metric.id.startsWith(id.replace(/:total$/, ":"))) : [],
    direction,
    section: sectionKey,
    table: tableAsked ? (`表${tableAsked}` as PlanCore["table"]) : null,
    governing: governingOf(q, op),
    topic: topicOf(q, [...names, ...(metricMatch?.words ?? [])]),
    unknownPlaces: [...unheld.map((u) => u.name), ...(unknown ? [unknown] : [])],
    ...(ambiguous.length ? { ambiguous } : {}),
  };
  return prev ? inherit(out, prev) : out;
}

const RULE_OPS: Operation[] = ["definition", "procedure", "format", "help", "english"];
/** A follow-up that only changes the year or the body: "那2016年呢", "财金局呢", "行政复议呢". */
const ELLIPTIC = /^(那|那么|还有|再看看?|换成|改成)?.{0,16}(呢|吗)?[？?]?$/;

/**
 * A follow-up inherits from the previous turn only what it leaves open. A rule question never inherits a
 * report; a question naming a body drops the previous one's years only when it names its own.
 */
export function inherit(p: Plan, prev: PlanCore): Plan {
  if (RULE_OPS.includes(p.operation) || RULE_OPS.includes(prev.operation) && p.operation !== "search") return p;
  const out = { ...p, inherited: [...p.inherited] };
  const elliptic = ELLIPTIC.test(p.question) && p.question.length <= 20;
  const figureLike = (op: Operation) => ["value", "series", "extreme", "rank", "difference", "sum", "share", "check"].includes(op);
  if (!out.bodies.length && prev.bodies.length && (figureLike(out.operation) || elliptic || out.operation === "section")) {
    out.bodies = prev.bodies;
    out.inherited.push("bodies");
  }
  // "历年呢", "哪年最多呢": the follow-up asks across years, so the previous turn's year is not inherited.
  const acrossYears = SERIES.test(p.question) || EXTREME_MAX.test(p.question) || EXTREME_MIN.test(p.question) || RANK.test(p.question);
  if (!out.years.length && !out.yearRange && prev.years.length && !acrossYears && (elliptic || figureLike(out.operation)) && !["series", "extreme", "rank"].includes(out.operation)) {
    out.years = prev.years;
    out.inherited.push("years");
  }
  // "那行政复议呢" after a figure question: the new metric, for the report(s) the conversation is about.
  if (out.metric && out.inherited.includes("bodies") && (out.operation === "search" || out.operation === "overview")) out.operation = "value";
  // A follow-up that names something of its own ("其中办结了多少件") does not inherit the previous metric.
  const ownTopic = p.topic.replace(/那么?|还有|再|换成|改成|其中|呢|吗|的|历年|每年|各年|逐年|哪一?年|最多|最少|最高|最低|排名|年度?|是|多少件?|几件|几个|情况|怎么样|如何|[？?，,。\s]/g, "");
  if (!out.metric && prev.metric && elliptic && !ownTopic) {
    out.metric = prev.metric;
    out.inherited.push("metric");
    if (out.operation === "search" || out.operation === "overview")
      out.operation = SERIES.test(p.question) ? "series" : EXTREME_MAX.test(p.question) || EXTREME_MIN.test(p.question) ? "extreme" : RANK.test(p.question) ? "rank" : figureLike(prev.operation) ? (prev.operation === "series" && out.years.length === 1 ? "value" : prev.operation) : "value";
    if (out.operation === "extreme" && !out.direction) out.direction = EXTREME_MIN.test(p.question) ? "min" : "max";
  }
  if (!out.section && prev.section && elliptic && (prev.operation === "section" || prev.operation === "precedents")) {
    out.section = prev.section;
    out.inherited.push("section");
    if (out.operation === "search" || out.operation === "overview") out.operation = prev.operation;
  }
  return out;
}
