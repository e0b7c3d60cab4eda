import { promises as fs } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import zlib from "node:zlib";
import type { HNSWLib } from "@langchain/community/vectorstores/hnswlib";
import hnswlib from "hnswlib-node";
import { IndexStoreError } from "../errors.js";
import type { HashStats } from "../embed/hashing.js";
import type { DescribedEmbeddings, EmbedderDescriptor } from "../embed/types.js";
import type { Chunk, ChunkMeta, IndexedDocument } from "../types.js";
import { Bm25Index, type Bm25Header } from "./bm25.js";
import { BodyRegistry } from "../domain/bodies.js";
import { checkGeneration, integrityOf, markVerified, verifyGeneration, type FileIntegrity, type IntegrityReport } from "./guard.js";
import { FACTS_FILE, writeFactsDb, type FactsInput } from "../stats/db.js";
import type { ReportStatistics } from "../stats/types.js";
import { packStatistics, unpackStatistics, type PackedStatistics } from "../stats/pack.js";
import { indexTextOf } from "../ingest/chunk.js";
import { DenseIndex, FoldedEmbeddings, foldInto, GRAPH_CANDIDATES, graphDimFor } from "./dense.js";
import { DenseRows, TermRows, VECTOR_FILES, type RowVectors } from "./rows.js";

/**
 * On-disk layout of an index folder:
 *   CURRENT            name of the live generation (replaced atomically by rename)
 *   gen-<time>/        one complete, immutable build:
 *     manifest.json    format version, embedder descriptor, files and their hashes, documents
 *     chunks.json      every chunk's text, and its metadata (each document's once; indexText is derived, not stored)
 *     terms.bin        each chunk's terms and counts, from which its embedding is recomputed for the exact re-rank
 *                      (built-in hashing embedder; rows.ts), or
 *     vectors.f32      chunk embeddings, row-major (learned embeddings): exact re-ranking and incremental rebuilds
 *     embedder.json    corpus statistics of the built-in embedder (null for remote embedders)
 *     bm25.json        lexical index: parameters and terms
 *     bm25.i32         lexical index: offsets, document frequencies and lengths (Int32, little-endian), then the
 *                      varint-compressed posting lists (bm25.ts)
 *     statistics.bin   extraction results per report (deflated JSON), reused by the next ingest
 *     facts.sqlite     the statistics database answering reads (stats/db.ts)
 *     hnsw/            LangChain HNSWLib (hnswlib-node) graph over the folded vectors (see dense.ts), saved with an
 *                      empty document store (the text is in chunks.json only)
 * A build is written into a temporary folder and only becomes live when CURRENT is swapped, so a crash
 * or a failed ingest never leaves a half index and the previous generation keeps serving.
 */

/** 2: graph over folded vectors with its parameters in manifest.graph; chunks.json without indexText; BM25 numbers in bm25.i32. */
/** Bumped with every change of a generation's files, facts.sqlite's schema included: an older index is rebuilt. */
export const INDEX_FORMAT_VERSION = 6;

/**
 * Extraction results by docId, the input the statistics database is built from, kept for the next ingest to reuse
 * (answering reads facts.sqlite): each report's packed results as deflated JSON, one blob per report, so that an
 * ingest inflates only the reports it keeps and the file is a tenth of the JSON's size.
 */
export const STATISTICS_FILE = "statistics.bin";

const deflateRaw = promisify(zlib.deflateRaw);

/** statistics.bin: u32 (LE) header length, header JSON {v, docs: [docId, offset, length][]}, then the blobs. */
async function encodeStatistics(statistics: Record<string, ReportStatistics>): Promise<Buffer> {
  const ids = Object.keys(statistics);
  // Compressed on libuv's threads, beside the graph build.
  const blobs = await Promise.all(ids.map((id) => deflateRaw(Buffer.from(JSON.stringify(packStatistics(statistics[id]))), { level: 1 })));
  let at = 0;
  const docs = ids.map((id, i) => {
    const entry: [string, number, number] = [id, at, blobs[i].length];
    at += blobs[i].length;
    return entry;
  });
  const header = Buffer.from(JSON.stringify({ v: 1, docs }));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length);
  return Buffer.concat([len, header, ...blobs]);
}

/** The saved extraction results of a generation, each report's inflated when asked for. */
export interface SavedStatistics {
  get(docId: string): ReportStatistics | undefined;
}

