import type { CheckResult, TableId } from "../stats/api.js";
import type { CellRow, FactRow, ReportRow, TableRow } from "../stats/db.js";
import type { Chunk, ChunkMeta, DocKind } from "../types.js";

/**
 * Search behind small interfaces keyed by chunk id (Chunk.id), with one metadata filter, so that a server-backed
 * engine (OpenSearch, Elasticsearch) can stand in for the in-process one (src/search/inProcess.ts) without touching
 * the answering strategies. Nothing here knows about chunk row numbers: those are the in-process engine's business.
 */

/** A chunk's id (Chunk.id: a hash of its document, position and text; stable across index generations). */
export type ChunkId = string;

/** A search hit: chunk id and the engine's score, best first in a result list. */
export type Hit = [ChunkId, number];

/**
 * Which chunks a search may return, by their document's metadata. A plain object a server engine turns into a
 * query filter (a `terms` clause per field). Fields are ANDed; within a field, any listed value matches. A field
 * left out does not constrain; a field given as an empty list matches nothing (a scope that names no report).
 */
export interface SearchFilter {
  docIds?: string[];
  /** Issuing bodies, as the body registry names them (BodyRegistry.idOf(issuer, region)). */
  bodies?: string[];
  years?: number[];
  kinds?: DocKind[];
  sources?: string[];
}

/** The governing texts (regulation, format notices, judicial interpretations): every kind but reports and "other". */
export const GOVERNING_KINDS: DocKind[] = ["regulation", "format_notice", "judicial_interpretation"];

/** True when the filter constrains nothing (same as no filter). */
export function isOpenFilter(f: SearchFilter | null | undefined): boolean {
  return !f || (f.docIds === undefined && f.bodies === undefined && f.years === undefined && f.kinds === undefined && f.sources === undefined);
}

/** A canonical key of a filter (field order and value order do not matter), for caching what it translates to. */
export function filterKey(f: SearchFilter | null | undefined): string {
  if (isOpenFilter(f)) return "";
  const part = (name: string, v: Array<string | number> | undefined) =>
    v === undefined ? "" : `${name}=${[...new Set(v.map(String))].sort().join("\u0001")}`;
  return [part("d", f!.docIds), part("b", f!.bodies), part("y", f!.years), part("k", f!.kinds), part("s", f!.sources)].join("\u0002");
}

/** Chunks by id, and the chunks a filter selects. */
export interface ChunkStore {
  /** Number of chunks. */
  readonly size: number;
  get(id: ChunkId): Chunk | undefined;
  /** The chunks of `ids` that exist, in the order of `ids`. */
  getMany(ids: readonly ChunkId[]): Chunk[];
  meta(id: ChunkId): ChunkMeta | undefined;
  /**
   * The chunks the filter selects, in index order (documents in index order, each in document order). Meant for
   * small scopes (a document, the governing texts); a server engine pages through a scroll for it.
   */
  list(filter?: SearchFilter): Chunk[];
}

/** A query term and its weight (1 for the question's own words, less for glossary expansions). */
export type WeightedTerm = [term: string, weight: number];

/** Ranked keyword search (BM25 in process; a `match` / `terms` query with boosts on a server). */
export interface LexicalIndex {
  /** Number of indexed chunks (for idf). */
  readonly size: number;
  /** Number of chunks containing an analyzed term. */
  df(term: string): number;
  /**
   * The k best chunks for the weighted terms (already analyzed; each term once, in query order), restricted to
   * the filter, best first.
   */
  search(terms: readonly WeightedTerm[], k: number, filter?: SearchFilter): Promise<Hit[]>;
}

/** Nearest-neighbour search over chunk embeddings (cosine; a `knn` query with a filter on a server). */
export interface VectorIndex {
  /** The k chunks nearest to `vector` (the embedder's full-dimension query vector), restricted to the filter, best first. */
  search(vector: number[], k: number, filter?: SearchFilter): Promise<Hit[]>;
}

/**
 * The statistics of one index generation, as the figure service and the figure strategies read them (FactsDb,
 * src/stats/db.ts, implements it over facts.sqlite).
 */
export interface FactStore {
  reports(): ReportRow[];
  reportsOf(body: string): ReportRow[];
  cell(docId: string, table: TableId, row: string, column: string): CellRow | null;
  cells(docId: string, table?: TableId): CellRow[];
  tables(docId: string): TableRow[];
  facts(docId: string, metric?: string): FactRow[];
  checks(docId: string): CheckResult[];
  /** A report's checks that fail (an indexed lookup; rankings read it for every body). */
  failingChecks(docId: string): CheckResult[];
}

/** The three search-side stores an answer context needs (the fact store travels with the figure service). */
export interface SearchBackend {
  chunks: ChunkStore;
  lexical: LexicalIndex;
  vectors: VectorIndex;
}
