import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROME_PATTERNS } from "../../src/ingest/clean.js";
import { parseFile, parseText } from "../../src/ingest/document.js";
import type { DocKind } from "../../src/types.js";
import { CORPUS_FILES, corpusPath, parsed, SEED } from "./corpusFixture.js";

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "nianbao-doc-"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("seed page (three Baike entries in one file)", () => {
  it("splits into exactly three documents with their own title, region and year", async () => {
    const docs = await parsed(SEED);
    expect(docs.map((d) => d.meta.docId)).toEqual([`${SEED}#0`, `${SEED}#1`, `${SEED}#2`]);
    expect(docs.map((d) => [d.meta.region, d.meta.year, d.meta.kind])).toEqual([
      ["长沙市", 2011, "report"],
      ["攀枝花市", 2009, "report"],
      ["沈阳市", 2013, "report"],
    ]);
    expect(docs[0].meta.title).toBe("长沙市人民政府2011年政府信息公开年度报告");
    // The Baike entry is titled "关于2009年度政府信息公开工作的报告"; the place is recovered from the body.
    expect(docs[1].meta.title).toContain("关于2009年度政府信息公开工作的报告");
    expect(docs[1].meta.title.startsWith("攀枝花市")).toBe(true);
    expect(docs[2].meta.title).toBe("沈阳市2013年度政府信息公开工作报告");
  });

  it("keeps each report's text in its own document", async () => {
    const docs = await parsed(SEED);
    const text = (i: number) => docs[i].chunks.map((c) => c.text).join("\n");
    expect(text(0)).toContain("长沙市政府信息公开工作");
    expect(text(0)).not.toContain("攀枝花");
    expect(text(1)).toContain("四川省贯彻落实");
    expect(text(1)).not.toContain("沈阳市");
    expect(text(2)).toContain("5·15政务公开日");
    expect(text(2)).not.toContain("长沙市");
  });

  it("leaves no Baike chrome in any chunk", async () => {
    const literals = ["百度百科", "我要回帖", "随机推荐", "新手上路", "赶紧来吧", "关闭特色百科"];
    const chunks = (await parsed(SEED)).flatMap((d) => d.chunks);
    expect(chunks.length).toBeGreaterThan(30);
    for (const c of chunks) {
      for (const re of CHROME_PATTERNS) expect(re.test(c.text), `${re} in ${c.id}: ${c.text.slice(0, 80)}`).toBe(false);
      for (const lit of literals) expect(c.text.includes(lit), `${lit} in ${c.id}`).toBe(false);
      expect(c.indexText.includes("百度百科")).toBe(false);
    }
  });

  it("every chunk carries title, region, year and section", async () => {
    const docs = await parsed(SEED);
    for (const d of docs) {
      for (const c of d.chunks) {
        expect(c.meta.title).toBe(d.meta.title);
        expect(c.meta.region).toBe(d.meta.region);
        expect(c.meta.year).toBe(d.meta.year);
        expect(c.meta.docId).toBe(d.meta.docId);
        expect(c.meta.section.length).toBeGreaterThan(0);
        expect(c.indexText.startsWith(`${d.meta.title}\n${c.meta.section}\n`)).toBe(true);
      }
    }
  });
});

/**
 * Expected metadata, written from the tables in corpus/SOURCES.md (national texts have no region). Department
 * reports also name their issuer: the body the file is named after (SOURCES.md leaves it blank for some, or gives
 * the header's 发布机构, e.g. "办公室"); a 平潭县 bureau belongs to 平潭县, a department of the zone to 平潭综合实验区.
 */
