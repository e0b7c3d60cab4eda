import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseFile, type Overrides, type ParsedDocument } from "../../src/ingest/document.js";
import { readOverrides } from "../../src/index/build.js";

/** Shared access to the real corpus for ingest tests. */
export const CORPUS = fileURLToPath(new URL("../../corpus/", import.meta.url));
export const corpusPath = (name: string) => path.join(CORPUS, name);

/** Every document file of the corpus (what ingest would pick up). */
export const CORPUS_FILES = readdirSync(CORPUS)
  .filter((f) => /\.(txt|pdf)$/.test(f))
  .sort();

export const SEED = "000_0ce3f265a70a93e0.txt";

/** Reports in the 2019-trial and 2021 formats (corpus/SOURCES.md, "Format" column). */
export const FORMAT_2019 = ["平潭综合实验区-2019-年度报告.txt", "平潭综合实验区-2020-年度报告.txt"];
export const FORMAT_2021 = [
  "平潭综合实验区-2021-年度报告.txt",
  "平潭综合实验区-2022-年度报告.txt",
  "平潭综合实验区-2023-年度报告.txt",
  "平潭综合实验区-2024-年度报告.txt",
  "平潭综合实验区-2025-年度报告.txt",
  "沭阳县人民政府-2025-年度报告.txt",
  "洪泽区人民政府-2023-年度报告.pdf",
  "洪泽区人民政府-2024-年度报告.pdf",
];

let overrides: Overrides | null = null;
const cache = new Map<string, Promise<ParsedDocument[]>>();

/** Parses a corpus file once per test file (PDF extraction is the slow part). */
export async function parsed(name: string): Promise<ParsedDocument[]> {
  overrides ??= (await readOverrides(CORPUS)).files;
  let p = cache.get(name);
  if (!p) {
    p = parseFile(corpusPath(name), name, overrides);
    cache.set(name, p);
  }
  return p;
}

/** Multiset of CJK characters and digits. */
export function charCounts(s: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const ch of s) if (/[\p{Script=Han}0-9]/u.test(ch)) m.set(ch, (m.get(ch) ?? 0) + 1);
  return m;
}
