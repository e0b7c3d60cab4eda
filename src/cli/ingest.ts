import path from "node:path";
import { loadSettings } from "../config.js";
import { parsedFileText } from "../present/ingest.js";
import { parseArgs } from "./args.js";
import type { CliDeps } from "./deps.js";
import { environment, line, write, type CliIo } from "./io.js";

const USAGE = `usage: npm run ingest -- [--index DIR] [--rebuild] [--verify] [PATH...]   (PATHs are added to the index's sources; none: re-sync them all)
  --verify  hash every file of the live generation first; damaged files are listed with a code and repaired (exit 1)
       npm run ingest -- [--index DIR] --forget PATH                (stop indexing a source)
       npm run ingest -- --show FILE`;

async function show(deps: CliDeps, io: CliIo, file: string, corpusDir: string): Promise<void> {
  const { source, docs, bodyOverrides } = await deps.parseCorpusFile(path.resolve(io.cwd, file), corpusDir);
  await write(io.stdout, parsedFileText(source, docs, bodyOverrides));
}

/**
 * `npm run ingest`: incremental ingest of the index's recorded sources (PATHs added, `--forget` removed,
 * `--rebuild` re-embeds everything), or `--show FILE`. Exit 0; 1 when a file failed; 2 when the ingest could not run.
 */
export async function run(argv: string[], io: CliIo, deps: CliDeps): Promise<number> {
  try {
    return await ingestCommand(argv, io, deps);
  } catch (err) {
    line(io.stderr, `错误 / error: ${(err as Error).message}`);
    return 2;
  }
}

async function ingestCommand(argv: string[], io: CliIo, deps: CliDeps): Promise<number> {
  const args = parseArgs(argv, ["index", "show", "forget"]);
  if (args.flags.has("help")) {
    await write(io.stdout, `${USAGE}\n`);
    return 0;
  }
  const settings = loadSettings(environment(io));
  const corpusDir = path.resolve(io.cwd, settings.CORPUS_DIR);
  if (args.values.has("show")) {
    await show(deps, io, args.values.get("show")!, corpusDir);
    return 0;
  }
  const shownIndex = args.values.get("index") ?? settings.NIANBAO_INDEX_DIR;
  const indexDir = path.resolve(io.cwd, shownIndex);
  // NIANBAO_DATABASE_URL set: the same ingest into the index folder (the build cache), then written to PostgreSQL.
  const ingest = settings.NIANBAO_DATABASE_URL ? (await import("../app/openDatabase.js")).ingestInto(settings.NIANBAO_DATABASE_URL) : deps.ingest;
  const s = await ingest({
    corpusDir,
    indexDir,
    paths: args.positionals.map((p) => path.resolve(io.cwd, p)),
    forget: args.values.has("forget") ? [path.resolve(io.cwd, args.values.get("forget")!)] : [],
    rebuild: args.flags.has("rebuild"),
    verify: args.flags.has("verify"),
    settings,
    log: (l) => line(io.stdout, l),
  });
  for (const f of s.failures) line(io.stderr, `错误 / error: ${f.source}: ${f.reason}`);
  const out: string[] = [];
  if (s.stages) out.push(`stages (s): ${Object.entries(s.stages).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(", ")}`);
  out.push(
    `${s.written ? "index written" : "index up to date, nothing to embed"}: ${shownIndex} — ${s.files} files, ${s.documents} documents, ` +
      `${s.sections} sections, ${s.chunks} chunks (${s.embedded} embedded, ${s.reused} reused${s.removed.length ? `, ${s.removed.length} files removed` : ""}), ${s.seconds.toFixed(2)} s`,
  );
  await write(io.stdout, out.join("\n") + "\n");
  return s.failures.length || s.damaged.length ? 1 : 0;
}
