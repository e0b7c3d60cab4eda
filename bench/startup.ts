/**
 * `npm run bench:startup -- [--index DIR] [--runs 5] ["问题"]`: how long a one-shot `npm run --silent ask -- "…"`
 * takes, and where the time goes.
 *
 * 1. Wall time (median of --runs) of the whole command as a user types it, from the compiled build (dist/, made by
 *    `npm run build` first when missing or stale) and from the sources through tsx (NIANBAO_FROM_SOURCE=1); with
 *    /usr/bin/time, also the CPU time (user + system), which a loaded machine inflates less than the wall time.
 * 2. A breakdown in a fresh process on dist/: node's own start, each group of modules as `ask` loads them, opening
 *    the index step by step, the first and a second question.
 * The load average is printed before and after: on a shared machine the figures are only comparable at equal load.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { loadavg } from "node:os";
import path from "node:path";
import { parseArgs } from "../src/cli/args.js";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const args = parseArgs(process.argv.slice(2), ["index", "runs"]);
const indexDir = path.resolve(args.values.get("index") ?? "data/index");
const runs = Number(args.values.get("runs") ?? 5);
const question = args.positionals.join(" ") || "沈阳2013年受理了多少件政府信息公开申请？";
const timeBin = existsSync("/usr/bin/time") ? "/usr/bin/time" : null;
const load = () => loadavg().map((x) => x.toFixed(2)).join(" ");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (!existsSync(path.join(indexDir, "CURRENT"))) {
  console.error(`no index in ${indexDir}: building it first (npm run ingest)`);
  spawnSync("npm", ["run", "--silent", "ingest", "--", "--index", indexDir], { cwd: root, stdio: "inherit" });
}
if (spawnSync(process.execPath, ["-e", "0"]).status !== 0) throw new Error("node does not start");
console.log(`one-shot ask: ${JSON.stringify(question)} on ${indexDir}; load average before: ${load()}`);

/** Wall and CPU seconds of one run of `cmd`. */
function timed(cmd: string[], env: Record<string, string> = {}): { wall: number; cpu: number | null; status: number | null } {
  const full = timeBin ? [timeBin, "-f", "@@ %e %U %S", ...cmd] : cmd;
  const t0 = performance.now();
  const r = spawnSync(full[0], full.slice(1), { cwd: root, env: { ...process.env, ...env }, encoding: "utf8" });
  const wall = (performance.now() - t0) / 1000;
  const m = /@@ ([\d.]+) ([\d.]+) ([\d.]+)/.exec(r.stderr ?? "");
  return { wall, cpu: m ? Number(m[2]) + Number(m[3]) : null, status: r.status };
}

function series(name: string, cmd: string[], env: Record<string, string> = {}): void {
  timed(cmd, env); // warm the page cache
  const rs = Array.from({ length: runs }, () => timed(cmd, env));
  if (rs.some((r) => r.status !== 0)) throw new Error(`${name}: exit ${rs.map((r) => r.status).join(",")}`);
  const cpu = rs.every((r) => r.cpu !== null) ? ` · CPU median ${median(rs.map((r) => r.cpu!)).toFixed(2)} s` : "";
  console.log(`${name.padEnd(44)} wall median ${median(rs.map((r) => r.wall)).toFixed(2)} s (${rs.map((r) => r.wall.toFixed(2)).join(", ")})${cpu}`);
}

spawnSync("npm", ["run", "--silent", "build"], { cwd: root, stdio: "inherit" });
series("node -e 0 (node's own start)", [process.execPath, "-e", "0"]);
series("npm --version (npm's own start)", ["npm", "--version"]);
series("npm run --silent ask (dist/, compiled)", ["npm", "run", "--silent", "ask", "--", "--index", indexDir, question]);
series("npm run --silent ask (sources through tsx)", ["npm", "run", "--silent", "ask", "--", "--index", indexDir, question], { NIANBAO_FROM_SOURCE: "1" });

// The breakdown, in a fresh process on the compiled modules, in the order `ask` loads and opens them.
const breakdown = `
const T0 = performance.now(); let last = T0; const rows = [];
const lap = (n) => { const t = performance.now(); rows.push([n, t - last]); last = t; };
const d = (p) => new URL(p, ${JSON.stringify(`file://${root}/dist/`)}).href;
const [idx, corpus, Q] = ${JSON.stringify([indexDir, path.join(root, "corpus"), question])};
await import(d("cli/ask.js")); await import(d("cli/deps.js")); await import(d("cli/io.js")); lap("the command's own modules");
const { loadSettings } = await import(d("config.js")); const settings = loadSettings({}); lap("settings (zod)");
await import("better-sqlite3"); lap("better-sqlite3");
await import("hnswlib-node"); lap("hnswlib-node");
await import("@langchain/core/embeddings"); lap("@langchain/core/embeddings (embedder base class)");
await import("@node-rs/jieba"); lap("@node-rs/jieba (native module)");
const store = await import(d("index/store.js")); const build = await import(d("index/build.js")); lap("index modules");
const eng = await import(d("answer/engine.js")); lap("answer engine, planner, strategies");
const gen = await store.currentGeneration(idx); await store.hasOlderFormat(gen); await store.readManifest(gen); lap("open: manifest");
await build.isUpToDate(corpus, idx, settings); lap("open: corpus unchanged? (hash every file)");
const data = await store.readIndexData(idx); lap("open: chunks, vectors, BM25 (readIndexData)");
const { createEmbedder } = await import(d("embed/factory.js")); const { embedder } = await createEmbedder(settings, data.stats);
await store.loadIndex(idx, embedder, data); lap("open: HNSW graph (hnswlib-node)");
const e = await eng.openEngine({ indexDir: idx, corpusDir: corpus, settings, refresh: false }); lap("openEngine once more, whole (the open steps above + facts.sqlite)");
const { analyze } = await import(d("embed/tokenize.js")); analyze("政府信息公开"); lap("jieba dictionary (read + load, on first use)");
const { normalizeQuestion } = await import(d("plan/normalize.js")); await normalizeQuestion("政府"); lap("opencc converter (on first use)");
await e.ask(Q); lap("first question");
await e.ask("申请内容不明确怎么处理？"); lap("a second question");
for (const [n, ms] of rows) console.log("  " + n.padEnd(62) + ms.toFixed(0).padStart(6) + " ms");
console.log("  " + "total in process".padEnd(62) + (performance.now() - T0).toFixed(0).padStart(6) + " ms");
`;
console.log("breakdown (one fresh process on dist/; each step after the ones above it):");
const r = spawnSync(process.execPath, ["--input-type=module", "-e", breakdown], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
process.stdout.write(r.stdout);
console.log(`load average after: ${load()}`);
