import path from "node:path";
import { indexedDoc } from "../helpers/documents.js";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { BodyRegistry } from "../../src/domain/bodies.js";
import { analyze } from "../../src/embed/tokenize.js";
import { TermCounter } from "../../src/embed/termCounts.js";
import { Bm25Index } from "../../src/index/bm25.js";
import { DenseRows } from "../../src/index/rows.js";
import { exactSearch } from "../../src/index/dense.js";
import type { IndexedDocument, Manifest } from "../../src/index/store.js";
import { InProcessLexicalIndex, RowScopes } from "../../src/search/inProcess.js";
import { Db } from "../../src/search/pg/connection.js";
import { PgFactStore } from "../../src/search/pg/facts.js";
import { snapshotOf } from "../../src/search/pg/ingest.js";
import { ensureSchema } from "../../src/search/pg/schema.js";
import { PgSearch } from "../../src/search/pg/search.js";
import { syncSnapshot, type Snapshot } from "../../src/search/pg/write.js";
import type { SearchFilter, WeightedTerm } from "../../src/search/types.js";
import { FACTS_FILE, FactsDb } from "../../src/stats/db.js";
import { currentGeneration } from "../../src/index/store.js";
import type { Chunk } from "../../src/types.js";
import { freshLocalDatabase, freshPglite } from "./helpers.js";

/**
 * The PostgreSQL backend against the embedded index on the same data: BM25 scores and order (tiny synthetic
 * chunks, written incrementally), exact and HNSW vector search, filters in SQL, and the statistics tables of the
 * real corpus read back as facts.sqlite reads them.
 */

const DIM = 8;
const doc = indexedDoc;
const DOCS: IndexedDocument[] = [
  doc("sy2013", { title: "沈阳市人民政府2013年政府信息公开工作年度报告", issuer: "沈阳市人民政府", region: "沈阳市", year: 2013 }),
  doc("sy2014", { title: "沈阳市人民政府2014年政府信息公开工作年度报告", issuer: "沈阳市人民政府", region: "沈阳市", year: 2014 }),
  doc("pt2014", { title: "平潭综合实验区2014年政府信息公开工作年度报告", issuer: "平潭综合实验区管委会", region: "平潭综合实验区", year: 2014 }),
  doc("reg2019", { title: "中华人民共和国政府信息公开条例", issuer: "国务院", year: 2019, kind: "regulation" }),
];
const TEXTS: Array<[string, string, string]> = [
  ["sy2013", "一、概述", "2013年，沈阳市人民政府认真贯彻落实政府信息公开条例，主动公开政府信息12345条。"],
  ["sy2013", "二、依申请公开", "全年共受理政府信息公开申请320件，其中当面申请100件，网络申请220件。"],
  ["sy2013", "三、行政复议", "因政府信息公开引起的行政复议5件，行政诉讼2件。申请人不服的，依法提起行政复议。"],
  ["sy2014", "一、概述", "2014年，沈阳市主动公开政府信息15000条，依申请公开政府信息申请410件。"],
  ["sy2014", "二、收费", "全年未收取检索、复制、邮寄等费用。政府信息公开工作经费保障到位。"],
  ["pt2014", "一、概述", "平潭综合实验区管委会2014年主动公开政府信息800条，受理申请12件。"],
  ["pt2014", "二、行政复议", "未发生因政府信息公开引起的行政复议和行政诉讼。"],
  ["reg2019", "第一章 总则", "第一条 为了保障公民、法人和其他组织依法获取政府信息，提高政府工作的透明度，制定本条例。"],
  ["reg2019", "第二章 公开的主体和范围", "第十九条 对涉及公众利益调整、需要公众广泛知晓或者需要公众参与决策的政府信息，行政机关应当主动公开。"],
  ["reg2019", "第四章 依申请公开", "第三十二条 依申请公开的政府信息公开会损害第三方合法权益的，行政机关应当书面征求第三方的意见。"],
];

