import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { cleanText } from "../../src/ingest/clean.js";
import { splitPageHeader } from "../../src/ingest/header.js";
import { loadFile } from "../../src/ingest/load.js";
import { parseChineseNumber } from "../../src/ingest/numerals.js";
import { flattenSections, TABLE_LABELS } from "../../src/ingest/structure.js";
import type { Section } from "../../src/types.js";
import { charCounts, CORPUS_FILES, corpusPath, FORMAT_2019, FORMAT_2021, parsed, SEED } from "./corpusFixture.js";

const PREAMBLE = "前言";
/** Top-level numbered headings (the preamble and detached attachment tables are not numbered). */
const topHeadings = (roots: Section[]) => roots.filter((s) => s.heading !== PREAMBLE && !s.table).map((s) => s.heading);
const allSections = async (file: string) => (await parsed(file)).flatMap((d) => flattenSections(d.sections));

/** Top-level sections as written in each old-format report (read from the texts). */
const OLD_FORMAT_TOP: Record<string, string[]> = {
  "平潭县人民政府-2011-年度报告.txt": ["一、概述", "二、主动公开政府信息情况", "三、政府信息依申请公开工作情况", "四、政府信息公开工作存在的主要问题及改进情况"],
  "平潭县人民政府-2012-年度报告.txt": ["一、概述", "二、主动公开政府信息情况", "三、政府信息依申请公开工作情况", "四、政府信息公开工作存在的主要问题及改进情况"],
  "平潭县人民政府-2013-年度报告.txt": ["一、概述", "二、主动公开政府信息情况", "三、政府信息依申请公开工作情况", "四、政府信息公开工作存在的主要问题及改进情况"],
  "平潭综合实验区-2011-年度报告.txt": ["一、概述", "二、主动公开政府信息情况", "三、政府信息依申请公开工作情况", "四、政府信息公开工作存在的主要问题及改进情况"],
  "平潭综合实验区-2012-年度报告.txt": ["一、概述", "二、重点领域政府信息公开情况", "三、主动公开政府信息情况", "四、政府信息依申请公开工作情况", "五、政府信息公开工作存在的主要问题及改进情况"],
  "平潭综合实验区-2013-年度报告.txt": ["一、概述", "二、主动公开政府信息情况", "三、政府信息依申请公开工作情况", "四、政府信息公开工作存在的主要问题及改进情况"],
  "平潭综合实验区-2014-年度报告.txt": ["一、概述", "二、主动公开政府信息情况", "三、政府信息依申请公开工作情况", "四、政府信息公开的收费及减免情况", "五、主要问题和改进措施", "六、平潭综合实验区政府信息公开情况统计表"],
  "平潭综合实验区-2015-年度报告.txt": ["一、概述", "二、主动公开政府信息情况", "三、政府信息依申请公开工作情况", "四、政府信息公开的收费及减免情况", "五、因政府信息公开申请行政复议、提起行政诉讼的情况", "六、主要问题和改进措施", "七、平潭综合实验区政府信息公开情况统计表"],
  "平潭综合实验区-2016-年度报告.txt": ["一、概述", "二、主动公开政府信息情况", "三、政府信息依申请公开工作情况", "四、政府信息公开的收费及减免情况", "五、因政府信息公开申请行政复议、提起行政诉讼的情况", "六、主要问题和改进措施", "七、平潭综合实验区政府信息公开情况统计表"],
  "平潭综合实验区-2017-年度报告.txt": ["一、概述", "二、主动公开政府信息情况", "三、政府信息依申请公开工作情况", "四、因政府信息公开申请行政复议、提起行政诉讼的情况", "五、存在的主要问题和改进措施", "六、政府信息公开情况统计表"],
  "平潭综合实验区-2018-年度报告.txt": ["一、概述", "二、主动公开政府信息情况", "三、政府信息依申请公开工作情况", "四、因政府信息公开申请行政复议、提起行政诉讼的情况", "五、主要问题和改进措施", "六、政府信息公开情况统计表"],
  "平潭综合实验区地方税务局-2013-年度报告.txt": ["一、概述", "二、主动公开政府信息情况", "三、依申请公开、不予公开及咨询政府信息情况", "四、审批事项及处理情况", "五、申请行政复议、提起行政诉讼和申诉的情况", "六、工作人员及信息公开事务支出情况"],
};

