import { REPORT_WORDS } from "../../domain/vocabulary.js";
import { APPLICATIONS_TABLE } from "../../domain/types.js";
import { GOVERNING_TEXTS, otherVersion } from "../../domain/governing.js";
import { FORMATS } from "../../domain/format/formats.js";
import { T3_GROUP_LABELS, TABLES, rowLabel } from "../../domain/format/tables.js";
import type { GoverningText } from "../../domain/types.js";
import { thesaurusHits } from "../../domain/vocabulary.js";
import { parseChineseNumber } from "../../ingest/numerals.js";
import { GOVERNING_KINDS } from "../../search/types.js";
import { KIND_WORDS, type QuestionKind } from "../../understand/kinds.js";
import { definedTerm } from "../../understand/query.js";
import type { Plan } from "../../understand/types.js";
import type { Citation, Passage } from "../../types.js";
import { clauseCitation, clauseLabel, clausesOf, rankClauses, bestClauseSentence, withoutHeadings, type Clause, type ClauseQuery, type ScoredClause } from "../clauses.js";
import { contentWords, withStatutory, type AnswerContext } from "../context.js";
import type { Strategy, StrategyResult } from "../strategy.js";
import { figureAnswer } from "./figureText.js";

/**
 * Rule and drafting questions answered from the governing texts as clauses (src/answer/clauses.ts): the clause that
 * answers leads (an item of an article, the sentence of a notice section, a row of the report template), then its
 * article for context; the version in force leads and a superseded version is named as such. What the clause is
 * chosen for depends on the kind of question (understand/kinds.ts): a court question leads with whether the court
 * takes the case, a report-table question with the row of the table, a deadline with the sentence that sets it.
 */

/** Words that say nothing about the subject of a rule question. */
const GENERIC = /^(政府|行政机关|机关|政府信息|信息|公开|政府信息公开|我们|单位|窗口|这种|这个|那个|一下|时候|应该|需要|问题|情况|规定|条例|施行|旧版|新版|现行|版本|修订|两版|新旧|现在|还要|还需要|目前|如今|仍然|今后|以后)$/;
/** Whether an old text still holds: the text in force says what replaced it ("…同时废止"). */
const VALIDITY = /还能用|还有效|还适用|是否有效|有效吗|失效|废止|作废|还管用/;
/** Questions that are about the report and its format rather than about handling applications. */
const COURT_WORDS = /法院|起诉|诉讼|被告|立案|判决|审理|司法解释|最高法|法释|打官司|去告|能告|告他|告谁|状告|告政府|告机关|告吗/;
/** The question asks what holds now, whatever old text it names ("旧条例规定…，现在呢"). */
const NOW = /现在|现行|目前|如今|还是这样|还要|还需要|还用|仍然|仍要/;
/** Thesaurus phrases that name the act of going to court: for "can I sue" they are the question, not its subject. */
const ACTION_PHRASES = /提起行政诉讼|行政复议/;

/** A question about a whole table or row group of the template, which the format strategy lists. */
const WHOLE_TABLE = /怎么填|如何填|要填什么|填写什么|填什么|填哪些|哪些栏目|哪些行|包括哪|哪几项|哪几种情形|哪些情形|哪些内容|统计哪些|要统计什么|那张表|有哪些数据/;

/** English key terms that name the domain but no rule. */
const ENGLISH_GENERIC = new Set(["政府信息公开申请", "年度报告", "答复"]);

/** How much of the question the best clause must cover before it is given as the answer. */
const MIN_COVERAGE = 0.3;

/**
 * The part of a question that asks: the last clause of each sentence ("申请涉及别人的商业秘密，要不要先问问对方" →
 * 要不要先问问对方). Earlier clauses state the situation; words in the asking part weigh more.
 */
export function askingPart(q: string): string {
  return q
    .split(/[。？！?!]/)
    .map((s) => s.split(/[，,；;]/).filter((x) => x.trim()).pop() ?? "")
    .join(" ");
}

const FOCUS = 1.5;

