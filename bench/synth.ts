/**
 * Synthetic corpus for benchmarks: the real .txt annual reports of corpus/ (incl. the seed page, not the
 * PDFs) replicated under made-up regions and shifted years until the corpus reaches a target size.
 *
 * Layout of `dir`:
 *   overrides.json    the real corpus's overrides, re-keyed to c0000/<name>
 *   c0000/            the real .txt files unchanged (reports, regulations, notices),
 *                     so the evaluation questions still have their answers in the synthetic index
 *   c0001/ … cNNNN/   one copy of every real report each; every region family (平潭, 沈阳, 长沙, 攀枝花,
 *                     沭阳/沐阳) gets its own fresh two-character Chinese stem per copy and every year
 *                     2000–2029 in the text is shifted by the copy's offset (mod 30), so metadata
 *                     detection yields a distinct region/year per document. Statistics follow the copy's
 *                     year (bench/synth-tables.ts): a report dated 2019 or later carries 表二/表三/表四 with
 *                     random valid figures, flattened as crawled pages have them (its sections 二–四 are
 *                     replaced, or appended when the source report had none); a report dated before 2019 that
 *                     came from a table-format source gets those sections as sentences with figures instead
 *   .synth-marker.json  parameters + totals; when it matches, nothing is regenerated
 * Deterministic: a seeded PRNG picks the stems.
 */
import { promises as fs } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { FORMATS } from "../src/domain/format/index.js";
import { proseSections, tableSections } from "./synth-tables.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REAL_CORPUS = path.resolve(HERE, "..", "corpus");
const MARKER = ".synth-marker.json";
const SYNTH_VERSION = 3;
const SEED = 20240601;

/** Stems of the real region names; every name built on a stem (平潭县, 平潭综合实验区, 沈阳市 …) follows it. */
const FAMILIES: string[][] = [["平潭"], ["沈阳"], ["长沙"], ["攀枝花"], ["沭阳", "沐阳"]];

/*
 * Syllables for synthetic stems. Characters of the real stems are left out (no accidental 平潭), and so are
 * characters that metadata.ts treats as "not a place" (山, 城, 地, 小, 管, 政, 中, 和 …).
 */
const FIRST = [..."青临安宁永兴丰昌泰清江河湖桐柳松云石金玉凤龙华德福嘉建崇汾涟"];
const SECOND = [..."川源林州口溪泉丘坪台岭岗桥营店陵原水峰浦塘谷坡滨湾渡关堡屯集"];
const THIRD = [..."东西南北"];

/** mulberry32: tiny deterministic PRNG. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(xs: T[], rand: () => number): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** Unique Chinese stems: all two-character combinations first (shuffled), then three-character ones. */
function* stems(rand: () => number): Generator<string> {
  const two: string[] = [];
  for (const a of FIRST) for (const b of SECOND) two.push(a + b);
  yield* shuffled(two, rand);
  const three: string[] = [];
  for (const a of FIRST) for (const b of SECOND) for (const c of THIRD) three.push(a + b + c);
  yield* shuffled(three, rand);
  throw new Error("synthetic region names exhausted");
}

const YEAR = /(?<!\d)(20[0-2]\d)(?!\d)/g;

function shiftYears(s: string, k: number): string {
  return s.replace(YEAR, (y) => String(2000 + ((Number(y) - 2000 + k) % 30)));
}

function renameRegions(s: string, stemsForCopy: string[]): string {
  let out = s;
  FAMILIES.forEach((names, i) => {
    for (const n of names) out = out.split(n).join(stemsForCopy[i]);
  });
  return out;
}

const MODERN = FORMATS["2021"].sections;
const BLOCK_START = MODERN.find((x) => x.key === "proactive")!.heading;
const PROBLEMS = MODERN.find((x) => x.key === "problems")!;
const PROBLEM_WORDS = [PROBLEMS.heading.replace(/^[一二三四五六七八九十]+、/, ""), ...PROBLEMS.aliases];

/** Where the problems section (五、…存在的主要问题…) starts after `from`, its numbering included; -1 if absent. */
function problemsAt(text: string, from: number): number {
  let at = -1;
  for (const w of PROBLEM_WORDS) {
    const i = text.indexOf(w, from);
    if (i >= 0 && (at < 0 || i < at)) at = i;
  }
  if (at < 0) return -1;
  const num = text.lastIndexOf("、", at);
  return num >= 0 && at - num <= 12 && /[一二三四五六七八九十]/.test(text[num - 1] ?? "") ? num - 1 : at;
}

