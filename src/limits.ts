/**
 * The limits a file is loaded under (src/ingest/load.ts, the sandbox, the structural caps), from the settings.
 * Kept apart from load.ts so that a sandbox process, which receives its limits with each job, never loads the
 * settings schema (zod cost its start-up 0.5–0.75 s).
 */
import { settingsSchema } from "./config.js";

/** Caps that keep one hostile or broken file from exhausting memory, the stack or the time of the process. */
export interface LoadLimits {
  /** Largest file read (bytes). */
  maxFileBytes: number;
  /** Largest total inflated size of a DOCX's zip entries, or of a PDF's Flate streams (bytes). */
  maxUnzippedBytes: number;
  /** Longest extracted text (characters), for every format; PDF extraction stops as soon as it is exceeded. */
  maxTextChars: number;
  /** The parser process (pdf, docx, html): wall time (ms) and resident memory (MB) before it is killed. */
  parseTimeoutMs: number;
  parseMemoryMb: number;
  /** Structural caps checked before the parser runs (src/ingest/prescan.ts and the PDF page count). */
  maxPdfPages: number;
  maxDocxXmlBytes: number;
  maxDocxParagraphs: number;
  maxDocxElements: number;
  maxHtmlDepth: number;
  maxHtmlElements: number;
}

const MB = 1024 * 1024;

type LimitSettings = Pick<
  ReturnType<typeof settingsSchema.parse>,
  | "MAX_FILE_MB" | "MAX_UNZIPPED_MB" | "MAX_TEXT_CHARS" | "PARSE_TIMEOUT_MS" | "PARSE_MEMORY_MB" | "PDF_MAX_PAGES"
  | "DOCX_MAX_XML_MB" | "DOCX_MAX_PARAGRAPHS" | "DOCX_MAX_ELEMENTS" | "HTML_MAX_DEPTH" | "HTML_MAX_ELEMENTS"
>;

/** The caps from settings (MAX_FILE_MB, MAX_UNZIPPED_MB, MAX_TEXT_CHARS, PARSE_*, PDF_*, DOCX_*, HTML_*). */
export function loadLimitsFrom(s: LimitSettings): LoadLimits {
  return {
    maxFileBytes: s.MAX_FILE_MB * MB,
    maxUnzippedBytes: s.MAX_UNZIPPED_MB * MB,
    maxTextChars: s.MAX_TEXT_CHARS,
    parseTimeoutMs: s.PARSE_TIMEOUT_MS,
    parseMemoryMb: s.PARSE_MEMORY_MB,
    maxPdfPages: s.PDF_MAX_PAGES,
    maxDocxXmlBytes: s.DOCX_MAX_XML_MB * MB,
    maxDocxParagraphs: s.DOCX_MAX_PARAGRAPHS,
    maxDocxElements: s.DOCX_MAX_ELEMENTS,
    maxHtmlDepth: s.HTML_MAX_DEPTH,
    maxHtmlElements: s.HTML_MAX_ELEMENTS,
  };
}

const LIMIT_KEYS = {
  MAX_FILE_MB: true, MAX_UNZIPPED_MB: true, MAX_TEXT_CHARS: true, PARSE_TIMEOUT_MS: true, PARSE_MEMORY_MB: true, PDF_MAX_PAGES: true,
  DOCX_MAX_XML_MB: true, DOCX_MAX_PARAGRAPHS: true, DOCX_MAX_ELEMENTS: true, HTML_MAX_DEPTH: true, HTML_MAX_ELEMENTS: true,
} as const;

/** The caps with every setting at its default (src/config.ts). */
export const DEFAULT_LOAD_LIMITS: LoadLimits = loadLimitsFrom(settingsSchema.pick(LIMIT_KEYS).parse({}));

let defaultLimits: LoadLimits | null = null;
/** Caps from the environment (the settings' names and defaults, src/config.ts), read once; an invalid value keeps its default. */
export function limitsFromEnv(): LoadLimits {
  if (defaultLimits) return defaultLimits;
  const schema = settingsSchema.pick(LIMIT_KEYS);
  const values: Record<string, unknown> = {};
  for (const key of Object.keys(LIMIT_KEYS) as Array<keyof typeof LIMIT_KEYS>) {
    const one = schema.shape[key].safeParse(process.env[key]);
    values[key] = one.success ? one.data : undefined;
  }
  defaultLimits = loadLimitsFrom(schema.parse(values));
  return defaultLimits;
}
