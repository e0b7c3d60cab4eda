import { beforeAll, describe, expect, it } from "vitest";
import type { OpenedEngine as Engine } from "../../src/app/open.js";
import { understand } from "../../src/understand/understand.js";
import { InProcessSearch } from "../../src/search/inProcess.js";
import { filterKey, GOVERNING_KINDS, isOpenFilter, type Hit, type SearchFilter } from "../../src/search/types.js";
import { useRealEngine } from "../helpers/engine.js";
import { RECORDED, RECORDED_ORDER } from "./recordedBeforeRefactor.js";

// The in-process search engine (src/search/inProcess.ts) on the real corpus, through the shared test index.
const real = useRealEngine();
let engine: Engine;
beforeAll(() => {
  engine = real.engine();
});

const round = (ps: Array<{ chunk: { id: string }; score: number }>) => ps.map((p) => [p.chunk.id, Number(p.score.toFixed(8))]);

describe("same results as the pre-refactor Retriever (regression check of the refactor only)", () => {
  // RECORDED holds what the row-set Retriever returned before src/search/ existed; see recordedBeforeRefactor.ts.
  for (const key of Object.keys(RECORDED).filter((k) => !k.startsWith("allReports|"))) {
    const [mode, question] = key.split("|") as ["hybrid" | "lexical" | "dense", string];
    it(`${mode}: ${question}`, async () => {
      expect(round(await engine.retrieve(question, mode))).toEqual(RECORDED[key]);
    });
  }

  it("a scope of every report, by document id and by kind", async () => {
    const q = "其他报告怎么写依申请公开的办前沟通";
    const { plan: info } = await understand(q, null, engine.understandContext());
    const docIds = engine.corpus.docs.filter((d) => d.kind === "report").map((d) => d.docId);
    expect(round(await engine.ctx.search(info, { docIds }, 20, ["report"]))).toEqual(RECORDED[`allReports|${q}`]);
    expect(round(await engine.ctx.search(info, { kinds: ["report"] }, 20, ["report"]))).toEqual(RECORDED[`allReports|${q}`]);
  });

  it("chunks listed by filter come in the order the old code iterated them", () => {
    const ids = (f: SearchFilter) => engine.ctx.chunks.list(f).map((c) => c.id);
    expect(ids({ kinds: GOVERNING_KINDS })).toEqual(RECORDED_ORDER.governing);
    expect(ids({ kinds: ["regulation"], years: [2019] })).toEqual(RECORDED_ORDER.reg2019);
    expect(ids({ kinds: ["format_notice"], years: [2021] })).toEqual(RECORDED_ORDER.fmt2021);
  });
});

describe("filters", () => {
  const metaOf = (hits: Hit[]) => hits.map(([id]) => engine.ctx.chunks.meta(id)!);
  const terms: Array<[string, number]> = [["申请", 1], ["公开", 1], ["政府", 0.35]];
  const vector = async () => engine.embedder.embedQuery("政府信息公开申请 答复");

  it("by year: every hit of both indexes is from a report of that year", async () => {
    const f: SearchFilter = { years: [2013] };
    for (const hits of [await engine.ctx.lexical.search(terms, 30, f), await engine.ctx.vectors.search(await vector(), 30, f)]) {
      expect(hits.length).toBeGreaterThan(0);
      expect(metaOf(hits).every((m) => m.year === 2013)).toBe(true);
    }
  });

  it("by kind: the regulation only", async () => {
    const f: SearchFilter = { kinds: ["regulation"] };
    for (const hits of [await engine.ctx.lexical.search(terms, 30, f), await engine.ctx.vectors.search(await vector(), 30, f)]) {
      expect(hits.length).toBeGreaterThan(0);
      expect(new Set(metaOf(hits).map((m) => m.kind))).toEqual(new Set(["regulation"]));
    }
  });

  it("by body (the registry's id, as the facts database names it), and ANDed with a year", async () => {
    const facts = engine.ctx.figures!.facts;
    const r = facts.reports().find((x) => x.body && x.year)!;
    const docsOfBody = new Set(facts.reportsOf(r.body).map((x) => x.docId));
    const byBody = await engine.ctx.lexical.search(terms, 50, { bodies: [r.body] });
    expect(byBody.length).toBeGreaterThan(0);
    expect(metaOf(byBody).every((m) => docsOfBody.has(m.docId))).toBe(true);
    const both = await engine.ctx.vectors.search(await vector(), 50, { bodies: [r.body], years: [r.year!] });
    expect(both.length).toBeGreaterThan(0);
    expect(metaOf(both).every((m) => docsOfBody.has(m.docId) && m.year === r.year)).toBe(true);
  });

  it("by document and by source", async () => {
    const d = engine.corpus.docs.find((x) => x.kind === "report")!;
    const chunks = engine.ctx.chunks.list({ docIds: [d.docId] });
    expect(chunks.length).toBeGreaterThan(0);
    expect(chunks.map((c) => c.meta.ord)).toEqual([...chunks.map((c) => c.meta.ord)].sort((a, b) => a - b));
    const bySource = await engine.ctx.lexical.search(terms, 100, { sources: [d.source] });
    expect(metaOf(bySource).every((m) => m.source === d.source)).toBe(true);
  });

  it("an empty list matches nothing; an open filter everything", async () => {
    expect(await engine.ctx.lexical.search(terms, 10, { docIds: [] })).toEqual([]);
    expect(await engine.ctx.vectors.search(await vector(), 10, { years: [] })).toEqual([]);
    expect(engine.ctx.chunks.list({}).length).toBe(engine.ctx.chunks.size);
    expect(isOpenFilter({})).toBe(true);
    expect(isOpenFilter({ years: [] })).toBe(false);
  });

  it("a filter is translated once per distinct filter (the key ignores field and value order)", () => {
    expect(filterKey({ years: [2013, 2011], kinds: ["report"] })).toBe(filterKey({ kinds: ["report"], years: [2011, 2013, 2011] }));
    expect(filterKey({ years: [2013] })).not.toBe(filterKey({ docIds: ["2013"] }));
    const s = new InProcessSearch(engine.index);
    const a = s.scopes.rows({ years: [2013, 2011], kinds: ["report"] });
    expect(s.scopes.rows({ kinds: ["report"], years: [2011, 2013] })).toBe(a);
  });

  it("the chunk store gets chunks by id, several in the order asked, unknown ids skipped", () => {
    const [a, b] = engine.index.chunks;
    expect(engine.ctx.chunks.get(a.id)).toBe(a);
    expect(engine.ctx.chunks.getMany([b.id, "nope", a.id])).toEqual([b, a]);
    expect(engine.ctx.chunks.meta(b.id)).toBe(b.meta);
    expect(engine.ctx.chunks.get("nope")).toBeUndefined();
  });

  it("the question's scope is a plain filter: named reports by id, rule questions by kind", async () => {
    const ask = async (q: string) => (await understand(q, null, engine.understandContext())).plan;
    const scoped = engine.ctx.scopeFilter(await ask("沈阳市2013年共受理了多少件政府信息公开申请？"))!;
    expect(Object.keys(scoped)).toEqual(["docIds"]);
    expect(scoped.docIds!.length).toBeGreaterThan(0);
    expect(engine.ctx.scopeFilter(await ask("依申请公开的答复期限是多少？"))).toEqual({ kinds: GOVERNING_KINDS });
    expect(engine.ctx.scopeFilter({ ...(await ask("各地怎么做政府网站栏目建设")), intent: "general", scope: { bodies: [], years: [] } })).toBeNull();
    expect(JSON.parse(JSON.stringify(scoped))).toEqual(scoped);
  });
});
