import { describe, expect, it } from "vitest";
import { DINGTALK_MARKDOWN_LIMIT, dingtalkRenderer, createDingtalkRenderer, escapeDingtalk } from "../../src/present/dingtalk.js";
import { utf8Bytes } from "../../src/present/office.js";
import type { Answer, Citation, SourceView } from "../../src/types.js";

const cellCitation: Citation = {
  id: "cell:a|t3|r|c",
  title: "平潭综合实验区2023年政府信息公开工作年度报告",
  region: "平潭综合实验区",
  body: "平潭综合实验区管理委员会",
  year: 2023,
  section: "三、收到和处理政府信息公开申请情况 › 表三",
  quote: "",
  source: "corpus/reports/pingtan-2023.md",
  published: "2024-01-20",
  url: "https://www.pingtan.gov.cn/xxgk/2023nb.html",
  cell: { table: "表三", row: "一、本年新收政府信息公开申请数量", column: "总计", value: 81 },
};

const passageCitation: Citation = {
  title: "中华人民共和国政府信息公开条例",
  region: null,
  year: 2019,
  section: "第五十条",
  quote: "政府信息公开工作年度报告应当包括下列内容：*加粗*、[链接](http://evil.example)、<font color=red>红字</font>",
  source: "corpus/rules/regulation.md",
  url: "https://www.gov.cn/zhengce/content/2019-04/15/content_5382991.htm",
};

function answer(over: Partial<Answer> = {}): Answer {
  return { question: "平潭2023年收到多少申请？", found: true, answer: "平潭综合实验区2023年新收政府信息公开申请 81 件。", citations: [cellCitation], mode: "extractive", ...over };
}

