import { EmbedderError } from "../errors.js";
import { analyze } from "../embed/tokenize.js";
import type { DescribedEmbeddings } from "../embed/types.js";
import { exactSearch } from "../index/dense.js";
import type { LoadedIndex } from "../index/store.js";
import type { DocKind, Passage } from "../types.js";

/**
 * Hybrid retrieval: dense (HNSW, or exact cosine inside a small filtered subset) and BM25 ranked lists
 * fused by reciprocal rank, then re-scored with what query understanding knows (kind, section).
 */

export type RetrievalMode = "hybrid" | "dense" | "lexical";

export interface RetrieveOptions {
  k: number;
  mode: RetrievalMode;
  /** Restrict to these chunk rows (e.g. the documents of the region and year asked about). */
  rows?: Set<number>;
  /** Terms added with lower weight (glossary expansions). */
  expansions?: string[];
  /** Preferred document kinds, best first. */
  kinds?: DocKind[];
  /** Section heading fragments that make a chunk more likely the answer. */
  sectionHints?: string[];
}

/** Reciprocal-rank fusion constant: 60 is the usual choice; it flattens the head of each list. */
export const RRF_K = 60;
const CANDIDATES = 80;

export function rrf(lists: Array<Array<[number, number]>>, k = RRF_K): Map<number, { score: number; ranks: number[] }> {
  const out = new Map<number, { score: number; ranks: number[] }>();
  lists.forEach((list, li) => {
    list.forEach(([row], rank) => {
      const e = out.get(row) ?? { score: 0, ranks: [] };
      e.score += 1 / (k + rank + 1);
      e.ranks[li] = rank + 1;
      out.set(row, e);
    });
  });
  return out;
}

export class Retriever {
  /** Called when dense search fails (the embeddings server is unreachable) and lexical search answers alone. */
  onDenseFailure: ((err: Error) => void) | null = null;

  constructor(
    readonly index: LoadedIndex,
    private readonly embedder: DescribedEmbeddings,
  ) {}

  private async dense(query: string, k: number, rows?: Set<number>): Promise<Array<[number, number]>> {
    const vec = await this.embedder.embedQuery(query);
    // Exact cosine over a small subset beats a filtered graph walk in both recall and speed.
    if (rows && rows.size <= 4000) return exactSearch(this.index.vectors, this.index.manifest.embedder.dim, vec, rows, k);
    return this.index.dense.search(vec, k, rows ? (r) => rows.has(r) : undefined);
  }

  private lexical(query: string, k: number, expansionsList: string[], rows?: Set<number>): Array<[number, number]> {
    const terms = analyze(query);
    const weights = new Map<string, number>();
    for (const t of terms) weights.set(t, 1);
    const extra: string[] = [];
    for (const e of expansionsList) for (const t of analyze(e)) if (!weights.has(t)) { weights.set(t, 0.35); extra.push(t); }
    const all = [...terms, ...extra];
    if (!rows) return this.index.bm25.search(all, k, weights);
    // Small scopes (a few reports) by lookup, large ones by scanning the postings.
    return rows.size <= 3000
      ? this.index.bm25.searchWithin(all, k, [...rows].sort((a, b) => a - b), weights)
      : this.index.bm25.search(all, k, weights, (d) => rows.has(d));
  }

  async search(query: string, opts: RetrieveOptions): Promise<Passage[]> {
    const n = Math.max(opts.k, CANDIDATES);
    const expansionsList = opts.expansions ?? [];
    const lists: Array<Array<[number, number]>> = [];
    let mode = opts.mode;
    if (mode !== "lexical") {
      try {
        lists.push(await this.dense([query, ...expansionsList].join(" "), n, opts.rows));
      } catch (err) {
        // The embeddings server is down: lexical search alone still answers, and says so once per outage.
        if (!(err instanceof EmbedderError)) throw err;
        this.onDenseFailure?.(err);
        mode = "lexical";
      }
    }
    if (mode !== "dense") lists.push(this.lexical(query, n, expansionsList, opts.rows));
    const fused = rrf(lists);
    const passages: Passage[] = [];
    for (const [row, { score, ranks }] of fused) {
      const chunk = this.index.chunks[row];
      let s = score;
      if (opts.kinds?.length) {
        const i = opts.kinds.indexOf(chunk.meta.kind);
        s *= i < 0 ? 0.35 : 1 + 0.25 * (opts.kinds.length - i) / opts.kinds.length;
      }
      if (opts.sectionHints?.some((h) => chunk.meta.section.includes(h))) s *= 1.5;
      passages.push({
        chunk,
        score: s,
        ranks: mode === "hybrid" ? { dense: ranks[0], lexical: ranks[1] } : mode === "dense" ? { dense: ranks[0] } : { lexical: ranks[0] },
      });
    }
    return passages.sort((a, b) => b.score - a.score || a.chunk.meta.ord - b.chunk.meta.ord).slice(0, opts.k);
  }
}
