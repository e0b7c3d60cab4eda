import { exactSearch, type DenseIndex } from "../index/dense.js";
import type { RowVectors } from "../index/rows.js";
import type { Bm25Index } from "../index/bm25.js";
import type { IndexedDocument } from "../index/store.js";
import type { FactsDb } from "../stats/db.js";
import type { Chunk, ChunkMeta, DocMeta } from "../types.js";
import { filterKey, isOpenFilter, type ChunkId, type ChunkStore, type FactStore, type Hit, type LexicalIndex, type SearchBackend, type SearchFilter, type VectorIndex, type WeightedTerm } from "./types.js";

/**
 * The in-process search engine: the loaded index (chunks.json, BM25 postings, HNSW graph + saved vectors) behind
 * the interfaces of ./types.ts. Filters are translated to chunk rows once per distinct filter (cached), and the
 * small-scope shortcuts live here: exact cosine instead of a graph walk, postings lookup instead of a scan.
 */

/** Dense: at or below this many rows in scope, exact cosine over the scope beats a filtered graph walk in recall and speed. */
export const EXACT_DENSE_MAX_ROWS = 4000;
/** Lexical: at or below this many rows in scope, postings are looked up per row rather than scanned. */
export const LOOKUP_LEXICAL_MAX_ROWS = 3000;
/** Distinct filters whose rows are kept (a filter is a scope: a few reports, a kind); oldest dropped first. */
const FILTER_CACHE = 512;

// FactsDb is a FactStore (checked here so that the stats module need not import the search module).
export const factStoreOf = (db: FactsDb): FactStore => db;

/** What the in-process engine is built on: the parts of a LoadedIndex it reads. */
export interface InProcessIndex {
  manifest: { documents: IndexedDocument[] };
  chunks: Chunk[];
  bm25: Bm25Index;
  dense: DenseIndex;
  vectors: RowVectors;
}

/** The rows a filter selects: as a set (membership), in index order (listing) and ascending (postings lookup). */
export interface ScopeRows {
  set: Set<number>;
  ordered: number[];
  ascending: number[];
}

/**
 * Chunk rows per document, and filter → rows translation (per document metadata, so O(documents) per new filter),
 * cached per filter key.
 */
export class RowScopes {
  private readonly rowsByDoc = new Map<string, number[]>();
  private readonly rowOfId = new Map<ChunkId, number>();
  private readonly docById = new Map<string, IndexedDocument>();
  private readonly cache = new Map<string, ScopeRows>();

  constructor(
    private readonly docs: readonly IndexedDocument[],
    readonly chunks: readonly Chunk[],
    /** The body registry's id of a document's issuer (for `bodies` filters); resolved when first needed. */
    private readonly bodyOf: (d: DocMeta) => string | null = (d) => d.issuer ?? d.region,
  ) {
    for (const d of docs) if (!this.docById.has(d.docId)) this.docById.set(d.docId, d);
    chunks.forEach((c, row) => {
      const rows = this.rowsByDoc.get(c.meta.docId) ?? [];
      rows.push(row);
      this.rowsByDoc.set(c.meta.docId, rows);
      this.rowOfId.set(c.id, row);
    });
  }

  row(id: ChunkId): number | undefined {
    return this.rowOfId.get(id);
  }

  /** Rows the filter selects; null for an open filter (everything). */
  rows(filter: SearchFilter | null | undefined): ScopeRows | null {
    if (isOpenFilter(filter)) return null;
    const key = filterKey(filter);
    let hit = this.cache.get(key);
    if (hit) {
      // Most recently used last, so the oldest goes first.
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    const f = filter!;
    const docIds = f.docIds && new Set(f.docIds);
    const bodies = f.bodies && new Set(f.bodies);
    const years = f.years && new Set(f.years);
    const kinds = f.kinds && new Set<string>(f.kinds);
    const sources = f.sources && new Set(f.sources);
    // Documents in the order the filter names them when it names them (as row sets were built), else index order.
    const candidates = f.docIds ? [...new Set(f.docIds)].map((id) => this.docById.get(id)).filter((d): d is IndexedDocument => !!d) : this.docs;
    const ordered: number[] = [];
    for (const d of candidates) {
      if (docIds && !docIds.has(d.docId)) continue;
      if (kinds && !kinds.has(d.kind)) continue;
      if (years && (d.year === null || !years.has(d.year))) continue;
      if (sources && !sources.has(d.source)) continue;
      if (bodies) {
        const b = this.bodyOf(d);
        if (b === null || !bodies.has(b)) continue;
      }
      for (const r of this.rowsByDoc.get(d.docId) ?? []) ordered.push(r);
    }
    hit = { set: new Set(ordered), ordered, ascending: [...ordered].sort((a, b) => a - b) };
    this.cache.set(key, hit);
    if (this.cache.size > FILTER_CACHE) this.cache.delete(this.cache.keys().next().value!);
    return hit;
  }
}

export class InProcessChunkStore implements ChunkStore {
  constructor(private readonly scopes: RowScopes) {}

