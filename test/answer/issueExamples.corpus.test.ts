import { beforeAll, describe, expect, it } from "vitest";
import type { OpenedEngine as Engine } from "../../src/app/open.js";
import type { Answer } from "../../src/types.js";
import { askTurns, useRealEngine } from "../helpers/engine.js";

// The failures listed in issues 8 and 9, each as the general rule it is an example of. Figures were checked in the
// corpus text (digit runs decoded by hand; 长沙 2011: "网站23件 … 信函20件"; 平潭县 2012: the total, not 当面申请).
const real = useRealEngine();
let engine: Engine;
beforeAll(() => {
  engine = real.engine();
});

const ask = (...turns: string[]) => askTurns(engine, ...turns);
const articleOf = (a: Answer, i = 0) => a.citations[i]?.section.split(" › ").pop();

describe("figures come from the table cell, not from a nearby sentence", () => {
  it("a 2019-format report's application count is its 表三 total (平潭 2019: 23, not 37条信息)", async () => {
    const a = await ask("平潭综合实验区2019年申请数是多少？");
    expect(a.short).toContain("23件");
    expect(a.answer).not.toContain("37条");
    expect(a.citations[0].cell).toMatchObject({ table: "表三", row: "一、本年新收政府信息公开申请数量", column: "总计" });
  });

  it("a 表三 category is its own row, not the year's application total (平潭 2024 三类内部事务信息: 32, not 218)", async () => {
    const a = await ask("平潭综合实验区2024年因属于三类内部事务信息不予公开的有多少件？");
    expect(a.short).toContain("32件");
    expect(a.short).not.toContain("218");
  });

  it("a PDF table cell is read (洪泽 2023 规章 本年制发: 0, not 1136)", async () => {
    const a = await ask("洪泽区2023年规章本年制发了多少件？");
    expect(a.short).toMatch(/0件/);
    expect(a.answer).not.toContain("1136");
  });

  it("a pipe-table cell is read and stated as a number (沭阳 2025 行政复议 结果纠正: 10)", async () => {
    const a = await ask("沭阳县2025年行政复议结果纠正的有几件？");
    expect(a.short).toContain("10件");
    expect(a.citations[0].cell).toMatchObject({ table: "表四", row: "行政复议", column: "结果纠正" });
  });
});

describe("a total is never one channel's count", () => {
  it("长沙 2011 is 43 = 23 + 20 with the working shown, never 23 alone", async () => {
    const a = await ask("长沙市2011年收到多少件申请？");
    expect(a.short).toContain("43");
    expect(a.short).not.toMatch(/为23件/);
    expect(a.answer).toContain("23件 + 20件 = 43件");
  });

  it("平潭县 2012 is the total 21, not the 当面申请 18", async () => {
    const a = await ask("平潭县2012申请数");
    expect(a.short).toMatch(/21(件|条)/);
    expect(a.short).not.toContain("18");
    expect(a.citations[0].source).toBe("平潭县人民政府-2012-年度报告.txt");
  });
});

describe("across reports", () => {
  it("哪一年最多 answers the year with the largest figure of that metric (平潭: 2024, 218件)", async () => {
    const a = await ask("平潭综合实验区哪一年收到的申请最多");
    expect(a.short).toContain("2024年");
    expect(a.short).toContain("218");
  });

  it("多了多少 gives the result with the working and cited inputs, not two bare numbers", async () => {
    const a = await ask("平潭综合实验区2024年比2023年多了多少申请？");
    expect(a.answer).toContain("218 − 81 = 137");
    const c = a.computed!.find((x) => x.value === 137)!;
    expect(c.inputs.map((i) => a.citations[i].cell?.value)).toEqual([218, 81]);
  });

  it("a series is a small table", async () => {
    const a = await ask("平潭综合实验区历年申请数");
    expect(a.table?.rows.length).toBeGreaterThanOrEqual(7);
  });

  it("a failing 勾稽关系 is said with its numbers (平潭 2020: 26 ≠ 20)", async () => {
    const a = await ask("平潭综合实验区2020年的数据对得上吗？");
    expect(a.answer).toContain("26 ≠ 20");
  });
});

