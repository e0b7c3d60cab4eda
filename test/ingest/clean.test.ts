import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CHROME_PATTERNS, cleanText } from "../../src/ingest/clean.js";

const CORPUS = fileURLToPath(new URL("../../corpus/", import.meta.url));
const read = (name: string) => readFileSync(path.join(CORPUS, name), "utf8");
const SEED = "000_0ce3f265a70a93e0.txt";
/** A department page of the portal with its breadcrumb/share bar and trailing "附件下载" (corpus/SOURCES.md). */
const DEPT_PAGE = "平潭县信访局-2011-年度报告.txt";

describe("cleanText on the seed page (Baidu Baike copy)", () => {
  const raw = read(SEED);
  const cleaned = cleanText(raw);

  it("removes every chrome string", () => {
    for (const s of [
      "关闭特色百科",
      "手机百科",
      "收藏 查看",
      "本词条缺少",
      "赶紧来吧",
      "新手上路",
      "投诉建议参考资料",
      "我要回帖",
      "更多关于",
      "随机推荐",
      "&&",
    ]) {
      expect(raw).toContain(s);
      expect(cleaned).not.toContain(s);
    }
    expect(raw).toMatch(/\[\d+\]/);
    expect(cleaned).not.toMatch(/\[\d+\]/);
  });

  it("leaves nothing any CHROME_PATTERNS entry matches, although each matched the raw page it was written for", () => {
    // The Baike patterns were written for this page, the portal patterns (breadcrumb "当前位置：…相关链接：",
    // trailing "附件下载") for the department pages of pingtan.gov.cn; each must match its own page.
    const dept = read(DEPT_PAGE);
    const deptCleaned = cleanText(dept);
    for (const p of CHROME_PATTERNS) {
      expect(p.test(raw) || p.test(dept), `${p} matches neither page`).toBe(true);
      expect(p.test(cleaned), `${p} after cleaning the seed page`).toBe(false);
      expect(p.test(deptCleaned), `${p} after cleaning ${DEPT_PAGE}`).toBe(false);
    }
    const portal = CHROME_PATTERNS.filter((p) => p.test(dept));
    expect(portal.map((p) => p.test(raw))).toEqual(portal.map(() => false));
    expect(portal.some((p) => p.test("当前位置： 首页政务公开 相关链接： 正文"))).toBe(true);
    expect(portal.some((p) => p.test("正文。 附件下载"))).toBe(true);
    expect(CHROME_PATTERNS.filter((p) => p.test(raw))).toHaveLength(CHROME_PATTERNS.length - portal.length);
  });

  it("keeps report text and the document-boundary title lines, each on its own line", () => {
    expect(cleaned).toContain("受理政府信息公开申请249件");
    expect(cleaned).toContain("2013年,沈阳市认真贯彻《中华人民共和国政府信息公开条例》");
    // Infobox spacing "依&&&&据" collapses to the word itself.
    expect(cleaned).toContain("依据中华人民共和国政府信息公开条例");
    // A single "&" standing in for a quotation mark is content, not spacing.
    expect(cleaned).toContain("《四川省贯彻落实&中华人民共和国政府信息公开条例&实施办法(试行)》");
    const titles = cleaned.split("\n").filter((l) => l.endsWith("_百度百科"));
    expect(titles).toEqual([
      "长沙市人民政府2011年政府信息公开年度报告_百度百科",
      "关于2009年度政府信息公开工作的报告_百度百科",
      "沈阳市2013年度政府信息公开工作报告_百度百科",
    ]);
  });

  it("collapses blank-line runs and trims the ends", () => {
    expect(cleaned).not.toMatch(/\n\s*\n\s*\n/);
    expect(cleaned).toBe(cleaned.trim());
    expect(cleaned.endsWith("(六)巩固和创新公开载体\n" + cleaned.split("\n").at(-1))).toBe(true);
  });
});

describe("cleanText on reports", () => {
  it("removes Word conditional comments from 平潭综合实验区-2016 and keeps the list marker text", () => {
    const raw = read("平潭综合实验区-2016-年度报告.txt");
    const cleaned = cleanText(raw);
    expect(raw).toContain("<!--[if !supportLists]-->");
    expect(cleaned).not.toMatch(/<!--|-->|\[if |\[endif\]/);
    expect(cleaned).toContain("国有资产管理的相关内容。7、公共监管信息公开情况");
    expect(cleaned.length).toBe(raw.replace(/<!--[\s\S]*?-->/g, "").trim().length);
  });

  it("leaves an artifact-free report unchanged", () => {
    const raw = read("平潭综合实验区-2021-年度报告.txt");
    expect(cleanText(raw)).toBe(raw.trim());
  });

  it("decodes entities, strips tags and zero-width characters inside real report text", () => {
    const sentence = "本年度全区共收到70件申请，及时依法依规办结69件";
    const dirty = `<p>本年度全区共收到&nbsp;70件申\u200b请&#xFF0C;及时<span style="x">依法依规</span>办结69件</p>&amp;nbsp;`;
    // &nbsp; becomes a plain space; the double-escaped "&amp;nbsp;" after </p> ends up as trailing blank.
    expect(cleanText(dirty)).toBe("本年度全区共收到 70件申请，及时依法依规办结69件");
    expect(cleanText(`${sentence}&lt;1&gt;`)).toBe(`${sentence}<1>`);
  });

  it("is idempotent on every corpus text file", () => {
    const files = readdirSync(CORPUS).filter((f) => f.endsWith(".txt"));
    expect(files.length).toBeGreaterThan(20);
    for (const f of files) {
      const once = cleanText(read(f));
      expect(cleanText(once), f).toBe(once);
    }
  });
});
