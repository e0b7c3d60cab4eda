import { describe, expect, it } from "vitest";
import { indexedDoc } from "../helpers/documents.js";
import { BodyRegistry } from "../../src/domain/bodies.js";
import { settingsSchema } from "../../src/config.js";
import { AnswerContext } from "../../src/answer/context.js";
import { FigureService } from "../../src/answer/figures.js";
import { understand } from "../../src/understand/understand.js";
import { definition } from "../../src/answer/strategies/definition.js";
import { figure } from "../../src/answer/strategies/figure.js";
import type { DescribedEmbeddings } from "../../src/embed/types.js";
import type { IndexedDocument, LoadedIndex } from "../../src/index/store.js";
import { GOVERNING_KINDS, type ChunkStore, type FactStore, type Hit, type LexicalIndex, type SearchBackend, type SearchFilter, type VectorIndex, type WeightedTerm } from "../../src/search/types.js";
import type { CellRow, ReportRow } from "../../src/stats/db.js";
import type { Chunk, ChunkMeta } from "../../src/types.js";

/**
 * A fake search engine, in memory and a few lines per interface, stands in for the in-process one in an
 * AnswerContext: the strategies answer through it, and the index they are given throws on any access beyond
 * the manifest, so a strategy reaching around the interfaces (rows, BM25, the graph) fails here.
 */

const doc = indexedDoc;
const DOCS: IndexedDocument[] = [
  doc("sy2013", { title: "沈阳市人民政府2013年政府信息公开工作年度报告", issuer: "沈阳市人民政府", region: "沈阳市", year: 2013, aliases: ["沈阳"] }),
  doc("sy2014", { title: "沈阳市人民政府2014年政府信息公开工作年度报告", issuer: "沈阳市人民政府", region: "沈阳市", year: 2014, aliases: ["沈阳"] }),
  doc("reg2019", { title: "中华人民共和国政府信息公开条例", issuer: "国务院", year: 2019, kind: "regulation" }),
];
const chunk = (docId: string, ord: number, section: string, text: string): Chunk => {
  const d = DOCS.find((x) => x.docId === docId)!;
  const meta: ChunkMeta = { ...d, section, block: "prose", ord };
  return { id: `${docId}:${ord}`, text, indexText: `${d.title} ${section} ${text}`, meta };
};
const CHUNKS: Chunk[] = [
  chunk("sy2013", 0, "一、概述", "2013年，沈阳市主动公开政府信息1200条。"),
  chunk("sy2013", 1, "二、依申请公开情况", "2013年，沈阳市共受理政府信息公开申请249件，均已按期答复。"),
  chunk("sy2014", 0, "二、依申请公开情况", "2014年，沈阳市共受理政府信息公开申请300件。"),
  chunk("reg2019", 0, "第一章 总则 › 第二条", "本条例所称政府信息，是指行政机关在履行行政管理职能过程中制作或者获取的，以一定形式记录、保存的信息。"),
  chunk("reg2019", 1, "第四章 依申请公开 › 第三十三条", "行政机关收到政府信息公开申请，能够当场答复的，应当当场予以答复。"),
];

/** What a server engine would do with the filter: a terms clause per field. */
function matches(m: ChunkMeta, f?: SearchFilter): boolean {
  if (!f) return true;
  return (
    (!f.docIds || f.docIds.includes(m.docId)) &&
    (!f.bodies || (m.issuer !== null && f.bodies.includes(m.issuer))) &&
    (!f.years || (m.year !== null && f.years.includes(m.year))) &&
    (!f.kinds || f.kinds.includes(m.kind)) &&
    (!f.sources || f.sources.includes(m.source))
  );
}

