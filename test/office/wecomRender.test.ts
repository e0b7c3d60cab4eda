import { describe, expect, it } from "vitest";
import { utf8Bytes } from "../../src/present/office.js";
import {
  WECOM_MARKDOWN_LIMIT,
  escapeBlock,
  escapeInline,
  wecomCsvBlock,
  wecomRenderer,
  wecomSource,
} from "../../src/present/wecom.js";
import type { Answer, Citation, SourceView } from "../../src/types.js";

const cite = (over: Partial<Citation> = {}): Citation => ({
  title: "沈阳市2013年度政府信息公开工作报告",
  region: "沈阳市",
  body: "沈阳市人民政府办公厅",
  year: 2013,
  section: "三、依申请公开政府信息情况",
  quote: "2013年，共受理政府信息公开申请249件。",
  source: "000_0ce3f265a70a93e0.txt",
  url: "https://www.shenyang.gov.cn/zwgk/2014/report.html",
  published: "2014-03-28",
  ...over,
});

const cellCite = cite({
  section: "三、收到和处理政府信息公开申请情况 › 表三",
  cell: { table: "表三", row: "一、本年新收政府信息公开申请数量", column: "总计", value: 249 },
  quote: "",
});

/** The text a reader sees: markdown escapes removed. */
const unescape = (md: string) => md.replace(/\\([\\`*_[\]<>#|~\-+=.)])/g, "$1");

describe("WeCom renderer: answers", () => {
  const answer: Answer = {
    question: "沈阳2013年受理了多少件申请？",
    found: true,
    answer: "沈阳市2013年共受理政府信息公开申请249件。",
    citations: [cellCite, cite({ section: "四、行政复议", quote: "因政府信息公开申请引起的行政复议22件。", url: "ftp://not-a-web-link" })],
    mode: "extractive",
  };

  it("puts numbered footnotes with body · year · section, the cell, 发布日期 and a 原文链接 link under the answer", () => {
    const [msg, ...rest] = wecomRenderer.answer(answer);
    expect(rest).toEqual([]);
    expect(msg.format).toBe("markdown");
    const md = msg.content;
    expect(md.startsWith("沈阳市2013年共受理政府信息公开申请249件。")).toBe(true);
    expect(md).toContain("**依据**");
    expect(md).toContain("**[1]** 《沈阳市2013年度政府信息公开工作报告》 · 沈阳市人民政府办公厅 · 2013年 · 三、收到和处理政府信息公开申请情况");
    expect(md).toContain("表三 · 行：一、本年新收政府信息公开申请数量 · 列：总计 · 数值：249");
    expect(md).toContain("发布日期：2014-03-28 · [原文链接](https://www.shenyang.gov.cn/zwgk/2014/report.html)");
    expect(md).toContain("**[2]** 《沈阳市2013年度政府信息公开工作报告》 · 沈阳市人民政府办公厅 · 2013年 · 四、行政复议");
    expect(md).toContain("> 因政府信息公开申请引起的行政复议22件。");
    // Only web addresses become links.
    expect(md).toContain("原文链接：ftp://not-a-web-link");
    expect(md).not.toContain("](ftp:");
    // The commands that follow an answer.
    expect(md).toContain("发送“原文 1”");
    expect(md).toContain("发送“导出”");
  });

  it("renders a table as a markdown table, numbers right-aligned, cells escaped", () => {
    const md = wecomRenderer.answer({
      ...answer,
      table: { columns: ["年份", "机关", "申请数"], rows: [[2013, "沈阳市|办公厅", 249], [2014, "沈阳市*", null]] },
    })[0].content;
    expect(md).toContain("| 年份 | 机关 | 申请数 |\n| ---: | --- | ---: |\n| 2013 | 沈阳市\\|办公厅 | 249 |\n| 2014 | 沈阳市\\* | — |");
  });

  it("escapes WeCom markdown in corpus text, so a report cannot add links, bold or headings", () => {
    const md = wecomRenderer.answer({
      ...answer,
      answer: "# 标题\n1. 第一\n- 列表 **粗** [链接](http://evil.example) <font color=\"red\">红</font> `code` a_b",
      citations: [cite({ title: "报告*[x](http://evil.example)*", section: "一、#总体 | 情况", quote: "引文 **粗** > 引用" })],
    })[0].content;
    expect(md).toContain("\\# 标题\n1\\. 第一\n\\- 列表 \\*\\*粗\\*\\* \\[链接\\](http://evil.example) \\<font color=\"red\"\\>红\\</font\\> \\`code\\` a\\_b");
    expect(md).toContain("《报告\\*\\[x\\](http://evil.example)\\*》");
    expect(md).toContain("一、\\#总体 \\| 情况");
    expect(md).toContain("> 引文 \\*\\*粗\\*\\* \\> 引用");
    expect(md).not.toMatch(/(?<!\\)\]\(http:\/\/evil/);
  });

  it("splits a long answer under 20,480 bytes without cutting a footnote, each part readable alone", () => {
    const citations = Array.from({ length: 160 }, (_, i) =>
      cite({ section: `第${i + 1}节 依申请公开情况说明`, quote: `第${i + 1}条引文：`.padEnd(110, "政") }),
    );
    const long: Answer = { ...answer, answer: "答：".padEnd(3000, "年"), citations };
    const parts = wecomRenderer.answer(long);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(utf8Bytes(p.content)).toBeLessThanOrEqual(WECOM_MARKDOWN_LIMIT);
    const all = parts.map((p) => p.content).join("\n\n");
    for (let i = 1; i <= citations.length; i++) {
      // Each footnote lies whole in one part: its label line and its quote together.
      const holder = parts.filter((p) => p.content.includes(`**[${i}]** `));
      expect(holder).toHaveLength(1);
      expect(holder[0].content).toContain(`> 第${i}条引文：`);
    }
    expect(all).toContain("**依据**");
    // A continuation part starts with a whole footnote, not in the middle of one.
    for (const p of parts.slice(1)) expect(p.content).toMatch(/^\*\*\[\d+\]\*\* /);
  });

  it("splits a long table by rows and repeats the header in every part", () => {
    const rows = Array.from({ length: 900 }, (_, i) => [`第${i + 1}个机关（某某市某某区人民政府办公室）`, 2000 + (i % 20), i]);
    const parts = wecomRenderer.answer({ ...answer, citations: [], table: { columns: ["机关", "年份", "数"], rows } });
    expect(parts.length).toBeGreaterThan(1);
    const withRows = parts.filter((p) => p.content.includes("| 第"));
    expect(withRows.length).toBeGreaterThan(1);
    for (const p of withRows) expect(p.content).toContain("| 机关 | 年份 | 数 |\n| --- | ---: | ---: |");
    for (const p of parts) expect(utf8Bytes(p.content)).toBeLessThanOrEqual(WECOM_MARKDOWN_LIMIT);
    const seen = parts.flatMap((p) => [...p.content.matchAll(/\| 第(\d+)个机关/g)].map((m) => Number(m[1])));
    expect(seen).toEqual(rows.map((_, i) => i + 1));
  });

  it("echoes the question when nothing was found", () => {
    const md = wecomRenderer.answer({ question: "火星2013年？", found: false, answer: "", citations: [], mode: "extractive" })[0].content;
    expect(md).toContain("（没有找到相关内容）");
    expect(md).toContain("您的问题：“火星2013年？”");
  });
});

describe("WeCom renderer: source, coverage, notices, CSV", () => {
  const view: SourceView = {
    id: "cell:x",
    title: "沈阳市2013年度政府信息公开工作报告",
    section: "三、依申请公开 › 表三",
    text: "（二）申请受理情况\n1. 当面受理 *120* 件。\n".repeat(400),
    source: "000_0ce3f265a70a93e0.txt",
    published: "2014-03-28",
    url: "https://www.shenyang.gov.cn/r.html",
    cell: { table: "表三", row: "一、本年新收", column: "总计", value: 249, rowText: "一、本年新收 | 249" },
  };

  it("opens a source with the cell named, escaped and shortened to one message", () => {
    const parts = wecomSource(2, view);
    expect(parts).toHaveLength(1);
    const md = parts[0].content;
    expect(md.startsWith("**📄 来源2** 《沈阳市2013年度政府信息公开工作报告》 · 三、依申请公开 › 表三")).toBe(true);
    expect(md).toContain("[原文链接](https://www.shenyang.gov.cn/r.html)");
    expect(md).toContain("表三 · 一、本年新收 · 总计：【249】\n一、本年新收 \\| 249");
    expect(md).toContain("1\\. 当面受理 \\*120\\* 件。");
    expect(md).toMatch(/以上为节选：前 \d+ 字，全文 \d+ 字/);
    expect(utf8Bytes(md)).toBeLessThanOrEqual(WECOM_MARKDOWN_LIMIT);
  });

  it("lists coverage with a bold head and escaped names", () => {
    const md = wecomRenderer
      .coverage({ reports: [{ region: "沈阳市", issuer: null, years: [2013, 2014, 2015] }], governing: [{ title: "政府信息公开条例", kind: "regulation", year: 2019, source: "x" }], documents: 4, chunks: 99 })
      .map((m) => m.content)
      .join("\n");
    expect(md.startsWith("**已收录 1 个地区或机关的年度报告（共 3 份）：**")).toBe(true);
    expect(md).toContain("• 沈阳市：2013–2015 年");
    expect(md).toContain("《政府信息公开条例》（条例，2019年）");
  });

  it("passes a notice's simple markdown through", () => {
    const md = "**您好！**\n- 私聊：直接发送问题。\n- 发送“原文 1”查看原文。";
    expect(wecomRenderer.notice(md)).toEqual([{ format: "markdown", content: md }]);
  });

  it("sends a CSV as a fenced block, cut at whole lines to the limit with a note", () => {
    const csv = "\ufeff机关,年份,数\r\n" + Array.from({ length: 3000 }, (_, i) => `某某市第${i}办公室,2013,${i}`).join("\r\n") + "\r\n";
    const [msg, ...rest] = wecomCsvBlock("nianbao-1.csv", csv);
    expect(rest).toEqual([]);
    expect(utf8Bytes(msg.content)).toBeLessThanOrEqual(WECOM_MARKDOWN_LIMIT);
    expect(msg.content.startsWith("**nianbao-1.csv**\n```csv\n机关,年份,数\n某某市第0办公室,2013,0\n")).toBe(true);
    expect(msg.content).toMatch(/\n```\n\*（内容过长，只显示前 \d+ 行数据，共 3000 行/);
    expect(msg.content).not.toContain("\ufeff");
    const small = wecomCsvBlock("a.csv", "\ufeffx,y\r\n1,2\r\n")[0].content;
    expect(small).toBe("**a.csv**\n```csv\nx,y\n1,2\n```");
  });

  it("escapes inline and block text reversibly for the reader", () => {
    const s = "a*b_c`d[e]f<g>h#i|j~k\\l";
    expect(unescape(escapeInline(s))).toBe(s);
    expect(unescape(escapeBlock("- x\n1. y\n---"))).toBe("- x\n1. y\n---");
  });
});
