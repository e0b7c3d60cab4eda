import { describe, expect, it } from "vitest";
import type { Answer, Citation, SourceView } from "../../src/types.js";
import {
  FEISHU_CARD_LIMIT,
  escapeFeishu,
  feishuCardBytes,
  feishuRenderer,
  feishuTables,
} from "../../src/present/feishu.js";
import type { OutgoingMessage } from "../../src/present/office.js";

const cellCitation = (i: number): Citation => ({
  id: `cell:doc${i}|表三|r|c`,
  title: "平潭综合实验区财政金融局2023年政府信息公开工作年度报告",
  region: "平潭综合实验区",
  body: "平潭综合实验区财政金融局",
  year: 2023,
  section: "五、政府信息公开行政复议、行政诉讼情况 › 表三",
  quote: "",
  source: "corpus/reports/pingtan/2023.md",
  published: "2024-01-20",
  url: `https://www.pingtan.gov.cn/zfxxgk/${i}.htm`,
  cell: { table: "表三", row: "一、本年新收政府信息公开申请数量", column: "总计", value: 81 + i },
});

const passageCitation: Citation = {
  id: "chunk:x",
  title: "中华人民共和国政府信息公开条例",
  region: null,
  year: 2019,
  section: "第三十六条",
  quote: "对政府信息公开申请，行政机关根据下列情况分别作出答复：（一）所申请公开信息已经主动公开的……",
  source: "corpus/governing/regulation.md",
  url: null,
};

const baseAnswer = (over: Partial<Answer> = {}): Answer => ({
  question: "平潭2023年新收申请多少件？",
  found: true,
  answer: "平潭综合实验区财政金融局2023年本年新收政府信息公开申请 82 件 [1]。",
  citations: [cellCitation(1), passageCitation],
  mode: "extractive",
  ...over,
});

/** Every card stays under the limit and carries its markdown as the card's one markdown element. */
function expectWellFormed(msgs: OutgoingMessage[], limit = FEISHU_CARD_LIMIT) {
  for (const m of msgs) {
    expect(m.format).toBe("card");
    const card = m.card as { schema: string; body: { elements: Array<{ tag: string; content: string }> } };
    expect(card.schema).toBe("2.0");
    expect(card.body.elements).toEqual([{ tag: "markdown", content: m.content }]);
    expect(Buffer.byteLength(JSON.stringify(card), "utf8")).toBe(feishuCardBytes(m.content));
    expect(feishuCardBytes(m.content)).toBeLessThanOrEqual(limit);
  }
}

