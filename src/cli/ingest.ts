import { loadSettings } from "../config.js";
import { NianbaoError } from "../errors.js";
import { describeFile } from "../ingest/show.js";
import { ingest } from "../index/build.js";
import { parseArgs } from "./args.js";
import { loadDotEnv } from "./env.js";

const USAGE = `usage: npm run ingest -- [--index DIR] [--rebuild] [PATH...]   (PATHs are added to the index's sources; none: re-sync them all)
       npm run ingest -- [--index DIR] --forget PATH                (stop indexing a source)
       npm run ingest -- --show FILE`;

async function main(): Promise<number> {
  loadDotEnv();
  const args = parseArgs(process.argv.slice(2), ["index", "show", "forget"]);
  if (args.flags.has("help")) {
    console.log(USAGE);
    return 0;
  }
  const settings = loadSettings();
  if (args.values.has("show")) {
    for (const line of await describeFile(args.values.get("show")!, settings.CORPUS_DIR)) console.log(line);
    return 0;
  }
  const indexDir = args.values.get("index") ?? settings.NIANBAO_INDEX_DIR;
  const s = await ingest({
    corpusDir: settings.CORPUS_DIR,
    indexDir,
    paths: args.positionals,
    forget: args.values.has("forget") ? [args.values.get("forget")!] : [],
    rebuild: args.flags.has("rebuild"),
    settings,
    log: (l) => console.log(l),
  });
  for (const f of s.failures) console.error(`错误 / error: ${f.source}: ${f.reason}`);
  if (s.stages) console.log(`stages (s): ${Object.entries(s.stages).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(", ")}`);
  console.log(
    `${s.written ? "index written" : "index up to date, nothing to embed"}: ${indexDir} — ${s.files} files, ${s.documents} documents, ` +
      `${s.sections} sections, ${s.chunks} chunks (${s.embedded} embedded, ${s.reused} reused${s.removed.length ? `, ${s.removed.length} files removed` : ""}), ${s.seconds.toFixed(2)} s`,
  );
  return s.failures.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof NianbaoError ? `错误 / error: ${err.message}` : `错误 / error: ${(err as Error).message}`);
    process.exit(2);
  },
);
