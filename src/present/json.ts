import type { Answer, Citation } from "../types.js";
import type { CellExportRow } from "../stats/api.js";

/**
 * The one JSON form of an answer: what `ask --json` prints and what `POST /api/ask` returns, byte for byte.
 */
export function answerJson(answer: Answer): string {
  return JSON.stringify(answer);
}

/** "《title》 · region · 2013年 · section" (same shape as the Telegram and terminal labels). */
export function citeText(c: Citation): string {
  const title = c.title.startsWith("《") ? c.title : `《${c.title}》`;
  const parts = [title];
  if (c.region) parts.push(c.region);
  if (c.year != null) parts.push(`${c.year}年`);
  if (c.section && c.section.trim()) parts.push(c.section.trim());
  return parts.join(" · ");
}

const UTF8_BOM = "\uFEFF";

/** One CSV field (RFC 4180); text that a spreadsheet would run as a formula gets a leading apostrophe. */
export function csvField(v: unknown): string {
  if (v === null || v === undefined) return "";
  let s = Array.isArray(v) ? v.join(";") : String(v);
  if (typeof v === "string" && /^[=+@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n;]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

export const CELL_COLUMNS: Array<keyof CellExportRow> = [
  "source", "title", "body", "year", "table", "row", "column", "value", "unit", "method", "quote", "candidates",
];

/** Cells as CSV: UTF-8 BOM (so Excel reads Chinese), a header row, one line per cell, CRLF line ends. */
export function cellsCsv(rows: CellExportRow[]): string {
  const lines = [CELL_COLUMNS.join(",")];
  for (const r of rows) lines.push(CELL_COLUMNS.map((k) => csvField(r[k])).join(","));
  return UTF8_BOM + lines.join("\r\n") + "\r\n";
}
