import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { loadFile } from "../../src/ingest/load.js";

export const CORPUS = path.resolve(__dirname, "../../corpus");
export const DEPTS = "/work/shared/corpus-depts";

/** A corpus file by name: corpus/ first (where the lead copies the department reports), else the shared folder. */
export function corpusPath(name: string): string {
  const a = path.join(CORPUS, name);
  if (existsSync(a)) return a;
  const b = path.join(DEPTS, name);
  if (existsSync(b)) return b;
  throw new Error(`corpus file not found: ${name}`);
}

export function readCorpus(name: string): string {
  return readFileSync(corpusPath(name), "utf8");
}

/** Text as ingestion sees it (PDF text layer turned into " | " rows by the loader). */
export async function loadCorpus(name: string): Promise<string> {
  const p = corpusPath(name);
  return (await loadFile(p, name)).text;
}

export function yearOf(name: string): number | null {
  const m = /-(\d{4})-/.exec(name);
  return m ? Number(m[1]) : null;
}

/** Every report file of 2019 or later in corpus/ and the department folder (deduplicated by name). */
export function modernReports(): string[] {
  const names = new Set<string>();
  for (const dir of [CORPUS, DEPTS]) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) if (/-年度报告\.(txt|pdf)$/.test(f) && (yearOf(f) ?? 0) >= 2019) names.add(f);
  }
  return [...names].sort();
}
