import { embedIdsInto, slotsOfTerms, sublinearTf, type CountedSlots, type HashStats } from "../embed/hashing.js";
import type { TermCounts } from "../embed/termCounts.js";
import { IndexStoreError } from "../errors.js";

/**
 * Every chunk's full embedding, as the exact re-rank and exact scoped searches read them (row = chunk row).
 *
 * Two ways to hold them. Learned embeddings (an embeddings server) are stored as they are (vectors.f32,
 * float32 row-major). The built-in hashing embedder's vectors are a function of a chunk's terms and the
 * corpus statistics, so only the terms are stored (terms.bin: each chunk's term ids and counts, varint-coded,
 * ~4 bytes per distinct term instead of 3 KB of floats per chunk) and a row is recomputed when it is asked for —
 * bit for bit the vector ingest computed (hashing.ts embedIdsInto is the one accumulation both use).
 */
export interface RowVectors {
  readonly kind: "f32" | "terms";
  readonly dim: number;
  readonly size: number;
  /** Row `r`'s vector; the returned array may be reused by the next call. */
  row(r: number): Float32Array;
  /** Row `r`'s vector · `query`: exactly what summing row(r)[i] * query[i] over i gives. */
  dot(r: number, query: ArrayLike<number>): number;
  /** The bytes of the file that stores them (vectors.f32 or terms.bin). */
  bytes(): Buffer;
}

export const VECTOR_FILES = { f32: "vectors.f32", terms: "terms.bin" } as const;

/** Stored vectors (float32, row-major). */
export class DenseRows implements RowVectors {
  readonly kind = "f32";
  readonly size: number;
  constructor(
    readonly vectors: Float32Array,
    readonly dim: number,
  ) {
    this.size = dim ? vectors.length / dim : 0;
  }

  row(r: number): Float32Array {
    return this.vectors.subarray(r * this.dim, (r + 1) * this.dim);
  }

  dot(r: number, query: ArrayLike<number>): number {
    const v = this.vectors;
    const off = r * this.dim;
    let dot = 0;
    for (let i = 0; i < this.dim; i++) dot += v[off + i] * query[i];
    return dot;
  }

  bytes(): Buffer {
    return Buffer.from(this.vectors.buffer, this.vectors.byteOffset, this.vectors.byteLength);
  }
}

/**
 * terms.bin: u32 (LE) chunk count n, n + 1 u32 byte offsets into the body, then the body: per chunk, its distinct
 * term ids (numbered as bm25.json's terms) and their counts as LEB128 varints, id then count, in the order ingest
 * first saw them (the order the embedding sums them in).
 */
export class TermRows implements RowVectors {
  readonly kind = "terms";
  readonly size: number;
  private slots: CountedSlots | null = null;
  private readonly out: Float32Array;
  private ids: Int32Array = new Int32Array(256);
  private tfs: Int32Array = new Int32Array(256);
  private sums: Float64Array = new Float64Array(256);
  private buckets: Int32Array = new Int32Array(256);

  private constructor(
    private readonly file: Buffer,
    private readonly offsets: Uint32Array,
    private readonly body: Uint8Array,
    private readonly terms: readonly string[],
    private readonly stats: HashStats,
  ) {
    this.size = offsets.length - 1;
    this.out = new Float32Array(stats.dim);
  }

  get dim(): number {
    return this.stats.dim;
  }

  /** From ingest's numbered term counts. */
  static fromCounts(counts: TermCounts, stats: HashStats): TermRows {
    const n = counts.size;
    // Worst case 5 bytes per varint; trimmed after.
    let body = new Uint8Array(Math.max(16, counts.offsets[n] * 3));
    let at = 0;
    const put = (x: number) => {
      if (at + 5 > body.length) {
        const next = new Uint8Array(body.length * 2);
        next.set(body);
        body = next;
      }
      while (x >= 0x80) {
        body[at++] = (x & 0x7f) | 0x80;
        x >>>= 7;
      }
      body[at++] = x;
    };
    const file = Buffer.alloc(4 + (n + 1) * 4);
    file.writeUInt32LE(n, 0);
    const offs = new Uint32Array(n + 1);
    // Each chunk's terms in ascending bucket order, terms of one bucket in the order they were first seen: each
    // bucket's sum is then added up in the same order as before (the vector is the same, bit for bit), and the dot
    // product reads the buckets in order without sorting them (dot()).
    const { bucket } = slotsOfTerms(counts.terms, stats);
    // Sort keys bucket × 2^12 + position: a numeric typed-array sort, no comparator (chunks have < 4096 terms;
    // longer ones take the comparator).
    let keys = new Int32Array(256);
    for (let i = 0; i < n; i++) {
      offs[i] = at;
      const from = counts.offsets[i];
      const len = counts.offsets[i + 1] - from;
      let order: ArrayLike<number>;
      if (len < 4096 && stats.dim <= 1 << 19) {
        if (keys.length < len) keys = new Int32Array(len * 2);
        for (let j = 0; j < len; j++) keys[j] = bucket[counts.ids[from + j]] * 4096 + j;
        const sorted = keys.subarray(0, len).sort();
        for (let j = 0; j < len; j++) sorted[j] = from + (sorted[j] & 4095);
        order = sorted;
      } else {
        order = Array.from({ length: len }, (_, j) => from + j).sort((a, b) => bucket[counts.ids[a]] - bucket[counts.ids[b]] || a - b);
      }
      for (let j = 0; j < len; j++) {
        const k = order[j];
        put(counts.ids[k]);
        put(counts.tfs[k]);
      }
    }
    offs[n] = at;
    for (let i = 0; i <= n; i++) file.writeUInt32LE(offs[i], 4 + i * 4);
    return TermRows.parse(Buffer.concat([file, body.subarray(0, at)]), counts.terms, stats);
  }

