import path from "node:path";
import { loadSettings } from "../config.js";
import { NianbaoError } from "../errors.js";
import { parseFile } from "../ingest/document.js";
import { SECTION_SEPARATOR } from "../ingest/chunk.js";
import { flattenSections } from "../ingest/structure.js";
import { ingest, readOverrides, sourceOf } from "../index/build.js";
import { parseArgs } from "./args.js";
import { loadDotEnv } from "./env.js";

const USAGE = `usage: npm run ingest -- [--index DIR] [--rebuild] [--verify] [PATH...]   (PATHs are added to the index's sources; none: re-sync them all)
  --verify  hash every file of the live generation first; damaged files are listed with a code and repaired (exit 1)
       npm run ingest -- [--index DIR] --forget PATH                (stop indexing a source)
       npm run ingest -- --show FILE`;

async function show(file: string, corpusDir: string): Promise<void> {
  const abs = path.resolve(file);
  const source = sourceOf(path.resolve(corpusDir), abs);
  const docs = await parseFile(abs, source, (await readOverrides(corpusDir)).files);
  console.log(`${source}: ${docs.length} document(s)`);
  for (const d of docs) {
    const m = d.meta;
    console.log(`\n■ ${m.title}`);
    console.log(`  kind=${m.kind} issuer=${m.issuer ?? "-"} region=${m.region ?? "-"} year=${m.year ?? "-"}${d.aliases.length ? ` aliases=${d.aliases.join(",")}` : ""}`);
    const perSection = new Map<string, number>();
    for (const c of d.chunks) perSection.set(c.meta.section, (perSection.get(c.meta.section) ?? 0) + 1);
    for (const s of flattenSections(d.sections)) {
      const n = perSection.get(s.path.join(SECTION_SEPARATOR)) ?? 0;
      console.log(`  ${"  ".repeat(s.level - 1)}${s.heading}${s.table ? " [表]" : ""}  (${s.body.length} 字, ${n} 块)`);
    }
    console.log(`  chunks: ${d.chunks.length}`);
  }
}

async function main(): Promise<number> {
  loadDotEnv();
  const args = parseArgs(process.argv.slice(2), ["index", "show", "forget"]);
  if (args.flags.has("help")) {
    console.log(USAGE);
    return 0;
  }
  const settings = loadSettings();
  if (args.values.has("show")) {
    await show(args.values.get("show")!, settings.CORPUS_DIR);
    return 0;
  }
  const indexDir = args.values.get("index") ?? settings.NIANBAO_INDEX_DIR;
  const s = await ingest({
    corpusDir: settings.CORPUS_DIR,
    indexDir,
    paths: args.positionals,
    forget: args.values.has("forget") ? [args.values.get("forget")!] : [],
    rebuild: args.flags.has("rebuild"),
    verify: args.flags.has("verify"),
    settings,
    log: (l) => console.log(l),
  });
  for (const f of s.failures) console.error(`错误 / error: ${f.source}: ${f.reason}`);
  if (s.stages) console.log(`stages (s): ${Object.entries(s.stages).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(", ")}`);
  console.log(
    `${s.written ? "index written" : "index up to date, nothing to embed"}: ${indexDir} — ${s.files} files, ${s.documents} documents, ` +
      `${s.sections} sections, ${s.chunks} chunks (${s.embedded} embedded, ${s.reused} reused${s.removed.length ? `, ${s.removed.length} files removed` : ""}), ${s.seconds.toFixed(2)} s`,
  );
  return s.failures.length || s.damaged.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof NianbaoError ? `错误 / error: ${err.message}` : `错误 / error: ${(err as Error).message}`);
    process.exit(2);
  },
);
