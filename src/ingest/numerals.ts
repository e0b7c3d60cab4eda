const DIGITS: Record<string, number> = {
  零: 0, 〇: 0, "○": 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9,
};

/** Parses Chinese numerals up to the thousands (一, 十二, 二十, 五十六, 一百零三); Arabic digits pass through. NaN otherwise. */
export function parseChineseNumber(s: string): number {
  if (/^\d+$/.test(s)) return Number(s);
  if (!s) return NaN;
  let total = 0;
  let current = 0;
  for (const ch of s) {
    if (ch in DIGITS) current = DIGITS[ch];
    else if (ch === "十") { total += (current || 1) * 10; current = 0; }
    else if (ch === "百") { total += (current || 1) * 100; current = 0; }
    else if (ch === "千") { total += (current || 1) * 1000; current = 0; }
    else return NaN;
  }
  return total + current;
}

const CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳";
export function parseCircled(ch: string): number {
  const i = CIRCLED.indexOf(ch);
  return i < 0 ? NaN : i + 1;
}

/** Converts a year written in Chinese digits (二○○七) to a number. */
export function parseChineseYear(s: string): number {
  let out = "";
  for (const ch of s) {
    if (!(ch in DIGITS)) return NaN;
    out += String(DIGITS[ch]);
  }
  return Number(out);
}
