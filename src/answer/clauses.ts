import { APPLICATIONS_TABLE, PROACTIVE_TABLE, REVIEW_TABLE } from "../domain/types.js";
import { SECTION_SEPARATOR, splitSentences } from "../ingest/chunk.js";
import { headingMarker, itemMarker, splitArticle } from "../ingest/clauses.js";
import { GOVERNING_TEXTS, governingOf } from "../domain/governing.js";
import { TABLES, columnLabel, type RowDef } from "../domain/format/tables.js";
import type { GoverningText, TableId } from "../domain/types.js";
import { chunkCitationId, type Chunk, type Citation, type TableKind } from "../types.js";
import type { QuestionKind } from "../understand/kinds.js";

/**
 * The governing texts as clauses: every article of the two 条例 and the two interpretations, every numbered item of
 * an article (第三十六条（五）), every section of the two format notices' text (〔2021〕30号 一、（二）) and every row
 * of their report templates (表三 （六）其他处理 1.), each with its path, its version and whether it is in force.
 * Built from the index's chunks of the governing texts (a unit spanning several chunks is joined), once per index.
 */

export type ClauseShape = "article" | "item" | "notice" | "template";

export interface Clause {
  /** `${governing}:${path}`. */
  id: string;
  governing: GoverningText;
  /** "第三十条", "第三十六条（五）", "一、（二）", "表三 （六）其他处理 1.". */
  path: string;
  shape: ClauseShape;
  /** The unit's own text: an article (with its heading), an item, a notice section, a template row. */
  text: string;
  /** For an item: its article's heading and lead-in ("第三十六条 对政府信息公开申请，…："). */
  lead: string;
  /** For an item: the article it belongs to ("第三十六条"); for an article, its own path. */
  article: string;
  inForce: boolean;
  /** For a template row: the table, the format and the row (its groups, official label and the 条例 article behind it). */
  row?: { table: TableId; format: "2019" | "2021"; def: RowDef; columns: string[] };
  /** The chunk the unit starts in (document metadata for the citation). */
  chunk: Chunk;
  /** The section path a citation of this clause shows. */
  section: string;
  /** What questions are matched against: the text, its lead-in, a notice section's heading, a row's other names. */
  match: string;
}

const TABLE_OF: Partial<Record<TableKind, TableId>> = { art20: PROACTIVE_TABLE, applications: APPLICATIONS_TABLE, review_litigation: REVIEW_TABLE };
const ARTICLE = /^第[一二三四五六七八九十百零〇]+条$/;
/** A template section that only says what to write ("（文字描述）") under its headings: it answers nothing. */
function isPlaceholder(text: string, section: string): boolean {
  return /（文字描述/.test(text) && withoutHeadings(text.replace(/（文字描述[^）]*）/g, ""), section).replace(/\s/g, "").length === 0;
}

/** A section's text without the heading lines a chunk opens with (its own heading and those of its parents). */
export function withoutHeadings(text: string, section: string): string {
  const heads = new Set(section.split(SECTION_SEPARATOR).map((h) => squash(h).replace(/。$/, "")));
  const lines = text.split("\n");
  while (lines.length && (heads.has(squash(lines[0]).replace(/。$/, "")) || /^附件\d*$|模板$/.test(lines[0].trim()))) lines.shift();
  return lines.join("\n").trim();
}

/** Joins the chunks of one section (in document order) into its text. */
function sectionsOf(chunks: Chunk[]): Array<{ section: string; chunks: Chunk[]; text: string }> {
  const by = new Map<string, Chunk[]>();
  for (const c of [...chunks].sort((a, b) => a.meta.ord - b.meta.ord)) by.set(c.meta.section, [...(by.get(c.meta.section) ?? []), c]);
  return [...by].map(([section, cs]) => ({ section, chunks: cs, text: cs.map((c) => c.text).join("\n") }));
}

/** The path of a notice section: its headings' numbering, an attachment's name first ("一、（二）", "附件1 一、（二）"). */
export function noticePath(section: string, attachmentPrefix: boolean): string {
  const parts = section.split(SECTION_SEPARATOR);
  const lead: string[] = [];
  const marks: string[] = [];
  for (const p of parts) {
    if (/^附件\d*$/.test(p)) {
      if (attachmentPrefix) lead.push(p);
      continue;
    }
    if (/模板$/.test(p)) {
      lead.push("模板");
      continue;
    }
    marks.push(headingMarker(p) || p);
  }
  return [...lead, marks.join("")].filter(Boolean).join(" ");
}

/** The path of a template row: its table, groups and numbering ("表三 （六）其他处理 1.", "表二 第二十条第（八）项 行政事业性收费"). */
export function rowPath(table: TableId, r: RowDef): string {
  const mark = headingMarker(r.label);
  return [table, ...r.group, mark || r.label].join(" ");
}

