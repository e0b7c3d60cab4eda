import { TITLES_SAYING_PUBLIC } from "../../domain/sections.js";
import { APPLICATIONS_TABLE, PROACTIVE_TABLE, REVIEW_TABLE } from "../../domain/types.js";
import { FORMATS, sectionKeyOf } from "../../domain/format/formats.js";
import { SECTION_SEPARATOR } from "../../ingest/chunk.js";
import { GOVERNING_KINDS } from "../../search/types.js";
import { clauseCitation, clausesOf, withoutHeadings } from "../clauses.js";
import { findMetric } from "../../domain/format/metrics.js";
import { TABLES, columnLabel, rowLabel, type TableSchema } from "../../domain/format/tables.js";
import type { ChunkStore } from "../../search/types.js";
import { TABLE_IDS, type SectionKey, type TableId } from "../../domain/types.js";
import { chunkCitationId, type Chunk, type Citation } from "../../types.js";
import type { Strategy } from "../strategy.js";
import { figureAnswer } from "./figureText.js";

/** What the format strategy needs: the chunks of the two format notices. */
export interface FormatContext {
  chunks: ChunkStore;
}

function noticeChunks(ctx: FormatContext, format: "2019" | "2021"): Chunk[] {
  return ctx.chunks.list({ kinds: ["format_notice"], years: [Number(format)] });
}

/** The notice passage that best names a table or its section (most of the given labels in it). */
function noticeCitation(ctx: FormatContext, format: "2019" | "2021", labels: string[]): Citation | null {
  let best: Chunk | null = null;
  let hits = 0;
  for (const c of noticeChunks(ctx, format)) {
    const n = labels.filter((l) => c.text.includes(l)).length;
    if (n > hits) { best = c; hits = n; }
  }
  if (!best) return null;
  const m = best.meta;
  return { id: chunkCitationId(best.id), title: m.title, region: m.region, year: m.year, section: m.section, quote: best.text.length > 400 ? `${best.text.slice(0, 400)}…` : best.text, source: m.source, body: m.issuer, published: m.published ?? null, url: m.url ?? null, cell: null };
}

function describe(s: TableSchema): string[] {
  const rows = s.rows.map((r) => `  ${rowLabel(r)}${r.article ? `（《条例》${r.article}）` : ""}`);
  const cols = s.columns.map((c) => columnLabel(c) + (c.unit && c.unit !== "件" ? `（${c.unit}）` : ""));
  const rules = s.rules.map((r) => `  · ${r.label}`);
  return [`栏目：${cols.join("、")}`, "行：", ...rows, ...(rules.length ? ["勾稽关系：", ...rules] : [])];
}

/** Differences between the 2019 and 2021 templates, computed from the two schemas. */
function differences(): string[] {
  const out: string[] = [];
  for (const t of TABLE_IDS) {
    const a = TABLES["2019"][t];
    const b = TABLES["2021"][t];
    const onlyA = a.rows.filter((r) => !b.rows.some((x) => x.label === r.label)).map(rowLabel);
    const onlyB = b.rows.filter((r) => !a.rows.some((x) => x.label === r.label)).map(rowLabel);
    const colA = a.columns.filter((c) => !b.columns.some((x) => x.label === c.label)).map(columnLabel);
    const colB = b.columns.filter((c) => !a.columns.some((x) => x.label === c.label)).map(columnLabel);
    if (!onlyA.length && !onlyB.length && !colA.length && !colB.length) {
      out.push(`${t}：两版相同。`);
      continue;
    }
    const parts: string[] = [];
    if (onlyA.length || onlyB.length) parts.push(`行——2019年版有而2021年版没有：${onlyA.join("、") || "无"}；2021年版新增：${onlyB.join("、") || "无"}`);
    if (colA.length || colB.length) parts.push(`栏目——2019年版：${colA.join("、") || "无"}；2021年版：${colB.join("、") || "无"}`);
    out.push(`${t}：${parts.join("。")}。`);
  }
  return out;
}

function pairs(s: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 2 <= s.length; i++) out.push(s.slice(i, i + 2));
  return out;
}

/** A clause of one notice has a counterpart in the other when most of its character pairs are there. */
function sameClause(a: string, others: string[]): boolean {
  const ps = pairs(a);
  return others.some((b) => ps.length > 0 && ps.filter((x) => b.includes(x)).length / ps.length >= 0.7);
}

const clauseParts = (text: string) => text.split(/[，。；：\n]/).map((x) => x.trim()).filter((x) => x.length >= 4);

/**
 * What the 2021 notice's text says that the 2019 trial format's does not, and the reverse, item by item (一、（一）
 * against 附件1 一、（一）): the differences of the written requirements, beside those of the tables. With a section
 * named, only its item.
 */
