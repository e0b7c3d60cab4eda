/**
 * The numbers after a row label: tokens separated by spaces or pipes ("0 0 00 0 121", "| 21 | 0 |"),
 * glued digit runs ("640020470"), decimals ("7730.28") and placeholders for empty cells ("-", "—", "/").
 */

export interface NumToken {
  /** "int": digits that may hold several glued cells; "dec": one decimal value; "empty": a placeholder. */
  kind: "int" | "dec" | "empty";
  /** Digits (int), the decimal text (dec) or the placeholder. A leading "-" marks a negative first cell. */
  text: string;
  neg: boolean;
  start: number;
  end: number;
}

export interface NumSegment {
  tokens: NumToken[];
  start: number;
  end: number;
  /**
   * Each token is exactly one cell (never split): pipes separate the numbers (an empty field is an empty cell), or
   * every number stands on its own line (a page whose table cells became one line each).
   */
  atomic: boolean;
  /**
   * One number per line with empty lines kept: `emptyLine[i]` tells whether an empty line (one or more empty cells)
   * stands before token i; the last entry, after the last token. Absent when the numbers are not one per line or no
   * empty line is among them.
   */
  emptyLine?: boolean[];
}

const SEP = /[ \t\u00a0\u3000|]/;
const EMPTY_MARK = /[-—－/／]/;

/**
 * All maximal numeric segments in text[from, to): runs of tokens joined only by separators (spaces, tabs,
 * pipes; line breaks too when the row continues on the next line). A Markdown rule line ("|---|") ends a segment.
 */
export function numericSegments(text: string, from: number, to: number): NumSegment[] {
  const segs: NumSegment[] = [];
  let cur: NumToken[] = [];
  let segStart = -1;
  let segEnd = -1;
  let piped = false;
  // Inside a segment: a pipe seen on this line with no token after it yet ("5 |  | 0": the middle is empty).
  let openPipe = false;
  // Every gap between two tokens so far holds a line break (one number per line).
  let perLine = true;
  let brokeLine = false;
  // Line breaks since the last token (or since `from`), and whether each gap held an empty line.
  let breaks = 0;
  let empties: boolean[] = [];
  const close = () => {
    if (cur.some((t) => t.kind !== "empty")) {
      const byLine = !piped && perLine && cur.length > 1;
      const emptyLine = [...empties, breaks >= 2];
      // Empty lines tell where empty cells stand only when some stands between two numbers (else they are breaks).
      segs.push({ tokens: cur, start: segStart, end: segEnd, atomic: piped || byLine, ...(byLine && emptyLine.slice(1, -1).some(Boolean) ? { emptyLine } : {}) });
    }
    cur = [];
    segStart = -1;
    piped = false;
    openPipe = false;
    perLine = true;
    brokeLine = false;
    breaks = 0;
    empties = [];
  };
  const gap = () => {
    if (cur.length && !brokeLine) perLine = false;
    brokeLine = false;
    empties.push(breaks >= 2);
    breaks = 0;
  };
  let i = from;
  while (i < to) {
    const ch = text[i];
    if (ch >= "0" && ch <= "9") {
      let j = i;
      while (j < to && text[j] >= "0" && text[j] <= "9") j++;
      let kind: NumToken["kind"] = "int";
      if (j + 1 < to && text[j] === "." && text[j + 1] >= "0" && text[j + 1] <= "9") {
        j++;
        while (j < to && text[j] >= "0" && text[j] <= "9") j++;
        kind = "dec";
      }
      // "2." / "3、" right before a label is that label's numbering, not a number: caller cuts it off by span.
      const neg = i > from && (text[i - 1] === "-" || text[i - 1] === "－");
      const start = neg ? i - 1 : i;
      if (segStart < 0) segStart = start;
      gap();
      cur.push({ kind, text: text.slice(i, j), neg, start, end: j });
      segEnd = j;
      openPipe = false;
      i = j;
      continue;
    }
    if (ch === "|") {
      if (segStart >= 0) {
        piped = true;
        if (openPipe) {
          cur.push({ kind: "empty", text: "", neg: false, start: i, end: i });
          segEnd = i;
        }
      }
      openPipe = true;
      i++;
      continue;
    }
    if (ch === "\n" || ch === "\r") {
      openPipe = false;
      brokeLine = true;
      if (ch === "\n") breaks++;
      i++;
      continue;
    }
    if (SEP.test(ch)) {
      i++;
      continue;
    }
    if (EMPTY_MARK.test(ch)) {
      // A lone dash between separators is an empty cell; "---" is a Markdown rule; "-5" is a sign.
      const prev = text[i - 1] ?? " ";
      const next = text[i + 1] ?? " ";
      const lone = (SEP.test(prev) || prev === "\n") && (SEP.test(next) || next === "\n" || i + 1 >= to);
      if (lone) {
        if (segStart < 0) segStart = i;
        gap();
        cur.push({ kind: "empty", text: ch, neg: false, start: i, end: i + 1 });
        segEnd = i + 1;
        openPipe = false;
        i++;
        continue;
      }
      if (next >= "0" && next <= "9" && (ch === "-" || ch === "－")) {
        i++;
        continue;
      }
    }
    close();
    i++;
  }
  close();
  return segs;
}

