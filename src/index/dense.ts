import { Embeddings } from "@langchain/core/embeddings";
import type { HierarchicalNSW } from "hnswlib-node";
import { HASH_EMBEDDER_NAME } from "../embed/hashing.js";
import type { DescribedEmbeddings, EmbedderDescriptor } from "../embed/types.js";
import type { RowVectors } from "./rows.js";

/**
 * Dense search = a graph that finds candidates fast + exact cosine over the full vectors to rank them.
 *
 * Building the HNSW graph was most of ingest time at 768 dimensions (hnswlib-node copies every value through
 * N-API and compares full vectors). The built-in embedder's vectors are signed feature hashes, and summing
 * groups of their dimensions ("folding" 768 → 256) is the same as hashing into 256 buckets: a coarser but
 * unbiased view of the same tf-idf cosine, good enough to find candidates. The candidates are then ranked by
 * exact cosine on their 768-dimensional vectors (recomputed from their saved terms, rows.ts), so the order of what is returned never suffers from the
 * folding; only which chunks are found can (bench/query.ts measures recall against exact search).
 * Learned embeddings from a server are not hashes, so their graph keeps their own dimension.
 */

/** Graph dimension for the built-in hashing embedder (its dimension must be a multiple). */
export const HASH_GRAPH_DIM = 256;

/**
 * Candidates taken from the graph, re-ranked exactly. Measured on the 50 MB synthetic corpus (106k chunks,
 * 165 eval questions, a graph with efConstruction 40), recall@10 against exact search over all chunks: 640
 * candidates 0.68 (2.4 ms), 1500 0.74 (5 ms), 2500 0.81 (8 ms), 4000 0.86 (14 ms). 2500 matches the recall the
 * 768-dimensional graph had (0.82) and keeps a query well under the 50 ms budget; bench:query reports the
 * figure for the graph as built now.
 */
export const GRAPH_CANDIDATES = 2500;
const CANDIDATES_PER_RESULT = 8;

export function graphDimFor(e: EmbedderDescriptor): number {
  return e.name === HASH_EMBEDDER_NAME && e.dim > HASH_GRAPH_DIM && e.dim % HASH_GRAPH_DIM === 0 ? HASH_GRAPH_DIM : e.dim;
}

/** Sums dimension i into i mod `dim` and normalizes; identity (up to normalization) when dim is the vector's own. */
export function foldInto(v: ArrayLike<number>, out: number[] | Float32Array, dim: number): void {
  // Block by block rather than `out[i % dim] += v[i]`: no division per value (100k chunks × 768 values).
  for (let i = 0; i < dim; i++) out[i] = i < v.length ? v[i] : 0;
  for (let from = dim; from < v.length; from += dim) {
    const n = Math.min(dim, v.length - from);
    for (let i = 0; i < n; i++) out[i] += v[from + i];
  }
  let norm = 0;
  for (let i = 0; i < dim; i++) norm += out[i] * out[i];
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < dim; i++) out[i] /= norm;
}

export function fold(v: ArrayLike<number>, dim: number): number[] {
  const out = new Array<number>(dim);
  foldInto(v, out, dim);
  return out;
}

/**
 * The embedder the graph's LangChain store is opened with: the real embedder's vectors, folded to the graph's
 * dimension, so HNSWLib's own text searches (similaritySearch) stay correct.
 */
export class FoldedEmbeddings extends Embeddings {
  constructor(
    private readonly inner: DescribedEmbeddings,
    readonly dim: number,
  ) {
    super({});
  }

  async embedQuery(text: string): Promise<number[]> {
    return fold(await this.inner.embedQuery(text), this.dim);
  }

  async embedDocuments(texts: string[]): Promise<number[][]> {
    return (await this.inner.embedDocuments(texts)).map((v) => fold(v, this.dim));
  }
}

/** Cosine of unit vectors: row `r` of the row-major `vectors` against `query`. */
export function rowDot(vectors: Float32Array, dim: number, r: number, query: ArrayLike<number>): number {
  let dot = 0;
  const off = r * dim;
  for (let i = 0; i < dim; i++) dot += vectors[off + i] * query[i];
  return dot;
}

/** Exact cosine ranking of `rows`, best first (ties by row): over row-major vectors, or rows recomputed on demand. */
export function exactSearch(vectors: Float32Array | RowVectors, dim: number, query: ArrayLike<number>, rows: Iterable<number>, k: number): Array<[number, number]> {
  const scored: Array<[number, number]> = [];
  if (vectors instanceof Float32Array) for (const r of rows) scored.push([r, rowDot(vectors, dim, r, query)]);
  else for (const r of rows) scored.push([r, vectors.dot(r, query)]);
  return scored.sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, k);
}

/** The part of an hnswlib-node graph a search uses: labels are rows of chunks.json. */
export type Graph = Pick<HierarchicalNSW, "searchKnn" | "getCurrentCount" | "getNumDimensions">;

export class DenseIndex {
  private loaded: Promise<Graph> | null = null;

  constructor(
    /** Reads the graph (hnswlib-node; LangChain's HNSWLib wrapper is not needed to search it). */
    private readonly load: () => Promise<Graph>,
    readonly vectors: RowVectors,
    readonly dim: number,
    readonly graphDim: number,
  ) {}

  /** The graph, read on first use: a search scoped to a few reports ranks them exactly and never needs it. */
  graph(): Promise<Graph> {
    return (this.loaded ??= this.load());
  }

  /** The k chunks nearest to `query` (a full-dimension query vector) as [row, cosine], best first. */
  async search(query: number[], k: number, filter?: (row: number) => boolean): Promise<Array<[number, number]>> {
    const graph = await this.graph();
    const total = graph.getCurrentCount();
    const want = Math.min(total, Math.max(k * CANDIDATES_PER_RESULT, GRAPH_CANDIDATES));
    if (want === 0) return [];
    const folded = fold(query, this.graphDim);
    let rows = graph.searchKnn(folded, want).neighbors;
    if (filter) {
      // A filtered graph walk calls back into JS for every node it visits and walks further to fill its beam with
      // rows that pass: several times slower. Filtering the unfiltered candidates is enough unless the filter is
      // selective enough to leave fewer than k of them.
      rows = rows.filter(filter);
      if (rows.length < k) rows = graph.searchKnn(folded, want, filter).neighbors;
    }
    return exactSearch(this.vectors, this.dim, query, rows, k);
  }
}
