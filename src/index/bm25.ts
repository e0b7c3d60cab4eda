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
 * Posting lists are compressed in one byte array: per term, its [doc, tf] pairs, doc ascending, each pair as two
 * LEB128 varints — the gap from the previous doc (the first doc itself) and tf. About 3 bytes a posting instead of
 * 8; a list is decoded as it is scanned. Term i's bytes are body[starts[i] … starts[i + 1]), and it has dfs[i] pairs.
 */
interface Bm25Data {
  params: Bm25Params;
  terms: string[];
  starts: Uint32Array;
  dfs: Uint32Array;
  body: Uint8Array;
  docLens: Int32Array;
}

/** Appends varints to a growing byte array. */
class VarintWriter {
  bytes = new Uint8Array(1 << 16);
  length = 0;
  put(x: number): void {
    if (this.length + 5 > this.bytes.length) {
      const next = new Uint8Array(this.bytes.length * 2);
      next.set(this.bytes.subarray(0, this.length));
      this.bytes = next;
    }
    while (x >= 0x80) {
      this.bytes[this.length++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    this.bytes[this.length++] = x;
  }
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

  /** From numbered term counts (ingest's path, and build's): counted, filled in place, then compressed. */
  static fromCounts(counts: TermCounts, params: Bm25Params = DEFAULT_BM25): Bm25Index {
    const df = documentFrequencies(counts);
    const at = new Uint32Array(df.length + 1);
    for (let id = 0; id < df.length; id++) at[id + 1] = at[id] + df[id];
    const postings = new Int32Array(at[df.length] * 2);
    const fill = at.slice(0, df.length);
    for (let d = 0; d < counts.size; d++)
      for (let k = counts.offsets[d]; k < counts.offsets[d + 1]; k++) {
        const p = fill[counts.ids[k]]++ * 2;
        postings[p] = d;
        postings[p + 1] = counts.tfs[k];
      }
    const w = new VarintWriter();
    const starts = new Uint32Array(df.length + 1);
    for (let id = 0; id < df.length; id++) {
      starts[id] = w.length;
      let prev = 0;
      for (let p = at[id] * 2; p < at[id + 1] * 2; p += 2) {
        w.put(postings[p] - prev);
        w.put(postings[p + 1]);
        prev = postings[p];
      }
    }
    starts[df.length] = w.length;
    return new Bm25Index({ params, terms: counts.terms, starts, dfs: Uint32Array.from(df), body: w.bytes.slice(0, w.length), docLens: Int32Array.from(counts.lengths) });
  }

  /** Header (JSON-safe) and numbers (starts, dfs, document lengths, then the compressed postings packed 4 bytes a number). */
  serialize(): { header: Bm25Header; numbers: Int32Array } {
    const { params, terms, starts, dfs, docLens, body } = this.data;
    const head = starts.length + dfs.length + docLens.length;
    const numbers = new Int32Array(head + Math.ceil(body.length / 4));
    numbers.set(starts, 0);
    numbers.set(dfs, starts.length);
    numbers.set(docLens, starts.length + dfs.length);
    new Uint8Array(numbers.buffer, numbers.byteOffset + head * 4, body.length).set(body);
    return { header: { params, terms, docCount: docLens.length }, numbers };
  }

  /** Inverse of serialize; throws RangeError when the numbers do not fit the header. */
  static deserialize(header: Bm25Header, numbers: Int32Array): Bm25Index {
    const nTerms = header.terms.length;
    const head = nTerms + 1 + nTerms + header.docCount;
    if (numbers.length < head) throw new RangeError(`BM25 numbers do not match the header (${numbers.length} values for ${nTerms} terms, ${header.docCount} documents)`);
    const u = new Uint32Array(numbers.buffer, numbers.byteOffset, numbers.length);
    const starts = u.subarray(0, nTerms + 1);
    const dfs = u.subarray(nTerms + 1, 2 * nTerms + 1);
    const docLens = numbers.subarray(2 * nTerms + 1, head);
    const bodyLen = starts[nTerms];
    if (Math.ceil(bodyLen / 4) !== numbers.length - head)
      throw new RangeError(`BM25 numbers do not match the header (${numbers.length} values for ${nTerms} terms, ${header.docCount} documents, ${bodyLen} posting bytes)`);
    for (let i = 0; i < nTerms; i++) if (starts[i] > starts[i + 1]) throw new RangeError(`BM25 posting offsets decrease at term ${i}`);
    const body = new Uint8Array(numbers.buffer, numbers.byteOffset + head * 4, bodyLen);
    return new Bm25Index({ params: header.params, terms: header.terms, starts, dfs, body, docLens });
  }

  /** Each document's length in terms (BM25's |d|), by document number. */
  get docLengths(): Int32Array {
    return this.data.docLens;
  }

  get size(): number {
    return this.data.docLens.length;
  }

  /**
   * Calls `visit(doc, tf)` for every posting of term id `i`, doc ascending; stops early when it returns false.
   * A damaged list cannot read past its own bytes.
   */
  private scan(i: number, visit: (doc: number, tf: number) => boolean | void): void {
    const body = this.data.body;
    const end = this.data.starts[i + 1];
    let at = this.data.starts[i];
    let doc = 0;
    while (at < end) {
      let gap = 0;
      for (let shift = 0; at < end; shift += 7) {
        const b = body[at++];
        gap += (b & 0x7f) * 2 ** shift;
        if (b < 0x80) break;
      }
      let tf = 0;
      for (let shift = 0; at < end; shift += 7) {
        const b = body[at++];
        tf += (b & 0x7f) * 2 ** shift;
        if (b < 0x80) break;
      }
      doc += gap;
      if (visit(doc, tf) === false) return;
    }
  }

  /** [doc, tf, doc, tf, …] of `term`, doc ascending; empty when the term is unknown. */
  postingsOf(term: string): Int32Array {
    const i = this.termIndex.get(term);
    if (i === undefined) return EMPTY;
    const out = new Int32Array(this.data.dfs[i] * 2);
    let k = 0;
    this.scan(i, (d, tf) => {
      if (k >= out.length) return false;
      out[k++] = d;
      out[k++] = tf;
    });
    return out;
  }

  /** Every indexed term. */
  get terms(): readonly string[] {
    return this.data.terms;
  }

  /** Number of documents containing `term`. */
  df(term: string): number {
    const i = this.termIndex.get(term);
    return i === undefined ? 0 : this.data.dfs[i];
  }

  /** Scores every document containing a query term; returns the top k as [docIndex, score]. */
  search(queryTerms: string[], k: number, weights?: Map<string, number>, filter?: (doc: number) => boolean): Array<[number, number]> {
    const n = this.data.docLens.length;
    const scores = new Float64Array(n);
    const touched: number[] = [];
    for (const term of new Set(queryTerms)) {
      const i = this.termIndex.get(term);
      if (i === undefined || this.data.dfs[i] === 0) continue;
      const df = this.data.dfs[i];
      const w = weights?.get(term) ?? 1;
      this.scan(i, (d, tf) => {
        if (d >= n || (filter && !filter(d))) return;
        if (scores[d] === 0) touched.push(d);
        scores[d] += w * bm25(tf, df, n, this.data.docLens[d], this.avgLen, this.data.params);
      });
    }
    return topK(touched, scores, k);
  }

  /**
   * The same scores, restricted to `rows` (ascending): each list is walked beside the rows and left as soon as it
   * passes the last one, so a query scoped to one report rarely decodes a whole list.
   */
  searchWithin(queryTerms: string[], k: number, rows: number[], weights?: Map<string, number>): Array<[number, number]> {
    const n = this.data.docLens.length;
    const scores = new Map<number, number>();
    if (!rows.length) return [];
    const last = rows[rows.length - 1];
    for (const term of new Set(queryTerms)) {
      const i = this.termIndex.get(term);
      if (i === undefined || this.data.dfs[i] === 0) continue;
      const df = this.data.dfs[i];
      const w = weights?.get(term) ?? 1;
      let r = 0;
      this.scan(i, (d, tf) => {
        if (d > last) return false;
        while (r < rows.length && rows[r] < d) r++;
        if (r === rows.length) return false;
        if (rows[r] !== d || d >= n) return;
        scores.set(d, (scores.get(d) ?? 0) + w * bm25(tf, df, n, this.data.docLens[d], this.avgLen, this.data.params));
      });
    }
    return [...scores.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, k);
  }
}

const EMPTY = new Int32Array(0);

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