const EXPECTED: Record<string, { kind: DocKind; year: number; region: string | null; issuer?: string }> = {
  "regulation-2019.txt": { kind: "regulation", year: 2019, region: null },
  "regulation-2007.txt": { kind: "regulation", year: 2007, region: null },
  "format-notice-2019-国办公开办函2019-60号.txt": { kind: "format_notice", year: 2019, region: null },
  "format-notice-2021-国办公开办函2021-30号.txt": { kind: "format_notice", year: 2021, region: null },
  "judicial-interpretation-2011-政府信息公开行政案件.txt": { kind: "judicial_interpretation", year: 2011, region: null },
  "judicial-interpretation-2025-法释2025-8号-政府信息公开行政案件.txt": { kind: "judicial_interpretation", year: 2025, region: null },
  "平潭县人民政府-2011-年度报告.txt": { kind: "report", year: 2011, region: "平潭县" },
  "平潭综合实验区-2011-年度报告.txt": { kind: "report", year: 2011, region: "平潭综合实验区" },
  "平潭县人民政府-2012-年度报告.txt": { kind: "report", year: 2012, region: "平潭县" },
  "平潭综合实验区-2012-年度报告.txt": { kind: "report", year: 2012, region: "平潭综合实验区" },
  "平潭县人民政府-2013-年度报告.txt": { kind: "report", year: 2013, region: "平潭县" },
  "平潭综合实验区地方税务局-2013-年度报告.txt": { kind: "report", year: 2013, region: "平潭综合实验区" },
  "平潭综合实验区-2013-年度报告.txt": { kind: "report", year: 2013, region: "平潭综合实验区" },
  "平潭综合实验区-2014-年度报告.txt": { kind: "report", year: 2014, region: "平潭综合实验区" },
  "平潭综合实验区-2015-年度报告.txt": { kind: "report", year: 2015, region: "平潭综合实验区" },
  "平潭综合实验区-2016-年度报告.txt": { kind: "report", year: 2016, region: "平潭综合实验区" },
  "平潭综合实验区-2017-年度报告.txt": { kind: "report", year: 2017, region: "平潭综合实验区" },
  "平潭综合实验区-2018-年度报告.txt": { kind: "report", year: 2018, region: "平潭综合实验区" },
  "平潭综合实验区-2019-年度报告.txt": { kind: "report", year: 2019, region: "平潭综合实验区" },
  "平潭综合实验区-2020-年度报告.txt": { kind: "report", year: 2020, region: "平潭综合实验区" },
  "平潭综合实验区-2021-年度报告.txt": { kind: "report", year: 2021, region: "平潭综合实验区" },
  "平潭综合实验区-2022-年度报告.txt": { kind: "report", year: 2022, region: "平潭综合实验区" },
  "平潭综合实验区-2023-年度报告.txt": { kind: "report", year: 2023, region: "平潭综合实验区" },
  "平潭综合实验区-2024-年度报告.txt": { kind: "report", year: 2024, region: "平潭综合实验区" },
  "平潭综合实验区-2025-年度报告.txt": { kind: "report", year: 2025, region: "平潭综合实验区" },
  "洪泽区人民政府-2023-年度报告.pdf": { kind: "report", year: 2023, region: "洪泽区" },
  "洪泽区人民政府-2024-年度报告.pdf": { kind: "report", year: 2024, region: "洪泽区" },
  "沭阳县人民政府-2025-年度报告.txt": { kind: "report", year: 2025, region: "沭阳县" },
  // Department reports (corpus/SOURCES.md, "Department reports").
  "平潭县交通局-2009-年度报告.txt": { kind: "report", year: 2009, region: "平潭县", issuer: "平潭县交通局" },
  "平潭县交通局-2010-年度报告.txt": { kind: "report", year: 2010, region: "平潭县", issuer: "平潭县交通局" },
  "平潭县人口和计划生育局-2013-年度报告.txt": { kind: "report", year: 2013, region: "平潭县", issuer: "平潭县人口和计划生育局" },
  "平潭县人防办-2011-年度报告.txt": { kind: "report", year: 2011, region: "平潭县", issuer: "平潭县人防办" },
  "平潭县信访局-2011-年度报告.txt": { kind: "report", year: 2011, region: "平潭县", issuer: "平潭县信访局" },
  "平潭县公安局-2009-年度报告.txt": { kind: "report", year: 2009, region: "平潭县", issuer: "平潭县公安局" },
  "平潭县司法局-2012-年度报告.txt": { kind: "report", year: 2012, region: "平潭县", issuer: "平潭县司法局" },
  "平潭县司法局-2013-年度报告.txt": { kind: "report", year: 2013, region: "平潭县", issuer: "平潭县司法局" },
  "平潭县国土资源局-2012-年度报告.txt": { kind: "report", year: 2012, region: "平潭县", issuer: "平潭县国土资源局" },
  "平潭县安全生产监督管理局-2011-年度报告.txt": { kind: "report", year: 2011, region: "平潭县", issuer: "平潭县安全生产监督管理局" },
  "平潭县工商局-2012-年度报告.txt": { kind: "report", year: 2012, region: "平潭县", issuer: "平潭县工商局" },
  "平潭县建设局-2011-年度报告.txt": { kind: "report", year: 2011, region: "平潭县", issuer: "平潭县建设局" },
  "平潭县教育局-2011-年度报告.txt": { kind: "report", year: 2011, region: "平潭县", issuer: "平潭县教育局" },
  "平潭县旅游局-2011-年度报告.txt": { kind: "report", year: 2011, region: "平潭县", issuer: "平潭县旅游局" },
  "平潭县民政局-2012-年度报告.txt": { kind: "report", year: 2012, region: "平潭县", issuer: "平潭县民政局" },
  "平潭县环境保护局-2009-年度报告.txt": { kind: "report", year: 2009, region: "平潭县", issuer: "平潭县环境保护局" },
  "平潭县环境保护局-2010-年度报告.txt": { kind: "report", year: 2010, region: "平潭县", issuer: "平潭县环境保护局" },
  "平潭县经济发展局-2012-年度报告.txt": { kind: "report", year: 2012, region: "平潭县", issuer: "平潭县经济发展局" },
  "平潭县综合执法局-2013-年度报告.txt": { kind: "report", year: 2013, region: "平潭县", issuer: "平潭县综合执法局" },
  "平潭县财政局-2009-年度报告.txt": { kind: "report", year: 2009, region: "平潭县", issuer: "平潭县财政局" },
  "平潭县财政局-2010-年度报告.txt": { kind: "report", year: 2010, region: "平潭县", issuer: "平潭县财政局" },
  "平潭县质量技术监督局-2009-年度报告.txt": { kind: "report", year: 2009, region: "平潭县", issuer: "平潭县质量技术监督局" },
  "平潭县食品药品监督管理局-2010-年度报告.txt": { kind: "report", year: 2010, region: "平潭县", issuer: "平潭县食品药品监督管理局" },
  "平潭综合实验区交通与建设局-2014-年度报告.txt": { kind: "report", year: 2014, region: "平潭综合实验区", issuer: "平潭综合实验区交通与建设局" },
  "平潭综合实验区交通与建设局-2020-年度报告.txt": { kind: "report", year: 2020, region: "平潭综合实验区", issuer: "平潭综合实验区交通与建设局" },
  "平潭综合实验区交通与建设局-2023-年度报告.txt": { kind: "report", year: 2023, region: "平潭综合实验区", issuer: "平潭综合实验区交通与建设局" },
  "平潭综合实验区公安局-2013-年度报告.txt": { kind: "report", year: 2013, region: "平潭综合实验区", issuer: "平潭综合实验区公安局" },
  "平潭综合实验区公安局-2015-年度报告.txt": { kind: "report", year: 2015, region: "平潭综合实验区", issuer: "平潭综合实验区公安局" },
  "平潭综合实验区公安局-2019-年度报告.txt": { kind: "report", year: 2019, region: "平潭综合实验区", issuer: "平潭综合实验区公安局" },
  "平潭综合实验区公安局-2022-年度报告.txt": { kind: "report", year: 2022, region: "平潭综合实验区", issuer: "平潭综合实验区公安局" },
  "平潭综合实验区公安局-2024-年度报告.txt": { kind: "report", year: 2024, region: "平潭综合实验区", issuer: "平潭综合实验区公安局" },
  "平潭综合实验区农业农村局-2021-年度报告.txt": { kind: "report", year: 2021, region: "平潭综合实验区", issuer: "平潭综合实验区农业农村局" },
  "平潭综合实验区农业农村局-2025-年度报告.txt": { kind: "report", year: 2025, region: "平潭综合实验区", issuer: "平潭综合实验区农业农村局" },
  "平潭综合实验区农村发展局-2016-年度报告.txt": { kind: "report", year: 2016, region: "平潭综合实验区", issuer: "平潭综合实验区农村发展局" },
  "平潭综合实验区农村发展局-2017-年度报告.txt": { kind: "report", year: 2017, region: "平潭综合实验区", issuer: "平潭综合实验区农村发展局" },
  "平潭综合实验区农村发展局-2018-年度报告.txt": { kind: "report", year: 2018, region: "平潭综合实验区", issuer: "平潭综合实验区农村发展局" },
  "平潭综合实验区市场监督管理局-2015-年度报告.txt": { kind: "report", year: 2015, region: "平潭综合实验区", issuer: "平潭综合实验区市场监督管理局" },
  "平潭综合实验区市场监督管理局-2018-年度报告.txt": { kind: "report", year: 2018, region: "平潭综合实验区", issuer: "平潭综合实验区市场监督管理局" },
  "平潭综合实验区市场监督管理局-2024-年度报告.txt": { kind: "report", year: 2024, region: "平潭综合实验区", issuer: "平潭综合实验区市场监督管理局" },
  "平潭综合实验区环境与国土资源局-2014-年度报告.txt": { kind: "report", year: 2014, region: "平潭综合实验区", issuer: "平潭综合实验区环境与国土资源局" },
  "平潭综合实验区环境与国土资源局-2016-年度报告.txt": { kind: "report", year: 2016, region: "平潭综合实验区", issuer: "平潭综合实验区环境与国土资源局" },
  "平潭综合实验区社会事业局-2015-年度报告.txt": { kind: "report", year: 2015, region: "平潭综合实验区", issuer: "平潭综合实验区社会事业局" },
  "平潭综合实验区社会事业局-2023-年度报告.txt": { kind: "report", year: 2023, region: "平潭综合实验区", issuer: "平潭综合实验区社会事业局" },
  "平潭综合实验区管委会办公室-2017-年度报告.txt": { kind: "report", year: 2017, region: "平潭综合实验区", issuer: "平潭综合实验区管委会办公室" },
  "平潭综合实验区管委会办公室-2019-年度报告.txt": { kind: "report", year: 2019, region: "平潭综合实验区", issuer: "平潭综合实验区管委会办公室" },
  "平潭综合实验区管委会办公室-2023-年度报告.txt": { kind: "report", year: 2023, region: "平潭综合实验区", issuer: "平潭综合实验区管委会办公室" },
  "平潭综合实验区管委会办公室-2025-年度报告.txt": { kind: "report", year: 2025, region: "平潭综合实验区", issuer: "平潭综合实验区管委会办公室" },
  "平潭综合实验区经济发展局-2013-年度报告.txt": { kind: "report", year: 2013, region: "平潭综合实验区", issuer: "平潭综合实验区经济发展局" },
  "平潭综合实验区经济发展局-2017-年度报告.txt": { kind: "report", year: 2017, region: "平潭综合实验区", issuer: "平潭综合实验区经济发展局" },
  "平潭综合实验区经济发展局-2019-年度报告.txt": { kind: "report", year: 2019, region: "平潭综合实验区", issuer: "平潭综合实验区经济发展局" },
  "平潭综合实验区经济发展局-2022-年度报告.txt": { kind: "report", year: 2022, region: "平潭综合实验区", issuer: "平潭综合实验区经济发展局" },
  "平潭综合实验区经济发展局-2025-年度报告.txt": { kind: "report", year: 2025, region: "平潭综合实验区", issuer: "平潭综合实验区经济发展局" },
  "平潭综合实验区综合执法与应急管理局-2020-年度报告.txt": { kind: "report", year: 2020, region: "平潭综合实验区", issuer: "平潭综合实验区综合执法与应急管理局" },
  "平潭综合实验区综合执法与应急管理局-2023-年度报告.txt": { kind: "report", year: 2023, region: "平潭综合实验区", issuer: "平潭综合实验区综合执法与应急管理局" },
  "平潭综合实验区综合执法局-2014-年度报告.txt": { kind: "report", year: 2014, region: "平潭综合实验区", issuer: "平潭综合实验区综合执法局" },
  "平潭综合实验区综合执法局办公室-2017-年度报告.txt": { kind: "report", year: 2017, region: "平潭综合实验区", issuer: "平潭综合实验区综合执法局办公室" },
  "平潭综合实验区自然资源与生态环境局-2022-年度报告.txt": { kind: "report", year: 2022, region: "平潭综合实验区", issuer: "平潭综合实验区自然资源与生态环境局" },
  "平潭综合实验区行政审批局-2015-年度报告.txt": { kind: "report", year: 2015, region: "平潭综合实验区", issuer: "平潭综合实验区行政审批局" },
  "平潭综合实验区行政审批局-2016-年度报告.txt": { kind: "report", year: 2016, region: "平潭综合实验区", issuer: "平潭综合实验区行政审批局" },
  "平潭综合实验区行政审批局-2018-年度报告.txt": { kind: "report", year: 2018, region: "平潭综合实验区", issuer: "平潭综合实验区行政审批局" },
  "平潭综合实验区行政审批局-2020-年度报告.txt": { kind: "report", year: 2020, region: "平潭综合实验区", issuer: "平潭综合实验区行政审批局" },
  "平潭综合实验区行政审批局-2021-年度报告.txt": { kind: "report", year: 2021, region: "平潭综合实验区", issuer: "平潭综合实验区行政审批局" },
  "平潭综合实验区行政审批局-2023-年度报告.txt": { kind: "report", year: 2023, region: "平潭综合实验区", issuer: "平潭综合实验区行政审批局" },
  "平潭综合实验区行政审批局-2025-年度报告.txt": { kind: "report", year: 2025, region: "平潭综合实验区", issuer: "平潭综合实验区行政审批局" },
  "平潭综合实验区财政金融局-2012-年度报告.txt": { kind: "report", year: 2012, region: "平潭综合实验区", issuer: "平潭综合实验区财政金融局" },
  "平潭综合实验区财政金融局-2014-年度报告.txt": { kind: "report", year: 2014, region: "平潭综合实验区", issuer: "平潭综合实验区财政金融局" },
  "平潭综合实验区财政金融局-2016-年度报告.txt": { kind: "report", year: 2016, region: "平潭综合实验区", issuer: "平潭综合实验区财政金融局" },
  "平潭综合实验区财政金融局-2018-年度报告.txt": { kind: "report", year: 2018, region: "平潭综合实验区", issuer: "平潭综合实验区财政金融局" },
  "平潭综合实验区财政金融局-2021-年度报告.txt": { kind: "report", year: 2021, region: "平潭综合实验区", issuer: "平潭综合实验区财政金融局" },
  "平潭综合实验区财政金融局-2024-年度报告.txt": { kind: "report", year: 2024, region: "平潭综合实验区", issuer: "平潭综合实验区财政金融局" },
};

