import { bigramTokenizer, CJK_FIRST, CJK_LAST, DEFAULT_ANALYZER, prefixed, type AnalyzerOptions } from "./tokenize.js";

/**
 * Ingest analyzes every chunk once and hands the result to three consumers: corpus statistics, the hashing
 * embedder and BM25. At 100k chunks, string term lists and one Map per chunk kept the CPU busy with hashing
 * strings and the garbage collector busy with the maps, so terms are numbered here, once, and each text
 * becomes its distinct term ids with their counts. The terms are exactly those `analyze` produces
 * (test/embed/termCounts.test.ts compares the two on the corpus), so queries analyzed with `analyze` meet them.
 */
export interface TermCounts {
  /** Term of each id, spelled as `analyze` spells it. */
  terms: string[];
  /** Number of texts. */
  size: number;
  /** Text i's distinct term ids are ids[offsets[i]] … ids[offsets[i + 1] - 1] (first-seen order); tfs holds their counts. */
  offsets: Uint32Array;
  ids: Int32Array;
  tfs: Int32Array;
  /** Terms per text, repeats included (BM25's document length). */
  lengths: Uint32Array;
}

/** Grows by doubling; avoids a JS array per text. */
class IntBuffer {
  data: Int32Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Int32Array(capacity);
  }
  /** Makes room for `n` more values, so the caller may write data[length …] directly. */
  reserve(n: number): void {
    if (this.length + n <= this.data.length) return;
    const next = new Int32Array(Math.max(this.data.length * 2, this.length + n));
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }
  push(x: number): void {
    if (this.length === this.data.length) this.reserve(1);
    this.data[this.length++] = x;
  }
}

const DROPPED = -1;
const CJK_SPAN = CJK_LAST - CJK_FIRST + 1;

export class TermCounter {
  private readonly vocab = new Map<string, number>();
  /**
   * Bigrams keyed by the offsets of their two characters in the CJK block, so no string is built for a bigram
   * seen before, and the key stays a small integer (V8 hashes those fastest).
   */
  private readonly bigrams = new Map<number, number>();
  /** Per tokenizer: raw token → term id (or DROPPED), so each distinct token is processed once. */
  private readonly tokenIds: Array<Map<string, number>> = [];
  private readonly terms: string[] = [];
  private readonly lines = new Map<string, Int32Array>();
  private readonly current = new IntBuffer();
  private readonly ids = new IntBuffer(1 << 16);
  private readonly tfs = new IntBuffer(1 << 16);
  private readonly offsets: number[] = [0];
  /** Scratch counts per term id, all zero between texts. */
  private tf = new Int32Array(1024);
  private readonly lengths: number[] = [];

  constructor(private readonly analyzer: AnalyzerOptions = DEFAULT_ANALYZER) {}

  /**
   * Adds one text: `body` plus its `context` lines (a chunk's title and section path), counted as if
   * `[...context, body].join("\n")` had been analyzed — no word or bigram spans a line break. Context lines
   * repeat across chunks (a title on every chunk of a report, "一、总体情况" in most reports), so each distinct
   * line is analyzed once.
   */
  add(body: string, context: readonly string[] = []): void {
    const cur = this.current;
    cur.length = 0;
    for (const line of context) {
      let ids = this.lines.get(line);
      if (!ids) {
        const from = cur.length;
        this.analyzeInto(line, cur);
        ids = cur.data.slice(from, cur.length);
        this.lines.set(line, ids);
      } else {
        cur.reserve(ids.length);
        cur.data.set(ids, cur.length);
        cur.length += ids.length;
      }
    }
    this.analyzeInto(body, cur);
    this.commit();
  }

  /** Adds one text already split into terms (used as they are: no analyzer, no term processing). */
  addTerms(terms: readonly string[]): void {
    const cur = this.current;
    cur.length = 0;
    for (const t of terms) cur.push(this.id(t));
    this.commit();
  }

  /** Counts the current text's terms into ids/tfs. */
  private commit(): void {
    const cur = this.current;
    const n = cur.length;
    // Counting through a per-id array instead of sorting: linear, and the order of a text's terms is not used.
    if (this.tf.length < this.terms.length) {
      const next = new Int32Array(Math.max(this.terms.length, this.tf.length * 2));
      next.set(this.tf);
      this.tf = next;
    }
    const tf = this.tf;
    this.ids.reserve(n);
    this.tfs.reserve(n);
    const ids = this.ids.data;
    const tfs = this.tfs.data;
    const start = this.ids.length;
    let m = start;
    for (let i = 0; i < n; i++) {
      const id = cur.data[i];
      if (tf[id]++ === 0) ids[m++] = id;
    }
    for (let k = start; k < m; k++) {
      tfs[k] = tf[ids[k]];
      tf[ids[k]] = 0;
    }
    this.ids.length = this.tfs.length = m;
    this.offsets.push(m);
    this.lengths.push(n);
  }

  result(): TermCounts {
    return {
      terms: this.terms,
      size: this.lengths.length,
      offsets: Uint32Array.from(this.offsets),
      ids: this.ids.data.slice(0, this.ids.length),
      tfs: this.tfs.data.slice(0, this.tfs.length),
      lengths: Uint32Array.from(this.lengths),
    };
  }

  private id(term: string): number {
    let id = this.vocab.get(term);
    if (id === undefined) {
      id = this.terms.length;
      this.terms.push(term);
      this.vocab.set(term, id);
    }
    return id;
  }

  private analyzeInto(text: string, out: IntBuffer): void {
    const { tokenizers, processTerm } = this.analyzer;
    tokenizers.forEach((tok, k) => {
      if (tok === bigramTokenizer) return this.bigramsInto(text, k, out);
      const cache = (this.tokenIds[k] ??= new Map());
      for (const raw of tok(text)) {
        let id = cache.get(raw);
        if (id === undefined) {
          const t = processTerm(raw);
          id = t === null ? DROPPED : this.id(k === 0 ? t : prefixed(k, t));
          cache.set(raw, id);
        }
        if (id !== DROPPED) out.push(id);
      }
    });
  }

  /** bigramTokenizer's terms (pairs inside runs of CJK characters), read straight from the UTF-16 units. */
  private bigramsInto(text: string, k: number, out: IntBuffer): void {
    const { processTerm } = this.analyzer;
    let prev = -1;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i) - CJK_FIRST;
      if (c < 0 || c >= CJK_SPAN) {
        prev = -1;
        continue;
      }
      if (prev >= 0) {
        const key = prev * CJK_SPAN + c;
        let id = this.bigrams.get(key);
        if (id === undefined) {
          const t = processTerm(String.fromCharCode(prev + CJK_FIRST, c + CJK_FIRST));
          id = t === null ? DROPPED : this.id(k === 0 ? t : prefixed(k, t));
          this.bigrams.set(key, id);
        }
        if (id !== DROPPED) out.push(id);
      }
      prev = c;
    }
  }
}

/** Counts of texts already split into terms. */
export function countTerms(termLists: readonly (readonly string[])[]): TermCounts {
  const counter = new TermCounter();
  for (const terms of termLists) counter.addTerms(terms);
  return counter.result();
}

/** Number of texts containing each term id. */
export function documentFrequencies(counts: TermCounts): Int32Array {
  const df = new Int32Array(counts.terms.length);
  for (let i = 0; i < counts.ids.length; i++) df[counts.ids[i]]++;
  return df;
}
