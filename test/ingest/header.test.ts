import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { cleanText } from "../../src/ingest/clean.js";
import { parseOverrides, parseText } from "../../src/ingest/document.js";
import { splitPageHeader } from "../../src/ingest/header.js";
import { LoadError } from "../../src/errors.js";

const corpus = (f: string) => readFileSync(`corpus/${f}`, "utf8");
/** Department reports fetched by the site crawler carry its header. */
const CRAWLED = readdirSync("corpus").filter((f) => f.endsWith(".txt") && /^标题[:：]/.test(corpus(f)));

function header(fields: Record<string, string>, body = "正文第一行\n正文第二行"): string {
  return `${Object.entries(fields).map(([k, v]) => `${k}: ${v}`).join("\n")}\n==================== 正文 ====================\n${body}`;
}

describe("crawler header (splitPageHeader)", () => {
  it("the corpus holds crawled department reports (otherwise the header tests below prove nothing)", () => {
    expect(CRAWLED.length).toBeGreaterThanOrEqual(60);
  });

  it("a crawled page yields the title, the publication date as YYYY-MM-DD and the original URL, and the header leaves the text", () => {
    const raw = corpus("平潭县公安局-2009-年度报告.txt");
    const { header: h, text } = splitPageHeader(raw);
    expect(h).toEqual({
      title: "公安局2009年度政府信息公开工作年度报告",
      published: "2010-05-12",
      url: "https://www.pingtan.gov.cn/zwgk/zfxxgk/dfbmptlj/ptzhsyqbm/ptzhsyqgaj/zfxxgknb/201005/t20100512_80645.htm",
      agency: "平潭县公安局办公室",
    });
    for (const field of ["标题:", "发布时间:", "原文链接:", "本地目录:", "==== 正文"]) expect(text).not.toContain(field);
    expect(text.startsWith("当前位置")).toBe(true);
  });

  it("every crawled corpus file has a title, a date and an http(s) URL, and no header field survives in its text", () => {
    for (const f of CRAWLED) {
      const { header: h, text } = splitPageHeader(corpus(f));
      expect(h.title, f).toBeTruthy();
      expect(h.published, f).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(h.url, f).toMatch(/^https?:\/\/\S+$/);
      expect(text.slice(0, 200), f).not.toMatch(/^(标题|发布时间|原文链接)[:：]/m);
    }
  });

  it("a report posted inside its cover letter is titled by the report, not by the letter", () => {
    const { header: h } = splitPageHeader(corpus("平潭综合实验区公安局-2015-年度报告.txt"));
    expect(h.title).toBe("平潭综合实验区公安局2015年政府信息公开年度报告");
    const synthetic = splitPageHeader(header({ 标题: "关于报送《 某某县某局 2020年政府信息公开工作年度报告 》的函", 发布时间: "2021-01-05 10:00" }));
    expect(synthetic.header.title).toBe("某某县某局2020年政府信息公开工作年度报告");
  });

  it("a title that merely mentions a report is kept as written (only the cover-letter form is unwrapped)", () => {
    const { header: h } = splitPageHeader(header({ 标题: "关于《某局年度报告》的说明" }));
    expect(h.title).toBe("关于《某局年度报告》的说明");
  });

  it("single-digit months and days are zero-padded; a missing or malformed date is null", () => {
    expect(splitPageHeader(header({ 标题: "甲", 发布时间: "2012-5-1 9:00" })).header.published).toBe("2012-05-01");
    expect(splitPageHeader(header({ 标题: "甲", 发布时间: "" })).header.published).toBeNull();
    expect(splitPageHeader(header({ 标题: "甲", 发布时间: "五月一日" })).header.published).toBeNull();
  });

  it("a URL that is not an http(s) address is not kept", () => {
    expect(splitPageHeader(header({ 标题: "甲", 原文链接: "javascript:void(0)" })).header.url).toBeNull();
    expect(splitPageHeader(header({ 标题: "甲", 原文链接: "" })).header.url).toBeNull();
    expect(splitPageHeader(header({ 标题: "甲", 原文链接: "http://example.gov.cn/a.htm" })).header.url).toBe("http://example.gov.cn/a.htm");
  });

  it("text without a crawler header comes back unchanged with an empty header", () => {
    const raw = corpus("平潭综合实验区-2024-年度报告.txt");
    expect(splitPageHeader(raw)).toEqual({ header: { title: null, published: null, url: null, agency: null }, text: raw });
  });

  it("a 标题 line without the 正文 rule, or a rule without a leading 标题, is not a header", () => {
    const noRule = "标题: 甲\n发布时间: 2020-01-01\n正文";
    expect(splitPageHeader(noRule).text).toBe(noRule);
    const noTitle = "前言\n==================== 正文 ====================\n正文";
    expect(splitPageHeader(noTitle)).toEqual({ header: { title: null, published: null, url: null, agency: null }, text: noTitle });
  });
});

