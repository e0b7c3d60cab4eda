/** Numbers as answers and sources write them: widths normalized, thousands separators dropped, scale kept. */

/** Full-width digits and punctuation to ASCII so ［１］ and ６７．７５％ are checked like [1] and 67.75%. */
export function normalizeWidth(text: string): string {
  return text
    .replace(/[\uFF10-\uFF19]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xff10 + 0x30))
    .replace(/［/g, "[")
    .replace(/］/g, "]")
    .replace(/％/g, "%")
    .replace(/(\d)．(?=\d)/g, "$1.")
    .replace(/(\d)，(?=\d)/g, "$1,");
}

/** Digits with optional thousands separators and decimals, plus a scale/percent suffix that changes the meaning. */
const NUMBER_RE = /\d+(?:\.\d+)?(?:\s*(?:%|‰|万亿|万|亿))?/g;

export function numberTokens(text: string): string[] {
  const cleaned = normalizeWidth(text).replace(/(\d),(?=\d{3}(?!\d))/g, "$1");
  return (cleaned.match(NUMBER_RE) ?? []).map((t) => t.replace(/\s+/g, ""));
}