/** Character-count vectors over a small alphabet: enough for a nearest neighbour. */
const ALPHABET = [...new Set(CHUNKS.map((c) => c.indexText).join(""))];
const embed = (text: string) => ALPHABET.map((ch) => [...text].filter((x) => x === ch).length);
const cosine = (a: number[], b: number[]) => {
  let d = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { d += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
  return d / (Math.sqrt(na * nb) || 1);
};

class FakeSearch implements SearchBackend {
  readonly filters: Array<SearchFilter | undefined> = [];
  readonly chunks: ChunkStore = {
    size: CHUNKS.length,
    get: (id) => CHUNKS.find((c) => c.id === id),
    getMany: (ids) => ids.flatMap((id) => CHUNKS.filter((c) => c.id === id)),
    meta: (id) => CHUNKS.find((c) => c.id === id)?.meta,
    list: (f) => CHUNKS.filter((c) => matches(c.meta, f)),
  };
  readonly lexical: LexicalIndex = {
    size: CHUNKS.length,
    // The analyzer's bigrams are prefixed ("1:申请"); the fake matches their text.
    df: (term) => CHUNKS.filter((c) => c.indexText.includes(term.replace(/^\d+:/, ""))).length,
    search: async (terms: readonly WeightedTerm[], k: number, f?: SearchFilter): Promise<Hit[]> => {
      this.filters.push(f);
      return CHUNKS.filter((c) => matches(c.meta, f))
        .map((c): Hit => [c.id, terms.reduce((s, [t, w]) => s + (c.indexText.includes(t.replace(/^\d+:/, "")) ? w : 0), 0)])
        .filter(([, s]) => s > 0)
        .sort((a, b) => b[1] - a[1])
        .slice(0, k);
    },
  };
  readonly vectors: VectorIndex = {
    search: async (v: number[], k: number, f?: SearchFilter): Promise<Hit[]> => {
      this.filters.push(f);
      return CHUNKS.filter((c) => matches(c.meta, f))
        .map((c): Hit => [c.id, cosine(v, embed(c.indexText))])
        .sort((a, b) => b[1] - a[1])
        .slice(0, k);
    },
  };
}

const fakeEmbedder = {
  descriptor: { name: "fake", dim: ALPHABET.length, distance: "cosine" },
  embedQuery: async (t: string) => embed(t),
  embedDocuments: async (ts: string[]) => ts.map(embed),
} as unknown as DescribedEmbeddings;

/** An index with a manifest and nothing else: any other access is a strategy reaching around the interfaces. */
const bareIndex = new Proxy({ manifest: { documents: DOCS } } as Record<string, unknown>, {
  get(target, p) {
    if (p in target) return target[p as string];
    throw new Error(`reached around the search interfaces: index.${String(p)}`);
  },
}) as unknown as LoadedIndex;

function fakeContext(): { ctx: AnswerContext; search: FakeSearch } {
  const search = new FakeSearch();
  const ctx = new AnswerContext({
    documents: bareIndex.manifest.documents,
    search,
    embedder: fakeEmbedder,
    bodies: new BodyRegistry(DOCS.filter((d) => d.kind === "report")),
    figures: null,
    settings: settingsSchema.parse({}),
    log: () => {},
    mode: "hybrid",
  });
  return { ctx, search };
}

async function input(ctx: AnswerContext, q: string) {
  const { plan } = await understand(q, null, { bodies: ctx.bodies, yearsOf: () => [], regions: ctx.corpus.regions, corpusUses: () => true });
  return { plan };
}

describe("a fake engine stands in for the in-process one", () => {
  it("a figure question is answered from the report it names, the scope passed as a filter", async () => {
    const { ctx, search } = fakeContext();
    const r = await figure.answer(ctx, await input(ctx, "沈阳市2013年共受理了多少件政府信息公开申请？"));
    expect(r!.answer.found).toBe(true);
    expect(r!.answer.answer).toContain("249");
    expect(r!.answer.citations[0]).toMatchObject({ source: "sy2013.txt", year: 2013 });
    // Both indexes got the same plain filter: the named report, by id.
    expect(search.filters).toEqual([{ docIds: ["sy2013"] }, { docIds: ["sy2013"] }]);
  });

  it("a rule question is answered from the governing texts, filtered by kind", async () => {
    const { ctx, search } = fakeContext();
    const r = await definition.answer(ctx, await input(ctx, "什么是政府信息？"));
    expect(r!.answer.found).toBe(true);
    expect(r!.answer.answer).toContain("本条例所称政府信息");
    expect(r!.answer.citations[0]).toMatchObject({ source: "reg2019.txt" });
    expect(search.filters.every((f) => JSON.stringify(f) === JSON.stringify({ kinds: GOVERNING_KINDS }))).toBe(true);
  });

  it("the bare index really throws when reached", () => {
    expect(() => (bareIndex as unknown as { bm25: unknown }).bm25).toThrow(/reached around/);
  });
});

describe("the figure service reads a FactStore", () => {
  const report: ReportRow = { docId: "sy2021", source: "sy2021.txt", body: "沈阳市", issuer: "沈阳市人民政府", level: "市", region: "沈阳市", year: 2021, format: "2021", title: "沈阳市2021年报告", published: null, url: null };
  const cell = (table: string, row: string, column: string): CellRow => ({
    docId: report.docId, table: table as CellRow["table"], row, column, rowLabel: "本年新收政府信息公开申请数量", columnLabel: "总计",
    value: 42, candidates: null, unit: "件", method: "html", section: "三、收到和处理政府信息公开申请情况", quote: "42",
  });
  const facts: FactStore = {
    reports: () => [report],
    reportsOf: (b) => (b === report.body ? [report] : []),
    cell: (docId, table, row, column) => (docId === report.docId && table === "表三" ? cell(table, row, column) : null),
    cells: () => [],
    tables: () => [],
    facts: () => [],
    checks: () => [],
    failingChecks: () => [],
  };

  it("a cell figure comes from the store, cited by table, row and column", () => {
    const fs = new FigureService(facts, new BodyRegistry([]));
    expect(fs.reportsOf("沈阳市").map((r) => r.year)).toEqual([2021]);
    const f = fs.figure(report, "表三:new:total");
    expect(f).toMatchObject({ value: 42, status: "cell" });
    expect(f.citations[0].cell).toMatchObject({ table: "表三", column: "总计", value: 42 });
  });
});
