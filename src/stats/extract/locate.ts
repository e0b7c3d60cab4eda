/**
 * Locating template labels in report text that lost its layout: labels glued to numbers, split over lines,
 * with slips ("2.其他法律行政止公开"). Works on a normalized copy of a region (no whitespace, pipes,
 * Markdown marks or list punctuation; full-width parentheses and dots folded) with a map back to offsets.
 */

/** Characters dropped when normalizing (whitespace, pipes, Markdown marks, list punctuation, quotes). */
const DROP_CHARS = " \t\n\r\f\v\u00a0\u3000|#*、，,；;：:“”\"'‘’`>";
const FOLD: Record<string, string> = { "（": "(", "）": ")", "．": ".", "０": "0", "１": "1", "２": "2", "３": "3", "４": "4", "５": "5", "６": "6", "７": "7", "８": "8", "９": "9" };
/** Per UTF-16 code unit: 0 = keep, 1 = drop; folded characters are looked up only when flagged 2. */
const CLASS = new Uint8Array(65536);
for (const ch of DROP_CHARS) CLASS[ch.charCodeAt(0)] = 1;
for (const ch of Object.keys(FOLD)) CLASS[ch.charCodeAt(0)] = 2;

export interface Normalized {
  text: string;
  /** map[i] = offset in the original text of normalized character i. */
  map: Int32Array;
}

export function normalize(text: string, from = 0, to = text.length): Normalized {
  const map = new Int32Array(Math.max(0, to - from));
  let out = "";
  let n = 0;
  let runStart = from;
  // Copy runs of kept characters with one slice each; dropped or folded characters end a run.
  for (let i = from; i < to; i++) {
    const c = CLASS[text.charCodeAt(i)];
    if (c === 0) {
      map[n++] = i;
      continue;
    }
    if (i > runStart) out += text.slice(runStart, i);
    if (c === 2) {
      out += FOLD[text[i]];
      map[n++] = i;
    }
    runStart = i + 1;
  }
  if (to > runStart) out += text.slice(runStart, to);
  return { text: out, map: map.subarray(0, n) };
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
  if (at < 0 || at + needle.length > to) return null;
  const start = !p.needsPrefix && p.prefix ? backOverPrefix(n.text, at, p.prefix, from) : at;
  return { start, end: at + needle.length, exact: true };
}

function backOverPrefix(t: string, at: number, prefix: string, floor: number): number {
  if (at - prefix.length >= floor && t.startsWith(prefix, at - prefix.length)) return at - prefix.length;
  // "2、" lost its "、" in normalization: a bare number right before the words is still the numbering.
  const digits = /^\d+/.exec(prefix)?.[0];
  if (digits && at - digits.length >= floor && t.startsWith(digits, at - digits.length)) return at - digits.length;
  return at;
}

/**
 * Fuzzy search between two positions: the window most similar (share of the label's character bigrams,
 * Dice coefficient) to the label's words. Linear: one pass marks which positions start a label bigram,
 * prefix sums score every window. Only used for labels the exact pass did not find.
 */
export function findFuzzy(n: Normalized, p: LabelPattern, from: number, to: number, threshold = 0.6): Found | null {
  const core = p.core;
  if (core.length < 4 || to - from < 3) return null;
  const grams = new Set<string>();
  for (let i = 0; i + 1 < core.length; i++) grams.add(core.slice(i, i + 2));
  const aSize = core.length - 1;
  const t = n.text;
  // hit[i] = 1 when t[from+i..from+i+1] is a bigram of the label.
  const len = to - from;
  const prefix = new Int32Array(len + 1);
  for (let i = 0; i < len; i++) prefix[i + 1] = prefix[i] + (i + 1 < len && grams.has(t.slice(from + i, from + i + 2)) ? 1 : 0);
  let best: Found | null = null;
  let bestScore = threshold;
  for (let i = 0; i < len; i++) {
    if (prefix[i + 1] === prefix[i]) continue; // a match starts with a label bigram
    for (let w = Math.max(3, core.length - 4); w <= core.length + 2 && i + w <= len; w++) {
      const common = prefix[i + w - 1] - prefix[i];
      const score = (2 * common) / (aSize + w - 1);
      if (score > bestScore) {
        bestScore = score;
        const at = from + i;
        best = { start: p.prefix ? backOverPrefix(t, at, p.prefix, from) : at, end: at + w, exact: false };
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
