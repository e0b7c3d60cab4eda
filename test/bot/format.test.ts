import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  citationLabel,
  escapeHtml,
  EXPORT_HINT,
  TABLE_CUT_HINT,
  formatAnswerHtml,
  formatCoverageText,
  formatTableHtml,
  formatYears,
  htmlToText,
  shortQuote,
  splitMessage,
} from "../../src/present/telegram.js";
import { displayWidth } from "../../src/present/text.js";
import type { Answer, Citation } from "../../src/types.js";
import { assertValidParts } from "./htmlAsserts.js";

const visible = (html: string) => htmlToText(html).replace(/\s+/g, "");

const cite = (over: Partial<Citation> = {}): Citation => ({
  title: "沈阳市2013年度政府信息公开工作报告",
  region: "沈阳市",
  year: 2013,
  section: "三、依申请公开政府信息情况 › (二)申请受理情况",
  quote: "2013年，采用信件受理、机关当面受理等方式共受理政府信息公开申请249件，申请公开的信息主要集中在房屋动拆迁和土地补偿等方面。",
  source: "000_0ce3f265a70a93e0.txt",
  ...over,
});

describe("escapeHtml / labels", () => {
  it("escapes the characters Telegram HTML cares about", () => {
    expect(escapeHtml(`<b>&"x"</b>`)).toBe("&lt;b&gt;&amp;&quot;x&quot;&lt;/b&gt;");
    expect(htmlToText(escapeHtml(`<b>&amp; "q"`))).toBe(`<b>&amp; "q"`);
  });
  it("labels citations and leaves out missing parts", () => {
    expect(citationLabel(cite())).toBe("《沈阳市2013年度政府信息公开工作报告》 · 沈阳市 · 2013年 · 三、依申请公开政府信息情况 › (二)申请受理情况");
    expect(citationLabel(cite({ title: "《条例》", region: null, year: null, section: "第二十条" }))).toBe("《条例》 · 第二十条");
  });
  it("shortens quotes on code points", () => {
    const q = shortQuote("😀".repeat(200), 10);
    expect([...q]).toHaveLength(11);
    expect(q.endsWith("…")).toBe(true);
    expect(shortQuote("  a \n b  ")).toBe("a b");
  });
  it("compresses year runs", () => {
    expect(formatYears([2013, 2011, 2012, 2015, 2017, 2018])).toBe("2011–2013、2015、2017–2018");
  });
});

describe("formatAnswerHtml", () => {
  const answer: Answer = {
    question: "沈阳2013年受理了多少件政府信息公开申请？",
    found: true,
    answer: "沈阳市2013年共受理政府信息公开申请249件。",
    citations: [cite(), cite({ section: "(三)行政复议及行政诉讼", quote: "受理因政府信息公开申请引起的行政复议22件" })],
    mode: "extractive",
  };
  it("puts the answer first, then numbered citations with quotes", () => {
    const html = formatAnswerHtml(answer);
    expect(html.startsWith("沈阳市2013年共受理政府信息公开申请249件。")).toBe(true);
    expect(html).toContain("<b>[1]</b> 《沈阳市2013年度政府信息公开工作报告》 · 沈阳市 · 2013年 · 三、依申请公开政府信息情况 › (二)申请受理情况");
    expect(html).toContain("<b>[2]</b>");
    expect(html).toMatch(/<blockquote>2013年，采用信件受理[^<]*<\/blockquote>/);
    assertValidParts([html]);
  });
  it("escapes user and corpus text everywhere", () => {
    const evil = "<b>&</b><script>";
    const html = formatAnswerHtml({
      ...answer,
      answer: `关于 ${evil}`,
      citations: [cite({ title: evil, region: evil, section: evil, quote: evil })],
    });
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("<b>&</b>");
    expect(html).toContain("&lt;b&gt;&amp;&lt;/b&gt;&lt;script&gt;");
    assertValidParts([html]);
  });
  it("adds a hint when nothing was found", () => {
    const html = formatAnswerHtml({ ...answer, found: false, answer: "未找到相关内容。", citations: [] });
    expect(html).toContain("/reports");
    expect(html).not.toContain("依据");
  });
  it("a passage answer has no table, no working and no export hint", () => {
    const html = formatAnswerHtml(answer);
    expect(html).not.toContain("<pre>");
    expect(html).not.toContain("计算：");
    expect(html).not.toContain("/export");
  });
});

