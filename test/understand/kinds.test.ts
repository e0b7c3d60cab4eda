import { describe, expect, it } from "vitest";
import { questionKind } from "../../src/understand/kinds.js";

// The kind of answer a question wants decides the shape of the clause that answers it (issue 14, part 3).
describe("question kinds", () => {
  it.each([
    ["政府让我补正申请材料，我不服这个通知，能直接去法院起诉吗？", "actionable"],
    ["重复申请被答复不予重复处理，能告吗？", "actionable"],
    ["对答复不服打官司，告谁？", "who"],
    ["乡镇政府的年报要报给谁？", "who"],
    ["申请人逾期不补正的，年报里算哪一类？", "classify"],
    ["补正了还是讲不清楚，表里填哪一栏？", "classify"],
    ["补正以后答复期限从哪天开始重新算？", "deadline"],
    ["表二的数据按哪一天的时点统计？", "deadline"],
    ["不予公开一共有哪几种理由", "list"],
    ["什么是政府信息", "definition"],
    ["老条例和新条例对答复期限的规定有什么不同？", "compare"],
    ["公安局2022年报告里那件从上一年结转过来的申请，最后是怎么处理的", "handled"],
    ["有没有单位在依申请公开部分写过办前沟通的做法？给我原文", "examples"],
    ["哪份年报在依申请公开部分写了办前沟通？", "examples"],
    ["重复申请怎么答复", "duty"],
    ["收到缴费通知后一直没交钱，这个申请还办不办？", "duty"],
  ])("%s → %s", (q, kind) => {
    expect(questionKind(q)).toBe(kind);
  });

  it("a question word that only ends in 么 is no question whether one can sue", () => {
    expect(questionKind("行政机关说申请的政府信息不存在，在诉讼中需要证明什么？")).not.toBe("actionable");
  });
});
