import { beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../src/answer/engine.js";
import type { Answer } from "../../src/types.js";
import { directAnswer } from "../../src/eval/metrics.js";
import { askTurns, useRealEngine } from "../helpers/engine.js";

// Issue 14: the clerk's and the drafter's questions, each as the general rule it is an example of.
const real = useRealEngine();
let engine: Engine;
beforeAll(() => {
  engine = real.engine();
});
const ask = (...turns: string[]) => askTurns(engine, ...turns);
const first = (a: Answer) => `${a.citations[0]?.section ?? ""} ${a.citations[0]?.quote ?? ""}`;
const lead = (a: Answer) => a.answer.split("\n")[0];

describe("rule questions the rules answer are answered (no false refusal)", () => {
  it("an everyday word that shares no character with the statute (平信 → 平常信函, 第三十一条（二）)", async () => {
    const a = await ask("用平信寄过来的申请，收到日期怎么算");
    expect(a.found).toBe(true);
    expect(a.citations[0].section).toContain("第三十一条（二）");
    expect(lead(a)).toContain("确认之日为收到申请之日");
  });

  it("the sentence of an article that answers leads (补正 → 答复期限自…收到补正的申请之日起计算)", async () => {
    const a = await ask("补正以后答复期限从哪天开始重新算？");
    expect(a.found).toBe(true);
    expect(lead(a)).toContain("收到补正的申请之日起计算");
    expect(a.citations[0].section).toContain("第三十条");
  });

  it("a clerk's account of an unclear application leads with 第三十条, not a list of bodies", async () => {
    const a = await ask("群众来窗口交申请，只写了'我要拆迁的所有文件'，这种算申请内容不明确吗？我们窗口该怎么处理？");
    expect(a.found).toBe(true);
    expect(a.citations[0].section).toContain("第三十条");
    expect(a.answer).not.toContain("本库收录");
  });
});

describe("the clause that answers leads, the other items are not quoted", () => {
  it("不归我们管 → 第三十六条（五）, and no other item of the article", async () => {
    const a = await ask("申请的信息不归我们单位管，我们怎么答复？");
    expect(a.citations[0].section).toContain("第三十六条（五）");
    expect(directAnswer(a.answer)).not.toContain("告知申请人该政府信息不存在");
  });

  it("重复申请 → 第三十六条（六） alone", async () => {
    const a = await ask("重复申请怎么答复");
    expect(lead(a)).toContain("不予重复处理");
    expect(directAnswer(a.answer)).not.toContain("获取该政府信息的方式、途径和时间");
  });

  it("a notice of 补正 cannot be taken to court: 不能 first, the interpretation's 第十条（二） cited", async () => {
    const a = await ask("政府让我补正申请材料，我不服这个通知，能直接去法院起诉吗？");
    expect(lead(a)).toMatch(/^不能/);
    expect(a.citations[0].section).toContain("第十条（二）");
    expect(lead(a)).toContain("不予立案");
  });

  it("加工、分析 → 第三十八条 leads, not the notice's deadlines", async () => {
    const a = await ask("要机关把几年的数据汇总分析以后再给我，机关必须提供吗");
    expect(a.citations[0].section).toContain("第三十八条");
    expect(lead(a)).toContain("可以不予提供");
  });

  it("the version in force leads and the superseded one is named as such", async () => {
    const a = await ask("答复期限是15个工作日吧？");
    expect(a.citations[0].source).toBe("regulation-2019.txt");
    expect(lead(a)).toContain("20个工作日");
    expect(a.answer).toMatch(/2007年，已被2019年修订版取代/);
  });
});

describe("classification in the report: the template row of the format drafted, with the article behind it", () => {
  it.each([
    ["申请人逾期不补正的，年报里算哪一类？", "（六）其他处理 › 1.申请人无正当理由逾期不补正", "第三十条"],
    ["补正了还是讲不清楚，表里填哪一栏？", "（四）无法提供 › 3.补正后申请内容仍不明确", "第三十条"],
    ["收到缴费通知后一直没交钱，这个申请还办不办？", "逾期未按收费通知要求缴纳费用", null],
  ])("%s", async (q, row, article) => {
    const a = await ask(q);
    expect(a.found).toBe(true);
    expect(first(a)).toContain(row.split(" › ").pop()!);
    expect(directAnswer(a.answer)).toContain(row.split(" › ")[0]);
    if (article) expect(a.answer).toContain(article);
  });
});

describe("the drafter gets the notice's text, not the template", () => {
  it("表二's time point is the notice's sentence (12月31日), not the table schema", async () => {
    const a = await ask("表二的数据按哪一天的时点统计？");
    expect(lead(a)).toContain("12月31日");
    expect(a.answer).not.toContain("栏目：");
  });

  it("年年雷同 from the notice, never the placeholder （文字描述）", async () => {
    const a = await ask("存在的主要问题能不能跟去年写得差不多？");
    expect(directAnswer(a.answer)).toContain("年年雷同");
    expect(a.answer).not.toContain("文字描述");
  });

  it("the unit of 第二十条第（八）项 is the 2021 template's 万元", async () => {
    const a = await ask("第二十条第（八）项收费金额用什么单位");
    expect(lead(a)).toContain("万元");
    expect(a.citations[0].source).toContain("2021");
  });

  it("examples of a practice: several reports, each with the sentence that shows it", async () => {
    const a = await ask("有没有单位在依申请公开部分写过办前沟通的做法？给我原文");
    expect(a.found).toBe(true);
    expect(a.answer).toContain("办前沟通");
    expect(a.citations.length).toBeGreaterThanOrEqual(2);
    expect(a.answer).not.toMatch(/条例.*没有涉及/);
  });

  it("2019 vs 2021 for a section compares the notices' written requirements (一千字)", async () => {
    const a = await ask("2021年格式跟2019年试行格式比，总体情况部分多了什么要求？");
    expect(directAnswer(a.answer)).toContain("一千字");
  });
});

describe("how a named report handled a case: the report's own sentence first", () => {
  it("公安局2022: the carried-over application, as the report tells it, not the 结转 cell", async () => {
    const a = await ask("公安局2022年报告里那件从上一年结转过来的申请，最后是怎么处理的");
    expect(lead(a)).toContain("逾期不补正");
    expect(a.citations[0].source).toBe("平潭综合实验区公安局-2022-年度报告.txt");
  });
});

describe("declining well", () => {
  it("a personal matter gets one short sentence of what Nianbao answers, no article and no list of bodies", async () => {
    const a = await ask("帮我查一下我家的拆迁补偿款到账没有");
    expect(a.found).toBe(false);
    expect(a.citations).toEqual([]);
    expect(a.answer.length).toBeLessThanOrEqual(120);
  });

  it("another field is declined in one short line", async () => {
    const a = await ask("个人所得税怎么算");
    expect(a.found).toBe(false);
    expect(a.answer.length).toBeLessThanOrEqual(120);
  });

  it("a year not held names what is missing and the nearest years held, in one short line", async () => {
    const a = await ask("平潭综合实验区公安局2012年报告的依申请公开情况");
    expect(a.found).toBe(false);
    expect(a.answer).toContain("2012年");
    expect(a.answer).toContain("2013年");
    // The nearest years, not every year held.
    expect(a.answer).not.toContain("2024年");
    const b = await ask("平潭综合实验区2010年的依申请公开情况");
    expect(b.found).toBe(false);
    expect(b.answer).toContain("2011年");
    expect(b.answer.length).toBeLessThanOrEqual(120);
  });
});

describe("a question in English", () => {
  it("is answered in English, quoting the Chinese clause", async () => {
    const a = await ask("How many working days does an agency have to reply to an information disclosure request?");
    expect(a.found).toBe(true);
    expect(lead(a)).toMatch(/^Article 33 of /);
    expect(a.answer).toContain("20个工作日");
    expect(a.answer).toContain("20 working days");
  });
});
