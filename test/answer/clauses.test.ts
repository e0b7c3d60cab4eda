import { beforeAll, describe, expect, it } from "vitest";
import { buildClauses, clauseCitation, clauseLabel, noticePath, rankClauses, rowPath, type Clause, type ClauseQuery } from "../../src/answer/clauses.js";
import { headingMarker, splitArticle } from "../../src/ingest/clauses.js";
import { TABLES } from "../../src/domain/format/tables.js";
import { THESAURUS, englishTerms, statutoryPhrases, thesaurusHits } from "../../src/domain/vocabulary.js";
import { GOVERNING_TEXTS, governingOf } from "../../src/domain/governing.js";
import type { Chunk, ChunkMeta } from "../../src/types.js";
import { parsed } from "../ingest/corpusFixture.js";

// The clause model of the governing texts, on tiny inputs and on the real texts in corpus/.

const GOVERNING_FILES = [
  "regulation-2019.txt",
  "regulation-2007.txt",
  "format-notice-2019-国办公开办函2019-60号.txt",
  "format-notice-2021-国办公开办函2021-30号.txt",
  "judicial-interpretation-2011-政府信息公开行政案件.txt",
  "judicial-interpretation-2025-法释2025-8号-政府信息公开行政案件.txt",
];

let real: Clause[] = [];
beforeAll(async () => {
  const chunks: Chunk[] = [];
  for (const f of GOVERNING_FILES) for (const d of await parsed(f)) chunks.push(...d.chunks);
  real = buildClauses(chunks);
}, 120_000);
const byId = (id: string) => real.find((c) => c.id === id);

function chunk(text: string, meta: Partial<ChunkMeta>, ord = 0): Chunk {
  const m: ChunkMeta = { docId: "d#0", source: "d.txt", title: "t", issuer: null, region: null, year: 2019, kind: "regulation", section: "第一条", block: "prose", ord, ...meta };
  return { id: `${m.docId}:${ord}`, text, indexText: text, meta: m };
}

describe("an article's items", () => {
  it("splits the lead-in, the items and a paragraph after them", () => {
    const p = splitArticle("第九条 有下列情形之一的，不予受理：\n（一）甲的；\n（二）乙的；\n（三）丙的。\n前款规定以外的，应当受理。");
    expect(p.heading).toBe("第九条");
    expect(p.lead).toBe("有下列情形之一的，不予受理：");
    expect(p.items.map((i) => i.text)).toEqual(["甲的；", "乙的；", "丙的。"]);
    expect(p.tail).toBe("前款规定以外的，应当受理。");
  });

  it("takes half-width brackets and never a reference inside a sentence for an item", () => {
    const p = splitArticle("第二十条 主动公开下列信息：\n(一)规章；\n(二)文件。");
    expect(p.items.map((i) => [i.marker, i.n])).toEqual([["(一)", 1], ["(二)", 2]]);
    expect(splitArticle("第十条 依照第二十条第（一）项的规定公开。").items).toEqual([]);
  });

  it("numbers headings the way clause paths do", () => {
    expect(headingMarker("一、报告内容")).toBe("一、");
    expect(headingMarker("（二）行政机关主动公开政府信息情况")).toBe("（二）");
    expect(headingMarker("1.属于国家秘密")).toBe("1.");
    expect(noticePath("附件1 › 一、报告内容 › （二）行政机关主动公开政府信息情况", true)).toBe("附件1 一、（二）");
    expect(noticePath("一、报告内容 › （二）行政机关主动公开政府信息情况", false)).toBe("一、（二）");
    const row = TABLES["2021"].表三.rows.find((r) => r.key === "other.no_correction")!;
    expect(rowPath("表三", row)).toBe("表三 （六）其他处理 1.");
  });
});

describe("clauses from chunks", () => {
  it("an article joined across its chunks becomes the article and one clause per item, in force by its version", () => {
    const cs = buildClauses([
      chunk("第三条 对申请分别作出答复：\n(一)已经公开的，告知途径；", { section: "第二章 › 第三条" }, 0),
      chunk("(二)不属于本机关负责公开的，告知申请人。", { section: "第二章 › 第三条" }, 1),
    ]);
    expect(cs.map((c) => c.id)).toEqual(["regulation-2019:第三条", "regulation-2019:第三条（一）", "regulation-2019:第三条（二）"]);
    const item = cs[2];
    expect(item).toMatchObject({ shape: "item", article: "第三条", inForce: true, section: "第二章 › 第三条（二）", text: "（二）不属于本机关负责公开的，告知申请人。" });
    expect(item.lead).toContain("对申请分别作出答复");
    expect(clauseCitation(item).quote).toContain("对申请分别作出答复：……（二）不属于本机关");
    const old = buildClauses([chunk("第三条 旧的规定。", { year: 2007, section: "第三条" })]);
    expect(old[0]).toMatchObject({ governing: "regulation-2007", inForce: false });
  });

  it("a template table becomes one clause per official row the table prints, a placeholder none", () => {
    const cs = buildClauses([
      chunk("（六）其他处理\n1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请\n（七）总计", { kind: "format_notice", year: 2021, docId: "n#0", section: "模板 › 三、收到和处理政府信息公开申请情况 › 表", block: "applications" }),
      chunk("五、存在的主要问题及改进情况\n（文字描述）", { kind: "format_notice", year: 2021, docId: "n#0", section: "模板 › 五、存在的主要问题及改进情况" }, 1),
    ]);
    expect(cs.map((c) => c.path)).toEqual(["表三 （六）其他处理 1.", "表三 （七）"]);
    expect(cs[0].row).toMatchObject({ table: "表三", format: "2021" });
    expect(cs[0].row!.def.article).toBe("第三十条");
  });
});