export function clauseQuery(ctx: AnswerContext, plan: Plan): ClauseQuery {
  const kind = plan.kind;
  const q = plan.question;
  const asking = askingPart(q);
  const drop = KIND_WORDS[kind];
  // An English question is matched by its Chinese key terms alone.
  const raw = plan.operation === "english" ? [] : contentWords(`${plan.words} ${plan.context}`).filter((w) => !drop.test(w) && !GENERIC.test(w));
  // jieba's search mode gives a compound and its parts (商业秘密, 商业, 秘密): the compound stands for them.
  const words = raw.filter((w) => !raw.some((o) => o !== w && o.length > w.length && o.includes(w)));
  const hits = thesaurusHits(q);
  const known = words.filter((w) => ctx.lexical.df(w) > 0);
  const terms = (known.length ? known : words).map((term) => ({
    term,
    weight: (term.length >= 3 ? 1.5 : 1) * Math.min(2, Math.max(0.3, ctx.idf(term) / 3)) * (asking.includes(term) ? FOCUS : 1),
  }));
  // A span the question quotes ("年报里“其他处理”数量偏高") is an official label when the texts write it.
  const clauses = clausesOf(ctx, () => ctx.chunks.list({ kinds: GOVERNING_KINDS }));
  const quoted = [...q.matchAll(/[“"「‘'](.{2,24}?)[”"」’']/g)].map((m) => m[1]).filter((t) => clauses.some((c) => c.match.includes(t)));
  // A reference the question writes ("第二十条第（八）项") names the clauses that write it, exactly.
  const refs: string[] = [];
  for (const m of q.matchAll(/第[一二三四五六七八九十百]+条(?:第[（(][一二三四五六七八九十]+[）)]项)?/g)) {
    const ref = m[0].replace(/[(]/g, "（").replace(/[)]/g, "）");
    if (!refs.includes(ref) && clauses.some((c) => c.match.includes(ref))) refs.push(ref);
  }
  // Going to court is what an actionability or "whom to sue" question asks about, not its subject.
  const phrases: ClauseQuery["phrases"] = plan.statutory
    .filter((p) => !((kind === "actionable" || kind === "who") && ACTION_PHRASES.test(p)))
    .map((phrase) => ({ phrase, focus: hits.some((h) => h.entry.statutory === phrase && asking.includes(h.word)) || asking.includes(phrase) ? FOCUS : 1 }))
    .concat(quoted.filter((t) => !plan.statutory.includes(t)).map((phrase) => ({ phrase, focus: 1 })))
    .concat(refs.map((phrase) => ({ phrase, focus: 1, exact: true })));
  const prefer: ClauseQuery["prefer"] =
    kind === "actionable" || (COURT_WORDS.test(q) && kind !== "classify")
      ? ["judicial_interpretation", "regulation", "format_notice"]
      : kind === "classify" || REPORT_WORDS.test(q)
        ? ["format_notice", "regulation", "judicial_interpretation"]
        : ["regulation", "judicial_interpretation", "format_notice"];
  // An old text named to ask whether it still holds, what holds now, or how it differs: the text in force leads.
  const both = plan.governing.some((g) => !GOVERNING_TEXTS[g].inForce && plan.governing.includes(GOVERNING_TEXTS[g].supersededBy!));
  const named = VALIDITY.test(q) || NOW.test(q) || both || kind === "compare" ? [] : plan.governing.filter((g) => !GOVERNING_TEXTS[g].inForce);
  const defines = definedTerm(q) ?? (kind === "definition" ? quoted[0] ?? null : null);
  // The term a "what is X" question asks about is a phrase of its own (过程性信息 is more than 过程).
  if (defines && !phrases.some((p) => p.phrase === defines) && clauses.some((c) => c.match.includes(defines))) phrases.push({ phrase: defines, focus: FOCUS, exact: true });
  return { terms, phrases, kind, prefer, named, defines };
}

/**
 * The clauses of the index, ranked for a plan: the first stage of a rule answer (evaluation reads it too). The
 * hybrid retrieval over the governing texts' chunks (dense + BM25, expanded by the thesaurus) gives each clause a
 * small prior by its chunk's rank.
 */
export async function rankForPlan(ctx: AnswerContext, plan: Plan): Promise<ScoredClause[]> {
  const clauses = clausesOf(ctx, () => ctx.chunks.list({ kinds: GOVERNING_KINDS }));
  const query = clauseQuery(ctx, plan);
  const passages = plan.operation === "english" ? [] : await ctx.search(withStatutory(plan), { kinds: GOVERNING_KINDS }, 30, query.prefer);
  const rank = new Map(passages.map((p, i) => [p.chunk.id, i] as const));
  return rankClauses(clauses, query, (id) => rank.get(id));
}

/** An article's best item replaces it when the item holds what the article was chosen for. */
function leadOf(ranked: ScoredClause[], kind: QuestionKind): ScoredClause {
  let top = ranked[0];
  if (kind === "actionable") top = ranked.find((x) => GOVERNING_TEXTS[x.clause.governing].kind === "judicial_interpretation" && x.score >= ranked[0].score * 0.75) ?? top;
  if (top.clause.shape === "article" && kind !== "list") {
    const item = ranked.find((x) => x.clause.shape === "item" && x.clause.governing === top.clause.governing && x.clause.article === top.clause.article);
    if (item && item.score >= top.score * 0.85) return item;
  }
  return top;
}

/** "（五）所申请…的；" → "所申请…的" */
function itemBody(text: string): string {
  return text.replace(/^（[一二三四五六七八九十]+）/, "").replace(/[；;。，]$/, "");
}

/** The consequence an article's lead-in attaches to its items: "人民法院裁定不予立案；已经立案的，裁定驳回起诉". */
export function consequenceOf(lead: string): string {
  const last = lead.replace(/[：:]\s*$/, "").split(/。/).pop() ?? "";
  const m = last.match(/之一的，(.+)$/);
  if (m) return m[1];
  const parts = last.split("，");
  return parts[parts.length - 1] ?? "";
}

const NOT_ACTIONABLE = /不予立案|驳回起诉|不予受理/;
const ACTIONABLE = /应当受理|可以依法申请行政复议或者提起行政诉讼|可以向人民法院提起诉讼|依法提起行政诉讼/;

/** The clause of the other version (superseded or in force) that says the same, if one covers the question as well. */
function counterpart(ranked: ScoredClause[], lead: ScoredClause): ScoredClause | null {
  const other = otherVersion(lead.clause.governing);
  if (!other) return null;
  return ranked.find((x) => x.clause.governing === other && x.score >= lead.score * 0.6 && x.clause.shape !== "template") ?? null;
}

/** Articles this short are quoted whole. */
const SHORT_ARTICLE = 130;

/** An article as context: whole up to 400 characters, its items not repeated when the lead is one of them. */
function articleContext(c: Clause): string {
  const t = c.text.replace(/\s*\n\s*/g, "");
  return t.length > 400 ? `${t.slice(0, 400)}…` : t;
}

/** Up to `max` characters of a text around a sentence it holds. */
function excerptAround(text: string, sentence: string, max: number): string {
  if (text.length <= max) return text;
  const at = Math.max(0, text.indexOf(sentence));
  const start = Math.max(0, Math.min(at - Math.floor(max / 4), text.length - max));
  return `${start > 0 ? "…" : ""}${text.slice(start, start + max)}${start + max < text.length ? "…" : ""}`;
}

function articleBody(c: Clause): string {
  return c.text.replace(/^\s*第[一二三四五六七八九十百零〇]+条\s*/, "").replace(/\s*\n\s*/g, "");
}

function sentenceOf(x: ScoredClause): string {
  if (x.clause.shape === "item") return itemBody(x.clause.text);
  return (x.sentence ?? x.clause.text).replace(/\s*\n\s*/g, "").replace(/[；;]$/, "");
}

/** The article a template row rests on, as a clause path ("第三十六条第（六）项" → "第三十六条（六）", "第十六条第一款" → "第十六条"). */
function articlePath(article: string): string {
  const m = article.match(/^(第[一二三四五六七八九十百]+条)(?:第([（(][一二三四五六七八九十]+[）)])项)?/);
  if (!m) return article;
  return m[2] ? `${m[1]}${m[2].replace("(", "（").replace(")", "）")}` : m[1];
}

function findClause(ctx: AnswerContext, governing: GoverningText, path: string): Clause | null {
  return clausesOf(ctx, () => ctx.chunks.list({ kinds: GOVERNING_KINDS })).find((c) => c.governing === governing && c.path === path) ?? null;
}

interface Composed {
  short: string;
  lines: string[];
  citations: Citation[];
}

/** "按2021年格式，计入表三“（六）其他处理 › 1.…”一行。依据：《条例》第三十条…" */
function classifyAnswer(ctx: AnswerContext, plan: Plan, ranked: ScoredClause[]): Composed | null {
  const format = plan.governing.includes("format-2019") && !plan.governing.includes("format-2021") ? "2019" : "2021";
  const row = ranked.find((x) => x.clause.shape === "template" && x.clause.row?.format === format && x.score >= ranked[0].score * 0.6);
  if (!row || !row.clause.row) return null;
  const { table, def } = row.clause.row;
  const citations = [clauseCitation(row.clause)];
  const lines: string[] = [];
  const short = `按${FORMATS[format].name}，计入${table}“${rowLabel(def)}”一行。`;
  const basis = def.article ? findClause(ctx, "regulation-2019", articlePath(def.article)) ?? findClause(ctx, "regulation-2019", def.article.match(/^第[一二三四五六七八九十百]+条/)?.[0] ?? "") : null;
  if (basis) {
    const q = clauseQuery(ctx, plan);
    const s = basis.shape === "item" ? itemBody(basis.text) : bestClauseSentence(basis, q) ?? basis.text;
    citations.push(clauseCitation(basis));
    lines.push(`依据：${clauseLabel(basis)}：“${s.replace(/\s*\n\s*/g, "")}”[2]`);
  }
  return { short, lines, citations };
}

/**
 * The rows of a template group ("不予公开一共有哪几种理由", "第二十条第（一）项统计的是哪些文件"): the group the question
 * names, or the group of the best-ranked row; each row with the 条例 article behind it.
 */
function groupAnswer(ctx: AnswerContext, plan: Plan, ranked: ScoredClause[]): Composed | null {
  const format = plan.governing.includes("format-2019") && !plan.governing.includes("format-2021") ? "2019" : "2021";
  const named = T3_GROUP_LABELS.find((g) => /^（/.test(g) && plan.question.includes(g.replace(/^（[一二三四五六七]）/, "")));
  const top = ranked.find((x) => x.clause.shape === "template" && x.clause.row?.format === format && x.clause.row.def.group.length > 0 && x.score >= ranked[0].score * 0.8);
  const table = named ? APPLICATIONS_TABLE : top?.clause.row?.table;
  const group = named ?? top?.clause.row?.def.group[0];
  if (!table || !group) return null;
  const rows = TABLES[format][table].rows.filter((r) => r.group[0] === group);
  if (rows.length < 2) return null;
  const all = clausesOf(ctx, () => ctx.chunks.list({ kinds: GOVERNING_KINDS }));
  const templates = rows.map((r) => all.find((c) => c.shape === "template" && c.row?.format === format && c.row.def.key === r.key && c.row.table === table)).filter((c): c is Clause => !!c);
  if (!templates.length) return null;
  const articles = [...new Set(rows.map((r) => r.article).filter((a): a is string => !!a).map((a) => a.match(/^第[一二三四五六七八九十百]+条/)![0]))];
  const basis = articles.map((a) => findClause(ctx, "regulation-2019", a)).filter((c): c is Clause => c !== null);
  const name = group.replace(/^（[一二三四五六七]）/, "");
  const template = { ...clauseCitation(templates[0]), quote: `${group} ${templates.map((t) => t.text.replace(group, "").trim()).join(" ")}` };
  // With the 条例 behind the rows, the articles lead (they are the rule); the template shows how the report lists them.
  const citations = basis.length ? [...basis.map((c) => clauseCitation(c)), template] : [template];
  const lines = templates.map((t) => `  ${t.text.replace(group, "").trim()}${t.row?.def.article ? `（${t.row.def.article}）` : ""}`);
  const short = basis.length
    ? `按${GOVERNING_TEXTS["regulation-2019"].name}${articles.join("、")}，“${name}”有以下几种情形（年度报告${table}“${group}”逐项列出）：`
    : `${clauseLabel(templates[0]).replace(/ .*$/, "")}模板${table}“${group}”包括：`;
  return { short, lines, citations };
}

/**
 * A row of the 2019 trial template the 2021 format dropped, named by the question ("现在年报还要填政府集中采购吗"):
 * the current format has no such row; the old one had it.
 */
function retiredRowAnswer(ctx: AnswerContext, plan: Plan): Composed | null {
  const all = clausesOf(ctx, () => ctx.chunks.list({ kinds: GOVERNING_KINDS }));
  const q = plan.question;
  const bare = (l: string) => l.replace(/^[\d.、（）一二三四五六七]+/, "");
  // A row the current table has neither as a row nor as a group of rows (（六）其他处理 became a group in 2021).
  const dropped = (c: Clause) => !TABLES["2021"][c.row!.table].rows.some((r) => bare(r.label) === bare(c.row!.def.label) || r.group.some((g) => bare(g) === bare(c.row!.def.label)));
  const old = all.find((c) => c.shape === "template" && c.row?.format === "2019" && q.includes(bare(c.row.def.label)) && dropped(c));
  if (!old?.row) return null;
  const table = old.row.table;
  const current = all.filter((c) => c.shape === "template" && c.row?.format === "2021" && c.row.table === table);
  if (!current.length) return null;
  const name = old.row.def.label.replace(/^[\d.、（）一二三四五六七]+/, "");
  const citations = [{ ...clauseCitation(current[0]), quote: current.map((c) => c.text).join("；") }, clauseCitation(old)];
  return {
    short: `不需要。${FORMATS["2021"].name}的${table}中没有“${name}”一行[1]；它只在${FORMATS["2019"].name}的${table}“${[...old.row.def.group, name].join(" › ")}”中，2019年试行格式已被现行格式取代[2]。`,
    lines: [`现行${table}各行：${current.map((c) => c.text.split("：")[0]).join("、")}。`],
    citations,
  };
}

function ruleAnswer(ctx: AnswerContext, plan: Plan, ranked: ScoredClause[]): Composed {
  const kind = plan.kind;
  const lead = leadOf(ranked, kind);
  const c = lead.clause;
  const citations: Citation[] = [clauseCitation(c)];
  const lines: string[] = [];
  const said = sentenceOf(lead);
  let short: string;
  const items = c.shape === "article" ? clausesOf(ctx, () => ctx.chunks.list({ kinds: GOVERNING_KINDS })).filter((x) => x.shape === "item" && x.governing === c.governing && x.article === c.article) : [];
  if (kind === "list" && items.length > 1) {
    // "申请要写哪些内容": the article's lead-in and every item.
    short = `${clauseLabel(c)}：“${c.lead || (items[0].lead.replace(/^第[一二三四五六七八九十百]+条\s*/, "").split(/(?<=。)/).pop() ?? "")}”`;
    lines.push(...items.map((it) => `  ${it.text.replace(/\s*\n\s*/g, "")}`));
    return { short: short.replace("“”", ""), lines, citations };
  }
  if (kind === "actionable" && c.shape === "item") {
    const consequence = consequenceOf(c.lead);
    const verdict = NOT_ACTIONABLE.test(consequence) ? "不能。" : ACTIONABLE.test(consequence) ? "可以。" : "";
    short = `${verdict}${clauseLabel(c)}：“${said}”的，${consequence}。`;
  } else if (kind === "actionable") {
    const verdict = NOT_ACTIONABLE.test(said) ? "不能。" : ACTIONABLE.test(said) ? "可以。" : "";
    short = `${verdict}${clauseLabel(c)}：“${said}”`;
  } else if (c.shape === "article" && !items.length && articleBody(c).length <= SHORT_ARTICLE) {
    // A short article is its own best context: quoted whole ("…不得公开。但是，…予以公开。").
    short = `${clauseLabel(c)}：“${articleBody(c)}”`;
  } else {
    short = `${clauseLabel(c)}：“${said}”`;
  }
  // The article around the clause: its lead-in for an item (the other items are not quoted), the rest of it otherwise.
  if (c.shape === "item") lines.push(`（${c.lead.replace(/\s*\n\s*/g, "")}……）`);
  else if (c.shape === "article" && lead.sentence && articleBody(c).length > SHORT_ARTICLE && c.text.replace(/\s/g, "").length > lead.sentence.length + 20)
    lines.push(`（${articleContext(c)}）`);
  else if (c.shape === "notice" && lead.sentence && withoutHeadings(c.text, c.section).length > lead.sentence.length + 20)
    lines.push(`（${c.path}：${excerptAround(withoutHeadings(c.text, c.section).replace(/\s*\n\s*/g, ""), lead.sentence, 300)}）`);
  // Other clauses that answer as well (another article of the same text, another text), at most two.
  const seen = new Set([c.article + c.governing]);
  for (const x of ranked) {
    if (citations.length >= 3 || x.score < lead.score * 0.8) break;
    if (seen.has(x.clause.article + x.clause.governing) || x.clause.governing !== c.governing && !GOVERNING_TEXTS[x.clause.governing].inForce) continue;
    if (x.clause.shape === "article" && ranked.some((y) => y.clause.shape === "item" && y.clause.article === x.clause.article && y.clause.governing === x.clause.governing && y.score >= x.score * 0.85)) continue;
    seen.add(x.clause.article + x.clause.governing);
    citations.push(clauseCitation(x.clause));
    lines.push(`参见${clauseLabel(x.clause)}：“${sentenceOf(x)}”[${citations.length}]`);
  }
  const old = counterpart(ranked, lead);
  if (old) {
    citations.push(clauseCitation(old.clause));
    const g = GOVERNING_TEXTS[old.clause.governing];
    // When the versions are the question (compared, an old one named, "现在呢"), both are the answer; otherwise the
    // other version is a pointer.
    const versions = kind === "compare" || plan.governing.some((g) => !GOVERNING_TEXTS[g].inForce) || NOW.test(plan.question);
    lines.push(`${versions ? "" : "另见"}${g.inForce ? "现行" : ""}${clauseLabel(old.clause)}：“${sentenceOf(old)}”[${citations.length}]`);
  }
  return { short, lines, citations };
}

/** "Article 33 of …", "item 5 of Article 36", "section 一、（二） of …". */
function englishLabel(c: Clause): string {
  const g = GOVERNING_TEXTS[c.governing];
  const art = c.article.match(/^第([一二三四五六七八九十百]+)条/);
  if (art) {
    const item = c.path.match(/（([一二三四五六七八九十]+)）$/);
    return `${item ? `Item ${parseChineseNumber(item[1])} of ` : ""}Article ${parseChineseNumber(art[1])} of ${g.english}`;
  }
  return `${c.shape === "template" ? "Row" : "Section"} ${c.path} of ${g.english}`;
}

/** The kind of an English question, from its words (the Chinese patterns do not read English). */
export function englishKind(q: string): QuestionKind {
  return /\bsue\b|court|lawsuit/i.test(q) ? "actionable" : /how (?:many|long)|working days|deadline|when/i.test(q) ? "deadline" : /\bcontain|\binclude|which (?:kinds|grounds)|what (?:kinds|grounds)/i.test(q) ? "list" : "duty";
}

function englishAnswer(ctx: AnswerContext, plan: Plan, ranked: ScoredClause[]): Composed {
  const kind = plan.kind;
  const lead = leadOf(ranked, kind);
  const c = lead.clause;
  const said = sentenceOf(lead);
  const lines = [`“${said}”`];
  // Whether the court takes the case, said first (as in Chinese: 不能 / 可以).
  let verdict = "";
  if (kind === "actionable" && c.shape === "item") {
    const consequence = consequenceOf(c.lead);
    if (NOT_ACTIONABLE.test(consequence)) verdict = `No: the court does not accept such a case (${consequence}). `;
    else if (ACTIONABLE.test(consequence)) verdict = `Yes: the court accepts such a case (${consequence}). `;
  }
  const days = said.match(/(\d+)个工作日/g);
  if (days) lines.push(`Time limit stated: ${days.map((d) => `${d} (${d.replace("个工作日", "")} working days)`).join("; ")}.`);
  if (c.shape === "item") lines.push(`(${c.lead.replace(/\s*\n\s*/g, "")}……)`);
  // A list asked for: the article's items, as the Chinese answer gives them.
  if (kind === "list" && c.shape === "article")
    lines.push(...clausesOf(ctx, () => ctx.chunks.list({ kinds: GOVERNING_KINDS })).filter((x) => x.shape === "item" && x.governing === c.governing && x.article === c.article).map((x) => `  ${x.text}`));
  return { short: `${verdict}${englishLabel(c)} governs this:`, lines, citations: [clauseCitation(c)] };
}

/** A rule question the governing texts do not answer: one short line (no list of bodies). */
export function ruleRefusal(plan: Plan): string {
  if (plan.operation === "english") return "The regulations, format notices and court interpretations held do not answer this; please rephrase or ask in Chinese.";
  // A drafting or report question is never told that "the 条例 does not cover it".
  return REPORT_WORDS.test(plan.question) || plan.intent === "drafting" || plan.operation === "precedents" || plan.operation === "format"
    ? "格式通知和条例中没有找到这一要求；可以问某一部分的写法或某张表的填法。"
    : "条例、格式通知和司法解释中没有找到对此的规定。";
}

export async function answerRules(ctx: AnswerContext, asked: Plan): Promise<StrategyResult | null> {
  const plan = asked.operation === "english" ? { ...asked, kind: englishKind(asked.question) } : asked;
  const ranked = await rankForPlan(ctx, plan);
  // The bar is how much of the question the best clauses cover, not the preferences that order them.
  if (!ranked.length || Math.max(...ranked.slice(0, 5).map((x) => x.coverage)) < MIN_COVERAGE) return null;
  let composed: Composed | null = null;
  if (plan.operation === "english") composed = englishAnswer(ctx, plan, ranked);
  else if (plan.kind === "classify") composed = classifyAnswer(ctx, plan, ranked);
  else if (plan.kind === "list") composed = groupAnswer(ctx, plan, ranked);
  else if (REPORT_WORDS.test(plan.question) && !(plan.governing.includes("format-2019") && !plan.governing.includes("format-2021"))) composed = retiredRowAnswer(ctx, plan);
  composed ??= ruleAnswer(ctx, plan, ranked);
  // The chunks behind the cited clauses, for an LLM composer (it may only cite what it is given).
  const chunks = new Map<string, Passage>();
  for (const c of composed.citations) {
    const x = ranked.find((y) => y.clause.section === c.section)?.clause.chunk;
    if (x && !chunks.has(x.id)) chunks.set(x.id, { chunk: x, score: 1 });
  }
  return { answer: figureAnswer(plan.original, composed), passages: [...chunks.values()] };
}

/** Which plans the clause answer takes: rule questions with no report in scope (precedents and report cases go elsewhere). */
export function takesRules(plan: Plan): boolean {
  if (plan.scope.bodies.length || plan.scope.years.length) return false;
  // Examples come from the reports; a case a named report handled never reaches here (it names a report).
  if (plan.kind === "examples") return false;
  // "什么是过程性信息": a 表三 category is defined by the article behind its row, which the article strategy quotes whole.
  if (plan.operation === "definition" && plan.kind === "definition" && plan.metric !== null) return false;
  // A whole table ("表三怎么填") or the two formats compared: the format strategy lists them from the schemas.
  if (plan.operation === "format" && plan.kind !== "classify" && (WHOLE_TABLE.test(plan.question) || plan.kind === "compare")) return false;
  // An English question about a report ("…Shenyang receive in 2013") is no rule question.
  return plan.operation === "english" ? plan.statutory.some((s) => !ENGLISH_GENERIC.has(s)) && !/\b(?:19|20)\d{2}\b/.test(plan.question) : true;
}

export const rulesStrategy: Strategy<AnswerContext> = {
  name: "rules",
  operations: ["definition", "procedure", "format", "english"],
  answer: (ctx, { plan }) => (takesRules(plan) ? answerRules(ctx, plan) : null),
};