function vectorOf(i: number): number[] {
  // Deterministic, distinct, normalized.
  const v = Array.from({ length: DIM }, (_, k) => Math.sin(i * 7.3 + k * 1.9) + (k === i % DIM ? 1 : 0));
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

/** A snapshot as the embedded ingest makes one: chunks in document order, terms counted as build.ts counts them. */
function snapshot(texts: Array<[string, string, string]>, salt = "", allDocs: IndexedDocument[] = DOCS): Snapshot {
  const chunks: Chunk[] = [];
  const ordOf = new Map<string, number>();
  for (const [docId, section, text0] of texts) {
    const d = allDocs.find((x) => x.docId === docId)!;
    const ord = ordOf.get(docId) ?? 0;
    ordOf.set(docId, ord + 1);
    const text = text0 + salt;
    chunks.push({ id: `${docId}:${ord}:${text.length}`, text, indexText: `${d.title}\n${section}\n${text}`, meta: { ...d, section, block: "prose", ord } });
  }
  const counter = new TermCounter();
  for (const c of chunks) counter.add(c.text, [c.meta.title, c.meta.section]);
  const bm25 = Bm25Index.fromCounts(counter.result());
  const vectors = new Float32Array(chunks.length * DIM);
  // A chunk's vector depends on its own text only (a file kept by an incremental sync keeps its vectors).
  chunks.forEach((c, i) => vectors.set(vectorOf([...c.id].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) % 9973, 7)), i * DIM));
  const docs = allDocs.filter((d) => chunks.some((c) => c.meta.docId === d.docId));
  const manifest = {
    formatVersion: 0,
    embedder: { name: "test-vectors", dim: DIM, distance: "cosine" },
    graph: { dim: DIM, m: 16, efConstruction: 32 },
    createdAt: "",
    files: Object.fromEntries(docs.map((d) => [d.source, { hash: `h${d.docId}:${chunks.filter((c) => c.meta.docId === d.docId).map((c) => c.text).join("|")}`, docIds: [d.docId], chunks: chunks.filter((c) => c.meta.docId === d.docId).length, sections: 1 }])),
    documents: docs,
    chunkCount: chunks.length,
    sources: ["/synthetic"],
  } as Manifest;
  const bodies = new BodyRegistry(docs.filter((d) => d.kind === "report"));
  return { manifest, chunks, vectors: new DenseRows(vectors, DIM), stats: null, bm25, statistics: {}, bodies, crossChecks: [] };
}

const QUERIES: Array<[string, string[]]> = [
  ["政府信息公开申请", []],
  ["行政复议 行政诉讼", ["复议"]],
  ["主动公开政府信息多少条", ["公开"]],
  ["沈阳市 收费", []],
  ["第三方 意见", ["征求"]],
];
const FILTERS: Array<SearchFilter | undefined> = [
  undefined,
  { years: [2014] },
  { kinds: ["regulation"] },
  { docIds: ["sy2013", "pt2014"] },
  { sources: ["sy2014.txt"], years: [2014] },
  { years: [] },
];
const termsOf = (q: string, exp: string[]): WeightedTerm[] => {
  const w = new Map<string, number>();
  for (const t of analyze(q)) if (!w.has(t)) w.set(t, 1);
  for (const e of exp) for (const t of analyze(e)) if (!w.has(t)) w.set(t, 0.35);
  return [...w];
};

async function expectSameLexical(search: PgSearch, snap: Snapshot): Promise<void> {
  const bodyOf = (d: { issuer: string | null; region: string | null }) => snap.bodies.idOf(d.issuer, d.region);
  const local = new InProcessLexicalIndex(snap.bm25, new RowScopes(snap.manifest.documents, snap.chunks, bodyOf));
  expect(search.lexical.size).toBe(snap.bm25.size);
  for (const t of snap.bm25.terms) expect(search.lexical.df(t), t).toBe(snap.bm25.df(t));
  const filters = [...FILTERS, { bodies: [bodyOf(DOCS[0])] }];
  for (const [q, exp] of QUERIES)
    for (const f of filters) {
      const terms = termsOf(q, exp);
      const want = await local.search(terms, 5, f);
      const got = await search.lexical.search(terms, 5, f);
      expect(got.map((h) => h[0]), `${q} ${JSON.stringify(f)}`).toEqual(want.map((h) => h[0]));
      got.forEach((h, i) => expect(h[1]).toBeCloseTo(want[i][1], 9));
    }
}