describe("a department question is answered from that department's report only", () => {
  for (const [q, body] of [
    ["财金局2024年收到多少件政府信息公开申请？", "平潭综合实验区财政金融局"],
    ["经发局2025年收到多少件政府信息公开申请？", "平潭综合实验区经济发展局"],
    ["行政审批局2021年收到多少件政府信息公开申请？", "平潭综合实验区行政审批局"],
  ] as const) {
    it(`${q} → ${body}`, async () => {
      const a = await ask(q);
      expect(a.citations.length).toBeGreaterThan(0);
      for (const c of a.citations) {
        expect(c.body).toBe(body);
        expect(c.source.startsWith(body)).toBe(true);
        expect(c.published).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        expect(c.url).toMatch(/^https:\/\//);
      }
      expect(a.short).toContain(body);
    });
  }
});

describe("rules are answered as rules", () => {
  it("a definition cites the article that defines it (什么是过程性信息 → 第十六条)", async () => {
    const a = await ask("什么是过程性信息");
    expect(a.found).toBe(true);
    expect(a.citations[0].source).toBe("regulation-2019.txt");
    expect(articleOf(a)).toBe("第十六条");
  });

  it("a deadline question cites the article with the deadline (第三十三条), not a report", async () => {
    const a = await ask("政府收到信息公开申请后多少天内必须答复");
    expect(a.citations[0].source).toBe("regulation-2019.txt");
    expect(articleOf(a)).toBe("第三十三条");
    expect(a.answer).toContain("20个工作日");
  });

  it("a rule question after a report question still cites the regulation", async () => {
    const a = await ask("平潭综合实验区2024年收到多少件申请？", "答复期限是多少个工作日");
    expect(a.citations[0].source).toBe("regulation-2019.txt");
    expect(articleOf(a)).toBe("第三十三条");
    expect(a.citations.some((c) => c.source.startsWith("平潭"))).toBe(false);
  });

  it("naming the 2007 条例 in a follow-up switches to its article (第二十四条), keeping the topic", async () => {
    const a = await ask("政府收到信息公开申请后多少天内必须答复", "那2007年的条例是怎么规定的");
    expect(a.citations[0].source).toBe("regulation-2007.txt");
    expect(articleOf(a)).toBe("第二十四条");
    expect(a.answer).toContain("15个工作日");
    expect(a.answer).not.toContain("没有平潭综合实验区2007年");
  });

  it("traditional characters are read (申請內容不明確 → 第三十条)", async () => {
    const a = await ask("申請內容不明確怎麼辦？");
    expect(a.citations[0].source).toBe("regulation-2019.txt");
    expect(articleOf(a)).toBe("第三十条");
  });

  it("可以口头申请吗 and 申请书要写哪些内容 are not refused: they cite 第二十九条", async () => {
    for (const q of ["可以口头申请吗", "申请书要写哪些内容"]) {
      const a = await ask(q);
      expect(a.found, q).toBe(true);
      expect(a.citations.slice(0, 3).some((c) => c.source === "regulation-2019.txt" && c.section.endsWith("第二十九条")), q).toBe(true);
    }
  });
});

describe("input as people type it", () => {
  it("an English question gets the short English reply", async () => {
    const a = await ask("How many requests did Shenyang receive in 2013?");
    expect(a.operation).toBe("english");
    expect(a.answer).toContain("Please ask in Chinese");
  });

  it("digits with no question get help, not a figure", async () => {
    const a = await ask("2021 2022 2023");
    expect(a.operation).toBe("help");
    expect(a.citations).toEqual([]);
  });

  it("a bare body name gets an overview", async () => {
    const a = await ask("沈阳");
    expect(a.operation).toBe("overview");
    expect(a.answer).toContain("249");
  });

  it("a near-miss body name is corrected with 您是否指 and answered (沈杨 → 沈阳, 249)", async () => {
    const a = await ask("沈杨2013年受理了多少件申请");
    expect(a.answer).toMatch(/^您是否指“沈阳”/);
    expect(a.short).toContain("249件");
    expect(a.citations[0]).toMatchObject({ region: "沈阳市", year: 2013 });
  });

  it("full-width digits are read as digits", async () => {
    const a = await ask("平潭综合实验区２０２４年收到多少件申请？");
    expect(a.short).toContain("218件");
  });
});
