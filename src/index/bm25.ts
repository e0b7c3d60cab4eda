import { documentFrequencies, type TermCounts } from "../embed/termCounts.js";

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

export interface SerializedBm25 {
  params: Bm25Params;
  docLens: number[];
  /** term → flat [docIndex, tf, docIndex, tf, …] */
  postings: Record<string, number[]>;
}

export class Bm25Index {
  private readonly avgLen: number;

  constructor(private readonly data: SerializedBm25) {
    const total = data.docLens.reduce((a, b) => a + b, 0);
    this.avgLen = data.docLens.length ? total / data.docLens.length : 1;
  }

  static build(docs: string[][], params: Bm25Params = DEFAULT_BM25): Bm25Index {
    const postings: Record<string, number[]> = Object.create(null);
    const docLens: number[] = [];
    docs.forEach((terms, d) => {
      docLens.push(terms.length);
      const tf = new Map<string, number>();
      for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + 1);
      for (const [t, f] of tf) (postings[t] ??= []).push(d, f);
    });
    return new Bm25Index({ params, docLens, postings });
  }

  /** The same index from numbered term counts (ingest's path): each posting list is allocated once, at its final size. */
  static fromCounts(counts: TermCounts, params: Bm25Params = DEFAULT_BM25): Bm25Index {
    const df = documentFrequencies(counts);
    const lists: number[][] = Array.from(df, (n) => new Array<number>(2 * n));
    const fill = new Int32Array(df.length);
    for (let d = 0; d < counts.size; d++)
      for (let k = counts.offsets[d]; k < counts.offsets[d + 1]; k++) {
        const id = counts.ids[k];
        const list = lists[id];
        list[fill[id]++] = d;
        list[fill[id]++] = counts.tfs[k];
      }
    const postings: Record<string, number[]> = Object.create(null);
    counts.terms.forEach((term, id) => {
      if (df[id] > 0) postings[term] = lists[id];
    });
    return new Bm25Index({ params, docLens: Array.from(counts.lengths), postings });
  }

  get size(): number {
    return this.data.docLens.length;
  }

  /** Number of documents containing `term`. */
  df(term: string): number {
    return (this.data.postings[term]?.length ?? 0) / 2;
  }

  toJSON(): SerializedBm25 {
    return this.data;
  }

  /** Scores every document containing a query term; returns the top k as [docIndex, score]. */
  search(queryTerms: string[], k: number, weights?: Map<string, number>, filter?: (doc: number) => boolean): Array<[number, number]> {
    const n = this.data.docLens.length;
    const scores = new Float64Array(n);
    const touched: number[] = [];
    for (const term of new Set(queryTerms)) {
      const list = this.data.postings[term];
      if (!list) continue;
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
      const list = this.data.postings[term];
      if (!list) continue;
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

/** Term frequency of `doc` in a flat [doc, tf, …] posting list sorted by doc (build order), or 0. */
function postingTf(list: number[], doc: number): number {
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