function decodeStatistics(buf: Buffer): SavedStatistics {
  const bad = (why: string) => new IndexStoreError(`索引文件损坏 / ${STATISTICS_FILE}: ${why}`, { code: "index_damaged" });
  if (buf.length < 4) throw bad("too short");
  const hlen = buf.readUInt32LE(0);
  if (4 + hlen > buf.length) throw bad("header length");
  let header: { v: number; docs: Array<[string, number, number]> };
  try {
    header = JSON.parse(buf.subarray(4, 4 + hlen).toString("utf8")) as typeof header;
  } catch (err) {
    throw bad((err as Error).message);
  }
  const body = buf.subarray(4 + hlen);
  const where = new Map(header.docs.map(([id, off, len]) => [id, [off, len] as const]));
  return {
    get(docId) {
      const w = where.get(docId);
      if (!w) return undefined;
      if (w[0] + w[1] > body.length) throw bad(`blob of ${docId} out of range`);
      return unpackStatistics(JSON.parse(zlib.inflateRawSync(body.subarray(w[0], w[0] + w[1])).toString("utf8")) as PackedStatistics);
    },
  };
}


export interface FileEntry {
  /** sha256 of the file bytes + chunker version + override entry. */
  hash: string;
  /** The source root (absolute) the file was listed under. */
  root?: string;
  docIds: string[];
  chunks: number;
  sections: number;
  /** Size and mtime (ms) when it was read (no mtime when it had just been modified), and a key of its reading rules: an unchanged file is not read again. */
  size?: number;
  mtimeMs?: number;
  rules?: string;
}

export type { IndexedDocument } from "../types.js";

/** How the dense graph was built. */
export interface GraphParams {
  /** Dimension of the folded vectors in the graph (the embedder's own for learned embeddings). */
  dim: number;
  m: number;
  efConstruction: number;
}

export interface Manifest {
  formatVersion: number;
  embedder: EmbedderDescriptor;
  graph: GraphParams;
  createdAt: string;
  files: Record<string, FileEntry>;
  documents: IndexedDocument[];
  chunkCount: number;
  /** What the index is built from: folders and files (absolute paths), re-synced by every ingest. */
  sources?: string[];
  /** How the chunks' full vectors are stored: terms.bin (recomputed from the terms) or vectors.f32. */
  vectors?: RowVectors["kind"];
  /** Size and sha256 of every file of the generation (except this manifest), checked when it is opened. */
  integrity?: Record<string, FileIntegrity>;
}

/**
 * chunks.json: every chunk's text once, its document's metadata once per document. A chunk is
 * [id, text, document, section, block, ord] — its meta is the document's entry plus section, block and ord — or
 * [id, text, -1, meta] when its meta is not that (kept whole, so the round trip is exact). indexText is a function of
 * the rest (ingest/chunk.ts indexTextOf) and is not stored.
 */
type StoredChunk = [id: string, text: string, doc: number, section: string, block: ChunkMeta["block"], ord: number] | [id: string, text: string, doc: -1, meta: ChunkMeta];
interface StoredChunks {
  docs: Array<Omit<ChunkMeta, "section" | "block" | "ord">>;
  chunks: StoredChunk[];
}

function packChunks(chunks: Chunk[]): StoredChunks {
  const docs: StoredChunks["docs"] = [];
  const docIndex = new Map<string, number>();
  const stored = chunks.map(({ id, text, meta }): StoredChunk => {
    const { section, block, ord, ...doc } = meta;
    let d = docIndex.get(meta.docId);
    if (d === undefined) {
      docIndex.set(meta.docId, (d = docs.length));
      docs.push(doc);
    }
    // Exact (key order included) or kept whole.
    return JSON.stringify({ ...docs[d], section, block, ord }) === JSON.stringify(meta) ? [id, text, d, section, block, ord] : [id, text, -1, meta];
  });
  return { docs, chunks: stored };
}

function unpackChunks(s: StoredChunks): Chunk[] {
  return s.chunks.map((c) => {
    const meta: ChunkMeta = c[2] === -1 ? (c[3] as ChunkMeta) : { ...s.docs[c[2]], section: c[3] as string, block: c[4]!, ord: c[5]! };
    return { id: c[0], text: c[1], indexText: indexTextOf(meta.title, meta.section, c[1]), meta };
  });
}

