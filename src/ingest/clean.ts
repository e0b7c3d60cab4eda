/**
 * Clean stage: strip artifacts that must never reach a chunk (markup residue, entities, site chrome,
 * invisible characters). Pure and idempotent. Lines ending in "_百度百科" are kept: the split stage
 * uses them as document boundaries in the seed page and removes them itself.
 */

/**
 * Baidu Baike page chrome found in the seed page. No `g` flag, so `.test()` is safe to share;
 * cleanText adds `g` itself. Footer/stub chrome is replaced by a line break so that a document
 * title glued after it ("…参考资料 查看 X_百度百科") ends up on its own line.
 */
const CHROME: ReadonlyArray<{ pattern: RegExp; replacement: string; /** Text the pattern cannot match without. */ hint: string }> = [
  { pattern: /关闭特色百科用户权威合作手机百科\s*收藏\s*查看&?[ \t]*/, replacement: "", hint: "关闭特色百科" },
  { pattern: /本词条缺少[^\n!！]{0,80}?赶紧来吧[!！]?/, replacement: "\n", hint: "本词条缺少" },
  { pattern: /新手上路我有疑问投诉建议参考资料\s*查看[ \t]*/, replacement: "\n", hint: "新手上路" },
  { pattern: /^[ \t]*我要回帖[ \t]*$/m, replacement: "", hint: "我要回帖" },
  { pattern: /^[ \t]*更多关于[^\n]{0,60}的文章[ \t]*$/m, replacement: "", hint: "更多关于" },
  { pattern: /^[ \t]*随机推荐[ \t]*$/m, replacement: "", hint: "随机推荐" },
  { pattern: /\[\d{1,3}\]/, replacement: "", hint: "[" }, // Baike footnote marks
  // Government portal pages (pingtan.gov.cn): breadcrumb, source/time line, share bar, up to "相关链接：".
  { pattern: /当前位置[:：][^\n]{0,400}?相关链接[:：][ \t]*/, replacement: "", hint: "当前位置" },
  { pattern: /[ \t]*附件下载[ \t]*$/, replacement: "", hint: "附件下载" },
];

export const CHROME_PATTERNS: readonly RegExp[] = CHROME.map((c) => c.pattern);

const NAMED_ENTITIES: Record<string, string> = {
  nbsp: " ", ensp: " ", emsp: " ", thinsp: " ", amp: "&", lt: "<", gt: ">", quot: '"', apos: "'",
  ldquo: "“", rdquo: "”", lsquo: "‘", rsquo: "’", mdash: "—", ndash: "–", hellip: "…",
  middot: "·", times: "×", divide: "÷", deg: "°", plusmn: "±", copy: "©", reg: "®", yen: "¥",
  laquo: "«", raquo: "»", bull: "•", permil: "‰", sect: "§",
};

function decodeEntities(s: string): string {
  // Few files contain "&" at all, and finding that out is much cheaper than running the entity regex.
  if (!s.includes("&")) return s;
  return s.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{2,8});/gi, (m, body: string) => {
    if (body[0] === "#") {
      const code = body[1] === "x" || body[1] === "X" ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
    }
    return NAMED_ENTITIES[body.toLowerCase()] ?? m;
  });
}

const BLOCK_TAG = /<\/?(?:p|br|div|li|tr|h[1-6]|table|ul|ol|section|article|blockquote)\b[^<>]*>/gi;
const ANY_TAG = /<\/?[a-z][a-z0-9:-]*(?:\s[^<>\n]*)?\/?>/gi;

function stripMarkup(s: string): string {
  // Every markup pattern starts with "<"; most files have none.
  if (!s.includes("<")) return s;
  return s
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/<!\[(?:if[^\]]*|endif)\]>/gi, "") // downlevel-revealed conditionals
    .replace(BLOCK_TAG, "\n")
    .replace(ANY_TAG, "");
}

/** Most pages have no chrome: includes() rules a pattern out much faster than a regex scan of the whole text. */
const GLOBAL_CHROME = CHROME.map((c) => ({ ...c, pattern: new RegExp(c.pattern.source, c.pattern.flags + "g") }));

function stripChrome(s: string): string {
  return GLOBAL_CHROME.reduce((acc, c) => (acc.includes(c.hint) ? acc.replace(c.pattern, c.replacement) : acc), s);
}

function tidyWhitespace(s: string): string {
  let out = s.replace(/[\u200b-\u200f\u2060\ufeff\u00ad]/g, "").replace(/\u00a0/g, " ");
  // Rare in the corpus: a substring check is much cheaper than a regex scan.
  if (out.includes("&&")) out = out.replace(/&{2,}/g, ""); // the seed page pads infobox labels with runs of "&"
  if (out.includes("\r")) out = out.replace(/\r\n?/g, "\n");
  return trimNewlines(out.replace(/[ \t]+$/gm, "").replace(/\n{3,}/g, "\n\n"));
}

/** Drops leading and trailing line breaks; a regex anchored at the end would still scan the whole text. */
function trimNewlines(s: string): string {
  let from = 0;
  while (s[from] === "\n") from++;
  let to = s.length;
  while (to > from && s[to - 1] === "\n") to--;
  return s.slice(from, to);
}

function cleanOnce(s: string): string {
  return tidyWhitespace(stripChrome(stripMarkup(decodeEntities(s))));
}

/**
 * Repeat until nothing changes, so removals that expose new matches (an entity spelled across a
 * stripped tag, "&amp;nbsp;") are handled and cleanText(cleanText(x)) === cleanText(x).
 */
export function cleanText(text: string): string {
  let cur = text;
  for (let i = 0; i < 8; i++) {
    const next = cleanOnce(cur);
    if (next === cur) return next;
    cur = next;
  }
  return cur;
}
