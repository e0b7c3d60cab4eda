import { describe, expect, it } from "vitest";
import { KeyCheck, RateLimiter, bearerKey, corsOrigins } from "../../src/server/security.js";
import { cellsCsv, csvField } from "../../src/present/json.js";
import { contentWithFootnotes, pieces } from "../../src/server/openai.js";
import { charCount, decodeState, encodeState } from "../../src/server/conversation.js";
import { SHENYANG } from "./fakes.js";

describe("security helpers", () => {
  it("parses bearer headers", () => {
    expect(bearerKey(undefined)).toEqual({ failure: "missing" });
    expect(bearerKey("  ")).toEqual({ failure: "missing" });
    expect(bearerKey("Token abc")).toEqual({ failure: "malformed" });
    expect(bearerKey("Bearer a b")).toEqual({ failure: "malformed" });
    expect(bearerKey("bearer  abc ")).toEqual({ key: "abc" });
  });

  it("matches only configured keys", () => {
    const k = new KeyCheck(["alpha-1", "beta-2"]);
    expect(k.enabled).toBe(true);
    expect(k.matches("alpha-1")).toBe(true);
    expect(k.matches("alpha-")).toBe(false);
    expect(k.matches("")).toBe(false);
    expect(new KeyCheck([]).enabled).toBe(false);
  });

  it("rate limiter: fixed windows, bounded memory", () => {
    let t = 0;
    const r = new RateLimiter(2, () => t, 60_000, 100);
    expect([r.hit("a"), r.hit("a"), r.hit("a") > 0]).toEqual([0, 0, true]);
    t = 30_000;
    expect(r.hit("a")).toBe(30);
    t = 60_000;
    expect(r.hit("a")).toBe(0);
    for (let i = 0; i < 1000; i++) r.hit(`ip-${i}`);
    expect((r as unknown as { windows: Map<string, unknown> }).windows.size).toBeLessThanOrEqual(100);
  });

  it("reads CORS origins", () => {
    expect([...corsOrigins(undefined)]).toEqual([]);
    expect([...corsOrigins(" https://a.example/ , https://b.example")]).toEqual(["https://a.example", "https://b.example"]);
  });
});

describe("serializers", () => {
  it("CSV fields: quoting, formulas, lists", () => {
    expect(csvField(null)).toBe("");
    expect(csvField(12)).toBe("12");
    expect(csvField(-3)).toBe("-3");
    expect(csvField('a,"b"')).toBe('"a,""b"""');
    expect(csvField("=SUM(A1)")).toBe("'=SUM(A1)");
    expect(csvField([1, 2])).toBe('"1;2"');
    expect(cellsCsv([]).startsWith("\uFEFFsource,title,body,year,table,row,column,value,unit,method,quote,candidates\r\n")).toBe(true);
  });

  it("footnotes and streaming pieces keep characters whole", () => {
    const text = contentWithFootnotes({ question: "q", found: true, answer: "答案249件。", citations: [SHENYANG], mode: "extractive" });
    expect(text).toBe(
      "答案249件。\n\n来源：\n\n[1] 《沈阳市2013年政府信息公开工作年度报告》 · 沈阳市 · 2013年 · 一、政府信息公开情况 › （二）依申请公开政府信息（发布日期 2014-03-28，原文链接 http://www.shenyang.gov.cn/zwgk/2013nb.html）",
    );
    const s = "𠀀".repeat(20) + "年报";
    const p = pieces(s, 16);
    expect(p.join("")).toBe(s);
    expect(p.every((x) => charCount(x) <= 16 && !/[\uD800-\uDBFF]$/.test(x))).toBe(true);
  });

  it("state tokens round-trip and reject junk", () => {
    const st = {
      plan: { operation: "value" as const, bodies: ["沈阳市"], years: [2013], yearRange: null, metric: null, direction: null, section: null, table: null, governing: [], topic: "受理" },
      words: "受理",
      lastQuestion: "问",
      updatedAt: 5,
    };
    expect(decodeState(encodeState(st))).toEqual(st);
    expect(() => decodeState(Buffer.from('{"regions":"x"}').toString("base64url"))).toThrow();
  });
});
