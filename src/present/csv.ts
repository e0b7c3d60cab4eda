/**
 * CSV as Excel and WPS open it: UTF-8 with a BOM, CRLF line ends, a field quoted when it holds a comma, a quote or
 * a line break (quotes doubled). The one place CSV is escaped; `stats export` and answer exports both use it.
 */

export function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? "" : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A whole CSV document: BOM, header row, one line per row. */
export function csvDocument(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<unknown>>): string {
  return "\ufeff" + [header, ...rows].map((r) => r.map(csvCell).join(",")).join("\r\n") + "\r\n";
}