/**
 * A synthetic report's statistics, by its (shifted) year: sections 二–四 with random valid tables from 2019 on
 * (2021 format from 2021), as sentences before 2019. Source reports without a table block keep their text and,
 * from 2019 on, get the tables appended.
 */
function withStatistics(text: string, year: number | null, rand: () => number): string {
  if (year === null) return text;
  const start = text.indexOf(BLOCK_START);
  const end = start >= 0 ? problemsAt(text, start) : -1;
  const block = start >= 0 && end > start;
  if (year >= 2019) {
    const t = tableSections(year >= 2021 ? "2021" : "2019", rand);
    return block ? text.slice(0, start) + t + "\n" + text.slice(end) : text.trimEnd() + "\n" + t + "\n";
  }
  return block ? text.slice(0, start) + proseSections(rand) + "\n" + text.slice(end) : text;
}

/** A real annual report (incl. the seed page), as opposed to a regulation, notice or judicial text. */
function isReportFile(name: string): boolean {
  return name.endsWith(".txt") && (/年度报告/.test(name) || /^000_/.test(name));
}

interface Marker {
  version: number;
  seed: number;
  targetBytes: number;
  files: number;
  bytes: number;
}

export async function buildSyntheticCorpus(dir: string, targetBytes = 50 * 1024 * 1024): Promise<{ files: number; bytes: number }> {
  try {
    const m = JSON.parse(await fs.readFile(path.join(dir, MARKER), "utf8")) as Marker;
    if (m.version === SYNTH_VERSION && m.seed === SEED && m.targetBytes === targetBytes) return { files: m.files, bytes: m.bytes };
  } catch {
    // no marker: (re)generate
  }
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true });

  const names = (await fs.readdir(REAL_CORPUS)).filter((n) => n.endsWith(".txt")).sort();
  const texts = new Map<string, string>();
  for (const n of names) texts.set(n, await fs.readFile(path.join(REAL_CORPUS, n), "utf8"));
  const reports = names.filter(isReportFile);

  let files = 0;
  let bytes = 0;
  const write = async (rel: string, text: string) => {
    const full = path.join(dir, rel);
    await fs.mkdir(path.dirname(full), { recursive: true });
    const buf = Buffer.from(text, "utf8");
    await fs.writeFile(full, buf);
    files++;
    bytes += buf.length;
  };

  // Copy 0: the real texts as they are, with their metadata overrides.
  for (const n of names) await write(path.join("c0000", n), texts.get(n)!);
  // overrides.json is read from the corpus root and keyed by corpus-relative source: re-key for c0000/.
  try {
    const ov = JSON.parse(await fs.readFile(path.join(REAL_CORPUS, "overrides.json"), "utf8")) as Record<string, unknown>;
    const rekeyed = Object.fromEntries(Object.entries(ov).map(([k, v]) => [`c0000/${k}`, v]));
    await fs.writeFile(path.join(dir, "overrides.json"), JSON.stringify(rekeyed, null, 1));
  } catch {
    // no overrides in the real corpus
  }

  const rand = rng(SEED);
  const stemIt = stems(rand);
  for (let copy = 1; bytes < targetBytes; copy++) {
    const copyStems = FAMILIES.map(() => stemIt.next().value as string);
    const k = copy % 30 || 30; // never 0 → never the real year
    const folder = `c${String(copy).padStart(4, "0")}`;
    for (const n of reports) {
      const seed = /^000_/.test(n);
      const outName = seed ? n : shiftYears(renameRegions(n, copyStems), k);
      const year = seed ? null : Number(/(?<!\d)(20\d\d)(?!\d)/.exec(outName)?.[1] ?? NaN) || null;
      const text = withStatistics(shiftYears(renameRegions(texts.get(n)!, copyStems), k), year, rand);
      await write(path.join(folder, outName), text);
      if (bytes >= targetBytes) break;
    }
  }

  const marker: Marker = { version: SYNTH_VERSION, seed: SEED, targetBytes, files, bytes };
  await fs.writeFile(path.join(dir, MARKER), JSON.stringify(marker, null, 1));
  return { files, bytes };
}

// Run directly: `tsx bench/synth.ts [dir] [MB]`.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const os = await import("node:os");
  const dir = process.argv[2] ?? path.join(os.tmpdir(), "nianbao-synth");
  const mb = Number(process.argv[3] ?? 50);
  const t0 = performance.now();
  const r = await buildSyntheticCorpus(dir, mb * 1024 * 1024);
  console.log(`${dir}: ${r.files} files, ${(r.bytes / 1048576).toFixed(1)} MB in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
