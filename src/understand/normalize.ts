/**
 * Input as people type it: traditional characters (申請內容不明確, 資訊 → 信息), full-width digits and letters,
 * stray whitespace and control characters. The converter (opencc-js, Taiwan phrases → mainland) is loaded on
 * first use only.
 */

import { METRICS } from "../domain/format/metrics.js";

type Convert = (s: string) => string;
let convert: Convert | null = null;

async function converter(): Promise<Convert> {
  if (!convert) {
    const OpenCC = (await import("opencc-js/t2cn")) as unknown as { Converter(o: { from: string; to: string }): Convert };
    const phrases = OpenCC.Converter({ from: "twp", to: "cn" });
    // Taiwan phrase conversion also rewrites words that are already mainland usage (文件 → 文档, 规范性文件 →
    // 规范性文档): only text that holds a traditional character goes through it.
    const chars = OpenCC.Converter({ from: "tw", to: "cn" });
    // The format's own terms that Taiwan phrase conversion would change (规范性文件 → 规范性文档) are put back.
    const back = [...new Set(METRICS.flatMap((m) => m.aliases))]
      .filter((a) => a.length >= 2 && phrases(a) !== a)
      .sort((a, b) => b.length - a.length)
      .map((a) => [phrases(a), a] as const);
    convert = (s) => (chars(s) === s ? s : back.reduce((t, [from, to]) => t.split(from).join(to), phrases(s)));
  }
  return convert;
}

/** Full-width ASCII (０-９, Ａ-Ｚ, ａ-ｚ, ＋ …) to half-width; the ideographic space to a space. */
export function halfWidth(s: string): string {
  return s.replace(/[\uff01-\uff5e]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/\u3000/g, " ");
}

/** Characters a question can hold: control characters and lone surrogates (invalid bytes) are dropped. */
export function stripInvalid(s: string): { text: string; dropped: number } {
  let dropped = 0;
  const text = s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, () => {
    dropped++;
    return "";
  });
  return { text, dropped };
}

/** Full-width punctuation people type for the question mark etc. stays; only digits/letters change. */
export async function normalizeQuestion(q: string): Promise<string> {
  const { text } = stripInvalid(q ?? "");
  const half = halfWidth(text).replace(/\s+/g, " ").trim();
  // Only text with CJK characters can hold traditional forms; conversion is skipped for the rest. The format's terms
  // keep their words (规范性文件 is no 文档).
  return /[\u3400-\u9fff]/.test(half) ? (await converter())(half) : half;
}

/** A question in English (or another Latin-script language): letters, no CJK. */
export function isLatinQuestion(q: string): boolean {
  return !/[\u3400-\u9fff]/.test(q) && (q.match(/[A-Za-z]/g)?.length ?? 0) >= 6;
}