const squash = (s: string) => s.replace(/\s+/g, "");

/** Every clause of the governing texts among `chunks` (other chunks are ignored). */
export function buildClauses(chunks: Chunk[]): Clause[] {
  const byDoc = new Map<string, Chunk[]>();
  for (const c of chunks) if (c.meta.kind !== "report" && c.meta.kind !== "other") byDoc.set(c.meta.docId, [...(byDoc.get(c.meta.docId) ?? []), c]);
  const out: Clause[] = [];
  for (const docChunks of byDoc.values()) {
    const meta = docChunks[0].meta;
    const governing = governingOf(meta.kind, meta.year);
    if (!governing) continue;
    const inForce = GOVERNING_TEXTS[governing].inForce;
    // A notice or an interpretation is cited with its document number (the text itself does not print it).
    const prefix = meta.kind === "regulation" ? "" : `${GOVERNING_TEXTS[governing].docNo}${SECTION_SEPARATOR}`;
    const base = (path: string, shape: ClauseShape, chunk: Chunk, section: string) => ({ id: `${governing}:${path}`, governing, path, shape, inForce, chunk, section: `${prefix}${section}` });
    if (meta.kind === "regulation" || meta.kind === "judicial_interpretation") {
      for (const s of sectionsOf(docChunks)) {
        const article = s.section.split(SECTION_SEPARATOR).pop()!;
        if (!ARTICLE.test(article)) continue;
        const parts = splitArticle(s.text);
        out.push({ ...base(article, "article", s.chunks[0], s.section), text: s.text, lead: "", article, match: s.text });
        // An item's lead-in is the line that introduces the list ("政府信息公开申请应当包括下列内容："), not the
        // article's earlier paragraphs.
        const intro = parts.lead.split("\n").map((l) => l.trim()).filter(Boolean).pop() ?? "";
        const lead = `${article} ${intro}`;
        for (const it of parts.items) {
          const marker = itemMarker(it.n);
          const chunk = s.chunks.find((c) => c.text.includes(it.text.slice(0, 20))) ?? s.chunks[0];
          out.push({ ...base(`${article}${marker}`, "item", chunk, `${s.section}${marker}`), text: `${marker}${it.text}`, lead, article, match: `${intro} ${it.text}` });
        }
      }
      continue;
    }
    // Format notices: the sections of the notice's own text, and the rows of its template's tables.
    const multipleAttachments = docChunks.some((c) => /^附件\d/.test(c.meta.section));
    const format = meta.year !== null && meta.year >= 2021 ? "2021" : "2019";
    for (const s of sectionsOf(docChunks)) {
      const block = s.chunks[0].meta.block;
      const table = block !== "prose" ? TABLE_OF[block] : undefined;
      if (table) {
        const body = squash(s.text);
        for (const r of TABLES[format][table].rows) {
          if (!body.includes(squash(r.label))) continue;
          const path = rowPath(table, r);
          const columns = TABLES[format][table]
            .order()
            .filter(([row]) => row.key === r.key)
            .map(([, c]) => columnLabel(c));
          const text = [...r.group, r.label].join(" ") + (table === PROACTIVE_TABLE ? `：${columns.join("、")}` : "");
          out.push({ ...base(path, "template", s.chunks[0], `${s.section}${SECTION_SEPARATOR}${path}`), text, lead: "", article: path, row: { table, format, def: r, columns }, match: `${text} ${r.aliases.join(" ")}` });
        }
        continue;
      }
      if (block !== "prose" || isPlaceholder(s.text, s.section)) continue;
      const heading = s.section.split(SECTION_SEPARATOR).pop()!;
      const path = noticePath(s.section, multipleAttachments);
      out.push({ ...base(path, "notice", s.chunks[0], s.section), text: s.text, lead: "", article: path, match: `${heading} ${s.text}` });
    }
  }
  return out;
}

/** How answers name a clause: "《政府信息公开条例》（2019年修订）第三十六条（五）", "国办公开办函〔2021〕30号 一、（二）". */
export function clauseLabel(c: Clause): string {
  const g = GOVERNING_TEXTS[c.governing];
  const docNo = `${g.docNo}${g.inForce ? "" : g.kind === "format_notice" ? "（已被现行格式取代）" : ""}`;
  if (c.shape === "notice") {
    const title = c.section.split(SECTION_SEPARATOR).pop()!.replace(/^[（(]?[一二三四五六七八九十]+[、）)]\s*/, "").replace(/。$/, "");
    return `${docNo} ${c.path}${title && title !== c.path ? `“${title}”` : ""}`;
  }
  if (c.shape === "template") return `${docNo}模板 ${c.path}`;
  return `${g.name}${c.path}`;
}