const SEED_TOP = [
  ["一、概述", "二、主动公开政府信息情况", "三、依申请公开政府信息情况", "四、政府信息公开收费及减免情况", "五、申请行政复议和提起行政诉讼情况", "六、下步工作打算", "七、其他情况"],
  ["一、基本情况", "二、工作成效"],
  ["一、政府信息公开情况", "二、政府信息公开工作情况", "三、存在问题", "四、2014年政府信息公开工作安排"],
];

/** The six parts of the 2019-trial and 2021 formats; titles vary slightly between agencies (and a source typo: 行政法复议). */
const SIX_PARTS = [
  /^一、总体情况$/,
  /^二、主动公开政府信息情况$/,
  /^三、收到和处理政府信息公开申请情况$/,
  /^四、政府信息公开行政法?复议、行政诉讼情况$/,
  /^五、(政府信息公开工作)?存在的主要问题及改进情况$/,
  /^六、其他需要报告的事项$/,
];

const TABLE_ROW = /^[一二三四五六七八九十]+、\s*(本年新收|上年结转|本年度办理结果|结转下年度|予以公开|不予公开|总计)/;

describe("top-level sections of annual reports", () => {
  for (const file of [...FORMAT_2019, ...FORMAT_2021]) {
    it(`${file}: 一、…六、 of the national format`, async () => {
      const [d] = await parsed(file);
      const top = topHeadings(d.sections);
      expect(top).toHaveLength(6);
      top.forEach((h, i) => expect(h).toMatch(SIX_PARTS[i]));
    });
  }

  it("平潭综合实验区-2021: all six headings are inline in a one-line text and are still found", async () => {
    const raw = readFileSync(corpusPath("平潭综合实验区-2021-年度报告.txt"), "utf8");
    expect(raw.trim().split("\n")).toHaveLength(1);
    const [d] = await parsed("平潭综合实验区-2021-年度报告.txt");
    expect(topHeadings(d.sections)).toEqual([
      "一、总体情况",
      "二、主动公开政府信息情况",
      "三、收到和处理政府信息公开申请情况",
      "四、政府信息公开行政复议、行政诉讼情况",
      "五、存在的主要问题及改进情况",
      "六、其他需要报告的事项",
    ]);
    const sub = d.sections.find((s) => s.heading === "一、总体情况")!.children.map((s) => s.heading);
    expect(sub).toEqual(["（一）主动公开方面", "（二）依申请公开方面", "（三）政府信息管理方面", "（四）平台载体建设方面", "（五）监督保障方面"]);
  });

  for (const [file, want] of Object.entries(OLD_FORMAT_TOP)) {
    it(`${file}: ${want.length} parts of the old free-form format`, async () => {
      const [d] = await parsed(file);
      expect(topHeadings(d.sections)).toEqual(want);
    });
  }

  it("seed page: each of the three reports has its own top-level parts (incl. a heading on the last line)", async () => {
    const docs = await parsed(SEED);
    expect(docs.map((d) => topHeadings(d.sections))).toEqual(SEED_TOP);
  });

  it("no top-level heading comes from a table row (一、本年新收…, 四、结转下年度…)", async () => {
    for (const file of CORPUS_FILES) {
      for (const s of await allSections(file)) {
        expect(TABLE_ROW.test(s.heading), `${file}: ${s.heading}`).toBe(false);
      }
    }
  });

  it("headings are short titles, not swallowed sentences", async () => {
    for (const file of CORPUS_FILES) {
      for (const s of await allSections(file)) {
        if (s.table) continue;
        expect(s.heading.length, `${file}: ${s.heading}`).toBeLessThanOrEqual(60);
        // A title that runs into the body ("存在的主要问题和改进措施虽然我区…") is a parse error.
        expect(/虽然|目前，|[。；]/.test(s.heading), `${file}: ${s.heading}`).toBe(false);
      }
    }
  });
});

