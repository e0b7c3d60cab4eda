/**
 * Locating template labels in report text that lost its layout: labels glued to numbers, split over lines,
 * with slips ("2.其他法律行政止公开"). Works on a normalized copy of a region (no whitespace, pipes,
 * Markdown marks or list punctuation; full-width parentheses and dots folded) with a map back to offsets.
 */

const DROP = /[\s|#*、，,；;：:“”"'‘’`>\u3000]/;
const FOLD: Record<string, string> = { "（": "(", "）": ")", "．": ".", "０": "0", "１": "1", "２": "2", "３": "3", "４": "4", "５": "5", "６": "6", "７": "7", "８": "8", "９": "9" };

export interface Normalized {
  text: string;
  /** map[i] = offset in the original text of normalized character i. */
  map: number[];
}

export function normalize(text: string, from = 0, to = text.length): Normalized {
  let out = "";
  const map: number[] = [];
  for (let i = from; i < to; i++) {
    const ch = text[i];
    if (DROP.test(ch)) continue;
    out += FOLD[ch] ?? ch;
    map.push(i);
  }
  return { text: out, map };
}

export function normLabel(s: string): string {
  return normalize(s).text;
}

const PREFIX = /^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d+[.．、])\s*/;

/** A template label split into its numbering ("2.") and its words, for searching. */
export interface LabelPattern {
  /** Normalized numbering, e.g. "2." or "(七)" or "二"; "" when none. */
  prefix: string;
  /** Normalized words searched for (the label without numbering and trailing parenthetical). */
  core: string;
  /** Whether the numbering must be present to accept a match (short, ambiguous words such as "其他"). */
  needsPrefix: boolean;
}

export function labelPattern(label: string): LabelPattern {
  const m = PREFIX.exec(label);
  const prefix = m ? normLabel(m[0]) : "";
  let rest = m ? label.slice(m[0].length) : label;
  // "（二）部分公开（区分处理的，只计这一情形，不计其他情形）" → "部分公开"
  rest = rest.replace(/[（(][^（()）]{4,}[）)]\s*$/, "");
  const core = normLabel(rest);
  return { prefix, core, needsPrefix: core.length <= 3 && prefix !== "" };
}

export interface Found {
  /** Normalized offsets: start (numbering included when present) and end of the words. */
  start: number;
  end: number;
  exact: boolean;
}

/** Exact search for a label after `from` (normalized offsets), backing up over its numbering when present. */
export function findExact(n: Normalized, p: LabelPattern, from: number, to: number): Found | null {
  const needle = p.needsPrefix ? p.prefix + p.core : p.core;
  let at = n.text.indexOf(needle, from);
  while (at >= 0 && at + needle.length <= to) {
    let start = at;
    if (!p.needsPrefix && p.prefix) start = backOverPrefix(n.text, at, p.prefix, from);
    return { start, end: at + needle.length, exact: true };
  }
  return null;
}

function backOverPrefix(t: string, at: number, prefix: string, floor: number): number {
  if (at - prefix.length >= floor && t.startsWith(prefix, at - prefix.length)) return at - prefix.length;
  // "2、" lost its "、" in normalization: a bare number right before the words is still the numbering.
  const digits = /^\d+/.exec(prefix)?.[0];
  if (digits && at - digits.length >= floor && t.startsWith(digits, at - digits.length)) return at - digits.length;
  return at;
}

function bigrams(s: string): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i + 1 < s.length; i++) {
    const b = s.slice(i, i + 2);
    m.set(b, (m.get(b) ?? 0) + 1);
  }
  return m;
}

function dice(a: Map<string, number>, aSize: number, s: string): number {
  const b = bigrams(s);
  let common = 0;
  for (const [k, v] of b) common += Math.min(v, a.get(k) ?? 0);
  return (2 * common) / (aSize + Math.max(0, s.length - 1));
}

/**
 * Fuzzy search between two positions: the window most similar (character bigrams) to the label's words.
 * Only used for labels the exact pass did not find, between the neighbours it did find.
 */
export function findFuzzy(n: Normalized, p: LabelPattern, from: number, to: number, threshold = 0.6): Found | null {
  const core = p.core;
  if (core.length < 4) return null;
  const a = bigrams(core);
  const aSize = core.length - 1;
  let best: Found | null = null;
  let bestScore = threshold;
  const t = n.text;
  for (let i = from; i < to; i++) {
    if (/\d/.test(t[i])) continue;
    for (let len = Math.max(3, core.length - 4); len <= core.length + 2; len++) {
      if (i + len > to) break;
      const w = t.slice(i, i + len);
      const score = dice(a, aSize, w);
      if (score > bestScore) {
        bestScore = score;
        best = { start: p.prefix ? backOverPrefix(t, i, p.prefix, from) : i, end: i + len, exact: false };
      }
    }
  }
  if (best) {
    // Do not swallow digits at the end of the window (they belong to the row's numbers).
    while (best.end > best.start && /[\d.]/.test(t[best.end - 1])) best.end--;
  }
  return best;
}

/** Locates labels in template order: exact pass first, then fuzzy search for the rest between found neighbours. */
export function locateInOrder(n: Normalized, patterns: LabelPattern[], from = 0, to = n.text.length): Array<Found | null> {
  const found: Array<Found | null> = new Array(patterns.length).fill(null);
  let cursor = from;
  for (let i = 0; i < patterns.length; i++) {
    const f = findExact(n, patterns[i], cursor, to);
    if (f) {
      found[i] = f;
      cursor = f.end;
    }
  }
  for (let i = 0; i < patterns.length; i++) {
    if (found[i]) continue;
    let lo = from;
    for (let j = i - 1; j >= 0; j--) if (found[j]) { lo = found[j]!.end; break; }
    let hi = to;
    for (let j = i + 1; j < patterns.length; j++) if (found[j]) { hi = found[j]!.start; break; }
    if (hi - lo > 2000) hi = lo + 2000;
    const f = findFuzzy(n, patterns[i], lo, hi);
    if (f) found[i] = f;
  }
  return found;
}
