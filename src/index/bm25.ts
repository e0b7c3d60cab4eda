import { countTerms, documentFrequencies, type TermCounts } from "../embed/termCounts.js";

/**
 * Okapi BM25 as a pure function over typed parameters, plus a small inverted index that uses it.
 */
export interface Bm25Params {
  /** Term-frequency saturation. */
  k1: number;
  /** Length normalization (0 = none, 1 = full). */
  b: number;
}

export const DEFAULT_BM25: Bm25Params = { k1: 1.2, b: 0.75 };

export function bm25(tf: number, df: number, n: number, docLen: number, avgLen: number, p: Bm25Params = DEFAULT_BM25): number {
  const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
  return (idf * (tf * (p.k1 + 1))) / (tf + p.k1 * (1 - p.b + (p.b * docLen) / avgLen));
}

/**
 * The index as stored: bm25.json holds the small part (parameters, terms), one binary file the numbers, so that
 * saving and loading 100k chunks' postings costs a copy rather than printing and parsing ~40M numbers as JSON.
 */
export interface Bm25Header {
  params: Bm25Params;
  /** Terms in the order of their posting lists. */
  terms: string[];
  docCount: number;
}

/**
 * Posting lists live in one Int32Array of [doc, tf] pairs, doc ascending within a term; term i's pairs are
 * pairs starts[i] … starts[i + 1] - 1. One allocation instead of one array per term.
 */
interface Bm25Data {
  params: Bm25Params;
  terms: string[];
  starts: Int32Array;
  postings: Int32Array;
  docLens: Int32Array;
}

export class Bm25Index {
  private readonly avgLen: number;
  private readonly termIndex: Map<string, number>;

  private constructor(private readonly data: Bm25Data) {
    let total = 0;
    for (const n of data.docLens) total += n;
    this.avgLen = data.docLens.length ? total / data.docLens.length : 1;
    this.termIndex = new Map(data.terms.map((t, i) => [t, i]));
  }

  static build(docs: string[][], params: Bm25Params = DEFAULT_BM25): Bm25Index {
    return Bm25Index.fromCounts(countTerms(docs), params);
  }

  /** From numbered term counts (ingest's path, and build's): counted, then filled in place. */
  static fromCounts(counts: TermCounts, params: Bm25Params = DEFAULT_BM25): Bm25Index {
    const df = documentFrequencies(counts);
    const starts = new Int32Array(df.length + 1);
    for (let id = 0; id < df.length; id++) starts[id + 1] = starts[id] + df[id];
    const postings = new Int32Array(starts[df.length] * 2);
    const fill = starts.slice(0, df.length);
    for (let d = 0; d < counts.size; d++)
      for (let k = counts.offsets[d]; k < counts.offsets[d + 1]; k++) {
        const at = fill[counts.ids[k]]++ * 2;
        postings[at] = d;
        postings[at + 1] = counts.tfs[k];
      }
    return new Bm25Index({ params, terms: counts.terms, starts, postings, docLens: Int32Array.from(counts.lengths) });
  }

  /** Header (JSON-safe) and numbers (starts, document lengths, postings, as one Int32 buffer). */
  serialize(): { header: Bm25Header; numbers: Int32Array } {
    const { params, terms, starts, postings, docLens } = this.data;
    const numbers = new Int32Array(starts.length + docLens.length + postings.length);
    numbers.set(starts, 0);
    numbers.set(docLens, starts.length);
    numbers.set(postings, starts.length + docLens.length);
    return { header: { params, terms, docCount: docLens.length }, numbers };
  }

  /** Inverse of serialize; throws RangeError when the numbers do not fit the header. */
  static deserialize(header: Bm25Header, numbers: Int32Array): Bm25Index {
    const nStarts = header.terms.length + 1;
    const starts = numbers.subarray(0, nStarts);
    const docLens = numbers.subarray(nStarts, nStarts + header.docCount);
    const postings = numbers.subarray(nStarts + header.docCount);
    if (starts.length !== nStarts || docLens.length !== header.docCount || postings.length !== starts[nStarts - 1] * 2)
      throw new RangeError(`BM25 numbers do not match the header (${numbers.length} values for ${header.terms.length} terms, ${header.docCount} documents)`);
    return new Bm25Index({ params: header.params, terms: header.terms, starts, postings, docLens });
  }