  get size(): number {
    return this.scopes.chunks.length;
  }

  get(id: ChunkId): Chunk | undefined {
    const r = this.scopes.row(id);
    return r === undefined ? undefined : this.scopes.chunks[r];
  }

  getMany(ids: readonly ChunkId[]): Chunk[] {
    const out: Chunk[] = [];
    for (const id of ids) {
      const c = this.get(id);
      if (c) out.push(c);
    }
    return out;
  }

  meta(id: ChunkId): ChunkMeta | undefined {
    return this.get(id)?.meta;
  }

  list(filter?: SearchFilter): Chunk[] {
    const rows = this.scopes.rows(filter);
    return rows ? rows.ordered.map((r) => this.scopes.chunks[r]) : [...this.scopes.chunks];
  }
}

export class InProcessLexicalIndex implements LexicalIndex {
  constructor(
    private readonly bm25: Bm25Index,
    private readonly scopes: RowScopes,
  ) {}

  get size(): number {
    return this.bm25.size;
  }

  df(term: string): number {
    return this.bm25.df(term);
  }

  async search(terms: readonly WeightedTerm[], k: number, filter?: SearchFilter): Promise<Hit[]> {
    const all = terms.map(([t]) => t);
    const weights = new Map<string, number>();
    for (const [t, w] of terms) if (!weights.has(t)) weights.set(t, w);
    const rows = this.scopes.rows(filter);
    // Small scopes (a few reports) by lookup, large ones by scanning the postings.
    const hits = !rows
      ? this.bm25.search(all, k, weights)
      : rows.set.size <= LOOKUP_LEXICAL_MAX_ROWS
        ? this.bm25.searchWithin(all, k, rows.ascending, weights)
        : this.bm25.search(all, k, weights, (d) => rows.set.has(d));
    return this.toIds(hits);
  }

  private toIds(hits: Array<[number, number]>): Hit[] {
    return hits.map(([r, s]) => [this.scopes.chunks[r].id, s]);
  }
}

export class InProcessVectorIndex implements VectorIndex {
  constructor(
    private readonly dense: DenseIndex,
    private readonly vectors: RowVectors,
    private readonly dim: number,
    private readonly scopes: RowScopes,
  ) {}

  async search(vector: number[], k: number, filter?: SearchFilter): Promise<Hit[]> {
    const rows = this.scopes.rows(filter);
    // Exact cosine over a small subset beats a filtered graph walk in both recall and speed.
    const hits =
      rows && rows.set.size <= EXACT_DENSE_MAX_ROWS
        ? exactSearch(this.vectors, this.dim, vector, rows.ordered, k)
        : await this.dense.search(vector, k, rows ? (r) => rows.set.has(r) : undefined);
    return hits.map(([r, s]) => [this.scopes.chunks[r].id, s]);
  }
}

/** The in-process engine over a loaded index: chunk store, lexical and vector index sharing one filter cache. */
export class InProcessSearch implements SearchBackend {
  readonly scopes: RowScopes;
  readonly chunks: InProcessChunkStore;
  readonly lexical: InProcessLexicalIndex;
  readonly vectors: InProcessVectorIndex;

  constructor(index: InProcessIndex, opts: { bodyOf?: (d: DocMeta) => string | null } = {}) {
    this.scopes = new RowScopes(index.manifest.documents, index.chunks, opts.bodyOf);
    this.chunks = new InProcessChunkStore(this.scopes);
    this.lexical = new InProcessLexicalIndex(index.bm25, this.scopes);
    this.vectors = new InProcessVectorIndex(index.dense, index.vectors, index.dense.dim, this.scopes);
  }
}
