import { z } from "zod";
import type { Chunk, DocMeta, Section } from "../types.js";
import { chunkDocument, DEFAULT_CHUNK_OPTIONS, type ChunkOptions } from "./chunk.js";
import { cleanText } from "./clean.js";
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

export interface ParsedDocument {
  meta: DocMeta;
  aliases: string[];
  sections: Section[];
  chunks: Chunk[];
}

/** Cleaned text of one file → its documents with metadata, section tree and chunks. Pure. */
export function parseText(text: string, source: string, overrides: Overrides = {}, opts: ChunkOptions = DEFAULT_CHUNK_OPTIONS): ParsedDocument[] {
  const parts = splitDocuments(cleanText(text));
  return parts.map((part, i) => {
    const detected = detectMeta(part.text, source);
    if (part.pageTitle && detected.kind === "report" && !/^\d/.test(part.pageTitle) && !part.pageTitle.startsWith("关于")) detected.title = part.pageTitle;
    const o = overrides[`${source}#${i}`] ?? overrides[source] ?? {};
    const meta: DocMeta = {
      docId: `${source}#${i}`,
      source,
      title: o.title ?? detected.title,
      issuer: o.issuer !== undefined ? o.issuer : detected.issuer,
      region: o.region !== undefined ? o.region : detected.region,
      year: o.year !== undefined ? o.year : detected.year,
      kind: o.kind ?? detected.kind,
    };
    const sections = parseSections(part.text, meta.kind);
    return { meta, aliases: o.aliases ?? [], sections, chunks: chunkDocument(meta, sections, opts) };
  });
}

export async function parseFile(absPath: string, source: string, overrides: Overrides = {}, opts?: ChunkOptions, bytes?: Buffer): Promise<ParsedDocument[]> {
  const loaded = await loadFile(absPath, source, bytes);
  return parseText(loaded.text, source, overrides, opts);
}