describe("metadata of every corpus file", () => {
  it("the expectation table covers the whole corpus", () => {
    expect([...Object.keys(EXPECTED), SEED].sort()).toEqual(CORPUS_FILES);
  });

  for (const [file, want] of Object.entries(EXPECTED)) {
    it(`${file}: ${want.kind} ${want.year} ${want.region ?? "national"}${want.issuer ? ` ${want.issuer}` : ""}`, async () => {
      const docs = await parsed(file);
      expect(docs).toHaveLength(1);
      const m = docs[0].meta;
      const { issuer, ...kyr } = want;
      expect({ kind: m.kind, year: m.year, region: m.region }).toEqual(kyr);
      if (issuer) expect(m.issuer).toBe(issuer);
      expect(m.title.length).toBeGreaterThan(6);
      if (want.kind === "report") expect(m.title).toContain(String(want.year));
      if (want.kind === "regulation") expect(m.issuer).toBe("国务院");
      if (want.kind === "judicial_interpretation") expect(m.issuer).toBe("最高人民法院");
      for (const c of docs[0].chunks) expect([c.meta.kind, c.meta.year, c.meta.region]).toEqual([want.kind, want.year, want.region]);
    });
  }

  it("overrides replace only the fields they name; `#n` targets one document of a file", async () => {
    const text = readFileSync(corpusPath(SEED), "utf8");
    const docs = parseText(text, SEED, { [`${SEED}#2`]: { region: "测试市", year: null } });
    expect([docs[2].meta.region, docs[2].meta.year, docs[2].meta.title]).toEqual(["测试市", null, "沈阳市2013年度政府信息公开工作报告"]);
    expect([docs[0].meta.region, docs[1].meta.region]).toEqual(["长沙市", "攀枝花市"]);
    const [withOverride] = await parsed("平潭综合实验区-2011-年度报告.txt");
    expect(withOverride.meta.issuer).toBe("平潭综合实验区管委会");
    expect(withOverride.meta.title).toBe("平潭综合实验区2011年政府信息公开工作年度报告");
  });

  it("沭阳 aliases from overrides.json reach the document (OCR reads 沐阳)", async () => {
    const [d] = await parsed("沭阳县人民政府-2025-年度报告.txt");
    expect(d.aliases).toContain("沐阳县");
  });
});

