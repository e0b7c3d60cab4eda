import { promises as fs } from "node:fs";
import path from "node:path";
import type { Provenance } from "./document.js";

/**
 * A folder's provenance table: a Markdown file (SOURCES.md) whose table rows name a file of the folder and give its
 * 发布日期 and 原文链接 (corpus/SOURCES.md: "| `平潭综合实验区-2024-年度报告.txt` (7,231 B) | … | 2025-03-10 ·
 * …/202503/t20250310_97791.htm |"). Read for files whose text carries no crawler header. A link abbreviated with
 * "…" continues the last full link of the same table: its path segments replace as many trailing segments.
 */

export const PROVENANCE_FILE = "SOURCES.md";

const FILE_CELL = /`([^`]+\.(?:txt|md|markdown|html?|pdf|docx))`|^\s*([^\s|`][^|]*?\.(?:txt|md|markdown|html?|pdf|docx))(?:\s|$)/i;
const URL = /(https?:\/\/[^\s|)）,，;；<>]+|…\/[^\s|)）,，;；<>]+)/g;
const DATE = /(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)/g;

/** Expands "…/202503/t20250310_97791.htm" against the last full link ("https://host/a/b/202401/t1.htm"). */
function expand(abbrev: string, lastFull: string | null): string | null {
  if (!abbrev.startsWith("…")) return abbrev;
  if (!lastFull) return null;
  const tail = abbrev.slice(1).split("/").filter(Boolean);
  const full = lastFull.split("/");
  if (full.length - tail.length < 3) return null;
  return [...full.slice(0, full.length - tail.length), ...tail].join("/");
}

/** The rows of every Markdown table in `md` that name a file, keyed by the file's base name. */
export function parseProvenance(md: string): Map<string, { published: string | null; url: string | null }> {
  const out = new Map<string, { published: string | null; url: string | null }>();
  let lastFull: string | null = null;
  let header: string[] = [];
  let previous: string[] = [];
  for (const line of md.split("\n")) {
    if (!line.trimStart().startsWith("|")) {
      if (line.trim() === "") lastFull = null;
      previous = [];
      continue;
    }
    const cells = line.split("|").slice(1, -1);
    // "|---|---|": the row above names the columns.
    if (cells.every((c) => /^\s*:?-{2,}:?\s*$/.test(c))) {
      header = previous;
      continue;
    }
    previous = cells;
    const first = cells[0] ?? "";
    const fm = FILE_CELL.exec(first);
    if (!fm) continue;
    const file = path.posix.basename((fm[1] ?? fm[2]).trim());
    let url: string | null = null;
    let published: string | null = null;
    for (const cell of cells.slice(1)) {
      const links = [...cell.matchAll(URL)];
      if (!links.length) continue;
      const link = links[links.length - 1];
      url = expand(link[1].replace(/[.。]+$/, ""), lastFull);
      // The date written right before the link in the same cell ("2025-03-10 · …", "Page date 2025-05-21, URL …").
      const dates = [...cell.slice(0, link.index).matchAll(DATE)];
      const d = dates.at(-1);
      if (d) published = `${d[1]}-${d[2].padStart(2, "0")}-${d[3].padStart(2, "0")}`;
      break;
    }
    // Else the date in a column headed 发布日期 / published.
    if (!published)
      cells.forEach((cell, i) => {
        const d = /发布|published|日期|date/i.test(header[i] ?? "") ? [...cell.matchAll(DATE)][0] : undefined;
        if (d && !published) published = `${d[1]}-${d[2].padStart(2, "0")}-${d[3].padStart(2, "0")}`;
      });
    for (const cell of cells.slice(1)) for (const l of cell.matchAll(URL)) if (l[1].startsWith("http")) lastFull = l[1];
    if (url || published) out.set(file, { published, url });
  }
  return out;
}

/** Provenance tables read once per folder. */
export class ProvenanceTables {
  private readonly byDir = new Map<string, Promise<Map<string, { published: string | null; url: string | null }>>>();

  /** The provenance of a file from the table in its own folder, or null. */
  async of(file: string): Promise<Provenance | null> {
    const dir = path.dirname(path.resolve(file));
    let table = this.byDir.get(dir);
    if (!table) {
      table = fs.readFile(path.join(dir, PROVENANCE_FILE), "utf8").then(parseProvenance, () => new Map());
      this.byDir.set(dir, table);
    }
    const row = (await table).get(path.basename(file));
    return row ? { ...row, from: PROVENANCE_FILE } : null;
  }
}
