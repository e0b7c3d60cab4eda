import { FORMATS } from "../../domain/format/formats.js";
import { findMetric } from "../../domain/format/metrics.js";
import { TABLES, columnLabel, rowLabel, type TableSchema } from "../../domain/format/tables.js";
import type { ChunkStore } from "../../search/types.js";
import { TABLE_IDS, type TableId } from "../../domain/types.js";
import type { Chunk, Citation } from "../../types.js";
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
  return { title: m.title, region: m.region, year: m.year, section: m.section, quote: best.text.length > 400 ? `${best.text.slice(0, 400)}…` : best.text, source: m.source, body: m.issuer, published: m.published ?? null, url: m.url ?? null, cell: null };
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

/** "表三怎么填", "主动公开那张表要填什么", "2019年和2021年格式有何不同": the format module, with the notices cited. */
export const formatStrategy: Strategy<FormatContext> = {
  name: "format",
  operations: ["format"],
  answer(ctx, { plan }) {
    const q = plan.question;
    const compare = /不同|区别|差异|变化|对比|比较|比|少报|多报/.test(q) && /2019|试行|60号/.test(q) && /2021|30号|新/.test(q);
    if (compare) {
      const citations = (["2019", "2021"] as const).map((f) => noticeCitation(ctx, f, ["第二十条第（一）项", "信息内容", "（六）其他处理", FORMATS[f].sections[1].heading])).filter((c): c is Citation => c !== null);
      return {
        answer: figureAnswer(plan.original, {
          short: `2021年格式（${FORMATS["2021"].notice!.docNo}）与2019年试行格式（${FORMATS["2019"].notice!.docNo}）的统计表主要有以下不同：`,
          lines: [...differences(), "两版的六个部分（总体情况、主动公开、收到和处理申请、复议诉讼、存在的问题及改进、其他事项）相同。"],
          citations,
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
    const table: TableId | null = plan.table ?? (/主动公开/.test(q) ? "表二" : /复议|诉讼/.test(q) ? "表四" : /申请|依申请/.test(q) ? "表三" : null);
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