export interface IndexData {
  manifest: Manifest;
  chunks: Chunk[];
  /** Every chunk's full vector (stored, or recomputed from its saved terms). */
  vectors: RowVectors;
  stats: HashStats | null;
  bm25: Bm25Index;
  /** Statistics extracted from each report, by docId (kept as JSON so that unchanged files reuse them). */
  statistics: Record<string, ReportStatistics>;
}

export interface LoadedIndex extends IndexData {
  dir: string;
  dense: DenseIndex;
  /**
   * LangChain's HNSWLib store over the same graph files (with its document store), for LangChain's own text
   * searches. Loaded on first call: answering searches the graph through `dense` and never loads LangChain.
   */
  langchainStore(): Promise<HNSWLib>;
}

/** The dense index's own document: the passage and its row in chunks.json (the full metadata lives there once). */
function chunkToDocument(Document: typeof import("@langchain/core/documents").Document, c: Chunk, i: number) {
  return new Document({ pageContent: c.text, metadata: { row: i, docId: c.meta.docId, section: c.meta.section }, id: c.id });
}

/**
 * Graph parameters, measured on the 50 MB synthetic corpus (106k chunks, 165 eval questions; recall@10 of dense
 * search against exact cosine over all chunks, after the re-rank): over 256 folded dimensions, M 16 /
 * efConstruction 32 gives 0.82 (as the earlier 768-dimensional M 16 / efConstruction 80 graph did) and builds
 * in about a quarter of its time; efConstruction 24 drops to 0.77, 16 to 0.73. The search beam (ef) covers the
 * candidates the re-rank takes (dense.ts GRAPH_CANDIDATES). Searches scoped to a few reports do not use the
 * graph (exact cosine), so this matters for open questions only.
 */
export const HNSW_M = 16;
export const HNSW_EF_CONSTRUCTION = 32;
export const HNSW_EF_SEARCH = GRAPH_CANDIDATES;

export function graphParams(embedder: EmbedderDescriptor): GraphParams {
  return { dim: graphDimFor(embedder), m: HNSW_M, efConstruction: HNSW_EF_CONSTRUCTION };
}

export async function currentGeneration(indexDir: string): Promise<string | null> {
  try {
    const name = (await fs.readFile(path.join(indexDir, "CURRENT"), "utf8")).trim();
    return name ? path.join(indexDir, name) : null;
  } catch {
    return null;
  }
}

export async function indexExists(indexDir: string): Promise<boolean> {
  const gen = await currentGeneration(indexDir);
  if (!gen) return false;
  try {
    await fs.access(path.join(gen, "manifest.json"));
    return true;
  } catch {
    return false;
  }
}

async function readJson<T>(file: string): Promise<T> {
  try {
    return JSON.parse(await fs.readFile(file, "utf8")) as T;
  } catch (err) {
    // Damage like any other: an open repairs the generation (engine.ts), an ingest rebuilds it.
    throw new IndexStoreError(`索引文件损坏或缺失 / index file unreadable: ${path.basename(file)} (${(err as Error).message})`, { code: "index_damaged" });
  }
}

export async function readManifest(genDir: string): Promise<Manifest> {
  const m = await readJson<Manifest>(path.join(genDir, "manifest.json"));
  if (m.formatVersion !== INDEX_FORMAT_VERSION)
    throw new IndexStoreError(
      `索引格式版本 ${m.formatVersion} 不受支持（本程序支持 ${INDEX_FORMAT_VERSION}），请运行 npm run ingest -- --rebuild / unknown index format version`,
    );
  return m;
}

/** True when the generation was written by an older release of this program: rebuilt from the corpus, not refused. */
export async function hasOlderFormat(genDir: string): Promise<boolean> {
  const m = await readJson<{ formatVersion?: unknown }>(path.join(genDir, "manifest.json"));
  return typeof m.formatVersion === "number" && m.formatVersion < INDEX_FORMAT_VERSION;
}

/**
 * Reads the data of the live generation without the dense index, after checking its files (guard.ts
 * checkGeneration: sizes, the natively parsed files' hashes, any file changed since it was last verified; every
 * hash with `verify`). A damaged generation throws IndexDamagedError (code "index_damaged") before anything
 * parses it. `statistics`: also read the extraction results (only an ingest reuses them; answering reads facts.sqlite).
 */
