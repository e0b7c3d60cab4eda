import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import type { Settings } from "../config.js";
import { createEmbedder, type EmbedderSettings } from "../embed/factory.js";
import { fitHashStatsOnCounts, HashingEmbeddings } from "../embed/hashing.js";
import { TermCounter } from "../embed/termCounts.js";
import { IndexStoreError, LoadError } from "../errors.js";
import { parseFile, parseOverrides, type CorpusOverrides, type Overrides, type ParsedDocument, type Provenance } from "../ingest/document.js";
import { ProvenanceTables } from "../ingest/provenance.js";
import type { Chunk } from "../types.js";
import { BodyRegistry } from "../domain/bodies.js";
import { consecutiveYearChecks } from "../stats/cross.js";
import { STATISTICS_VERSION } from "../stats/extract/index.js";
import type { ReportStatistics } from "../stats/types.js";
import { Bm25Index } from "./bm25.js";
import { DenseRows, TermRows, type RowVectors } from "./rows.js";
import { acquireWriteLock, claimIndexFolder, type IntegrityProblem } from "./guard.js";
import { listCorpusFiles, type ListOptions, type SkippedFile } from "../ingest/files.js";
import { cleanStaleBuilds, currentGeneration, graphParams, INDEX_FORMAT_VERSION, integrityLines, readForIngest, readManifest, writeIndex, type FileEntry, type IndexedDocument, type Manifest, type PreviousForIngest } from "./store.js";

/** Bump when parsing or chunking changes, so every file is re-processed once. */
export const CHUNKER_VERSION = "9";


export interface IngestOptions {
  corpusDir: string;
  indexDir: string;
  /** Files or folders to add to the index's recorded sources (a new index records corpusDir when none are given). */
  paths?: string[];
  /** Re-fit embedder statistics and re-embed everything. */
  rebuild?: boolean;
  /** Sources (files or folders) to stop indexing. */
  forget?: string[];
  /** How long to wait for another writer of the same index (ms). */
  lockWaitMs?: number;
  /** `--verify`: also say that the live generation passed its check (every file is hashed before an ingest reuses it). */
  verify?: boolean;
  settings: EmbedderSettings & Partial<Pick<Settings, "MAX_FILE_MB" | "FOLLOW_SYMLINKS_OUTSIDE">>;
  log?: (line: string) => void;
}

export interface IngestFailure {
  source: string;
  reason: string;
}

export interface IngestSummary {
  files: number;
  documents: number;
  sections: number;
  chunks: number;
  /** Chunks embedded in this run (0 when nothing changed). */
  embedded: number;
  reused: number;
  removed: string[];
  failures: IngestFailure[];
  seconds: number;
  /** Seconds per stage (parse = load+clean+structure+chunk; write = dense graph build + files), when written. */
  stages: { parse: number; statistics: number; analyze: number; embed: number; bm25: number; write: number } | null;
  /** False when nothing changed and the live index was left as is. */
  written: boolean;
  /** Damaged files found in the live generation (each with its code); repaired by this ingest. */
  damaged: IntegrityProblem[];
  /** How the damage was repaired: the derived files written again ("parts"), or the whole index rebuilt ("all"). */
  repaired: "parts" | "all" | null;
  indexDir: string;
}