describe("formatAnswerHtml: figure answers", () => {
  const cell = (year: number, value: number, over: Partial<Citation> = {}): Citation =>
    cite({
      title: `甲市${year}年政府信息公开工作年度报告`,
      region: "甲市",
      body: "甲市",
      year,
      section: "三、收到和处理政府信息公开申请情况 › 表三 › 一、本年新收政府信息公开申请数量 › 总计",
      quote: `一、本年新收政府信息公开申请数量 ${value}`,
      published: `${year + 1}-01-20`,
      url: `https://example.gov.cn/${year}.htm?a=1&b=2`,
      cell: { table: "表三", row: "一、本年新收政府信息公开申请数量", column: "总计", value },
      ...over,
    });
  const figures: Answer = {
    question: "甲市2023年和2024年申请数相差多少",
    found: true,
    answer: "2024年比2023年增加7件（81 − 74 = 7）。",
    citations: [cell(2023, 74), cell(2024, 81)],
    mode: "extractive",
    table: { columns: ["报告", "数量<&>"], rows: [["甲市2023年", 74], ["<b>甲市</b>2024年", 81]] },
    computed: [{ expr: "81 − 74 = 7", value: 7, inputs: [1, 0] }],
  };

  it("sends the table aligned and escaped inside <pre>, the working, and citations with 表/行/列, 发布日期 and a link", () => {
    const html = formatAnswerHtml(figures);
    assertValidParts(splitMessage(html));
    const pre = /<pre>([\s\S]*?)<\/pre>/.exec(html)![1];
    expect(pre).toContain("数量&lt;&amp;&gt;");
    expect(pre).toContain("&lt;b&gt;甲市&lt;/b&gt;2024年");
    expect(pre).not.toMatch(/<(?!\/?pre)/);
    // Aligned: the row lines are as wide as the rule (in display columns), once unescaped.
    const lines = htmlToText(`<pre>${pre}</pre>`).split("\n");
    expect(lines.map(displayWidth)).toEqual(lines.map(() => displayWidth(lines[1])));
    expect(html).toContain("计算：81 − 74 = 7（据 [2]、[1]）");
    expect(html).toContain("表三 · 行：一、本年新收政府信息公开申请数量 · 列：总计 · 数值：81");
    expect(html).toContain('发布日期：2025-01-20 · <a href="https://example.gov.cn/2024.htm?a=1&amp;b=2">原文链接</a>');
    expect(htmlToText(html)).toContain(EXPORT_HINT);
    // The order: answer, table, working, citations.
    expect(html.indexOf("<pre>")).toBeLessThan(html.indexOf("计算："));
    expect(html.indexOf("计算：")).toBeLessThan(html.indexOf("<b>依据</b>"));
  });

  it("does not link a 原文链接 that is not a web address", () => {
    const html = formatAnswerHtml({ ...figures, citations: [cell(2023, 74, { url: 'javascript:alert("x")' })] });
    expect(html).not.toContain("<a ");
    expect(html).toContain("原文链接：javascript:alert(&quot;x&quot;)");
  });

  it("cuts a long table to fit one message and points to /export", () => {
    const rows = Array.from({ length: 400 }, (_, i) => [`平潭综合实验区某某局<${i}>`, 2000 + (i % 30), i]);
    const long: Answer = { ...figures, table: { columns: ["机关", "年份", "数量"], rows } };
    const table = formatTableHtml(long.table!, 2000);
    expect(table.length).toBeLessThanOrEqual(2000);
    expect(table.endsWith(`</pre>\n${TABLE_CUT_HINT}`)).toBe(true);
    const html = formatAnswerHtml(long);
    const parts = splitMessage(html);
    assertValidParts(parts);
    // The whole table block (with its cut hint) is in the first message.
    expect(parts[0]).toContain("</pre>");
    expect(htmlToText(parts[0])).toContain("完整数据请用 /export");
    // A short table is not cut.
    expect(formatTableHtml(figures.table!)).not.toContain(TABLE_CUT_HINT);
  });
});