export async function readIndexData(indexDir: string, opts: { verify?: boolean; statistics?: boolean } = {}): Promise<(IndexData & { dir: string }) | null> {
  const gen = await currentGeneration(indexDir);
  if (!gen) return null;
  const manifest = await readManifest(gen);
  // A damaged file is refused before anything reads it (a damaged graph would crash hnswlib, not throw).
  await verifyGeneration(gen, manifest.integrity, { full: opts.verify });
  const [core, bm25Header, bm25Bytes, termBytes] = await Promise.all([
    readCore(gen, manifest, opts.statistics ?? false),
    readJson<Bm25Header>(path.join(gen, "bm25.json")),
    readBinary(path.join(gen, "bm25.i32")),
    manifest.vectors === "terms" ? readBinary(path.join(gen, VECTOR_FILES.terms), 1) : Promise.resolve(null),
  ]);
  let bm25: Bm25Index;
  try {
    bm25 = Bm25Index.deserialize(bm25Header, new Int32Array(bm25Bytes.buffer, bm25Bytes.byteOffset, bm25Bytes.byteLength / 4));
  } catch (err) {
    throw new IndexStoreError(`词项索引文件损坏 / bm25.i32 unreadable: ${(err as Error).message}`);
  }
  if (bm25.size !== core.chunks.length) throw new IndexStoreError("词项索引与分块数量不一致 / bm25 does not match chunks.json");
  // The chunks' terms are numbered as the lexical index's terms.
  const vectors = core.vectors ?? TermRows.parse(termBytes!, bm25Header.terms, core.stats!);
  if (vectors.size !== core.chunks.length) throw new IndexStoreError(`索引向量文件与分块数量不一致 / ${VECTOR_FILES[vectors.kind]} does not match chunks.json`);
  // Extraction results only when asked for (the PostgreSQL ingest writes every report's): inflated per report here.
  const statistics: Record<string, ReportStatistics> = {};
  if (opts.statistics)
    for (const d of manifest.documents) {
      const st = core.statistics.get(d.docId);
      if (st) statistics[d.docId] = st;
    }
  return { ...core, vectors, statistics, bm25 };
}

/**
 * Files of a generation that are computed from its chunks, vectors and statistics (and so can be written again
 * from them without parsing or embedding anything): the graph, the lexical index, the statistics database.
 */
export function isDerivedFile(rel: string): boolean {
  return rel.startsWith("hnsw/") || rel === "bm25.json" || rel === "bm25.i32" || rel === FACTS_FILE;
}

/** What an ingest reuses from the live generation: everything but the lexical index (rebuilt from the chunks). */
export type PreviousGeneration = Omit<IndexData, "bm25" | "statistics" | "vectors"> & {
  dir: string;
  statistics: SavedStatistics;
  /** Stored vectors (learned embeddings); null when they are recomputed from terms (ingest counts the terms again). */
  vectors: DenseRows | null;
};

export interface PreviousForIngest {
  data: PreviousGeneration | null;
  /** The live generation's manifest, also when its data is not reused (its recorded sources still are). */
  manifest: Manifest | null;
  /** The check of the live generation (null when there is none). */
  report: IntegrityReport | null;
  /**
   * How a damaged generation is repaired: "parts" when only derived files are damaged (written again from the
   * saved chunks, vectors and statistics), "all" when a source file of the generation is (rebuilt from the sources).
   */
  repair: "parts" | "all" | null;
}

/**
 * The live generation as an ingest reads it: every file hashed first (what an ingest reuses — chunks, vectors,
 * extraction results — goes into the next generation, whose manifest would bless it); a generation whose damage
 * is confined to derived files is still read (those files are not), so that it is repaired without parsing or
 * embedding again.
 */
export async function readForIngest(indexDir: string): Promise<PreviousForIngest> {
  const gen = await currentGeneration(indexDir);
  if (!gen) return { data: null, manifest: null, report: null, repair: null };
  const manifest = await readManifest(gen);
  const report = await checkGeneration(gen, manifest.integrity, { full: true });
  if (!report.problems.length) return { data: await readCore(gen, manifest, true), manifest, report, repair: null };
  if (report.problems.every((p) => isDerivedFile(p.file))) return { data: await readCore(gen, manifest, true), manifest, report, repair: "parts" };
  return { data: null, manifest, report, repair: "all" };
}

