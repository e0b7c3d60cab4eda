import { describe, expect, it } from "vitest";
import { halfWidth, isLatinQuestion, normalizeQuestion, stripInvalid } from "../../src/understand/normalize.js";

describe("normalizeQuestion: input as people type it", () => {
  it("traditional characters become simplified (申請內容不明確 → 申请内容不明确)", async () => {
    expect(await normalizeQuestion("申請內容不明確怎麼辦")).toBe("申请内容不明确怎么办");
    expect(await normalizeQuestion("政府資訊公開")).toContain("政府信息公开");
  });

  it("simplified text is left as typed: Taiwan phrase conversion does not rewrite mainland words (文件 is no 文档)", async () => {
    expect(await normalizeQuestion("上级机关发布的文件和软件信息需要公开吗")).toBe("上级机关发布的文件和软件信息需要公开吗");
    expect(await normalizeQuestion("申請公開的資訊")).toBe("申请公开的信息");
  });

  it("full-width digits and letters become half-width", async () => {
    expect(halfWidth("２０２４年ＡＢｃ")).toBe("2024年ABc");
    expect(await normalizeQuestion("平潭综合实验区２０２４年收到多少件申请")).toBe("平潭综合实验区2024年收到多少件申请");
  });

  it("whitespace runs (ideographic spaces included) collapse and the ends are trimmed", async () => {
    expect(await normalizeQuestion("  沈阳\u3000\u3000 2013年  ")).toBe("沈阳 2013年");
  });

  it("lone surrogates and control characters are dropped and counted; a valid surrogate pair stays", () => {
    expect(stripInvalid("a\ud800b\u0000c\udc00d\ufffd")).toEqual({ text: "abcd", dropped: 4 });
    expect(stripInvalid("沈阳😀")).toEqual({ text: "沈阳😀", dropped: 0 });
  });

  it("a question of invalid bytes only normalizes to the empty string, and null-ish input does not throw", async () => {
    expect(await normalizeQuestion("\ud800\u0001")).toBe("");
    expect(await normalizeQuestion(undefined as unknown as string)).toBe("");
  });

  it("Latin-script text without CJK is left as typed (no conversion)", async () => {
    expect(await normalizeQuestion("How many requests?")).toBe("How many requests?");
  });
});

describe("isLatinQuestion", () => {
  it("a question in English is Latin; digits alone, very short words or any CJK are not", () => {
    expect(isLatinQuestion("How many requests did Shenyang receive in 2013?")).toBe(true);
    expect(isLatinQuestion("2021 2022 2023")).toBe(false);
    expect(isLatinQuestion("hi")).toBe(false);
    expect(isLatinQuestion("沈阳 how many requests")).toBe(false);
  });
});

describe("simplified text keeps its words (issue 15)", () => {
  it("the format's own terms survive Taiwan phrase conversion: 规范性文件 (also written 規範性文件) is no 规范性文档", async () => {
    expect(await normalizeQuestion("国资局2022年本年制发的行政规范性文件有多少件？")).toBe("国资局2022年本年制发的行政规范性文件有多少件?");
    expect(await normalizeQuestion("行政規範性文件有多少件")).toBe("行政规范性文件有多少件");
  });
});