/** The segment holding a row's numbers: the one with most tokens, then most digits (headers carry stray digits). */
export function bestSegment(segs: NumSegment[]): NumSegment | null {
  let best: NumSegment | null = null;
  let bestKey = -1;
  for (const s of segs) {
    const digits = s.tokens.reduce((a, t) => a + t.text.length, 0);
    const key = s.tokens.length * 1000 + digits;
    if (key > bestKey) {
      best = s;
      bestKey = key;
    }
  }
  return best;
}

/** One way of reading a row's tokens as cells: value per cell (null = empty placeholder) and its span. */
export interface Split {
  values: Array<number | null>;
  spans: Array<[number, number]>;
}

/**
 * Every way to read the tokens as exactly `n` cells: a token holds one or more whole cells (spaces are hard
 * boundaries); a cell has 1..maxDigits[k] digits and no leading zero unless it is "0"; a decimal or a
 * placeholder is one cell. Returns null when there are more than `cap` ways.
 */
export function enumerateSplits(tokens: NumToken[], n: number, maxDigits: number[], cap = 20000, sumCells?: boolean[]): Split[] | null {
  // A row whose last cell is the sum of all the others (表三): try each possible total at the end of the
  // last token, then read the rest as parts adding up to it — parts never exceed the total, which prunes hard.
  if (sumCells && n > 1 && sumCells[n - 1] && sumCells.slice(0, -1).every((f) => !f) && tokens.length < n && tokens.every((t) => t.kind === "int" && !t.neg)) {
    const last = tokens[tokens.length - 1];
    const out: Split[] = [];
    for (let len = 1; len <= Math.min(maxDigits[n - 1] ?? 5, last.text.length); len++) {
      const suffix = last.text.slice(last.text.length - len);
      if (len > 1 && suffix[0] === "0") continue;
      const head = last.text.length > len ? [{ ...last, text: last.text.slice(0, last.text.length - len), end: last.end - len }] : [];
      const rest = [...tokens.slice(0, -1), ...head];
      if (rest.length === 0) continue;
      const parts = enumerateSums(rest, n - 1, maxDigits, cap - out.length, Number(suffix));
      if (parts === null) return null;
      for (const p of parts) out.push({ values: [...p.values, Number(suffix)], spans: [...p.spans, [last.end - len, last.end]] });
    }
    return out;
  }
  return enumerateSums(tokens, n, maxDigits, cap, undefined, sumCells);
}