describe("PostgreSQL 15 (no pgvector; exact vectors over real[] for tests)", () => {
  let db: Db;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const fresh = await freshLocalDatabase("nb_backend");
    drop = fresh.drop;
    db = new Db(fresh.url);
  });
  afterAll(async () => {
    await db?.close();
    await drop?.();
  });

  it("refuses to create an index without pgvector unless vectors over real[] are asked for (tests only)", async () => {
    await expect(ensureSchema(db, DIM, {})).rejects.toMatchObject({ code: "pgvector_missing", message: expect.stringContaining("pgvector") });
  });

  it("ranks keywords exactly as the embedded BM25 (scores, order, filters), before and after an incremental sync", async () => {
    const schema = await ensureSchema(db, DIM, { arrayVectorsForTests: true });
    const first = snapshot(TEXTS);
    const s1 = await syncSnapshot(db, schema, first, { batchChunks: 3 });
    expect(s1.written.length).toBe(4);
    let search = await PgSearch.open(db, { arrayVectorsForTests: true, bodyOf: (d) => first.bodies.idOf(d.issuer, d.region) });
    expect(search.chunks.list().map((c) => c.id)).toEqual(first.chunks.map((c) => c.id));
    await expectSameLexical(search, first);

    // One document changed, one removed: df, N and average length follow; the others are not rewritten.
    const second = snapshot(TEXTS.filter(([d]) => d !== "pt2014").map(([d, s, t]) => (d === "sy2014" ? [d, s, `${t}另有行政复议申请3件。`] : [d, s, t])));
    const s2 = await syncSnapshot(db, schema, second);
    expect(s2.written).toEqual(["sy2014.txt"]);
    expect(s2.removed).toEqual(["pt2014.txt"]);
    expect(s2.unchanged).toBe(2);
    search = await PgSearch.open(db, { arrayVectorsForTests: true, bodyOf: (d) => second.bodies.idOf(d.issuer, d.region) });
    await expectSameLexical(search, second);
    const terms = (await db.query<{ n: string }>("SELECT count(*) AS n FROM terms"))[0].n;
    expect(Number(terms)).toBe(second.bm25.terms.length);
  });

  it("prunes common terms (MaxScore) yet returns the exact top k: many chunks, common and rare terms, small k, filters, ties", async () => {
    // 48 reports × 12 chunks; one title for all (equal lengths: duplicated texts tie exactly, the earlier chunk first).
    let seed = 20261205;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const COMMON = ["政府", "信息", "公开", "工作", "年度", "报告"];
    const MEDIUM = ["申请", "复议", "诉讼", "收费", "网站", "培训"];
    const RARE = ["地震", "桥梁", "渔业", "气象", "档案馆", "航道"];
    const FILL = ["本年度", "有关", "情况", "进一步", "加强", "落实", "推进", "规范"];
    const BODIES = ["甲市人民政府", "乙县人民政府", "丙区人民政府", "丁镇人民政府"];
    const docs = Array.from({ length: 48 }, (_, i) =>
      doc(`r${i}`, { title: "政府信息公开工作年度报告", issuer: BODIES[i % 4], region: BODIES[i % 4].slice(0, 2), year: 2016 + (i % 6) }),
    );
    const texts: Array<[string, string, string]> = [];
    for (const d of docs)
      for (let c = 0; c < 12; c++) {
        if (texts.length > 20 && rand() < 0.1) {
          texts.push([d.docId, "正文", texts[Math.floor(rand() * texts.length)][2]]);
          continue;
        }
        const words: string[] = [];
        const put = (list: string[], p: number, max: number) => {
          for (const w of list) if (rand() < p) for (let r = 1 + Math.floor(rand() * max); r > 0; r--) words.push(w);
        };
        put(COMMON, 0.9, 4);
        put(MEDIUM, 0.2, 3);
        put(RARE, 0.015, 2);
        put(FILL, 0.5, 3);
        for (let i = words.length - 1; i > 0; i--) {
          const k = Math.floor(rand() * (i + 1));
          [words[i], words[k]] = [words[k], words[i]];
        }
        texts.push([d.docId, "正文", words.join("，") + "。"]);
      }
    const fresh = await freshLocalDatabase("nb_maxscore");
    const mdb = new Db(fresh.url);
    try {
      const snap = snapshot(texts, "", docs);
      await syncSnapshot(mdb, await ensureSchema(mdb, DIM, { arrayVectorsForTests: true }), snap);
      const search = await PgSearch.open(mdb, { arrayVectorsForTests: true, bodyOf: (d) => snap.bodies.idOf(d.issuer, d.region) });
      const local = new InProcessLexicalIndex(snap.bm25, new RowScopes(snap.manifest.documents, snap.chunks, (d) => snap.bodies.idOf(d.issuer, d.region)));
      const queries: WeightedTerm[][] = [
        termsOf("地震 政府信息公开工作", []),
        termsOf("桥梁渔业工作报告", ["气象"]),
        termsOf("政府信息公开工作年度报告", []),
        termsOf("申请复议 诉讼收费", ["政府"]),
        termsOf("气象 档案馆 航道 公开", ["网站"]),
        [["地震", 1], ["政府", 0], ["年度", 0.35]],
      ];
      const filters: Array<SearchFilter | undefined> = [
        undefined,
        { years: [2019] },
        { bodies: [snap.bodies.idOf(BODIES[1], BODIES[1].slice(0, 2))] },
        { years: [2017, 2018], kinds: ["report"] },
        { docIds: ["r3", "r10", "r31"] },
      ];
      let pruned = 0;
      for (const terms of queries)
        for (const f of filters)
          for (const k of [1, 3, 10]) {
            const want = await local.search(terms, k, f);
            const got = await search.lexical.search(terms, k, f);
            const what = `${JSON.stringify(terms)} ${JSON.stringify(f)} k=${k}`;
            expect(got.map((h) => h[0]), what).toEqual(want.map((h) => h[0]));
            got.forEach((h, i) => expect(Math.abs(h[1] - want[i][1]), what).toBeLessThan(1e-9));
            if (!search.lexical.lastTrace!.full) pruned++;
          }
      // The common terms' postings are not scanned when a rare term decides the top k.
      await search.lexical.search(termsOf("地震 政府信息公开工作", []), 3);
      const trace = search.lexical.lastTrace!;
      expect(trace.full).toBe(false);
      const words = (list: string[]) => list.map((t) => t.slice(t.indexOf(":") + 1));
      expect(words(trace.essential)).toContain("地震");
      for (const t of COMMON) expect(words(trace.essential)).not.toContain(t);
      expect(trace.essential.length).toBeLessThan(termsOf("地震 政府信息公开工作", []).length / 2);
      expect(pruned).toBeGreaterThan(10);
    } finally {
      await mdb.close();
      await fresh.drop();
    }
  }, 120_000);

  it("ranks vectors by exact cosine within a filter, as the embedded exact search does", async () => {
    const snap = snapshot(TEXTS.filter(([d]) => d !== "pt2014").map(([d, s, t]) => (d === "sy2014" ? [d, s, `${t}另有行政复议申请3件。`] : [d, s, t])));
    await syncSnapshot(db, await ensureSchema(db, DIM, { arrayVectorsForTests: true }), snap);
    const search = await PgSearch.open(db, { arrayVectorsForTests: true });
    for (const [i, f] of [undefined, { years: [2013] }, { kinds: ["regulation"] }].entries()) {
      const q = vectorOf(100 + i);
      const scopes = new RowScopes(snap.manifest.documents, snap.chunks);
      const rows = scopes.rows(f as SearchFilter)?.ordered ?? snap.chunks.map((_, r) => r);
      const want = exactSearch(snap.vectors, DIM, q, rows, 4);
      const got = await search.vectors.search(q, 4, f as SearchFilter);
      expect(got.map((h) => h[0])).toEqual(want.map(([r]) => snap.chunks[r].id));
      got.forEach((h, k) => expect(h[1]).toBeCloseTo(want[k][1], 5));
    }
  });

  it("refuses to serve vectors over real[] to a production open (no test option)", async () => {
    await expect(PgSearch.open(db)).rejects.toMatchObject({ code: "pgvector_missing" });
  });

  it("holds the real corpus's statistics as facts.sqlite holds them", async () => {
    const real = inject("realIndexDir");
    const snap = await snapshotOf(real, path.resolve("corpus"));
    const fresh = await freshLocalDatabase("nb_facts");
    const fdb = new Db(fresh.url);
    try {
      const schema = await ensureSchema(fdb, snap.manifest.embedder.dim, { arrayVectorsForTests: true });
      await syncSnapshot(fdb, schema, snap, { batchChunks: 500 });
      const pgFacts = await PgFactStore.load(fdb);
      const sqlite = new FactsDb(path.join((await currentGeneration(real))!, FACTS_FILE));
      try {
        expect(pgFacts.bodies).toEqual(sqlite.bodies);
        expect(pgFacts.reports()).toEqual(sqlite.reports());
        expect(pgFacts.reports().length).toBeGreaterThan(50);
        let cells = 0;
        for (const r of sqlite.reports()) {
          expect(pgFacts.cells(r.docId), r.docId).toEqual(sqlite.cells(r.docId));
          expect(pgFacts.tables(r.docId)).toEqual(sqlite.tables(r.docId));
          expect(pgFacts.facts(r.docId)).toEqual(sqlite.facts(r.docId));
          expect(pgFacts.checks(r.docId)).toEqual(sqlite.checks(r.docId));
          expect(pgFacts.failingChecks(r.docId)).toEqual(sqlite.failingChecks(r.docId));
          for (const c of sqlite.cells(r.docId).slice(0, 5)) expect(pgFacts.cell(r.docId, c.table, c.row, c.column)).toEqual(c);
          cells += sqlite.cells(r.docId).length;
        }
        expect(cells).toBeGreaterThan(1000);
        expect(pgFacts.exportRows({})).toEqual(sqlite.exportRows({}));
      } finally {
        sqlite.close();
      }
    } finally {
      await fdb.close();
      await fresh.drop();
    }
  });
});