/** Chunks, vectors, embedder statistics (and extraction results): the files ingest needs to build on a generation. */
async function readCore(gen: string, manifest: Manifest, withStatistics: boolean): Promise<PreviousGeneration> {
  const [stored, stats, vectorBytes, statistics] = await Promise.all([
    readJson<StoredChunks>(path.join(gen, "chunks.json")),
    readJson<HashStats | null>(path.join(gen, "embedder.json")),
    manifest.vectors === "terms" ? Promise.resolve(null) : readBinary(path.join(gen, VECTOR_FILES.f32)),
    withStatistics ? fs.readFile(path.join(gen, STATISTICS_FILE)).then(decodeStatistics) : Promise.resolve<SavedStatistics>({ get: () => undefined }),
  ]);
  let chunks: Chunk[];
  try {
    chunks = unpackChunks(stored);
  } catch (err) {
    throw new IndexStoreError(`索引文件损坏 / chunks.json: ${(err as Error).message}`, { code: "index_damaged" });
  }
  if (!vectorBytes) {
    if (!stats) throw new IndexStoreError("索引缺少嵌入统计 / embedder.json holds no statistics for terms.bin", { code: "index_damaged" });
    return { dir: gen, manifest, chunks, vectors: null, stats, statistics };
  }
  const vectors = new Float32Array(vectorBytes.buffer, vectorBytes.byteOffset, vectorBytes.byteLength / 4);
  if (vectors.length !== chunks.length * manifest.embedder.dim)
    throw new IndexStoreError("索引向量文件与分块数量不一致 / vectors.f32 does not match chunks.json");
  return { dir: gen, manifest, chunks, vectors: new DenseRows(vectors, manifest.embedder.dim), stats, statistics };
}

/**
 * `--verify`: hashes every file of the live generation against its manifest and writes one line per damaged file
 * (with its code), then a verdict. True when the generation is intact.
 */
export async function verifyIndex(indexDir: string, write: (line: string) => void): Promise<boolean> {
  const gen = await currentGeneration(indexDir);
  if (!gen) {
    write(`没有可校验的索引：${indexDir} / no index to verify`);
    return false;
  }
  let report: IntegrityReport;
  try {
    report = await checkGeneration(gen, (await readManifest(gen)).integrity, { full: true });
  } catch (err) {
    write(`索引校验未通过 [${(err as { code?: string }).code ?? "index_damaged"}]：${(err as Error).message}`);
    return false;
  }
  for (const line of integrityLines(report)) write(line);
  return report.problems.length === 0;
}

/** One line per damaged file, with its code, then the verdict (files, size, time). */
export function integrityLines(r: IntegrityReport): string[] {
  const mb = (r.bytes / 1048576).toFixed(1);
  if (!r.problems.length) return [`索引校验通过：${r.generation}，${r.files} 个文件（${mb} MB），${Math.round(r.ms)} ms / index verified`];
  return [
    ...r.problems.map((p) => `损坏 / damaged [${p.code}] ${p.message}`),
    `索引校验未通过：${r.generation} 的 ${r.problems.length} 个文件损坏（共 ${r.files} 个）。运行 npm run ingest 修复 / index damaged; npm run ingest repairs it`,
  ];
}

/** A whole binary file in a buffer of its own, so typed-array views of it are aligned (pooled buffers may not be). */
async function readBinary(file: string, unit = 4): Promise<Buffer> {
  let buf: Buffer;
  try {
    buf = await fs.readFile(file);
  } catch (err) {
    throw new IndexStoreError(`索引文件损坏或缺失 / index file unreadable: ${path.basename(file)} (${(err as Error).message})`);
  }
  if (buf.byteLength % unit !== 0) throw new IndexStoreError(`索引文件损坏 / ${path.basename(file)}: length ${buf.byteLength} is not a multiple of ${unit}`);
  return buf.byteOffset % 4 === 0 ? buf : Buffer.from(buf);
}

/** Refuses to query an index with a different embedder than the one that built it. */
export function checkEmbedder(manifest: Manifest, embedder: EmbedderDescriptor): void {
  const want = manifest.embedder;
  if (want.name !== embedder.name || want.dim !== embedder.dim || want.distance !== embedder.distance)
    throw new IndexStoreError(
      `索引由嵌入模型 ${want.name}（${want.dim} 维）构建，当前配置的是 ${embedder.name}（${embedder.dim} 维）。` +
        `请改回原配置，或运行 npm run ingest -- --rebuild 重建索引。 / index was built with another embedder`,
    );
}

