import { parseChineseNumber } from "./numerals.js";

/**
 * The parts of a legal article: what comes before its numbered items (the lead-in, "有下列情形之一的，…："), the
 * items（一）（二）…, and what follows the last item. Items are recognised only as a sequence starting at（一）,
 * each at the start of a line or after a sentence mark, so a reference inside a sentence ("第二十条第（一）项") is
 * never an item.
 */
export interface ArticleItem {
  /** The marker as written: "（五）" or "(五)". */
  marker: string;
  n: number;
  /** The item's own text, marker excluded, trimmed. */
  text: string;
}

export interface ArticleParts {
  /** "第三十六条" when the text opens with it, else "". */
  heading: string;
  /** Text before the first item (heading excluded); the whole body when there are no items. */
  lead: string;
  items: ArticleItem[];
  /** Text after the last item (a further paragraph). */
  tail: string;
}

const HEADING = /^\s*(第[一二三四五六七八九十百零〇]+条)\s*/;
const ITEM = /(^|[\n：:；;。])[ \t\u3000]*([（(]([一二三四五六七八九十]{1,3})[）)])/g;

export function splitArticle(text: string): ArticleParts {
  const h = text.match(HEADING);
  const heading = h ? h[1] : "";
  const body = h ? text.slice(h[0].length) : text;
  const marks: Array<{ at: number; end: number; marker: string; n: number }> = [];
  ITEM.lastIndex = 0;
  for (let m = ITEM.exec(body); m; m = ITEM.exec(body)) {
    const n = parseChineseNumber(m[3]);
    const want = marks.length + 1;
    // Only the first run counted from（一）: a second list in a later paragraph stays in the tail.
    if (n !== want) {
      if (marks.length && n === 1) break;
      continue;
    }
    const at = m.index + m[1].length;
    marks.push({ at, end: at + (m[0].length - m[1].length), marker: m[2].trim(), n });
  }
  if (!marks.length) return { heading, lead: body.trim(), items: [], tail: "" };
  const items: ArticleItem[] = [];
  let tail = "";
  marks.forEach((mk, i) => {
    const next = marks[i + 1];
    let raw = body.slice(mk.end, next ? next.at : body.length);
    if (!next) {
      // The last item ends with its line; what follows is a further paragraph of the article.
      const nl = raw.search(/\n\s*\S/);
      if (nl >= 0) {
        tail = raw.slice(nl).trim();
        raw = raw.slice(0, nl);
      }
    }
    items.push({ marker: mk.marker, n: mk.n, text: raw.trim() });
  });
  return { heading, lead: body.slice(0, marks[0].at).trim(), items, tail };
}

/** "（五）" whatever bracket the source used: the form clause paths use. */
export function itemMarker(n: number): string {
  return `（${"一二三四五六七八九十"[n - 1] ?? String(n)}）`;
}

/** The numbering of a heading ("一、报告内容" → "一、", "（二）行政机关…" → "（二）", "1.属于…" → "1."), or "" when unnumbered. */
export function headingMarker(heading: string): string {
  const m = heading.match(/^\s*([一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d+[.．、])/);
  return m ? m[1].replace(/[(]/, "（").replace(/[)]/, "）").replace("．", ".") : "";
}