describe("legal texts", () => {
  async function articles(file: string) {
    const [d] = await parsed(file);
    const secs = flattenSections(d.sections);
    return { d, chapters: secs.filter((s) => /^第.+章/.test(s.heading)), arts: secs.filter((s) => /^第.+条$/.test(s.heading)) };
  }
  const numberOf = (h: string) => parseChineseNumber(h.slice(1, -1));

  it("regulation-2019: 56 articles 第一条…第五十六条 in 6 chapters", async () => {
    const { chapters, arts } = await articles("regulation-2019.txt");
    expect(arts.map((a) => numberOf(a.heading))).toEqual(Array.from({ length: 56 }, (_, i) => i + 1));
    expect(arts[55].heading).toBe("第五十六条");
    expect(arts[55].body).toContain("本条例自2019年5月15日起施行");
    expect(chapters.map((c) => c.heading)).toEqual([
      "第一章 总则",
      "第二章 公开的主体和范围",
      "第三章 主动公开",
      "第四章 依申请公开",
      "第五章 监督和保障",
      "第六章 附则",
    ]);
    expect(chapters.reduce((n, c) => n + c.children.length, 0)).toBe(56);
    for (const a of arts) expect(a.path).toHaveLength(2);
    // 第十条 in the text ("依照本条例第十条") is a reference, not an article heading.
    expect(arts.find((a) => a.heading === "第十条")!.path[0]).toBe("第二章 公开的主体和范围");
  });

  it("regulation-2007: 38 articles in 5 chapters", async () => {
    const { chapters, arts } = await articles("regulation-2007.txt");
    expect(arts.map((a) => numberOf(a.heading))).toEqual(Array.from({ length: 38 }, (_, i) => i + 1));
    expect(arts[37].body).toContain("本条例自2008年5月1日起施行");
    expect(chapters).toHaveLength(5);
  });

  it("法释〔2025〕8号: 15 articles", async () => {
    const { arts } = await articles("judicial-interpretation-2025-法释2025-8号-政府信息公开行政案件.txt");
    expect(arts).toHaveLength(15);
  });
});

describe("enumerations and references inside sentences are not headings", () => {
  it("no heading starts with 一是/二是 and the enumerated sentence stays in one chunk", async () => {
    for (const file of CORPUS_FILES) {
      for (const s of await allSections(file)) expect(/^[一二三四五六七八九十]+是/.test(s.heading), s.heading).toBe(false);
    }
    const seed = (await parsed(SEED)).flatMap((d) => d.chunks);
    expect(seed.some((c) => c.text.includes("一是个别部门对政府信息公开工作的重视程度不够。二是个别部门政府信息公开和更新还不够及时。三是"))).toBe(true);
    const county = (await parsed("平潭县人民政府-2011-年度报告.txt"))[0].chunks;
    expect(county.some((c) => /一是受人员编制限制.*；二是/.test(c.text))).toBe(true);
  });

  it("第二十条第（一）项 and 第（五）项 stay references", async () => {
    for (const file of CORPUS_FILES) {
      for (const s of await allSections(file)) expect(/^[（(][一二三四五六七八九十]+[）)]\s*项/.test(s.heading), `${file}: ${s.heading}`).toBe(false);
    }
    const notice = (await parsed("format-notice-2021-国办公开办函2021-30号.txt"))[0];
    expect(notice.chunks.some((c) => c.text.includes("包括（一）（五）（六）（八）共四项，其中，第（五）项的行政许可数量、第（六）项的行政处罚"))).toBe(true);
    const art20 = flattenSections((await parsed("平潭综合实验区-2023-年度报告.txt"))[0].sections).find((s) => s.table === "art20")!;
    for (const n of ["一", "五", "六", "八"]) expect(art20.body).toContain(`第二十条第（${n}）项`);
  });
});