describe("dingtalkRenderer", () => {
  it("cites as numbered footnotes with body · year · section · cell and a 原文链接 link", () => {
    const [m, ...rest] = dingtalkRenderer.answer(answer({ citations: [cellCitation, passageCitation] }));
    expect(rest).toEqual([]);
    expect(m.format).toBe("markdown");
    // The notification title is the answer's first line, cut short.
    expect(m.title).toBe("平潭综合实验区2023年新收政府信息公开申请 8…");
    expect(m.content).toContain("**依据**");
    expect(m.content).toContain("**[1]** 《平潭综合实验区2023年政府信息公开工作年度报告》 · 平潭综合实验区管理委员会 · 2023年 · 三、收到和处理政府信息公开申请情况");
    expect(m.content).toContain("表三 · 行：一、本年新收政府信息公开申请数量 · 列：总计 · 数值：81");
    expect(m.content).toContain("发布日期：2024-01-20 · [原文链接](https://www.pingtan.gov.cn/xxgk/2023nb.html)");
    expect(m.content).toContain("**[2]** 《中华人民共和国政府信息公开条例》 · 2019年 · 第五十条");
    expect(m.content).toContain("[原文链接](https://www.gov.cn/zhengce/content/2019-04/15/content_5382991.htm)");
    // Lines of one footnote break hard (DingTalk ignores a single newline).
    expect(m.content).toMatch(/数值：81 {2}\n发布日期/);
    expect(utf8Bytes(m.content)).toBeLessThanOrEqual(DINGTALK_MARKDOWN_LIMIT);
  });

  it("escapes DingTalk markup in corpus text, so a quote cannot add bold, links or font tags", () => {
    const [m] = dingtalkRenderer.answer(answer({ answer: "# 不是标题\n- 不是列表 *星号* _下划线_ `代码`", citations: [passageCitation] }));
    expect(m.content).toContain("\\*加粗\\*");
    expect(m.content).toContain("\\[链接\\](http://evil.example)");
    expect(m.content).not.toMatch(/(?<!\\)\[链接\]/);
    expect(m.content).toContain("\\<font color=red\\>");
    expect(m.content).toContain("\\# 不是标题  \n\\- 不是列表 \\*星号\\* \\_下划线\\_ \\`代码\\`");
    expect(escapeDingtalk("1. 第一\n> 引用\n+ 加")).toBe("1\\. 第一\n\\> 引用\n\\+ 加");
    // A 原文链接 that is not a web address stays text, not a link.
    const [n] = dingtalkRenderer.answer(answer({ citations: [{ ...cellCitation, url: "javascript:alert(1)" }] }));
    expect(n.content).toContain("原文链接：javascript:alert(1)");
    expect(n.content).not.toContain("](javascript");
  });

  it("renders a table as an aligned monospace block (DingTalk markdown has no tables)", () => {
    const table = { columns: ["年份", "新收申请"], rows: [[2021, 57], [2022, 64], [2023, 81]] as Array<Array<string | number | null>> };
    const [m] = dingtalkRenderer.answer(answer({ table }));
    const block = m.content.match(/```\n([\s\S]*?)\n```/);
    expect(block).not.toBeNull();
    const lines = block![1].split("\n");
    expect(lines[0]).toBe("年份  新收申请");
    expect(lines[1]).toMatch(/^─+ {2}─+$/);
    expect(lines.slice(2)).toEqual(["2021        57", "2022        64", "2023        81"]);
    expect(m.content).not.toMatch(/^\|/m);
    expect(m.content).toContain("发送“导出”");
  });

  it("splits a long answer under the limit without cutting a footnote, each part titled", () => {
    const citations = Array.from({ length: 60 }, (_, i) => ({ ...cellCitation, year: 1960 + i, cell: { ...cellCitation.cell!, value: i } }));
    const msgs = dingtalkRenderer.answer(answer({ citations }));
    expect(msgs.length).toBeGreaterThan(1);
    expect(msgs.length).toBeLessThanOrEqual(4);
    for (const [i, m] of msgs.entries()) {
      expect(utf8Bytes(m.content)).toBeLessThanOrEqual(DINGTALK_MARKDOWN_LIMIT);
      expect(m.title).toMatch(new RegExp(`（${i + 1}/${msgs.length}）$`));
    }
    const all = msgs.map((m) => m.content);
    for (let n = 1; n <= 60; n++) {
      const holders = all.filter((c) => c.includes(`**[${n}]**`));
      expect(holders).toHaveLength(1);
      // The whole footnote is in the message that holds its number.
      expect(holders[0]).toContain(`**[${n}]** 《平潭综合实验区2023年政府信息公开工作年度报告》 · 平潭综合实验区管理委员会 · ${1959 + n}年`);
      expect(holders[0]).toContain(`数值：${n - 1}  \n发布日期：2024-01-20 · [原文链接](https://www.pingtan.gov.cn/xxgk/2023nb.html)`);
    }
  });

  it("continues a table longer than one message in the next with its header repeated", () => {
    const r = createDingtalkRenderer(600);
    const table = { columns: ["地区", "新收申请"], rows: Array.from({ length: 60 }, (_, i) => [`地区${i}`, i]) as Array<Array<string | number | null>> };
    const msgs = r.answer(answer({ table, citations: [] }));
    expect(msgs.length).toBeGreaterThan(2);
    for (const m of msgs) {
      expect(utf8Bytes(m.content)).toBeLessThanOrEqual(600);
      const fences = m.content.match(/^```$/gm) ?? [];
      expect(fences.length % 2).toBe(0);
      if (fences.length) expect(m.content).toMatch(/```\n地区 +新收申请\n/);
    }
    expect(msgs.map((m) => m.content).join("\n").match(/^地区\d+ /gm)).toHaveLength(60);
  });

  it("shows a source in one message under the limit, the cell named", () => {
    const view: SourceView = {
      id: "cell:a|t3|r|c",
      title: "平潭综合实验区2023年政府信息公开工作年度报告",
      section: "三、收到和处理政府信息公开申请情况",
      text: "本年度共收到申请。".repeat(2000),
      source: "corpus/reports/pingtan-2023.md",
      published: "2024-01-20",
      url: "https://www.pingtan.gov.cn/xxgk/2023nb.html",
      cell: { table: "表三", row: "一、本年新收政府信息公开申请数量", column: "总计", value: 81, rowText: "一、本年新收政府信息公开申请数量 81" },
    };
    const msgs = dingtalkRenderer.source(2, view);
    expect(msgs).toHaveLength(1);
    expect(msgs[0].content).toMatch(/^\*\*📄 来源2\*\* 《平潭综合实验区2023年政府信息公开工作年度报告》 · 三、收到和处理政府信息公开申请情况/);
    expect(msgs[0].content).toContain("表三 · 一、本年新收政府信息公开申请数量 · 总计：【81】");
    expect(msgs[0].content).toContain("以上为节选");
    expect(msgs[0].content).toContain("[原文链接](https://www.pingtan.gov.cn/xxgk/2023nb.html)");
    expect(utf8Bytes(msgs[0].content)).toBeLessThanOrEqual(DINGTALK_MARKDOWN_LIMIT);
  });

  it("sends a CSV as one code block cut at a row end with a note, fenced past any backticks in it", () => {
    const csv = "\uFEFF地区,数值\r\n" + Array.from({ length: 2000 }, (_, i) => `地区${i},${i}`).join("\r\n") + "\r\n";
    const [m, ...rest] = dingtalkRenderer.csvBlock("nianbao-20250101-000000.csv", csv);
    expect(rest).toEqual([]);
    expect(utf8Bytes(m.content)).toBeLessThanOrEqual(DINGTALK_MARKDOWN_LIMIT);
    expect(m.content).toMatch(/^\*\*nianbao-20250101-000000\.csv\*\*\n\n```\n地区,数值\n地区0,0\n/);
    expect(m.content).toMatch(/地区\d+,\d+\n```\n\n（已截断：共 2001 行，此处显示前 \d+ 行）$/);
    expect(m.content).not.toContain("\uFEFF");
    const [t] = dingtalkRenderer.csvBlock("x.csv", "a,b\n```,1\n");
    expect(t.content).toContain("````\na,b\n```,1\n````");
  });

  it("keeps a notice's simple markdown and makes its line breaks hard", () => {
    const [m] = dingtalkRenderer.notice("**用法**\n- 直接提问\n- `/export` 导出\n\n其他说明");
    expect(m.content).toBe("**用法**  \n- 直接提问  \n- `/export` 导出\n\n其他说明");
    expect(m.title).toBe("用法");
  });

  it("lists coverage line by line, continuing in a new message without cutting a line", () => {
    const r = createDingtalkRenderer(400);
    const cov = {
      reports: Array.from({ length: 40 }, (_, i) => ({ region: `地区_${i}`, issuer: null, years: [2021, 2022, 2023] })),
      governing: [{ title: "中华人民共和国政府信息公开条例", kind: "regulation" as const, year: 2019, source: "x" }],
      documents: 121,
      chunks: 3000,
    };
    const msgs = r.coverage(cov);
    expect(msgs.length).toBeGreaterThan(1);
    for (const m of msgs) expect(utf8Bytes(m.content)).toBeLessThanOrEqual(400);
    const all = msgs.map((m) => m.content).join("\n");
    for (let i = 0; i < 40; i++) expect(all).toContain(`• 地区\\_${i}：2021–2023 年`);
    expect(msgs[0].content).toMatch(/^\*\*已收录 40 个地区/);
  });
});