/** The citation of a clause: its document, the clause's section path and its own text (an item with its lead-in). */
export function clauseCitation(c: Clause, quote?: string): Citation {
  const m = c.chunk.meta;
  const q = quote ?? (c.shape === "item" ? `${c.lead}……${c.text}` : c.text);
  // The clause's own chunk: "查看原文章节" opens the article (or notice section) the clause belongs to.
  return { id: chunkCitationId(c.chunk.id), title: m.title, region: m.region, year: m.year, section: c.section, quote: q.replace(/\s*\n\s*/g, " "), source: m.source, body: m.issuer, published: m.published ?? null, url: m.url ?? null, cell: null };
}

/** The sentences of a clause's own text (its heading left out). */
export function clauseSentences(c: Clause): string[] {
  const text = c.shape === "article" ? c.text.replace(/^\s*第[一二三四五六七八九十百零〇]+条\s*/, "") : c.shape === "notice" ? withoutHeadings(c.text, c.section) : c.text;
  return splitSentences(text)
    .map((s) => s.trim())
    .filter((s) => s.length > 1);
}

/** Clauses of one index, built once. */
const built = new WeakMap<object, Clause[]>();
export function clausesOf(key: object, chunks: () => Chunk[]): Clause[] {
  let c = built.get(key);
  if (!c) {
    c = buildClauses(chunks());
    built.set(key, c);
  }
  return c;
}

// ---------------------------------------------------------------- ranking

export interface ClauseQuery {
  /** The question's subject words (words that only ask for a kind of answer left out), weighted by rarity and focus. */
  terms: Array<{ term: string; weight: number }>;
  /** Statutory phrases the question names (itself or by an everyday word, thesaurus), with a focus factor. */
  phrases: Array<{ phrase: string; focus: number; exact?: boolean }>;
  kind: QuestionKind;
  /** Kinds of governing text, best first (a court question: interpretations; a report question: the notices). */
  prefer: Array<"regulation" | "format_notice" | "judicial_interpretation">;
  /** Superseded versions the question names ("旧条例", "2011年的规定"): they lead instead of the ones in force. */
  named: GoverningText[];
  /** The term a "what is X" question asks about: the clause defining it ("本条例所称X，是指…") leads. */
  defines?: string | null;
}

export interface ScoredClause {
  clause: Clause;
  score: number;
  /** How much of the question the clause covers, before any preference (the bar an answer must clear). */
  coverage: number;
  /** The sentence of an article or notice section that answers best (null for an item or a template row: the whole). */
  sentence: string | null;
}

/** A thesaurus phrase found in one clause only counts as much as this many ordinary words; a common one less. */
const PHRASE_WEIGHT = 3;

/** Clauses whose text has the shape of the evidence a kind of question wants. */
const EVIDENCE: Partial<Record<QuestionKind, RegExp>> = {
  actionable: /不予立案|驳回起诉|应当受理|不予受理|提起行政诉讼|提起诉讼/,
  deadline: /工作日|日内|之日|日前|期限|时间点|\d+月\d+日/,
  duty: /应当|告知|可以|不得|不予|不再处理|视为/,
  who: /由[^，。；]{1,24}(负责|确定)|被告|主管部门|向[^，。；]{1,40}(报告|提交|提出)/,
  definition: /是指|所称|包括|属于/,
  list: /[：:]\s*[（(]一[）)]|下列/,
  handled: /应当|告知|不再处理/,
};
/** What a notice requires is worded differently from a law's duty. */
const NOTICE_DUTY = /应当|要|重在|不得|原则上|在此处|参照|避免/;

function bigrams(s: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 2 <= s.length; i++) out.push(s.slice(i, i + 2));
  return out;
}

/** Share of a word's character pairs found in a text (a word written another way: 申请内容不明确 ~ 申请内容仍不明确). */
function pairShare(hay: string, term: string): number {
  const bs = bigrams(term);
  return bs.length ? bs.filter((b) => hay.includes(b)).length / bs.length : 0;
}

/** Weighted share of the query found in a text: words (whole, or most of their character pairs) and phrases. */
export function queryCoverage(hay: string, q: Pick<ClauseQuery, "terms" | "phrases">, phraseWeight: (p: string) => number = () => PHRASE_WEIGHT): number {
  let hit = 0;
  let total = 0;
  for (const { term, weight } of q.terms) {
    total += weight;
    if (hay.includes(term)) hit += weight;
    else if (term.length >= 3) {
      const f = pairShare(hay, term);
      if (f >= 0.5) hit += weight * f * 0.5;
    }
  }
  for (const { phrase, focus, exact } of q.phrases) {
    const w = phraseWeight(phrase) * focus;
    total += w;
    if (hay.includes(phrase)) hit += w;
    else if (!exact) {
      const f = pairShare(hay, phrase);
      if (f >= 0.75) hit += w * f * 0.7;
    }
  }
  return total > 0 ? hit / total : 0;
}