/** Loads the live generation; `preloaded` (from readIndexData) saves reading and parsing it a second time. */
export async function loadIndex(indexDir: string, embedder: DescribedEmbeddings, preloaded?: (IndexData & { dir: string }) | null): Promise<LoadedIndex> {
  const data = preloaded ?? (await readIndexData(indexDir));
  if (!data) throw new IndexStoreError(`索引不存在：${indexDir} / no index; run npm run ingest`);
  checkEmbedder(data.manifest, embedder.descriptor);
  const graphDim = data.manifest.graph.dim;
  const dir = path.join(data.dir, "hnsw");
  // The graph is read with hnswlib-node itself, in the background: LangChain's HNSWLib.load would also
  // import LangChain and parse docstore.json (every chunk's text again), which a search does not need (labels are
  // chunk rows). Its size and hash were checked with the generation's other files (verifyGeneration).
  const loadGraph = async () => {
    let graph: InstanceType<typeof hnswlib.HierarchicalNSW>;
    try {
      const args = JSON.parse(await fs.readFile(path.join(dir, "args.json"), "utf8")) as { space: "cosine" | "l2" | "ip"; numDimensions: number };
      graph = new hnswlib.HierarchicalNSW(args.space, args.numDimensions);
      await graph.readIndex(path.join(dir, "hnswlib.index"));
    } catch (err) {
      throw new IndexStoreError(`向量索引无法读取 / dense index unreadable: ${(err as Error).message}`);
    }
    if (graph.getNumDimensions() !== graphDim || graph.getCurrentCount() !== data.chunks.length)
      throw new IndexStoreError("向量索引与清单不一致 / hnsw graph does not match manifest.json");
    // hnswlib's default search breadth (ef = 10) would return far fewer good candidates than the re-rank asks for.
    graph.setEf(HNSW_EF_SEARCH);
    return graph;
  };
  let store: Promise<HNSWLib> | null = null;
  const langchainStore = () =>
    (store ??= Promise.all([import("@langchain/community/vectorstores/hnswlib"), import("@langchain/core/documents")]).then(async ([{ HNSWLib }, { Document }]) => {
      const s = await HNSWLib.load(dir, new FoldedEmbeddings(embedder, graphDim));
      s.index.setEf(HNSW_EF_SEARCH);
      // The saved document store is empty (the text is stored once, in chunks.json): filled from the chunks.
      s.docstore.add(Object.fromEntries(data.chunks.map((c, i) => [String(i), chunkToDocument(Document, c, i)])));
      return s;
    }));
  const dense = new DenseIndex(loadGraph, data.vectors, data.manifest.embedder.dim, graphDim);
  // Started now, awaited by the first search that needs it: hnswlib-node reads the file on a worker thread, so
  // opening does not wait for it, and a long-running server holds it before its generation can be replaced.
  dense.graph().catch(() => undefined);
  return { ...data, dense, langchainStore };
}