describe("portal chrome (cleanText)", () => {
  it("the breadcrumb/share bar from 当前位置 up to 相关链接： is dropped from a portal page", () => {
    const { text } = splitPageHeader(corpus("平潭县公安局-2009-年度报告.txt"));
    const cleaned = cleanText(text);
    for (const chrome of ["当前位置", "相关链接", "微信 微博", "全真版", "来源：平潭县公安局办公室"]) expect(cleaned).not.toContain(chrome);
    expect(cleaned.startsWith("2009年度政府信息公开年度报告")).toBe(true);
  });

  it("a trailing 附件下载 is dropped, and 附件下载 inside the text is kept", () => {
    const { text } = splitPageHeader(corpus("平潭县公安局-2009-年度报告.txt"));
    expect(text.trimEnd().endsWith("附件下载")).toBe(true);
    expect(cleanText(text).endsWith("行政申诉数 件 0")).toBe(true);
    expect(cleanText("请点击附件下载查看全文。\n第二行")).toContain("附件下载");
  });

  it("no crawled corpus file keeps the portal chrome after cleaning", () => {
    for (const f of CRAWLED) {
      const cleaned = cleanText(splitPageHeader(corpus(f)).text);
      expect(cleaned, f).not.toMatch(/当前位置[:：]/);
      expect(cleaned, f).not.toMatch(/附件下载\s*$/);
    }
  });

  it("a breadcrumb without its 相关链接： end is not a chrome block: the text after it stays", () => {
    const s = "当前位置：首页 政务公开\n一、总体情况 本年度共收到申请5件。";
    expect(cleanText(s)).toContain("一、总体情况 本年度共收到申请5件。");
  });
});

describe("overrides.json (parseOverrides)", () => {
  it("the corpus file is in the {files, bodies} shape and both parts are read", () => {
    const o = parseOverrides(corpus("overrides.json"));
    expect(o.files["沭阳县人民政府-2025-年度报告.txt"].aliases).toContain("沐阳");
    expect(o.bodies["平潭综合实验区财政金融局"].predecessors).toEqual(["平潭县财政局"]);
  });

  it("the legacy flat shape (file entries at the top level) is still read, with no bodies", () => {
    const o = parseOverrides(JSON.stringify({ "a.txt": { region: "甲市", year: 2020 } }));
    expect(o).toEqual({ files: { "a.txt": { region: "甲市", year: 2020 } }, bodies: {} });
  });

  it("either part of the new shape may be absent", () => {
    expect(parseOverrides(JSON.stringify({ bodies: { 甲局: { level: "部门" } } }))).toEqual({ files: {}, bodies: { 甲局: { level: "部门" } } });
    expect(parseOverrides(JSON.stringify({ files: { "a.txt": { year: 2020 } } })).bodies).toEqual({});
  });

  it("invalid JSON names the file and the line of the error", () => {
    const raw = '{\n  "files": {\n    "a.txt": { "year": 2020, }\n  }\n}';
    let err: unknown;
    try {
      parseOverrides(raw, "corpus/overrides.json");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LoadError);
    expect((err as LoadError).source).toBe("corpus/overrides.json");
    expect((err as LoadError).message).toContain("第 3 行");
  });

  it("a value of the wrong type names the file, the line and the key path", () => {
    const raw = '{\n  "files": {\n    "a.txt": {\n      "year": "2020"\n    }\n  }\n}';
    expect(() => parseOverrides(raw, "x/overrides.json")).toThrowError(/x\/overrides\.json.*第 4 行.*files\.a\.txt\.year/);
  });

  it("an unknown body level and an unknown top-level part are refused", () => {
    expect(() => parseOverrides(JSON.stringify({ bodies: { 甲局: { level: "村" } } }))).toThrow(LoadError);
    expect(() => parseOverrides(JSON.stringify({ files: {}, extra: {} }))).toThrow(LoadError);
  });
});

describe("report metadata from crawled pages", () => {
  it("a report carries the crawler's publication date and original URL", () => {
    const [d] = parseText(corpus("平潭综合实验区财政金融局-2024-年度报告.txt"), "平潭综合实验区财政金融局-2024-年度报告.txt");
    expect(d.meta.published).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(d.meta.url).toMatch(/^https:\/\/www\.pingtan\.gov\.cn\//);
    expect(d.meta.issuer).toBe("平潭综合实验区财政金融局");
  });

  it("a department that names itself without its place gets the place its text is about", () => {
    const [d] = parseText(corpus("平潭县公安局-2009-年度报告.txt"), "平潭县公安局-2009-年度报告.txt");
    expect(d.meta).toMatchObject({ issuer: "平潭县公安局", region: "平潭县", year: 2009, kind: "report", published: "2010-05-12" });
  });

  it("a title with the words in an unusual order (政府信息工作公开年度报告) is still a report of its department and year", () => {
    const [d] = parseText(corpus("平潭县人防办-2011-年度报告.txt"), "平潭县人防办-2011-年度报告.txt");
    expect(d.meta).toMatchObject({ title: "平潭县人防办2011年度政府信息工作公开年度报告", issuer: "平潭县人防办", region: "平潭县", year: 2011, kind: "report" });
  });

  it("a report posted in its cover letter takes the report's title", () => {
    const [d] = parseText(corpus("平潭综合实验区公安局-2015-年度报告.txt"), "平潭综合实验区公安局-2015-年度报告.txt");
    expect(d.meta.title).toBe("平潭综合实验区公安局2015年政府信息公开年度报告");
    expect(d.meta.issuer).toBe("平潭综合实验区公安局");
  });

  it("no crawled report's text or chunks keep the header or the portal chrome", () => {
    for (const f of CRAWLED.slice(0, 20)) {
      for (const d of parseText(corpus(f), f))
        for (const c of d.chunks) {
          expect(c.text, f).not.toMatch(/原文链接[:：]|本地目录[:：]|当前位置[:：]|={5,}\s*正文/);
        }
    }
  });
});