/** The sentence of a clause that answers best (its own words, then the evidence its kind wants), and its coverage. */
function scoreSentencesOf(c: Clause, q: ClauseQuery, weight: (p: string) => number): { sentence: string | null; coverage: number } {
  // An item is judged by its own text too: the lead-in it shares with the other items sets none of them apart.
  if (c.shape === "item") return { sentence: null, coverage: queryCoverage(c.text, q, weight) };
  if (c.shape === "template") return { sentence: null, coverage: queryCoverage(c.match, q, weight) };
  const sentences = clauseSentences(c);
  const ev = EVIDENCE[q.kind];
  let best: string | null = null;
  let bestScore = -1;
  let bestCoverage = 0;
  sentences.forEach((s, i) => {
    const coverage = queryCoverage(s, q, weight);
    const score = coverage + (ev?.test(s) ? 0.15 : 0) - i * 0.001;
    if (score > bestScore) {
      bestScore = score;
      best = s;
      bestCoverage = coverage;
    }
  });
  return { sentence: best, coverage: bestCoverage };
}

/** The sentence of a clause that answers best. */
export function bestClauseSentence(c: Clause, q: ClauseQuery): string | null {
  return scoreSentencesOf(c, q, () => PHRASE_WEIGHT).sentence;
}

const KIND_OF: Record<GoverningText, "regulation" | "format_notice" | "judicial_interpretation"> = {
  "regulation-2019": "regulation",
  "regulation-2007": "regulation",
  "format-2019": "format_notice",
  "format-2021": "format_notice",
  "judicial-2011": "judicial_interpretation",
  "judicial-2025": "judicial_interpretation",
};

/** A phrase's weight: full when one article holds it, less the more articles do (公民 is everywhere). */
function phraseWeights(clauses: Clause[]): (p: string) => number {
  const units = clauses.filter((c) => c.shape !== "item");
  const n = units.length;
  const cache = new Map<string, number>();
  return (p) => {
    let w = cache.get(p);
    if (w === undefined) {
      const df = units.filter((c) => c.match.includes(p)).length;
      w = PHRASE_WEIGHT * Math.min(1, Math.max(0.25, Math.log(1 + n / Math.max(df, 1)) / Math.log(1 + n)));
      cache.set(p, w);
    }
    return w;
  };
}

/**
 * Every clause scored against the query, best first: how much of the question the clause covers, and how much its
 * best single sentence does (words of a question that stand together in one sentence of the text answer it better
 * than words spread over an article); then the kind of text the question wants, the evidence its kind wants, and
 * the version in force.
 */
export function rankClauses(clauses: Clause[], q: ClauseQuery, prior: (chunkId: string) => number | undefined = () => undefined): ScoredClause[] {
  const ev = EVIDENCE[q.kind];
  const weight = phraseWeights(clauses);
  const esc = q.defines?.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const defining = esc ? new RegExp(`(所称|所说的)${esc}[，,]?(是指|指)|(^|\\s)${esc}[，,]?是指`) : null;
  const out: ScoredClause[] = [];
  for (const c of clauses) {
    const whole = queryCoverage(c.match, q, weight);
    const defines = defining?.test(c.match) ?? false;
    if (whole <= 0 && !defines) continue;
    const { sentence, coverage } = scoreSentencesOf(c, q, weight);
    const covered = 0.6 * whole + 0.4 * coverage;
    let s = covered;
    const at = q.prefer.indexOf(KIND_OF[c.governing]);
    s *= at === 0 ? 1 : at === 1 ? 0.85 : 0.75;
    if (q.kind === "classify") s *= c.shape === "template" ? 1.2 : 0.8;
    // A template row names a category and explains nothing: it leads only where no text says more.
    else if (c.shape === "template") s *= 0.85;
    const evidence = q.kind === "duty" && KIND_OF[c.governing] === "format_notice" ? NOTICE_DUTY : ev;
    if (evidence && evidence.test(sentence ?? c.match)) s += 0.12;
    if (defines) s += 0.5;
    // The hybrid passage retrieval's rank of the clause's chunk breaks near ties (dense similarity sees paraphrase).
    const r = prior(c.chunk.id);
    if (r !== undefined) s += 0.1 / (1 + r);
    // The version in force leads, unless the question names the superseded one (then that one leads).
    const old = GOVERNING_TEXTS[c.governing].supersededBy === null ? null : c.governing;
    if (old ? !q.named.includes(old) : q.named.some((n) => GOVERNING_TEXTS[n].supersededBy === c.governing)) s *= 0.7;
    out.push({ clause: c, score: s, coverage: covered, sentence });
  }
  return out.sort((a, b) => b.score - a.score || a.clause.id.localeCompare(b.clause.id));
}