  /** From terms.bin's bytes; throws IndexStoreError when they do not fit together. */
  static parse(file: Buffer, terms: readonly string[], stats: HashStats): TermRows {
    const bad = (why: string) => new IndexStoreError(`索引文件损坏 / ${VECTOR_FILES.terms}: ${why}`, { code: "index_damaged" });
    if (file.length < 8) throw bad("too short");
    const n = file.readUInt32LE(0);
    const head = 4 + (n + 1) * 4;
    if (head > file.length) throw bad(`${n} chunks do not fit in ${file.length} bytes`);
    // A copy of the offsets (aligned); the body is a view of the file.
    const offsets = new Uint32Array(n + 1);
    for (let i = 0; i <= n; i++) offsets[i] = file.readUInt32LE(4 + i * 4);
    const body = file.subarray(head);
    for (let i = 0; i < n; i++) if (offsets[i] > offsets[i + 1]) throw bad(`offsets of chunk ${i} decrease`);
    if (offsets[0] !== 0 || offsets[n] !== body.length) throw bad("offsets do not cover the body");
    return new TermRows(file, offsets, body, terms, stats);
  }

  /** Decodes row `r`'s term ids and counts into this.ids / this.tfs; returns how many. */
  private decode(r: number): number {
    const body = this.body;
    const end = this.offsets[r + 1];
    const nTerms = this.terms.length;
    let at = this.offsets[r];
    let k = 0;
    while (at < end) {
      if (k === this.ids.length) {
        this.ids = grow(this.ids);
        this.tfs = grow(this.tfs);
      }
      // Unrolled varints (ids take 1–3 bytes, counts 1). A damaged row may read into the next one, never past
      // the body (a typed array reads undefined there, which the masks turn into 0).
      let b = body[at++];
      let id = b & 0x7f;
      if (b >= 0x80) {
        b = body[at++];
        id |= (b & 0x7f) << 7;
        if (b >= 0x80) {
          b = body[at++];
          id |= (b & 0x7f) << 14;
          if (b >= 0x80) {
            b = body[at++];
            id |= (b & 0x7f) << 21;
            if (b >= 0x80) id += (body[at++] & 0x7f) * 2 ** 28;
          }
        }
      }
      b = body[at++];
      let tf = b & 0x7f;
      if (b >= 0x80) {
        b = body[at++];
        tf |= (b & 0x7f) << 7;
        if (b >= 0x80) {
          b = body[at++];
          tf |= (b & 0x7f) << 14;
          if (b >= 0x80) {
            b = body[at++];
            tf |= (b & 0x7f) << 21;
            if (b >= 0x80) tf += (body[at++] & 0x7f) * 2 ** 28;
          }
        }
      }
      // A damaged id (beyond the numbering) is skipped rather than read out of bounds: ranking only.
      if (id >= nTerms) continue;
      this.ids[k] = id;
      this.tfs[k] = tf;
      k++;
    }
    return k;
  }

  row(r: number): Float32Array {
    const slots = (this.slots ??= slotsOfTerms(this.terms, this.stats));
    // Decoded first: decoding may replace this.ids / this.tfs with larger arrays.
    const k = this.decode(r);
    embedIdsInto(this.ids, this.tfs, 0, k, slots, this.stats.dim, this.out);
    return this.out;
  }

  /**
   * The dot product without building the row: only the buckets the chunk's terms land in are non-zero, so the
   * norm and the dot are summed over those, in ascending order, with each value rounded to float32 as row() stores
   * it — the same sums as over the whole row (the zeros add nothing), so bit for bit row(r) · query, at a fraction
   * of the cost (a re-rank of 2,500 candidates reads ~165 terms each instead of 768 dimensions twice).
   */
  dot(r: number, query: ArrayLike<number>): number {
    const slots = (this.slots ??= slotsOfTerms(this.terms, this.stats));
    const k = this.decode(r);
    const ids = this.ids;
    const tfs = this.tfs;
    const bucket = slots.bucket;
    const weight = slots.weight;
    if (this.sums.length < k) {
      this.sums = new Float64Array(k * 2);
      this.buckets = new Int32Array(k * 2);
    }
    const sums = this.sums;
    const buckets = this.buckets;
    // The terms come in ascending bucket order (fromCounts): each run of one bucket is summed as embedIdsInto sums it.
    let n = 0;
    let cur = -1;
    let sum = 0;
    for (let j = 0; j < k; j++) {
      const b = bucket[ids[j]];
      if (b !== cur) {
        if (b < cur) return this.dotUnordered(k, query);
        if (cur >= 0) {
          sums[n] = sum;
          buckets[n++] = cur;
        }
        cur = b;
        sum = 0;
      }
      sum += sublinearTf(tfs[j]) * weight[ids[j]];
    }
    if (cur >= 0) {
      sums[n] = sum;
      buckets[n++] = cur;
    }
    let norm = 0;
    for (let j = 0; j < n; j++) norm += sums[j] * sums[j];
    norm = Math.sqrt(norm) || 1;
    let dot = 0;
    for (let j = 0; j < n; j++) dot += Math.fround(sums[j] / norm) * query[buckets[j]];
    return dot;
  }

  /** dot() for terms not in bucket order (a damaged file): the whole row. */
  private dotUnordered(k: number, query: ArrayLike<number>): number {
    embedIdsInto(this.ids, this.tfs, 0, k, this.slots!, this.stats.dim, this.out);
    let dot = 0;
    for (let i = 0; i < this.out.length; i++) dot += this.out[i] * query[i];
    return dot;
  }

  bytes(): Buffer {
    return this.file;
  }
}

function grow(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}