describe("PGlite with pgvector", () => {
  let db: Db;
  beforeAll(async () => {
    db = new Db(await freshPglite(), { max: 1 });
  });
  afterAll(async () => {
    await db?.close();
  });

  it("stores vector(N) with an HNSW index and ranks as exact cosine, open and filtered", async () => {
    const schema = await ensureSchema(db, DIM, {});
    expect(schema.vectors).toBe("pgvector");
    expect((await db.query("SELECT indexname FROM pg_indexes WHERE indexname = 'chunks_embedding'")).length).toBe(1);
    const snap = snapshot(TEXTS);
    await syncSnapshot(db, schema, snap);
    const search = await PgSearch.open(db);
    const scopes = new RowScopes(snap.manifest.documents, snap.chunks);
    for (const [i, f] of [undefined, { years: [2014] }, { docIds: ["reg2019"] }].entries()) {
      const q = vectorOf(200 + i);
      const rows = scopes.rows(f as SearchFilter)?.ordered ?? snap.chunks.map((_, r) => r);
      const want = exactSearch(snap.vectors, DIM, q, rows, 3);
      const got = await search.vectors.search(q, 3, f as SearchFilter);
      expect(got.map((h) => h[0])).toEqual(want.map(([r]) => snap.chunks[r].id));
      got.forEach((h, k) => expect(h[1]).toBeCloseTo(want[k][1], 5));
    }
    await expectSameLexical(search, snap);
  });
});
