import { Embeddings } from "@langchain/core/embeddings";
import type { DescribedEmbeddings, EmbedderDescriptor } from "./types.js";
import { countTerms, documentFrequencies, TermCounter, type TermCounts } from "./termCounts.js";
import { analyze, DEFAULT_ANALYZER, type AnalyzerOptions } from "./tokenize.js";

/**
 * The offline default: a model-free embedder for Chinese. Each text becomes a bag of jieba words and
 * character bigrams, weighted by sublinear tf × idf (idf fitted on the corpus and saved with the index),
 * signed-hashed into a fixed number of dimensions and L2-normalized, so cosine similarity approximates
 * tf-idf cosine. It captures shared vocabulary, not meaning: synonyms and paraphrases are only matched
 * through shared characters (bigrams) and the query expansion done by retrieval.
 */

export const HASH_EMBEDDER_NAME = "nianbao-hash-v1";

export interface HashStats {
  /** Number of texts the statistics were fitted on. */
  n: number;
  /** Document frequency per term. */
  df: Record<string, number>;
  dim: number;
}

/** FNV-1a, 32-bit: fast, stable across platforms and releases (unlike a runtime's string hash). */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function fitHashStats(texts: string[], dim = 1024, analyzer: AnalyzerOptions = DEFAULT_ANALYZER): HashStats {
  const counter = new TermCounter(analyzer);
  for (const t of texts) counter.add(t);
  return fitHashStatsOnCounts(counter.result(), dim);
}

/** Document frequencies over already analyzed texts. */
export function fitHashStatsOnTerms(termLists: string[][], dim = 1024): HashStats {
  return fitHashStatsOnCounts(countTerms(termLists), dim);
}

/** Document frequencies from numbered term counts: the one place they are computed. */
export function fitHashStatsOnCounts(counts: TermCounts, dim = 1024): HashStats {
  const byId = documentFrequencies(counts);
  const df: Record<string, number> = Object.create(null);
  counts.terms.forEach((term, id) => {
    if (byId[id] > 0) df[term] = byId[id];
  });
  return { n: counts.size, df, dim };
}

export function idf(stats: HashStats, term: string): number {
  const d = stats.df[term] ?? 0;
  // Unseen terms get the idf of a term seen once: they are rare, hence informative.
  return Math.log(1 + (stats.n + 1) / (Math.max(d, 1) + 0.5));
}

/** Where a term lands and with what signed weight per occurrence unit: fixed for given statistics. */
interface TermSlot {
  bucket: number;
  /** sign × idf × kind weight. */
  weight: number;
}

function slotOf(term: string, stats: HashStats): TermSlot {
  const h = fnv1a(term);
  const sign = h & 0x80000000 ? -1 : 1;
  // Bigrams are many and partly redundant with words: half weight.
  return { bucket: h % stats.dim, weight: sign * idf(stats, term) * (term.includes(":") ? 0.5 : 1) };
}

/** One accumulation buffer per dimension, reused: embedding 100k chunks must not allocate 100k arrays. */
const SCRATCH = new Map<number, Float64Array>();
function scratch(dim: number): Float64Array {
  let v = SCRATCH.get(dim);
  if (!v) SCRATCH.set(dim, (v = new Float64Array(dim)));
  else v.fill(0);
  return v;
}

/** 1 + ln f for the counts a chunk has (a table: Math.log per term was a third of recomputing a vector). */
const SUBLINEAR = Float64Array.from({ length: 256 }, (_, f) => 1 + Math.log(f));

/** A term seen f times weighs 1 + ln f: repeats count, but less and less. */
export function sublinearTf(f: number): number {
  return f < 256 && (f | 0) === f ? SUBLINEAR[f] : 1 + Math.log(f);
}

/** Writes the unit-length embedding of `terms` into `out` (length stats.dim). */
function embedTermsInto(terms: string[], stats: HashStats, out: Float32Array | Float64Array): void {
  const tf = new Map<string, number>();
  for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + 1);
  const v = scratch(stats.dim);
  for (const [term, f] of tf) {
    const slot = slotOf(term, stats);
    v[slot.bucket] += sublinearTf(f) * slot.weight;
  }
  normalizeInto(v, out);
}

function normalizeInto(v: Float64Array, out: Float32Array | Float64Array): void {
  let norm = 0;
  for (let i = 0; i < v.length; i++) norm += v[i] * v[i];
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < v.length; i++) out[i] = v[i] / norm;
}

export interface CountedSlots {
  bucket: Int32Array;
  weight: Float64Array;
}

/** Bucket and weight of every term of a numbering (ids are positions in `terms`). */
export function slotsOfTerms(terms: readonly string[], stats: HashStats): CountedSlots {
  const bucket = new Int32Array(terms.length);
  const weight = new Float64Array(terms.length);
  terms.forEach((term, id) => {
    const s = slotOf(term, stats);
    bucket[id] = s.bucket;
    weight[id] = s.weight;
  });
  return { bucket, weight };
}

/**
 * The unit-length embedding of one text given as numbered terms — ids[from … to) with their counts in tfs — into
 * `out`. The one accumulation both ingest (from its term counts) and a search (from a chunk's saved terms) use, so
 * a vector recomputed from the saved terms is bit for bit the one ingest computed.
 */
export function embedIdsInto(ids: ArrayLike<number>, tfs: ArrayLike<number>, from: number, to: number, slots: CountedSlots, dim: number, out: Float32Array): void {
  const v = scratch(dim);
  for (let k = from; k < to; k++) {
    const id = ids[k];
    v[slots.bucket[id]] += sublinearTf(tfs[k]) * slots.weight[id];
  }
  normalizeInto(v, out);
}

export function embedTerms(terms: string[], stats: HashStats): number[] {
  const out = new Float64Array(stats.dim);
  embedTermsInto(terms, stats, out);
  return Array.from(out);
}

export class HashingEmbeddings extends Embeddings implements DescribedEmbeddings {
  readonly descriptor: EmbedderDescriptor;

  constructor(readonly stats: HashStats, private readonly analyzer: AnalyzerOptions = DEFAULT_ANALYZER) {
    super({});
    this.descriptor = { name: HASH_EMBEDDER_NAME, dim: stats.dim, distance: "cosine" };
  }

  embedText(text: string): number[] {
    return embedTerms(analyze(text, this.analyzer), this.stats);
  }

  /**
   * Embeds text `i` of numbered term counts (analyzed with this embedder's analyzer) into `out`. Equal to
   * embedding its text, up to the order in which floating-point terms are summed.
   */
  embedCountedInto(counts: TermCounts, i: number, out: Float32Array, slots: CountedSlots): void {
    embedIdsInto(counts.ids, counts.tfs, counts.offsets[i], counts.offsets[i + 1], slots, this.stats.dim, out);
  }

  /** Bucket and weight of every numbered term, computed once per ingest. */
  slotsFor(counts: TermCounts): CountedSlots {
    return slotsOfTerms(counts.terms, this.stats);
  }

  async embedDocuments(texts: string[]): Promise<number[][]> {
    return texts.map((t) => this.embedText(t));
  }

  async embedQuery(text: string): Promise<number[]> {
    return this.embedText(text);
  }
}
