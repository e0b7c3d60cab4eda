import { EmbedderError } from "../errors.js";
import { analyze } from "../embed/tokenize.js";
import type { DescribedEmbeddings } from "../embed/types.js";
import type { ChunkId, SearchBackend, SearchFilter, WeightedTerm } from "../search/types.js";
import type { DocKind, Passage } from "../types.js";

/**
 * Hybrid retrieval: dense and lexical ranked lists from the search backend (src/search/: in process, HNSW or exact
 * cosine inside a small scope, and BM25), fused by reciprocal rank, then re-scored with what query understanding
 * knows (kind, section). Works on chunk ids and one metadata filter; row numbers stay inside the backend.
 */

export type RetrievalMode = "hybrid" | "dense" | "lexical";

export interface RetrieveOptions {
  k: number;
  mode: RetrievalMode;
  /** Restrict to the chunks the filter selects (e.g. the documents of the region and year asked about). */
  filter?: SearchFilter;
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

export function rrf<K = ChunkId>(lists: Array<Array<[K, number]>>, k = RRF_K): Map<K, { score: number; ranks: number[] }> {
  const out = new Map<K, { score: number; ranks: number[] }>();
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
    readonly backend: SearchBackend,
    private readonly embedder: DescribedEmbeddings,
  ) {}

  private async dense(query: string, k: number, filter?: SearchFilter): Promise<Array<[ChunkId, number]>> {
    return this.backend.vectors.search(await this.embedder.embedQuery(query), k, filter);
  }

  /** The question's words (weight 1) and then the expansions' new words (0.35), each once, in query order. */
  static lexicalTerms(query: string, expansionsList: string[]): WeightedTerm[] {
    const weights = new Map<string, number>();
    for (const t of analyze(query)) if (!weights.has(t)) weights.set(t, 1);
    for (const e of expansionsList) for (const t of analyze(e)) if (!weights.has(t)) weights.set(t, 0.35);
    return [...weights];
  }

  private lexical(query: string, k: number, expansionsList: string[], filter?: SearchFilter): Promise<Array<[ChunkId, number]>> {
    return this.backend.lexical.search(Retriever.lexicalTerms(query, expansionsList), k, filter);
  }

  async search(query: string, opts: RetrieveOptions): Promise<Passage[]> {
    const n = Math.max(opts.k, CANDIDATES);
    const expansionsList = opts.expansions ?? [];
    const lists: Array<Array<[ChunkId, number]>> = [];
    let mode = opts.mode;
    if (mode !== "lexical") {
      try {
        lists.push(await this.dense([query, ...expansionsList].join(" "), n, opts.filter));
      } catch (err) {
        // The embeddings server is down: lexical search alone still answers, and says so once per outage.
        if (!(err instanceof EmbedderError)) throw err;
        this.onDenseFailure?.(err);
        mode = "lexical";
      }
    }
    if (mode !== "dense") lists.push(await this.lexical(query, n, expansionsList, opts.filter));
    const fused = rrf(lists);
    const passages: Passage[] = [];
    const chunks = this.backend.chunks.getMany([...fused.keys()]);
    let at = 0;
    for (const [id, { score, ranks }] of fused) {
      const chunk = chunks[at]?.id === id ? chunks[at++] : this.backend.chunks.get(id);
      if (!chunk) continue;
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
