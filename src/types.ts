import type { FormatId } from "./domain/types.js";

/**
 * The data model shared by every stage of the pipeline:
 * file → LoadedFile → SourceDocument → Section → Chunk → index → Passage → Answer.
 */

export type DocKind = "report" | "regulation" | "format_notice" | "judicial_interpretation" | "other";

/** What a loader produced from one file, before any structure is known. */
export interface LoadedFile {
  /** Path relative to the corpus root (POSIX separators); the stable identity of the file. */
  source: string;
  format: "txt" | "md" | "html" | "pdf" | "docx";
  /** Detected input encoding for text formats (utf-8, gb18030); null for binary formats. */
  encoding: string | null;
  /** Unicode text with \n line ends; layout artifacts (page numbers, broken lines) already repaired. */
  text: string;
}

export interface DocMeta {
  /** `${source}#${index}`: one file can hold several documents (the seed page holds three). */
  docId: string;
  source: string;
  title: string;
  /** Issuing body, e.g. 平潭综合实验区管委会, 沈阳市人民政府, 国务院. */
  issuer: string | null;
  /** Region the document is about, e.g. 沈阳市, 平潭综合实验区; null for national texts. */
  region: string | null;
  /** Reporting year for reports; year of promulgation/revision for other kinds. */
  year: number | null;
  kind: DocKind;
  /** 发布日期 (YYYY-MM-DD) and 原文链接, from a crawler header when the file has one. */
  published?: string | null;
  url?: string | null;
  /** For reports: the format it follows ("pre2019", "2019", "2021"). */
  format?: FormatId | null;
}

/** A document as the index records it: its metadata and the names it gives its region. */
export interface IndexedDocument extends DocMeta {
  aliases: string[];
}

export interface SourceDocument {
  meta: DocMeta;
  text: string;
}

import type { TableKind } from "./domain/types.js";
export type { TableKind } from "./domain/types.js";

export interface Section {
  /** Heading text as written, e.g. "一、政府信息公开情况" or "第三十条". */
  heading: string;
  /** 1 = top level. */
  level: number;
  /** Headings from the top level down to this one (inclusive). */
  path: string[];
  /** Body text that belongs directly to this section (not to its children). */
  body: string;
  /** Set when the body is one of the standard statistical tables. */
  table?: TableKind;
  children: Section[];
}

/** A chunk carries its document's metadata so that it can be searched, filtered and cited on its own. */
export interface ChunkMeta extends DocMeta {
  /** Section path joined with " › ". */
  section: string;
  /** "prose" or one of the table kinds. */
  block: "prose" | TableKind;
  /** Position of the chunk within its document (0-based) for ordering and neighbours. */
  ord: number;
}

export interface Chunk {
  id: string;
  /** The passage text as it appears in the source (what gets quoted). */
  text: string;
  /** Text used for indexing: title + section path + text. */
  indexText: string;
  meta: ChunkMeta;
}

/** A retrieved chunk with its fused score. */
export interface Passage {
  chunk: Chunk;
  score: number;
  /** Rank in each retriever (1-based) for diagnostics. */
  ranks?: { dense?: number; lexical?: number };
}

export interface Citation {
  /**
   * What the citation points at, for "查看原文章节": `chunk:<chunk id>` for a passage, `cell:<docId>|<table>|<row key>|
   * <column key>` for a statistics-table cell (see citationRef). Looked up by AnswerEngine.source.
   */
  id?: string;
  title: string;
  region: string | null;
  year: number | null;
  section: string;
  quote: string;
  source: string;
  /** Issuing body (e.g. 平潭综合实验区财政金融局), when known. */
  body?: string | null;
  /** 发布日期 (YYYY-MM-DD) and 原文链接, when the source states them. */
  published?: string | null;
  url?: string | null;
  /** For a figure read from a statistics table: the cell, by its official labels. */
  cell?: { table: string; row: string; column: string; value?: number | null } | null;
}

/** A small table in an answer (a series, a ranking, a comparison); cells are plain values. */
export interface AnswerTable {
  columns: string[];
  rows: Array<Array<string | number | null>>;
}

/** A number the answer computed from cited numbers: `inputs` index into `citations`. */
export interface Computed {
  expr: string;
  value: number;
  inputs: number[];
}

export interface Answer {
  question: string;
  found: boolean;
  answer: string;
  citations: Citation[];
  mode: "extractive" | "llm";
  /** The direct answer alone (no quotes), for a caller that shows one line. */
  short?: string;
  /** Rows of a series, ranking or comparison. */
  table?: AnswerTable | null;
  computed?: Computed[];
  /** Which strategy answered (value, series, rank, definition, …). */
  operation?: string;
}

/** A citation's target, parsed from its id. */
export type CitationRef =
  | { kind: "chunk"; chunk: string }
  | { kind: "cell"; docId: string; table: string; row: string; column: string }
  | { kind: "section"; docId: string; section: string };

export const chunkCitationId = (chunkId: string): string => `chunk:${chunkId}`;
export const cellCitationId = (docId: string, table: string, row: string, column: string): string => `cell:${[docId, table, row, column].map(encodeURIComponent).join("|")}`;

/** A section of a document (a sentence's section, a report's statistical tables). */
export const sectionCitationId = (docId: string, section: string): string => `section:${[docId, section].map(encodeURIComponent).join("|")}`;

/** The `n` percent-encoded fields of an id after its prefix ("cell:a|b|c|d"), or null when they are not exactly n. */
function idFields(id: string, prefix: string, n: number): string[] | null {
  if (!id.startsWith(prefix)) return null;
  const parts = id.slice(prefix.length).split("|");
  if (parts.length !== n) return null;
  try {
    return parts.map(decodeURIComponent);
  } catch {
    return null;
  }
}

/** The target of a citation id, or null for an id of no known form. */
export function citationRef(id: string): CitationRef | null {
  if (id.startsWith("chunk:") && id.length > 6) return { kind: "chunk", chunk: id.slice(6) };
  const section = idFields(id, "section:", 2);
  if (section) return { kind: "section", docId: section[0], section: section[1] };
  const cell = idFields(id, "cell:", 4);
  if (cell) return { kind: "cell", docId: cell[0], table: cell[1], row: cell[2], column: cell[3] };
  return null;
}

/** What "查看原文章节" shows for a citation: the section text, and for a cell the table it sits in, marked. */
export interface SourceView {
  id: string;
  title: string;
  section: string;
  text: string;
  source: string;
  published: string | null;
  url: string | null;
  /** For a cell citation: the cell, by its official labels, and the row as the table states it. */
  cell?: { table: string; row: string; column: string; value: number | null; rowText: string } | null;
}