export function noticeDifferences(ctx: FormatContext, section: SectionKey | null): { lines: string[]; citations: Citation[] } {
  const all = clausesOf(ctx, () => ctx.chunks.list({ kinds: GOVERNING_KINDS })).filter((c) => c.shape === "notice");
  const newer = all.filter((c) => c.governing === "format-2021" && /^[一二三四五六]、（/.test(c.path));
  const lines: string[] = [];
  const citations: Citation[] = [];
  for (const n of newer) {
    const o = all.find((c) => c.governing === "format-2019" && c.path.replace(/^附件\d+ /, "") === n.path);
    if (!o) continue;
    const title = n.section.split(SECTION_SEPARATOR).pop()!;
    if (section && sectionKeyOf(title.replace(/^（[一二三四五六]）/, "")) !== section) continue;
    const a = clauseParts(withoutHeadings(n.text, n.section));
    const b = clauseParts(withoutHeadings(o.text, o.section));
    const added = a.filter((x) => !sameClause(x, b));
    const removed = b.filter((x) => !sameClause(x, a));
    if (!added.length && !removed.length) continue;
    const cap = section ? 6 : 2;
    const parts = [
      added.length ? `2021年格式新增“${added.slice(0, cap).join("”“")}”` : "",
      removed.length ? `2019年试行格式有而2021年格式没有“${removed.slice(0, cap).join("”“")}”` : "",
    ].filter(Boolean);
    lines.push(`${n.path}${title.replace(/^（[一二三四五六]）/, "").replace(/。$/, "")}：${parts.join("；")}。`);
    citations.push(clauseCitation(n), clauseCitation(o));
  }
  return { lines, citations };
}

/** "表三怎么填", "主动公开那张表要填什么", "2019年和2021年格式有何不同": the format module, with the notices cited. */
export const formatStrategy: Strategy<FormatContext> = {
  name: "format",
  operations: ["format"],
  answer(ctx, { plan }) {
    const q = plan.question;
    const compare = /不同|区别|差异|变化|对比|比较|比|少报|多报|多了|少了|新增|增加了|删去|改了/.test(q) && /2019|试行|60号/.test(q) && /2021|30号|新/.test(q);
    // A section named without a table ("总体情况部分多了什么要求"): the notices' written requirements compared.
    const named = sectionKeyOf(q);
    const tableNamed = plan.table !== null || /表[二三四]|表格|统计表|栏目|那张表|处理|公开|提供/.test(q.replace(TITLES_SAYING_PUBLIC, ""));
    if (compare && named && !tableNamed) {
      const diff = noticeDifferences(ctx, named);
      if (diff.lines.length)
        return {
          answer: figureAnswer(plan.original, { short: `2021年格式（${FORMATS["2021"].notice!.docNo}）与2019年试行格式（${FORMATS["2019"].notice!.docNo}）对这一部分的文字要求不同：`, lines: diff.lines, citations: diff.citations }),
          passages: [],
        };
    }
    if (compare) {
      const notes = noticeDifferences(ctx, null);
      const citations = (["2019", "2021"] as const).map((f) => noticeCitation(ctx, f, ["第二十条第（一）项", "信息内容", "（六）其他处理", FORMATS[f].sections[1].heading])).filter((c): c is Citation => c !== null);
      return {
        answer: figureAnswer(plan.original, {
          short: `2021年格式（${FORMATS["2021"].notice!.docNo}）与2019年试行格式（${FORMATS["2019"].notice!.docNo}）的统计表主要有以下不同：`,
          lines: [...differences(), "两版的六个部分（总体情况、主动公开、收到和处理申请、复议诉讼、存在的问题及改进、其他事项）相同；各部分的文字要求：", ...notes.lines],
          citations: [...citations, ...notes.citations],
        }),
        passages: [],
      };
    }
    // "年报表格里“无法提供”包括哪几种情形": a row group (or row) of a table, with the articles behind it.
    const m = plan.metric ? findMetric(plan.metric) : null;
    const ref = m?.cells["2021"] ?? m?.sumOf?.["2021"]?.[0] ?? m?.cells["2019"] ?? null;
    if (m && ref && !plan.table) {
      const s = TABLES["2021"][ref.table];
      const group = plan.metric!.includes(":group:") ? plan.metric!.split(":")[2] : null;
      const rows = group ? s.rows.filter((r) => r.group[0] === group) : s.rows.filter((r) => r.key === ref.row);
      // A metric of the 2019 table only (2019's undivided （六）其他处理) has no 2021 row: the clause answer takes it.
      if (!rows.length) return null;
      const name = group ?? rowLabel(rows[0]);
      const cite = noticeCitation(ctx, "2021", rows.map((r) => r.label));
      return {
        answer: figureAnswer(plan.original, {
          short: group ? `年度报告${ref.table}中“${name}”包括${rows.length}种情形：` : `年度报告${ref.table}中的“${name}”一行：`,
          lines: rows.map((r) => `  ${r.label}${r.article ? `（《条例》${r.article}）` : ""}`),
          citations: cite ? [cite] : [],
        }),
        passages: [],
      };
    }
    const table: TableId | null = plan.table ?? (/主动公开/.test(q) ? PROACTIVE_TABLE : /复议|诉讼/.test(q) ? REVIEW_TABLE : /申请|依申请/.test(q) ? APPLICATIONS_TABLE : null);
    if (!table) return null;
    const format = plan.governing.includes("format-2019") && !plan.governing.includes("format-2021") ? "2019" : "2021";
    const s = TABLES[format][table];
    const cite = noticeCitation(ctx, format, [s.section.slice(2), ...s.rows.slice(0, 3).map((r) => r.label)]);
    const def = FORMATS[format];
    return {
      answer: figureAnswer(plan.original, {
        short: `按${def.name}，“${s.section}”的统计表（${table}）要填写以下内容：`,
        lines: [...describe(s), format === "2021" ? "（2019年试行格式的同一张表不同之处，可以问“2019和2021格式有何不同”。）" : "（此为2019年试行格式；现行为2021年格式。）"],
        citations: cite ? [cite] : [],
      }),
      passages: [],
    };
  },
};
