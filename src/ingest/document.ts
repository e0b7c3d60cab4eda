import { z } from "zod";
import { bodyOverrideSchema, type BodyOverride } from "../domain/bodies.js";
import { LoadError } from "../errors.js";
import type { Chunk, DocMeta, Section } from "../types.js";
import { chunkDocument, DEFAULT_CHUNK_OPTIONS, type ChunkOptions } from "./chunk.js";
import { detectFormat } from "../domain/format/formats.js";
import { extractStatistics } from "../stats/extract/index.js";
import type { ReportStatistics } from "../stats/types.js";
import { cleanText } from "./clean.js";
import { splitPageHeader } from "./header.js";
import { loadFile } from "./load.js";
import { detectMeta } from "./metadata.js";
import { splitDocuments } from "./split.js";
import { parseSections } from "./structure.js";

/** Corrections to detected metadata, keyed by corpus-relative file name (optional `#n` for the n-th document). */
export const overrideSchema = z.record(
  z.string(),
  z.object({
    title: z.string().optional(),
    issuer: z.string().nullable().optional(),
    region: z.string().nullable().optional(),
    year: z.number().int().nullable().optional(),
    kind: z.enum(["report", "regulation", "format_notice", "judicial_interpretation", "other"]).optional(),
    /** Other names the region is written as (e.g. an OCR misreading), so queries match either. */
    aliases: z.array(z.string()).optional(),
    note: z.string().optional(),
  }),
);
export type Overrides = z.infer<typeof overrideSchema>;

/** `corpus/overrides.json`: per-file corrections and per-body facts the text cannot show. */
export interface CorpusOverrides {
  files: Overrides;
  bodies: Record<string, BodyOverride>;
}

const overridesFileSchema = z.object({ files: overrideSchema.optional(), bodies: z.record(z.string(), bodyOverrideSchema).optional() }).strict();

/**
 * Parses overrides.json; errors name the file and the line. The older shape (file entries at the top level)
 * is still read.
 */
export function parseOverrides(raw: string, file = "overrides.json"): CorpusOverrides {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    const pos = Number((err as Error).message.match(/position (\d+)/)?.[1] ?? NaN);
    const line = Number.isFinite(pos) ? raw.slice(0, pos).split("\n").length : null;
    throw new LoadError(file, `JSON 格式错误${line ? `（第 ${line} 行）` : ""}：${(err as Error).message}`);
  }
  const isNew = json !== null && typeof json === "object" && ("files" in json || "bodies" in json);
  const parsed = isNew ? overridesFileSchema.safeParse(json) : overrideSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue.path.map(String);
    const line = lineOfKey(raw, key);
    throw new LoadError(file, `${line ? `第 ${line} 行，` : ""}${key.join(".") || "(顶层)"}：${issue.message}`);
  }
  if (isNew) {
    const d = parsed.data as z.infer<typeof overridesFileSchema>;
    return { files: d.files ?? {}, bodies: d.bodies ?? {} };
  }
  return { files: parsed.data as Overrides, bodies: {} };
}

/** Line of the deepest key of a path that can be found in the raw text (good enough to point a person at it). */
function lineOfKey(raw: string, path: string[]): number | null {
  let from = 0;
  let line: number | null = null;
  for (const k of path) {
    const i = raw.indexOf(JSON.stringify(k), from);
    if (i < 0) break;
    from = i;
    line = raw.slice(0, i).split("\n").length;
  }
  return line;
}

/** 发布日期 and 原文链接 of a file as a folder's provenance table (SOURCES.md) records them. */
export interface Provenance {
  published: string | null;
  url: string | null;
  /** Where they were read ("SOURCES.md"). */
  from: string;
}

/** How each field of a document was found: issuer, year, title, published, url (for `ingest --show`). */
export type Detection = Record<"issuer" | "year" | "title" | "published" | "url", string>;

export interface ParsedDocument {
  meta: DocMeta;
  /** How each field of `meta` was found. */
  detection: Detection;
  aliases: string[];
  sections: Section[];
  chunks: Chunk[];
  /** Tables, narrative figures and checks of a report; null for other kinds. */
  statistics: ReportStatistics | null;
  /** Time spent extracting them (ms), reported as ingest's statistics stage. */
  statisticsMs: number;
}

/** Cleaned text of one file → its documents with metadata, section tree and chunks. Pure. */
export function parseText(text: string, source: string, overrides: Overrides = {}, opts: ChunkOptions = DEFAULT_CHUNK_OPTIONS, provenance: Provenance | null = null): ParsedDocument[] {
  const page = splitPageHeader(text);
  const parts = splitDocuments(cleanText(page.text));
  // The crawler header first, then the folder's provenance table; a file holding several documents has neither per document.
  const published = page.header.published ?? provenance?.published ?? null;
  const url = page.header.url ?? provenance?.url ?? null;
  return parts.map((part, i) => {
    const detected = detectMeta(part.text, source, page.header.title, { agency: page.header.agency, published: parts.length === 1 ? published : null });
    if (part.pageTitle && detected.kind === "report" && !/^\d/.test(part.pageTitle) && !part.pageTitle.startsWith("关于")) {
      detected.title = part.pageTitle;
      detected.how.title = "分篇标题";
    }
    const o = overrides[`${source}#${i}`] ?? overrides[source] ?? {};
    const meta: DocMeta = {
      docId: `${source}#${i}`,
      source,
      title: o.title ?? detected.title,
      issuer: o.issuer !== undefined ? o.issuer : detected.issuer,
      region: o.region !== undefined ? o.region : detected.region,
      year: o.year !== undefined ? o.year : detected.year,
      kind: o.kind ?? detected.kind,
      published: parts.length === 1 ? published : null,
      url: parts.length === 1 ? url : null,
    };
    const by = (field: string | null | undefined, header: string | null) => (parts.length !== 1 || !field ? "—" : header ? "采集头" : provenance?.from ?? "—");
    const overridden = (k: keyof typeof o) => (o[k] !== undefined ? "overrides.json" : null);
    const detection: Detection = {
      issuer: overridden("issuer") ?? detected.how.issuer,
      year: overridden("year") ?? detected.how.year,
      title: overridden("title") ?? detected.how.title,
      published: by(meta.published, page.header.published),
      url: by(meta.url, page.header.url),
    };
    if (meta.kind === "report") meta.format = detectFormat(meta.year, part.text);
    const sections = parseSections(part.text, meta.kind);
    const t0 = performance.now();
    const statistics = meta.kind === "report" ? extractStatistics(part.text, { year: meta.year ?? null, source }) : null;
    const statisticsMs = performance.now() - t0;
    if (statistics) meta.format = statistics.format;
    return { meta, detection, aliases: o.aliases ?? [], sections, chunks: chunkDocument(meta, sections, opts), statistics, statisticsMs };
  });
}

export async function parseFile(absPath: string, source: string, overrides: Overrides = {}, opts?: ChunkOptions, bytes?: Buffer, provenance: Provenance | null = null): Promise<ParsedDocument[]> {
  const loaded = await loadFile(absPath, source, bytes);
  return parseText(loaded.text, source, overrides, opts, provenance);
}