function enumerateSums(tokens: NumToken[], n: number, maxDigits: number[], cap: number, target?: number, sumCells?: boolean[]): Split[] | null {
  const targetLen = target === undefined ? Infinity : String(target).length;
  let running = 0;
  // As many tokens as cells: each token is one cell, whatever its length (spaces are hard boundaries).
  if (tokens.length === n) {
    const vals = tokens.map((t) => (t.kind === "empty" ? null : (t.neg ? -1 : 1) * Number(t.text)));
    if (target !== undefined && vals.reduce<number>((a, v) => a + (v ?? 0), 0) !== target) return [];
    return [{ values: vals, spans: tokens.map((t) => [t.start, t.end] as [number, number]) }];
  }
  if (sumCells && tokens.some((t) => t.kind !== "int" || t.neg)) sumCells = undefined;
  const out: Split[] = [];
  const values: Array<number | null> = [];
  const spans: Array<[number, number]> = [];
  // Sum mode: a flagged cell is the sum of the cells since the previous flagged one, so its digits are
  // forced once the parts are read — most readings die at the first total that does not match.
  let groupSum = 0;
  const totalDigits = tokens.reduce((a, t) => a + (t.kind === "int" ? t.text.length : 0), 0);
  const maxAll = Math.max(...maxDigits, 1);
  let consumed = 0;
  // Minimum cells still needed by tokens from index t on (each token holds at least one).
  const minLeft = tokens.map((_, t) => tokens.length - t);
  let overflow = false;
  const rec = (t: number, pos: number) => {
    if (overflow) return;
    if (t === tokens.length) {
      if (values.length === n && (target === undefined || running === target)) {
        out.push({ values: values.slice(), spans: spans.slice() });
        if (out.length > cap) overflow = true;
      }
      return;
    }
    const tok = tokens[t];
    const cellsLeft = n - values.length;
    if (cellsLeft < minLeft[t]) return;
    if (target !== undefined) {
      // The remaining digits cannot add up to what the target still needs.
      const remaining = totalDigits - consumed;
      const bound = 10 ** Math.max(0, remaining - cellsLeft + 1) + 9 * cellsLeft;
      if (running + bound < target) return;
    }
    if (tok.kind === "dec") {
      // "39573802895.90": glued cells before the decimal point, the last cell carries the fraction.
      const dot = tok.text.indexOf(".");
      const intPart = tok.text.slice(0, dot);
      const base = tok.start + (tok.neg ? 1 : 0);
      const k = values.length;
      const max = maxDigits[k] ?? 5;
      const rest = intPart.length - pos;
      for (let len = 1; len <= Math.min(rest, pos + len === intPart.length ? 14 : max); len++) {
        const piece = intPart.slice(pos, pos + len);
        if (len > 1 && piece[0] === "0") break;
        const last = pos + len === intPart.length;
        const sign = tok.neg && pos === 0 ? -1 : 1;
        values.push(sign * Number(last ? piece + tok.text.slice(dot) : piece));
        spans.push([pos === 0 ? tok.start : base + pos, last ? tok.end : base + pos + len]);
        if (last) rec(t + 1, 0);
        else if (values.length < n) rec(t, pos + len);
        values.pop();
        spans.pop();
        if (overflow) return;
      }
      return;
    }
    if (tok.kind !== "int") {
      if (pos !== 0) return;
      values.push(tok.kind === "empty" ? null : (tok.neg ? -1 : 1) * Number(tok.text));
      spans.push([tok.start, tok.end]);
      rec(t + 1, 0);
      values.pop();
      spans.pop();
      return;
    }
    const digits = tok.text;
    const k = values.length;
    if (k >= n) return;
    if (totalDigits - consumed > cellsLeft * maxAll) return;
    const max = Math.min(maxDigits[k] ?? 5, targetLen);
    const rest = digits.length - pos;
    const isSum = sumCells?.[k] === true;
    let lo = 1;
    let hi = Math.min(max, rest);
    if (isSum) {
      const need = String(groupSum).length;
      if (need > hi || !digits.startsWith(String(groupSum), pos)) return;
      lo = hi = need;
    }
    for (let len = lo; len <= hi; len++) {
      const piece = digits.slice(pos, pos + len);
      if (len > 1 && piece[0] === "0") break;
      const negative = tok.neg && pos === 0;
      const v = (negative ? -1 : 1) * Number(piece);
      values.push(v);
      const base = tok.start + (tok.neg ? 1 : 0);
      spans.push([pos === 0 ? tok.start : base + pos, base + pos + len]);
      if (target !== undefined && running + v > target) {
        values.pop();
        spans.pop();
        break;
      }
      const savedSum = groupSum;
      groupSum = isSum ? 0 : groupSum + v;
      consumed += len;
      running += v;
      if (pos + len === digits.length) rec(t + 1, 0);
      else rec(t, pos + len);
      running -= v;
      consumed -= len;
      groupSum = savedSum;
      values.pop();
      spans.pop();
      if (overflow) return;
    }
  };
  rec(0, 0);
  return overflow ? null : out;
}

