import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { analyze, bigramTokenizer, defaultTermProcessor, jiebaTokenizer, normalizeWidth } from "../../src/embed/tokenize.js";

const report = readFileSync(fileURLToPath(new URL("../../corpus/平潭综合实验区-2024-年度报告.txt", import.meta.url)), "utf8");

describe("tokenize", () => {
  it("normalizeWidth maps full-width digits and letters to ASCII", () => {
    expect(normalizeWidth("２０２４年ＡＢｃ")).toBe("2024年ABc");
    expect(analyze("２０２４年")).toEqual(analyze("2024年"));
  });

  it("jieba segments a real sentence into words", () => {
    const words = jiebaTokenizer("平潭综合实验区收到政府信息公开申请");
    for (const w of ["平潭", "实验区", "政府", "信息", "公开", "申请"]) expect(words).toContain(w);
  });

  it("bigrams cover each CJK run, skip non-CJK and single characters", () => {
    expect(bigramTokenizer("行政复议")).toEqual(["行政", "政复", "复议"]);
    expect(bigramTokenizer("共218件，年")).toEqual([]);
    expect(bigramTokenizer("abc 123")).toEqual([]);
  });

  it("the term processor drops punctuation, whitespace and stopwords, lower-cases Latin", () => {
    expect(defaultTermProcessor("，")).toBeNull();
    expect(defaultTermProcessor("  ")).toBeNull();
    expect(defaultTermProcessor("的")).toBeNull();
    expect(defaultTermProcessor("情况")).toBeNull();
    expect(defaultTermProcessor("PDF")).toBe("pdf");
    expect(defaultTermProcessor("复议")).toBe("复议");
  });

  it("analyze = words, then prefixed bigrams; no punctuation or stopword survives", () => {
    const terms = analyze("依申请公开的办理情况如何？");
    expect(terms).toContain("申请");
    expect(terms).toContain("办理");
    expect(terms).toContain("1:申请");
    expect(terms).not.toContain("的");
    expect(terms).not.toContain("？");
    expect(terms).not.toContain("如何");
    const firstBigram = terms.findIndex((t) => t.startsWith("1:"));
    expect(terms.slice(firstBigram).every((t) => t.startsWith("1:"))).toBe(true);
    expect(terms.slice(0, firstBigram).some((t) => t.includes(":"))).toBe(false);
  });

  it("is deterministic and keeps figures of a real report as terms", () => {
    const a = analyze(report);
    expect(analyze(report)).toEqual(a);
    expect(a.length).toBeGreaterThan(1000);
    expect(a).toContain("2024");
    expect(a.every((t) => t.trim() === t && t.length > 0)).toBe(true);
  });
});