export async function readOverrides(corpusDir: string): Promise<CorpusOverrides> {
  const file = path.join(corpusDir, "overrides.json");
  let raw: string;
  try {
    raw = await fs.readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { files: {}, bodies: {} };
    throw new LoadError(file, `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseOverrides(raw, file);
}

/** A file's identity: its path relative to the corpus folder, or its base name when outside it. */
export function sourceOf(corpusDir: string, file: string): string {
  const rel = path.relative(corpusDir, file);
  // A file named as its own source, or one outside the folder, is known by its name.
  return !rel || rel.startsWith("..") || path.isAbsolute(rel) ? path.basename(file) : rel.split(path.sep).join("/");
}

/** Every override entry of a file: the file itself and each of its documents ("000_….txt#2"). */
function overrideKey(overrides: Overrides, source: string): string {
  const keys = Object.keys(overrides).filter((k) => k === source || k.startsWith(`${source}#`)).sort();
  return JSON.stringify(keys.map((k) => [k, overrides[k]]));
}

type ReadResult = { bytes: Buffer } | { error: NodeJS.ErrnoException };

/**
 * Yields the files' contents in order while reading a few files ahead, so waiting for the disk overlaps with
 * parsing (the parsing itself stays on one thread). A failed read is a value, not a rejected promise left
 * waiting unobserved.
 */
function readAhead(files: string[], depth = 8): { next: () => Promise<ReadResult> } {
  const pending: Array<Promise<ReadResult>> = [];
  let started = 0;
  const fill = () => {
    while (started < files.length && pending.length < depth)
      pending.push(fs.readFile(files[started++]).then((bytes) => ({ bytes }), (error: NodeJS.ErrnoException) => ({ error })));
  };
  return {
    next: () => {
      fill();
      const p = pending.shift();
      if (!p) throw new RangeError("readAhead: no more files");
      fill();
      return p;
    },
  };
}

function countSections(docs: ParsedDocument[]): number {
  let n = 0;
  const walk = (s: { children: unknown[] }) => {
    n++;
    (s.children as Array<{ children: unknown[] }>).forEach(walk);
  };
  docs.forEach((d) => d.sections.forEach(walk));
  return n;
}

/**
 * Incremental ingest: unchanged files keep their chunks and vectors from the live index, changed and
 * new files are parsed and embedded, files no longer present are dropped. Nothing is written when
 * nothing changed. A file that fails to load keeps its previous version (if any) and is reported.
 */
/** What decides whether a file must be processed again: its bytes, the chunker version and its override entries. */
function fileHash(bytes: Buffer, source: string, overrides: Overrides, provenance: Provenance | null = null): string {
  const h = createHash("sha256").update(bytes).update(CHUNKER_VERSION).update(STATISTICS_VERSION).update(overrideKey(overrides, source));
  // A file's row in its folder's provenance table (SOURCES.md) is part of what it is read as.
  if (provenance) h.update(JSON.stringify(provenance));
  return h.digest("hex");
}

/** Everything but the bytes that decides how a file is read (versions, override entries, provenance row): no read needed. */
function rulesKey(source: string, overrides: Overrides, provenance: Provenance | null): string {
  return createHash("sha256").update(CHUNKER_VERSION).update(STATISTICS_VERSION).update(overrideKey(overrides, source)).update(JSON.stringify(provenance)).digest("hex").slice(0, 16);
}

/**
 * A file whose modification time is this close to the moment it was looked at may still change within the same
 * timestamp tick (coarse file-system clocks): its size and mtime are not recorded, so it is hashed next time.
 */
const RACY_MS = 3000;

/** What a file looked like when it was read (stat before read): its size, mtime (when trustworthy) and rules. */
interface FileStamp {
  size?: number;
  mtimeMs?: number;
  rules?: string;
}

function stampOf(st: { size: number; mtimeMs: number } | null, seenAt: number, rules: string): FileStamp {
  if (!st) return {};
  return { size: st.size, rules, ...(seenAt - st.mtimeMs >= RACY_MS ? { mtimeMs: st.mtimeMs } : {}) };
}

/** True when a recorded file may be taken as unchanged without reading it: same size, mtime and reading rules. */
function sameStamp(rec: FileStamp | undefined, st: { size: number; mtimeMs: number } | null, rules: string): boolean {
  return !!rec && !!st && rec.mtimeMs !== undefined && rec.size === st.size && rec.mtimeMs === st.mtimeMs && rec.rules === rules;
}

/** Files that failed to load, with the hash they failed at: reported on every ingest until they change. */
export type FailedFiles = Record<string, { hash: string; reason: string; root: string } & FileStamp>;
const FAILED_FILE = "failed.json";

export async function readFailed(indexDir: string): Promise<FailedFiles> {
  return fs.readFile(path.join(indexDir, FAILED_FILE), "utf8").then((t) => JSON.parse(t) as FailedFiles, () => ({}));
}

async function writeFailed(indexDir: string, failed: FailedFiles): Promise<void> {
  const tmp = path.join(indexDir, `${FAILED_FILE}.${process.pid}.tmp`);
  await fs.writeFile(tmp, JSON.stringify(failed, null, 1));
  await fs.rename(tmp, path.join(indexDir, FAILED_FILE));
}

/** The listing rules the settings give (per-file size cap, symlinks outside the sources). */
function listOptionsOf(s: Partial<Pick<Settings, "MAX_FILE_MB" | "FOLLOW_SYMLINKS_OUTSIDE">>): ListOptions {
  return { maxFileBytes: s.MAX_FILE_MB ? s.MAX_FILE_MB * 1024 * 1024 : undefined, followSymlinksOutside: s.FOLLOW_SYMLINKS_OUTSIDE ?? false };
}

/** The sources an index records (absolute paths); an index from before sources were recorded was built from corpusDir. */
export function recordedSources(manifest: Manifest | null | undefined, corpusDir: string): string[] {
  return manifest?.sources?.length ? manifest.sources : [path.resolve(corpusDir)];
}

/** Every file below the sources, each with its source id; a source that cannot be listed throws (never "0 files"). */
type Listed = { file: string; root: string; source: string; st: { size: number; mtimeMs: number } | null };
async function listSources(sources: string[], opts: ListOptions = {}): Promise<{ files: Listed[]; skipped: SkippedFile[] }> {
  const files: Listed[] = [];
  const skipped: SkippedFile[] = [];
  for (const root of sources) {
    const l = await listCorpusFiles([root], opts);
    skipped.push(...l.skipped);
    for (const file of l.files) files.push({ file, root, source: sourceOf(root, file), st: l.stats.get(file) ?? null });
  }
  return { files, skipped };
}

/**
 * True when the live index holds exactly the current files of its recorded sources (same contents; a file that
 * failed before counts as known while it is unchanged): reads the manifest, stats every file, and reads and hashes
 * only the files whose size, mtime or reading rules differ from what was recorded.
 */
export async function isUpToDate(corpusDir: string, indexDir: string, settings: Partial<Pick<Settings, "MAX_FILE_MB" | "FOLLOW_SYMLINKS_OUTSIDE">> = {}): Promise<boolean> {
  return (await checkFreshness(corpusDir, indexDir, settings)).upToDate;
}

/** isUpToDate, with how many files had to be read and hashed to decide. */
export async function checkFreshness(
  corpusDir: string,
  indexDir: string,
  settings: Partial<Pick<Settings, "MAX_FILE_MB" | "FOLLOW_SYMLINKS_OUTSIDE">> = {},
): Promise<{ upToDate: boolean; hashed: number }> {
  let hashed = 0;
  const gen = await currentGeneration(indexDir);
  if (!gen) return { upToDate: false, hashed };
  const manifest = await readManifest(gen);
  const overrides = (await readOverrides(corpusDir)).files;
  const { files } = await listSources(recordedSources(manifest, corpusDir), listOptionsOf(settings));
  const failed = await readFailed(indexDir);
  if (files.length !== Object.keys(manifest.files).length + Object.keys(failed).length) return { upToDate: false, hashed };
  const provenance = new ProvenanceTables();
  for (const { file, source, st } of files) {
    const rec = manifest.files[source] ?? failed[source];
    if (!rec) return { upToDate: false, hashed };
    const prov = await provenance.of(file);
    // The listing's stat: taken before any read.
    if (sameStamp(rec, st, rulesKey(source, overrides, prov))) continue;
    hashed++;
    const bytes = await fs.readFile(file).catch(() => null);
    if (!bytes || rec.hash !== fileHash(bytes, source, overrides, prov)) return { upToDate: false, hashed };
  }
  return { upToDate: true, hashed };
}

export async function ingest(opts: IngestOptions): Promise<IngestSummary> {
  const t0 = performance.now();
  const log = opts.log ?? (() => {});
  const corpusOverrides = await readOverrides(opts.corpusDir);
  const overrides = corpusOverrides.files;
  // Only a Nianbao index folder is written into, and by one writer at a time.
  await claimIndexFolder(opts.indexDir);
  const release = await acquireWriteLock(opts.indexDir, {
    waitMs: opts.lockWaitMs ?? 120_000,
    onWait: (pid) => log(`另一个进程（pid ${pid}）正在写入该索引，等待其完成… / waiting for another ingest`),
    onTakeover: (h) => log(`接管了已结束进程（pid ${h.pid}）留下的写入锁 / took over the write lock of a writer that is gone`),
  });
  try {
    await cleanStaleBuilds(opts.indexDir);
    return await ingestLocked(opts, overrides, corpusOverrides, t0, log);
  } finally {
    await release();
  }
}

async function ingestLocked(opts: IngestOptions, overrides: Overrides, corpusOverrides: CorpusOverrides, t0: number, log: (line: string) => void): Promise<IngestSummary> {
  let stages: IngestSummary["stages"] = null;
  const failures: IngestFailure[] = [];
  // The live generation is checked first (every file hashed): damage confined to derived files (graph,
  // lexical index, statistics database) is written again from the saved chunks and vectors; other damage rebuilds
  // the index from its sources. Either way the ingest writes, and says so.
  const previous: PreviousForIngest = opts.rebuild
    ? { data: null, manifest: null, report: null, repair: null }
    : await readForIngest(opts.indexDir).catch((err): PreviousForIngest => {
        log(`索引已损坏或无法读取，正在从来源重建 / previous index unusable, rebuilding: ${(err as Error).message}`);
        return { data: null, manifest: null, report: null, repair: null };
      });
  const prev = previous.data;
  const damaged = previous.report?.problems ?? [];
  // Each damaged file is reported with its code (the repair is said once written); --verify says so when all is well.
  if (previous.report && (damaged.length || opts.verify)) for (const line of integrityLines(previous.report).slice(0, Math.max(1, damaged.length))) log(line);
  // Sources: what the index recorded, plus the paths added, minus the ones forgotten.
  const forget = new Set((opts.forget ?? []).map((p) => path.resolve(p)));
  const recorded = previous.manifest ? recordedSources(previous.manifest, opts.corpusDir) : opts.paths?.length ? [] : [path.resolve(opts.corpusDir)];
  const sources = [...new Set([...recorded, ...(opts.paths ?? []).map((p) => path.resolve(p))])].filter((p) => !forget.has(p));
  if (!sources.length) throw new IndexStoreError("索引没有任何来源：请指定语料文件或文件夹。", { code: "no_sources" });
  // A source that cannot be listed stops the ingest before anything is written: never an emptied index.
  // Before the listing's stats: a file modified close to this moment does not get its mtime trusted (RACY_MS).
  const seenAt = Date.now();
  const listing = await listSources(sources, listOptionsOf(opts.settings));
  for (const sk of listing.skipped) failures.push({ source: sk.path, reason: sk.reason });
  const files = listing.files.map((f) => f.file);
  const rootOf = new Map(listing.files.map((f) => [f.file, f]));
  const failedNow: FailedFiles = {};
  const prevChunksBySource = new Map<string, Array<{ chunk: Chunk; row: number }>>();
  prev?.chunks.forEach((chunk, row) => {
    const list = prevChunksBySource.get(chunk.meta.source) ?? [];
    list.push({ chunk, row });
    prevChunksBySource.set(chunk.meta.source, list);
  });

  const statistics: Record<string, ReportStatistics> = {};
  let statisticsMs = 0;
  // The previous documents by source (a kept file takes its documents and their statistics without a scan).
  const prevDocsBySource = new Map<string, IndexedDocument[]>();
  for (const d of prev?.manifest.documents ?? []) {
    const list = prevDocsBySource.get(d.source) ?? [];
    list.push(d);
    prevDocsBySource.set(d.source, list);
  }
  const keepStatistics = (source: string) => {
    for (const d of prevDocsBySource.get(source) ?? []) {
      const st = prev!.statistics.get(d.docId);
      if (st) statistics[d.docId] = st;
    }
  };
  const files2: Record<string, FileEntry> = {};
  const documents: IndexedDocument[] = [];
  const fresh: Chunk[] = [];
  const kept: Array<{ chunk: Chunk; row: number }> = [];
  let sections = 0;
  const seen = new Set<string>();

  // Each file is stat-ed first: one whose size, mtime and reading rules match the live index's record is kept
  // without being read; only the others are read (a few ahead) and hashed.
  const provenanceTables = new ProvenanceTables();
  const looks = await Promise.all(
    files.map(async (file) => {
      const { source, st } = rootOf.get(file)!;
      const provenance = await provenanceTables.of(file);
      const rules = rulesKey(source, overrides, provenance);
      return { provenance, rules, st, clean: prev !== null && sameStamp(prev.manifest.files[source], st, rules) };
    }),
  );
  const reads = readAhead(files.filter((_, i) => !looks[i].clean));
  for (const [i, file] of files.entries()) {
    const { source, root } = rootOf.get(file)!;
    const { provenance, rules, st, clean } = looks[i];
    const read = clean ? null : await reads.next();
    if (seen.has(source)) {
      failures.push({ source: file, reason: `与另一来源中的 ${source} 同名，已跳过 / duplicate source name` });
      continue;
    }
    seen.add(source);
    if (read && "error" in read) {
      failures.push({ source, reason: `cannot read file: ${read.error.code}` });
      continue;
    }
    const old = prev?.manifest.files[source];
    const bytes = read?.bytes ?? null;
    const hash = bytes ? fileHash(bytes, source, overrides, provenance) : old!.hash;
    const stamp = stampOf(st, seenAt, rules);
    if (old && old.hash === hash && prev) {
      // Same contents: the entry is kept, with what the file looks like now (a touched file is not hashed again).
      files2[source] = { ...old, ...stamp };
      documents.push(...(prevDocsBySource.get(source) ?? []));
      kept.push(...(prevChunksBySource.get(source) ?? []));
      keepStatistics(source);
      sections += old.sections;
      continue;
    }
    try {
      const docs = await parseFile(file, source, overrides, undefined, bytes!, provenance);
      const chunks = docs.flatMap((d) => d.chunks);
      if (chunks.length === 0) throw new LoadError(source, "no text to index after cleaning");
      const nSec = countSections(docs);
      sections += nSec;
      files2[source] = { hash, root, docIds: docs.map((d) => d.meta.docId), chunks: chunks.length, sections: nSec, ...stamp };
      documents.push(...docs.map((d) => ({ ...d.meta, aliases: d.aliases })));
      for (const d of docs) {
        if (d.statistics) statistics[d.meta.docId] = d.statistics;
        statisticsMs += d.statisticsMs;
      }
      fresh.push(...chunks);
      log(`[${i + 1}/${files.length}] ${source}: ${docs.length} document(s), ${nSec} sections, ${chunks.length} chunks`);
    } catch (err) {
      const reason = err instanceof LoadError ? err.reason : (err as Error).message;
      failures.push({ source, reason });
      // Recorded as failed (never as ingested), so it is reported on every ingest until it changes.
      failedNow[source] = { hash, reason, root, ...stamp };
      log(`[${i + 1}/${files.length}] ${source}: FAILED — ${reason}`);
      // Losing nothing: a file that used to ingest keeps its last good version.
      if (old && prev) {
        files2[source] = old;
        sections += old.sections;
        documents.push(...(prevDocsBySource.get(source) ?? []));
        kept.push(...(prevChunksBySource.get(source) ?? []));
        keepStatistics(source);
      }
    }
  }

  // The recorded sources are the whole truth (every one of them was listed): files gone from them, or whose
  // source was forgotten, are dropped.
  const removed: string[] = [];
  if (prev) for (const source of Object.keys(prev.manifest.files)) if (!files2[source] && !failedNow[source]) removed.push(source);

  const total = kept.length + fresh.length;
  const sameSources = prev !== null && JSON.stringify(recordedSources(prev.manifest, opts.corpusDir)) === JSON.stringify(sources);
  // Failed files are recorded beside the generations (a failure alone is no reason to rebuild the index).
  await writeFailed(opts.indexDir, failedNow);
  const unchanged = previous.repair === null && prev !== null && sameSources && fresh.length === 0 && removed.length === 0 && Object.keys(files2).length === Object.keys(prev.manifest.files).length;
  if (unchanged) {
    return summary(false);
  }

  const allChunks = [...kept.map((k) => k.chunk), ...fresh];
  // Text analysis (jieba + bigrams) is the costliest CPU step: done once, shared by statistics, embedding and BM25.
  const tParsed = performance.now();
  const counter = new TermCounter();
  // indexText is title + section path + text (indexTextOf); titles and section paths repeat and are analyzed once.
  for (const c of allChunks) counter.add(c.text, [c.meta.title, c.meta.section]);
  const counts = counter.result();
  const tAnalyzed = performance.now();
  const { embedder, stats } = await createEmbedder(opts.settings, prev?.stats ?? null, (dim) => fitHashStatsOnCounts(counts, dim));
  const dim = embedder.descriptor.dim;
  const sameEmbedder = prev && prev.manifest.embedder.name === embedder.descriptor.name && prev.manifest.embedder.dim === dim;
  let embedded = 0;
  const toEmbed: number[] = [];
  allChunks.forEach((_, i) => {
    if (!(i < kept.length && sameEmbedder)) toEmbed.push(i);
  });
  let vectors: RowVectors;
  if (embedder instanceof HashingEmbeddings) {
    // The built-in embedder's vectors are a function of the terms just counted and the (kept) statistics: the terms
    // are stored, and each vector is computed from them where it is needed (the graph build, the exact re-rank).
    vectors = TermRows.fromCounts(counts, embedder.stats);
    embedded = toEmbed.length;
  } else {
    const dense = new Float32Array(total * dim);
    allChunks.forEach((_, i) => {
      if (i < kept.length && sameEmbedder && prev!.vectors) dense.set(prev!.vectors.row(kept[i].row), i * dim);
      else if (i < kept.length && sameEmbedder) throw new IndexStoreError("上一版索引没有保存向量 / previous generation holds no stored vectors");
    });
    const batch = 256;
    for (let b = 0; b < toEmbed.length; b += batch) {
      const ids = toEmbed.slice(b, b + batch);
      const vecs = await embedder.embedDocuments(ids.map((i) => allChunks[i].indexText));
      vecs.forEach((v, k) => dense.set(v, ids[k] * dim));
      embedded += ids.length;
      // About twenty progress lines however large the corpus.
      const step = Math.max(batch, Math.ceil(toEmbed.length / 20 / batch) * batch);
      if (toEmbed.length > batch && (embedded % step === 0 || embedded === toEmbed.length)) log(`embedded ${embedded}/${toEmbed.length} chunks`);
    }
    vectors = new DenseRows(dense, dim);
  }

  const tEmbedded = performance.now();
  const bm25 = Bm25Index.fromCounts(counts);
  const tBm25 = performance.now();
  const manifest: Manifest = {
    formatVersion: INDEX_FORMAT_VERSION,
    embedder: embedder.descriptor,
    graph: graphParams(embedder.descriptor),
    createdAt: new Date().toISOString(),
    files: files2,
    documents,
    chunkCount: allChunks.length,
    sources,
  };
  const bodies = new BodyRegistry(documents.filter((d) => d.kind === "report"), corpusOverrides.bodies);
  const crossChecks = consecutiveYearChecks(documents, statistics, bodies);
  const { factsSeconds } = await writeIndex(opts.indexDir, { manifest, chunks: allChunks, vectors, stats, bm25, statistics }, embedder, { bodies, crossChecks });
  const sec = (a: number, b: number) => Math.round(b - a) / 1000;
  // Statistics = extraction (inside parsing, per file) + the database; parse excludes the extraction.
  const statisticsSeconds = statisticsMs / 1000 + factsSeconds;
  stages = { parse: sec(t0, tParsed) - statisticsMs / 1000, statistics: statisticsSeconds, analyze: sec(tParsed, tAnalyzed), embed: sec(tAnalyzed, tEmbedded), bm25: sec(tEmbedded, tBm25), write: sec(tBm25, performance.now()) };
  const names = damaged.map((p) => p.file).join("、");
  if (previous.repair === "parts") log(`索引已修复：${names} 已损坏，已用保存的分块、向量和统计重新写出（未重新解析或嵌入） / repaired the damaged files from the saved chunks and vectors`);
  else if (previous.repair === "all") log(`索引已修复：${names} 已损坏，已从来源重建整个索引 / repaired by rebuilding the index from its sources`);
  return summary(true, embedded);

  function summary(written: boolean, embeddedCount = 0): IngestSummary {
    return {
      files: Object.keys(files2).length,
      documents: documents.length,
      sections,
      chunks: total,
      embedded: embeddedCount,
      reused: written ? total - embeddedCount : total,
      removed,
      failures,
      seconds: (performance.now() - t0) / 1000,
      stages,
      written,
      damaged,
      repaired: written ? previous.repair : null,
      indexDir: opts.indexDir,
    };
  }
}