describe("feishu renderer", () => {
  it("renders citations as numbered footnotes with body · year · section · cell and a 原文链接 link", () => {
    const msgs = feishuRenderer.answer(baseAnswer());
    expectWellFormed(msgs);
    expect(msgs).toHaveLength(1);
    const md = msgs[0].content;
    expect(md.startsWith("平潭综合实验区财政金融局2023年本年新收政府信息公开申请 82 件 &#91;1&#93;。")).toBe(true);
    expect(md).toContain("**依据**\n**[1]** 《平潭综合实验区财政金融局2023年政府信息公开工作年度报告》 · 平潭综合实验区财政金融局 · 2023年 · 五、政府信息公开行政复议、行政诉讼情况");
    expect(md).toContain("表三 · 行：一、本年新收政府信息公开申请数量 · 列：总计 · 数值：82");
    expect(md).toContain("发布日期：2024-01-20 · [原文链接](https://www.pingtan.gov.cn/zfxxgk/1.htm)");
    expect(md).toContain("**[2]** 《中华人民共和国政府信息公开条例》 · 2019年 · 第三十六条");
    expect(md).toContain("“对政府信息公开申请，行政机关根据下列情况分别作出答复");
    expect(md).toContain("发送“原文 1”");
  });

  it("renders an answer's table as a markdown table, numbers right-aligned, and escapes pipes in cells", () => {
    const msgs = feishuRenderer.answer(
      baseAnswer({
        table: {
          columns: ["年份", "机关", "新收申请"],
          rows: [
            [2022, "甲|乙局", 75],
            [2023, "平潭综合实验区财政金融局", null],
          ],
        },
      }),
    );
    expectWellFormed(msgs);
    const md = msgs[0].content;
    expect(md).toContain("| 年份 | 机关 | 新收申请 |\n| ---: | --- | ---: |\n| 2022 | 甲&#124;乙局 | 75 |\n| 2023 | 平潭综合实验区财政金融局 | — |");
  });

  it("escapes card markdown in corpus text: no emphasis, link, heading, tag or code can form", () => {
    const hostile = "**粗体** _斜体_ ~~删~~ [点我](https://evil.example) <at id=all></at> <font color='red'>红</font> `代码` # 标题 a\\b &amp;";
    const escaped = escapeFeishu(hostile);
    expect(escaped.replace(/&(#\d+|lt|gt|amp);/g, "")).not.toMatch(/[*_~`[\]<>#|\\&]/);
    expect(escaped).toContain("&#42;&#42;粗体&#42;&#42;");
    expect(escaped).toContain("&lt;at id=all&gt;&lt;/at&gt;");
    expect(escaped).toContain("&amp;amp;");
    const msgs = feishuRenderer.answer(
      baseAnswer({ answer: hostile, citations: [{ ...passageCitation, title: "《**标题**》", quote: "[x](javascript:alert(1))", url: "javascript:alert(1)" }] }),
    );
    const md = msgs[0].content;
    expect(md).not.toContain("<at");
    expect(md).not.toContain("](javascript");
    expect(md).not.toContain("[原文链接]");
    expect(md).toContain("原文链接：javascript:alert(1)");
    expect(md).toContain("《&#42;&#42;标题&#42;&#42;》");
  });

  it("splits a long answer into cards under the limit without cutting a footnote", () => {
    const citations = Array.from({ length: 400 }, (_, i) => cellCitation(i));
    const msgs = feishuRenderer.answer(baseAnswer({ citations }));
    expectWellFormed(msgs);
    expect(msgs.length).toBeGreaterThan(1);
    const footnotes = msgs.flatMap((m) => m.content.split("\n\n").filter((b) => /^(\*\*依据\*\*\n)?\*\*\[\d+\]\*\*/.test(b)));
    expect(footnotes).toHaveLength(400);
    // Each footnote is whole in one card: its label, cell line and link together, in order.
    footnotes.forEach((f, i) => {
      expect(f).toContain(`**[${i + 1}]**`);
      expect(f).toContain(`数值：${81 + i}`);
      expect(f).toContain(`[原文链接](https://www.pingtan.gov.cn/zfxxgk/${i}.htm)`);
    });
    expect(msgs[0].content.startsWith("平潭综合实验区财政金融局")).toBe(true);
  });

  it("splits a long table into several tables, each with its header, never cutting a row", () => {
    const rows = Array.from({ length: 3000 }, (_, i) => [2000 + (i % 24), `机关${i}`, i] as Array<string | number | null>);
    const parts = feishuTables({ columns: ["年份", "机关", "数量"], rows }, 8000);
    expect(parts.length).toBeGreaterThan(2);
    let seen = 0;
    for (const p of parts) {
      expect(feishuCardBytes(p)).toBeLessThanOrEqual(8000);
      const lines = p.split("\n");
      expect(lines[0]).toBe("| 年份 | 机关 | 数量 |");
      expect(lines[1]).toBe("| ---: | --- | ---: |");
      for (const l of lines.slice(2)) expect(l).toBe(`| ${rows[seen][0]} | 机关${seen} | ${seen++} |`);
    }
    expect(seen).toBe(3000);
  });

  it("opens a source (查看原文 n) with the cell named, its link, and the section escaped", () => {
    const view: SourceView = {
      id: "cell:x",
      title: "平潭2023年报告",
      section: "五、行政复议",
      text: "表三 ……\n\n*注*：数据截至 12 月 31 日。",
      source: "corpus/reports/pingtan/2023.md",
      published: "2024-01-20",
      url: "https://www.pingtan.gov.cn/a(1).htm",
      cell: { table: "表三", row: "一、本年新收", column: "总计", value: 81, rowText: "一、本年新收 | 81" },
    };
    const msgs = feishuRenderer.source(3, view);
    expectWellFormed(msgs);
    const md = msgs.map((m) => m.content).join("\n\n");
    expect(md).toContain("**📄 原文 [3]** 《平潭2023年报告》 · 五、行政复议");
    expect(md).toContain("[原文链接](https://www.pingtan.gov.cn/a%281%29.htm)");
    expect(md).toContain("表三 · 一、本年新收 · 总计：【81】\n一、本年新收 &#124; 81");
    expect(md).toContain("&#42;注&#42;：数据截至");
  });

  it("keeps the CSV block within one card and says how many lines were left out", () => {
    const csv = "\uFEFF年份,数量\r\n" + Array.from({ length: 5000 }, (_, i) => `${2000 + i},${i}`).join("\r\n") + "\r\n";
    const msgs = feishuRenderer.csvBlock("nianbao-1.csv", csv);
    expectWellFormed(msgs);
    expect(msgs).toHaveLength(1);
    expect(msgs[0].content).toMatch(/^\*\*nianbao-1\.csv\*\*\n```csv\n年份,数量\n2000,0\n/);
    expect(msgs[0].content).toMatch(/（共 5001 行，此处只列出前 \d+ 行。）\*$/);
    const small = feishuRenderer.csvBlock("a.csv", "a,b\r\n1,2\r\n");
    expect(small[0].content).toBe("**a.csv**\n```csv\na,b\n1,2\n```");
  });

  it("renders coverage and notices as cards under the limit", () => {
    const cov = {
      reports: Array.from({ length: 2000 }, (_, i) => ({ region: `地区${i}`, issuer: null, years: [2021, 2022, 2023] })),
      governing: [{ title: "中华人民共和国政府信息公开条例", kind: "regulation" as const, year: 2019, source: "x" }],
      documents: 6001,
      chunks: 90000,
    };
    const msgs = feishuRenderer.coverage(cov);
    expectWellFormed(msgs);
    expect(msgs.length).toBeGreaterThan(1);
    expect(msgs[0].content).toMatch(/^\*\*已收录 2000 个地区或机关的年度报告（共 6000 份）：\*\*\n• 地区/);
    const all = msgs.map((m) => m.content).join("\n");
    for (let i = 0; i < 2000; i += 499) expect(all).toContain(`• 地区${i}：2021–2023 年`);
    const notice = feishuRenderer.notice("**用法**\n\n- 直接提问\n- `/export` 导出");
    expectWellFormed(notice);
    expect(notice[0].content).toBe("**用法**\n\n- 直接提问\n- `/export` 导出");
  });
});
