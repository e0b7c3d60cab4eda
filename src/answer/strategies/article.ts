import { findMetric } from "../../domain/format/metrics.js";
import { TABLES, rowLabel } from "../../domain/format/tables.js";
import { SECTION_SEPARATOR } from "../../ingest/chunk.js";
import { resolveMetric } from "../../understand/metric.js";
import type { ChunkStore } from "../../search/types.js";
import { chunkCitationId, type Citation } from "../../types.js";
import { excerpt } from "../extractive.js";
import type { Strategy } from "../strategy.js";
import { figureAnswer } from "./figureText.js";

/** What the article strategy needs: the index's chunks (the regulation's articles among them). */
export interface ArticleContext {
  chunks: ChunkStore;
}

const MEANING = /什么是|是什么|什么叫|何为|何谓|什么意思|含义|指什么|是指|怎么理解|哪些属于|包括哪些/;

/**
 * "什么是过程性信息", "三类内部事务信息指什么": a category of the report's tables is defined by the 条例 article
 * behind it (the format module records it); that article is the answer, quoted whole.
 */
export const articleStrategy: Strategy<ArticleContext> = {
  name: "article",
  operations: ["definition"],
  answer(ctx, { plan }) {
    if (!MEANING.test(plan.question) || plan.governing.some((g) => g !== "regulation-2019")) return null;
    const m = resolveMetric(plan.question);
    const ref = m && (m.metric.cells["2021"] ?? m.metric.cells["2019"]);
    const row = ref ? TABLES["2021"][ref.table].rows.find((r) => r.key === ref.row) : null;
    if (!m || !row?.article || !findMetric(m.metric.id)) return null;
    const article = row.article.match(/^第[一二三四五六七八九十百]+条/)?.[0];
    const chunk = ctx.chunks.list({ kinds: ["regulation"], years: [2019] }).find((c) => c.meta.section.split(SECTION_SEPARATOR).pop() === article);
    if (!chunk || !article) return null;
    const word = m.words[0];
    const meta = chunk.meta;
    const cite: Citation = { id: chunkCitationId(chunk.id), title: meta.title, region: meta.region, year: meta.year, section: meta.section, quote: chunk.text, source: meta.source, body: meta.issuer, published: meta.published ?? null, url: meta.url ?? null, cell: null };
    return {
      answer: figureAnswer(plan.original, {
        short: `“${word}”由《${meta.title}》（2019年修订）${row.article}规定：`,
        lines: [`“${excerpt(chunk.text, word, 400)}”[1]`, `年度报告表三中对应“${rowLabel(row)}”一行。`],
        citations: [cite],
      }),
      passages: [],
    };
  },
};