describe("standard tables become labelled sections", () => {
  const PARENT: Record<string, RegExp> = { art20: /^二、/, applications: /^三、/, review_litigation: /^四、/ };
  for (const file of [...FORMAT_2019, ...FORMAT_2021]) {
    it(`${file}: art20, applications, review_litigation under 二、三、四`, async () => {
      const secs = await allSections(file);
      for (const kind of ["art20", "applications", "review_litigation"] as const) {
        const t = secs.filter((s) => s.table === kind);
        expect(t, kind).toHaveLength(1);
        expect(t[0].heading).toBe(TABLE_LABELS[kind]);
        expect(t[0].path[0]).toMatch(PARENT[kind]);
        expect(t[0].path[t[0].path.length - 1]).toBe(TABLE_LABELS[kind]);
        expect(t[0].body.length).toBeGreaterThan(40);
      }
      const apps = secs.find((s) => s.table === "applications")!.body;
      expect(apps).toMatch(/本年新收/);
      expect(apps).toMatch(/结转下年度继续办理/);
      expect(secs.find((s) => s.table === "review_litigation")!.body).toMatch(/维持/);
      // The table's numbers are not left in the prose of the section that holds it.
      expect(secs.find((s) => /^三、/.test(s.heading))!.body).not.toMatch(/本年新收/);
    });
  }

  it("the old-format statistics table is attached to its numbered section when there is one", async () => {
    const [d] = await parsed("平潭综合实验区-2014-年度报告.txt");
    const six = d.sections.find((s) => s.heading.startsWith("六、"))!;
    expect(six.children.map((c) => c.table)).toEqual(["stats"]);
    const [county] = await parsed("平潭县人民政府-2011-年度报告.txt");
    expect(county.sections.filter((s) => s.table === "stats").map((s) => s.heading)).toEqual([TABLE_LABELS.stats]);
  });
});

describe("content preservation", () => {
  /**
   * Reference = the text ingestion is meant to keep: the file's text after the crawler header (splitPageHeader)
   * and the portal/site chrome (cleanText) are removed, as parseText does. On the seed page clean.ts deliberately keeps the "…_百度百科" page-title
   * lines (split.ts uses them as boundaries, and the title is kept once as the entry's first line) and the
   * hosting page's header before the first of them; those are page chrome and are left out of the reference.
   */
  async function reference(file: string): Promise<{ body: string; reference: string }> {
    const body = splitPageHeader((await loadFile(corpusPath(file), file)).text).text;
    const lines = cleanText(body).split("\n");
    const first = lines.findIndex((l) => /_百度百科\s*$/.test(l));
    return { body, reference: (first < 0 ? lines : lines.slice(first).filter((l) => !/_百度百科\s*$/.test(l))).join("\n") };
  }
  const countOf = (s: string) => [...charCounts(s).values()].reduce((a, b) => a + b, 0);

  for (const file of CORPUS_FILES) {
    it(`${file}: chunks keep ≥ 99% of the CJK characters and digits`, async () => {
      const { body, reference: ref } = await reference(file);
      const want = charCounts(ref);
      const got = charCounts((await parsed(file)).flatMap((d) => d.chunks.map((c) => c.text)).join("\n"));
      let total = 0;
      let kept = 0;
      for (const [ch, n] of want) {
        total += n;
        kept += Math.min(n, got.get(ch) ?? 0);
      }
      // The reference is the document, not a text that cleaning emptied: the chrome it removes is a small
      // part of any page (a fixed floor of 1000 characters no longer fits: some department reports are shorter).
      expect(total).toBeGreaterThan(0.85 * countOf(body));
      expect(kept / total).toBeGreaterThanOrEqual(0.99);
    });
  }

  it("headings of sections without a body of their own are kept in the chunk text", async () => {
    const chunks = (await parsed("平潭综合实验区-2021-年度报告.txt"))[0].chunks;
    const table = chunks.find((c) => c.meta.block === "applications")!;
    expect(table.text.startsWith("三、收到和处理政府信息公开申请情况\n")).toBe(true);
    expect(table.meta.section).toBe(`三、收到和处理政府信息公开申请情况 › ${TABLE_LABELS.applications}`);
  });
});