describe("formatCoverageText", () => {
  it("lists regions with years and governing texts", () => {
    const text = formatCoverageText({
      reports: [{ region: "平潭综合实验区", issuer: "平潭综合实验区管委会", years: [2011, 2012, 2013, 2020] }],
      governing: [{ title: "中华人民共和国政府信息公开条例", kind: "regulation", year: 2019, source: "regulation-2019.txt" }],
      documents: 2,
      chunks: 10,
    });
    expect(text).toContain("平潭综合实验区（平潭综合实验区管委会）：2011–2013、2020 年");
    expect(text).toContain("《中华人民共和国政府信息公开条例》（条例，2019年）");
  });

  it("says each body's level and parent when known", () => {
    const text = formatCoverageText({
      reports: [{ region: "平潭综合实验区", issuer: "平潭综合实验区金井片区管理局", body: "平潭综合实验区金井片区管理局", level: "片区", parent: "平潭综合实验区", years: [2019, 2020] }],
      governing: [],
      documents: 2,
      chunks: 10,
    });
    expect(text).toContain("平潭综合实验区（平潭综合实验区金井片区管理局）〔片区，上级：平潭综合实验区〕：2019–2020 年");
  });
});

describe("splitMessage", () => {
  const corpus = (f: string) => readFileSync(`corpus/${f}`, "utf8");

  it("returns short messages unchanged", () => {
    expect(splitMessage("<b>短</b>消息")).toEqual(["<b>短</b>消息"]);
    expect(splitMessage("")).toEqual([]);
  });

  it("splits a long real section at paragraph or sentence ends within the limit", () => {
    const text = corpus("000_0ce3f265a70a93e0.txt") + "\n\n" + corpus("regulation-2019.txt");
    // Answers and coverage lists can be this long (a source message itself is capped to one message).
    const html = `<b>📄 来源1</b>\n\n${escapeHtml(text)}`;
    expect(html.length).toBeGreaterThan(4096 * 3);
    const parts = splitMessage(html);
    expect(parts.length).toBeGreaterThanOrEqual(4);
    assertValidParts(parts);
    expect(parts.map(visible).join("")).toBe(visible(html));
    // Every part but the last ends where a sentence or paragraph ends.
    for (const p of parts.slice(0, -1)) expect(/[。！？；!?]$/.test(htmlToText(p).trimEnd()) || /\n$/.test(htmlToText(p))).toBe(true);
    // Paragraph-level cuts are preferred: parts are reasonably full.
    for (const p of parts.slice(0, -1)) expect(p.length).toBeGreaterThan(4096 * 0.3);
  });

  it("carries open tags across parts and keeps entities whole", () => {
    // Markup-heavy: every citation quote is a blockquote with escaped characters right at likely cut points.
    const quote = corpus("平潭综合实验区-2019-年度报告.txt").slice(0, 900) + " <&> \"引号\" ";
    const answer: Answer = {
      question: "q",
      found: true,
      answer: "答案 &amp; <b>不是标签</b>。".repeat(40),
      citations: Array.from({ length: 8 }, (_, i) => cite({ quote: quote.repeat(3), title: `报告${i}<&>` })),
      mode: "extractive",
    };
    const long = formatAnswerHtml(answer).replace(/<blockquote>[^<]*<\/blockquote>/g, (b) =>
      b.replace("<blockquote>", "<blockquote><i>").replace("</blockquote>", "</i></blockquote>"),
    );
    const withLongQuote = long + `\n\n<blockquote>${escapeHtml(quote.repeat(8))}</blockquote>`;
    for (const limit of [200, 333, 1000, 4096]) {
      const parts = splitMessage(withLongQuote, limit);
      assertValidParts(parts, limit);
      expect(parts.map(visible).join("")).toBe(visible(withLongQuote));
    }
    const parts = splitMessage(withLongQuote, 4096);
    // The long trailing blockquote spans parts: the continuation reopens it.
    expect(parts.some((p, i) => i > 0 && p.startsWith("<blockquote>"))).toBe(true);
  });

  it("falls back to a hard cut when there is no sentence end, never splitting entities or surrogate pairs", () => {
    const html = `<b>${"&amp;😀字".repeat(3000)}</b>`;
    const parts = splitMessage(html, 100);
    assertValidParts(parts, 100);
    expect(parts.map(visible).join("")).toBe(visible(html));
  });

  it("keeps attributes of reopened tags", () => {
    const html = `<a href="https://example.org/?a=1&amp;b=2">${"链接文字。".repeat(100)}</a>`;
    const parts = splitMessage(html, 120);
    assertValidParts(parts, 120);
    for (const p of parts) expect(p.startsWith('<a href="https://example.org/?a=1&amp;b=2">')).toBe(true);
  });

  it("does not start a part with an empty reopened tag", () => {
    const html = `<b>${"句子。".repeat(30)}</b>\n\n${"后文。".repeat(30)}`;
    const parts = splitMessage(html, 100);
    assertValidParts(parts, 100);
    for (const p of parts) expect(p).not.toMatch(/<b><\/b>/);
  });
});