describe("clauses of the real governing texts", () => {
  it("every article of each text, with its version and force", () => {
    const articles = (g: string) => real.filter((c) => c.governing === g && c.shape === "article").length;
    expect(articles("regulation-2019")).toBe(56);
    expect(articles("regulation-2007")).toBe(38);
    expect(articles("judicial-2025")).toBe(15);
    expect(articles("judicial-2011")).toBe(13);
    expect(real.filter((c) => c.inForce).every((c) => GOVERNING_TEXTS[c.governing].inForce)).toBe(true);
    expect(byId("regulation-2007:第二十四条")?.inForce).toBe(false);
  });

  it("the items the issue names, each with its own text", () => {
    expect(byId("regulation-2019:第三十一条（二）")?.text).toContain("平常信函");
    expect(byId("regulation-2019:第三十六条（五）")?.text).toContain("不属于本行政机关负责公开");
    expect(real.filter((c) => c.governing === "regulation-2019" && c.article === "第三十六条" && c.shape === "item")).toHaveLength(7);
    expect(byId("judicial-2025:第十条（二）")?.text).toContain("要求申请人补正等程序性告知行为");
    expect(byId("judicial-2025:第十条（二）")?.lead).toContain("裁定驳回起诉");
  });

  it("the notices' text items and template rows kept apart, the placeholders dropped", () => {
    const n21 = byId("format-2021:一、（二）");
    expect(n21?.shape).toBe("notice");
    expect(n21?.text).toContain("各项数据核定时间点为报告年度的12月31日");
    expect(clauseLabel(n21!)).toBe("国办公开办函〔2021〕30号 一、（二）“行政机关主动公开政府信息情况”");
    expect(byId("format-2019:附件1 一、（三）")?.text).toContain("数量偏高");
    expect(byId("format-2021:表三 （六）其他处理 2.")?.text).toContain("逾期未按收费通知要求缴纳费用");
    expect(byId("format-2021:表二 第二十条第（八）项 行政事业性收费")?.text).toContain("万元");
    expect(byId("format-2019:表二 第二十条第（九）项 政府集中采购")?.inForce).toBe(false);
    expect(real.some((c) => c.shape === "notice" && /^[一二三四五六]、[^\n]*\n?\s*（文字描述/.test(c.text.trim()))).toBe(false);
    // Every row of the 2021 表三 schema is a clause of the 2021 template.
    for (const r of TABLES["2021"].表三.rows) expect(real.some((c) => c.governing === "format-2021" && c.row?.def.key === r.key), r.label).toBe(true);
  });

  it("ranks the item a thesaurus phrase names first (平信 → 第三十一条（二）)", () => {
    const q: ClauseQuery = { terms: [{ term: "申请", weight: 0.5 }], phrases: statutoryPhrases("用平信寄过来的申请，收到日期怎么算").map((phrase) => ({ phrase, focus: 1 })), kind: "deadline", prefer: ["regulation", "judicial_interpretation", "format_notice"], named: [] };
    const top = rankClauses(real, q).find((x) => x.clause.shape === "item");
    expect(top?.clause.id).toBe("regulation-2019:第三十一条（二）");
  });
});

describe("the thesaurus", () => {
  it("resolves everyday words to statutory phrases (none shared: 平信 ↔ 平常信函)", () => {
    expect(statutoryPhrases("用平信寄过来的申请")).toContain("平常信函");
    expect(statutoryPhrases("申请的信息不归我们单位管")).toContain("不属于本行政机关负责公开");
    expect(statutoryPhrases("补正了还是讲不清楚")).toContain("申请内容不明确");
    expect(statutoryPhrases("要机关把数据汇总分析以后再给我")).toContain("加工、分析");
    expect(thesaurusHits("收到缴费通知后一直没交钱").map((h) => h.entry.statutory)).toEqual(expect.arrayContaining(["收费通知", "缴纳费用"]));
    // An everyday word is never a piece of an unrelated word: 告知 is no 起诉.
    expect(statutoryPhrases("告知申请人")).not.toContain("提起行政诉讼");
    expect(englishTerms("How many working days does an agency have to reply?")).toEqual(expect.arrayContaining(["工作日", "工作日内予以答复"]));
  });

  it("every entry's statutory phrase is written in the clause it names, in the text it names", () => {
    for (const e of THESAURUS) {
      const c = real.find((x) => x.governing === e.source.text && x.path === e.source.clause);
      expect(c, `${e.statutory} → ${e.source.text} ${e.source.clause}`).toBeDefined();
      expect(c!.match.replace(/\s+/g, ""), `${e.statutory} in ${e.source.clause}`).toContain(e.statutory);
    }
  });

  it("a governing document is its version by kind and year", () => {
    expect(governingOf("regulation", 2019)).toBe("regulation-2019");
    expect(governingOf("regulation", 2007)).toBe("regulation-2007");
    expect(governingOf("format_notice", 2021)).toBe("format-2021");
    expect(governingOf("judicial_interpretation", 2011)).toBe("judicial-2011");
  });
});
