import { describe, expect, it } from "vitest";
import { directAnswer, hitRank, isCorrect, score, type EvalItem, type EvalOutcome } from "../../src/eval/metrics.js";
import { windows } from "../../src/eval/naive.js";
import type { Answer } from "../../src/types.js";

const item = (over: Partial<EvalItem> = {}): EvalItem => ({
  id: "x",
  type: "figure",
  question: "沈阳2013年受理了多少件政府信息公开申请？",
  found: true,
  answer_any: ["249件"],
  sources: ["000_0ce3f265a70a93e0.txt"],
  section_any: ["依申请公开"],
  ...over,
});
const outcome = (text: string, found = true, ranked: Array<{ source: string; section: string }> = []): EvalOutcome => ({
  answer: { question: "q", found, answer: text, citations: [], mode: "extractive" } as Answer,
  ranked,
});

describe("evaluation metrics", () => {
  it("judges the direct answer, not the supporting quote lines", () => {
    const text = "沈阳市2013年：行政复议22件。[1]\n原文：“…共受理政府信息公开申请249件…”[1]";
    expect(directAnswer(text)).not.toContain("249件");
    expect(isCorrect(item(), outcome(text))).toBe(false);
    expect(isCorrect(item(), outcome("沈阳市2013年：共受理政府信息公开申请249 件。[1]"))).toBe(true);
  });

  it("requires every all_of string and a refusal for unanswerable items", () => {
    expect(isCorrect(item({ all_of: ["75", "81"] }), outcome("2022年75件"))).toBe(false);
    expect(isCorrect(item({ found: false, answer_any: [] }), outcome("语料中没有…", false))).toBe(true);
    expect(isCorrect(item({ found: false, answer_any: [] }), outcome("249件", true))).toBe(false);
  });

  it("ranks hits by source and section and scores a set", () => {
    const ranked = [
      { source: "000_0ce3f265a70a93e0.txt", section: "二、政府信息公开工作情况" },
      { source: "000_0ce3f265a70a93e0.txt", section: "一、政府信息公开情况 › (二)依申请公开政府信息" },
    ];
    expect(hitRank(item(), outcome("", true, ranked))).toBe(2);
    const s = score([item(), item({ found: false, answer_any: [], sources: [] })], [outcome("受理249件", true, ranked), outcome("无", false)]);
    expect(s).toMatchObject({ n: 2, answerAccuracy: 1, hit1: 0, hit3: 1, mrr: 0.5, refusalAccuracy: 1, falseRefusals: 0 });
  });

  it("cuts the naive baseline's fixed windows with their overlap", () => {
    const w = windows("一".repeat(1000));
    expect(w.map((x) => x.length)).toEqual([500, 500, 200]);
  });
});

describe("first-stage retrieval of the governing clause", () => {
  it("ranks the first result holding the governing clause (section or text), hit@1 and hit@5 over rule items only", async () => {
    const { clauseRank, retrievalScores } = await import("../../src/eval/metrics.js");
    const rule = item({ first_citation_any: ["第三十一条（二）"] });
    const ranked = [
      { section: "第四章 › 第三十三条", quote: "…20个工作日内予以答复" },
      { section: "第四章 › 第三十一条（二）", quote: "以平常信函等无需签收的邮寄方式提交…" },
    ];
    expect(clauseRank(rule, ranked)).toBe(2);
    expect(clauseRank(rule, [])).toBe(0);
    // Whitespace does not count (the naive windows keep the source's line breaks).
    expect(clauseRank(item({ first_citation_any: ["平常信函"] }), [{ section: "", quote: "平常\n信函" }])).toBe(1);
    const s = retrievalScores([rule, rule, item(), item({ found: false, first_citation_any: ["x"] })], [ranked, [ranked[1]], [], []]);
    expect(s).toEqual({ n: 2, hit1: 0.5, hit5: 1 });
  });
});