describe("detection comes from the text, not the file name", () => {
  it("a renamed copy of the 2024 report without override keeps region and year", async () => {
    const p = path.join(tmp, "report.txt");
    copyFileSync(corpusPath("平潭综合实验区-2024-年度报告.txt"), p);
    const [d] = await parseFile(p, "report.txt", {});
    expect(d.meta.region).toBe("平潭综合实验区");
    expect(d.meta.year).toBe(2024);
    expect(d.meta.kind).toBe("report");
    expect(d.meta.title).toBe("平潭综合实验区2024年政府信息公开工作年度报告");
  });

  it("a misleading file name does not win over the text", async () => {
    const p = path.join(tmp, "沈阳市-2019-年度报告.txt");
    copyFileSync(corpusPath("平潭综合实验区-2024-年度报告.txt"), p);
    const [d] = await parseFile(p, "沈阳市-2019-年度报告.txt", {});
    expect([d.meta.region, d.meta.year]).toEqual(["平潭综合实验区", 2024]);
  });

  it("a renamed regulation is still the 2019 regulation", async () => {
    const p = path.join(tmp, "law.txt");
    copyFileSync(corpusPath("regulation-2019.txt"), p);
    const [d] = await parseFile(p, "law.txt", {});
    expect([d.meta.kind, d.meta.year, d.meta.region]).toEqual(["regulation", 2019, null]);
  });
});