/** Writes a complete generation aside, then makes it live. Keeps the previous generation for safety. */
export async function writeIndex(
  indexDir: string,
  data: IndexData,
  embedder: DescribedEmbeddings,
  facts: Omit<FactsInput, "documents" | "statistics"> = { bodies: new BodyRegistry(data.manifest.documents.filter((d) => d.kind === "report")) },
): Promise<{ gen: string; factsSeconds: number }> {
  await fs.mkdir(indexDir, { recursive: true });
  const name = `gen-${new Date().toISOString().replace(/[-:.TZ]/g, "")}-${process.pid}`;
  const tmp = path.join(indexDir, `${name}.tmp`);
  await fs.rm(tmp, { recursive: true, force: true });
  await fs.mkdir(tmp, { recursive: true });

  const dim = data.manifest.embedder.dim;
  // hnswlib-node aborts the whole process on malformed input instead of throwing: check before handing it rows.
  const v = data.vectors;
  if (v.size !== data.chunks.length || v.dim !== dim || (v instanceof DenseRows && (v.vectors.length !== v.size * dim || !allFinite(v.vectors))))
    throw new IndexStoreError(`向量与分块数量或维度不一致 / ${v.size} vectors of ${v.dim} dimensions for ${data.chunks.length} chunks × ${dim} dimensions`);
  // LangChain is loaded by a build only (the graph is saved through its HNSWLib store, with its document store).
  const { HNSWLib } = await import("@langchain/community/vectorstores/hnswlib");
  const { HierarchicalNSW } = await HNSWLib.imports();
  const bm25 = data.bm25.serialize();
  // The files are written by libuv's threads while this thread builds the graph: disk waits overlap the build.
  // (Handled at once so that a failed write cannot surface as an unhandled rejection before it is awaited.)
  const files = Promise.all([
    fs.writeFile(path.join(tmp, "chunks.json"), JSON.stringify(packChunks(data.chunks))),
    fs.writeFile(path.join(tmp, "embedder.json"), JSON.stringify(data.stats)),
    fs.writeFile(path.join(tmp, "bm25.json"), JSON.stringify(bm25.header)),
    fs.writeFile(path.join(tmp, "bm25.i32"), Buffer.from(bm25.numbers.buffer, bm25.numbers.byteOffset, bm25.numbers.byteLength)),
    fs.writeFile(path.join(tmp, VECTOR_FILES[v.kind]), v.bytes()),
    encodeStatistics(data.statistics).then((bytes) => fs.writeFile(path.join(tmp, STATISTICS_FILE), bytes)),
  ]);
  const tFacts = performance.now();
  writeFactsDb(path.join(tmp, FACTS_FILE), { ...facts, documents: data.manifest.documents, statistics: data.statistics });
  const factsSeconds = (performance.now() - tFacts) / 1000;
  files.catch(() => undefined);
  // The graph is built here rather than by HNSWLib.addVectors, which always uses hnswlib's default parameters.
  const { dim: graphDim, m, efConstruction } = data.manifest.graph;
  const graph = new HierarchicalNSW("cosine", graphDim);
  graph.initIndex(Math.max(1, data.chunks.length), m, efConstruction, 100);
  // hnswlib-node takes only plain arrays and copies them: one reused row buffer instead of one array per chunk.
  const row: number[] = new Array(graphDim).fill(0);
  for (let i = 0; i < data.chunks.length; i++) {
    foldInto(v.row(i), row, graphDim);
    graph.addPoint(row, i);
  }
  // Saved through LangChain's HNSWLib with an empty document store: the text is stored once, in chunks.json, and
  // the store is filled from it when LangChain's own searches are asked for (langchainStore).
  const hnsw = new HNSWLib(new FoldedEmbeddings(embedder, graphDim), { space: "cosine", numDimensions: graphDim, index: graph });
  await Promise.all([hnsw.save(path.join(tmp, "hnsw")), files]);
  // The manifest is written last and records every other file's size and hash.
  const integrity = await integrityOf(tmp);
  await fs.writeFile(path.join(tmp, "manifest.json"), JSON.stringify({ ...data.manifest, vectors: v.kind, integrity }, null, 1));
  await markVerified(tmp, integrity);
  const gen = path.join(indexDir, name);
  await fs.rename(tmp, gen);
  const previous = await currentGeneration(indexDir);
  const cur = path.join(indexDir, `CURRENT.${process.pid}.tmp`);
  await fs.writeFile(cur, name);
  await fs.rename(cur, path.join(indexDir, "CURRENT"));
  await pruneGenerations(indexDir, [name, previous ? path.basename(previous) : ""]);
  return { gen, factsSeconds };
}

/** A plain loop: TypedArray.some with a callback costs ~10× more over 80M values. */
function allFinite(v: Float32Array): boolean {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) return false;
  return true;
}

/** Removes `.tmp` generations left by builds whose process is gone (a crash, a full disk). */
export async function cleanStaleBuilds(indexDir: string): Promise<string[]> {
  const removed: string[] = [];
  for (const entry of await fs.readdir(indexDir).catch(() => [] as string[])) {
    if (!entry.startsWith("gen-") || !entry.endsWith(".tmp")) continue;
    const pid = Number(entry.match(/-(\d+)\.tmp$/)?.[1]);
    if (pid && pid !== process.pid && isAlive(pid)) continue;
    await fs.rm(path.join(indexDir, entry), { recursive: true, force: true }).catch(() => undefined);
    removed.push(entry);
  }
  return removed;
}

/** Removes generations other than `keep` and leftovers of crashed builds. */
async function pruneGenerations(indexDir: string, keep: string[]): Promise<void> {
  for (const entry of await fs.readdir(indexDir)) {
    if (!entry.startsWith("gen-") || keep.includes(entry)) continue;
    // A .tmp folder of another live process must not be removed under its feet.
    if (entry.endsWith(".tmp") && !entry.includes(`-${process.pid}.`)) {
      const pid = Number(entry.match(/-(\d+)\.tmp$/)?.[1]);
      if (pid && isAlive(pid)) continue;
    }
    await fs.rm(path.join(indexDir, entry), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