  get size(): number {
    return this.data.docLens.length;
  }

  /** [doc, tf, doc, tf, …] of `term`, doc ascending; empty when the term is unknown. */
  postingsOf(term: string): Int32Array {
    const i = this.termIndex.get(term);
    if (i === undefined) return EMPTY;
    return this.data.postings.subarray(this.data.starts[i] * 2, this.data.starts[i + 1] * 2);
  }

  /** Every indexed term. */
  get terms(): readonly string[] {
    return this.data.terms;
  }

  /** Number of documents containing `term`. */
  df(term: string): number {
    return this.postingsOf(term).length / 2;
  }

  /** Scores every document containing a query term; returns the top k as [docIndex, score]. */
  search(queryTerms: string[], k: number, weights?: Map<string, number>, filter?: (doc: number) => boolean): Array<[number, number]> {
    const n = this.data.docLens.length;
    const scores = new Float64Array(n);
    const touched: number[] = [];
    for (const term of new Set(queryTerms)) {
      const list = this.postingsOf(term);
      if (list.length === 0) continue;
      const df = list.length / 2;
      const w = weights?.get(term) ?? 1;
      for (let i = 0; i < list.length; i += 2) {
        const d = list[i];
        if (filter && !filter(d)) continue;
        if (scores[d] === 0) touched.push(d);
        scores[d] += w * bm25(list[i + 1], df, n, this.data.docLens[d], this.avgLen, this.data.params);
      }
    }
    return topK(touched, scores, k);
  }

  /**
   * The same scores, restricted to `rows` (ascending): looks each row up in the postings by binary search,
   * so a query scoped to one report costs the size of the report, not of the corpus.
   */
  searchWithin(queryTerms: string[], k: number, rows: number[], weights?: Map<string, number>): Array<[number, number]> {
    const n = this.data.docLens.length;
    const scores = new Map<number, number>();
    for (const term of new Set(queryTerms)) {
      const list = this.postingsOf(term);
      if (list.length === 0) continue;
      const df = list.length / 2;
      const w = weights?.get(term) ?? 1;
      for (const d of rows) {
        const tf = postingTf(list, d);
        if (tf === 0) continue;
        scores.set(d, (scores.get(d) ?? 0) + w * bm25(tf, df, n, this.data.docLens[d], this.avgLen, this.data.params));
      }
    }
    return [...scores.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, k);
  }
}

const EMPTY = new Int32Array(0);

/** Term frequency of `doc` in a flat [doc, tf, …] posting list sorted by doc (build order), or 0. */
function postingTf(list: Int32Array, doc: number): number {
  let lo = 0;
  let hi = list.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const d = list[mid * 2];
    if (d === doc) return list[mid * 2 + 1];
    if (d < doc) lo = mid + 1;
    else hi = mid - 1;
  }
  return 0;
}

/** The k best of the touched documents, best first (ties by document order), without sorting them all. */
function topK(touched: number[], scores: Float64Array, k: number): Array<[number, number]> {
  const better = (a: number, b: number) => scores[a] > scores[b] || (scores[a] === scores[b] && a < b);
  const heap: number[] = []; // min-heap of the current best k (root = worst)
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && better(heap[m], heap[l])) m = l;
      if (r < heap.length && better(heap[m], heap[r])) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  };
  const up = (i: number) => {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!better(heap[p], heap[i])) return;
      [heap[i], heap[p]] = [heap[p], heap[i]];
      i = p;
    }
  };
  for (const d of touched) {
    if (heap.length < k) {
      heap.push(d);
      up(heap.length - 1);
    } else if (k > 0 && better(d, heap[0])) {
      heap[0] = d;
      down(0);
    }
  }
  return heap.sort((a, b) => (better(a, b) ? -1 : 1)).map((d) => [d, scores[d]]);
}