/**
 * Readings of a row whose numbers are fewer than its cells (a page that left empty cells out): the numbers keep
 * their order, each token holds one cell (atomic) or one or more glued cells, and the cells no number fills are
 * empty, read as 0 (a count table's empty cell). `blank[i]` marks them. Null when there are more than `cap`.
 */
export function enumerateWithBlanks(tokens: NumToken[], n: number, maxDigits: number[], atomic: boolean, cap = 20000, emptyLine?: boolean[]): Array<Split & { blank: boolean[] }> | null {
  const out: Array<Split & { blank: boolean[] }> = [];
  const values: Array<number | null> = [];
  const spans: Array<[number, number]> = [];
  const blank: boolean[] = [];
  // Empty cells placed before token t so far (one number per line with empty lines kept: there must be some exactly
  // where an empty line stands).
  const before = new Array<number>(tokens.length + 1).fill(0);
  // Between two numbers an empty line is an empty cell; before the first or after the last it may be a paragraph's
  // break as well, so there it only allows empty cells.
  const edge = (t: number) => t === 0 || t === tokens.length;
  const gapOk = (t: number) => !emptyLine || (emptyLine[t] ? before[t] > 0 || edge(t) : before[t] === 0);
  let overflow = false;
  const rec = (t: number, pos: number) => {
    if (overflow) return;
    const k = values.length;
    if (k === n) {
      if (t === tokens.length && gapOk(t)) {
        out.push({ values: values.slice(), spans: spans.slice(), blank: blank.slice() });
        if (out.length > cap) overflow = true;
      }
      return;
    }
    // Cells still needed by the tokens left (each holds at least one).
    if (tokens.length - t - (pos > 0 ? 1 : 0) > n - k) return;
    // An empty cell here (only between whole cells, never inside a number).
    const at = t < tokens.length ? (pos === 0 ? tokens[t].start : tokens[t].start + pos) : tokens.length ? tokens[tokens.length - 1].end : 0;
    if (!emptyLine || (pos === 0 && emptyLine[t]) || (pos === 0 && edge(t) && emptyLine[t])) {
      values.push(0);
      spans.push([at, at]);
      blank.push(true);
      before[t]++;
      rec(t, pos);
      before[t]--;
      values.pop();
      spans.pop();
      blank.pop();
    }
    if (t === tokens.length || overflow) return;
    if (pos === 0 && !gapOk(t)) return;
    const tok = tokens[t];
    if (tok.kind !== "int" || atomic) {
      if (pos !== 0) return;
      values.push(tok.kind === "empty" ? null : (tok.neg ? -1 : 1) * Number(tok.text));
      spans.push([tok.start, tok.end]);
      blank.push(false);
      rec(t + 1, 0);
      values.pop();
      spans.pop();
      blank.pop();
      return;
    }
    const digits = tok.text;
    const base = tok.start + (tok.neg ? 1 : 0);
    for (let len = 1; len <= Math.min(maxDigits[k] ?? 5, digits.length - pos); len++) {
      const piece = digits.slice(pos, pos + len);
      if (len > 1 && piece[0] === "0") break;
      values.push((tok.neg && pos === 0 ? -1 : 1) * Number(piece));
      spans.push([pos === 0 ? tok.start : base + pos, base + pos + len]);
      blank.push(false);
      if (pos + len === digits.length) rec(t + 1, 0);
      else rec(t, pos + len);
      values.pop();
      spans.pop();
      blank.pop();
      if (overflow) return;
    }
  };
  rec(0, 0);
  return overflow ? null : out;
}

/** How many cells the numbers can fill at most: one per atomic token, one per digit of a glued run. */
export function maxCells(tokens: NumToken[], atomic: boolean): number {
  return tokens.reduce((a, t) => a + (t.kind === "int" && !atomic ? t.text.length : 1), 0);
}
