/**
 * `tsx bench/open.ts INDEX CORPUS [--runs 3]`: what opening an index costs, each run in a fresh process (issue 18
 * part 4 targets on the 50 MB synthetic index: ≤ 0.5 s and ≤ 300 MB).
 *
 * A run: the engine opened as `npm start` opens it (openEngine with the freshness check), timed in steps — the
 * corpus freshness check, reading the generation (its integrity check included), the HNSW graph, the statistics
 * database and engine — with wall time, CPU time (user + system) and RSS growth. Medians of the runs; the load
 * average before and after is printed beside them (the machine is shared).
 */
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const SELF = fileURLToPath(import.meta.url);

interface Step {
  name: string;
  ms: number;
  cpuMs: number;
  rssMb: number;
}

async function child(indexDir: string, corpusDir: string): Promise<void> {
  const steps: Step[] = [];
  const rss0 = process.memoryUsage.rss();
  let t = performance.now();
  let c = process.cpuUsage();
  const lap = (name: string) => {
    const now = performance.now();
    const cpu = process.cpuUsage(c);
    steps.push({ name, ms: now - t, cpuMs: (cpu.user + cpu.system) / 1000, rssMb: (process.memoryUsage.rss() - rss0) / 1048576 });
    t = now;
    c = process.cpuUsage();
  };
  const { loadSettings } = await import("../src/config.js");
  const { openEngine } = await import("../src/app/open.js");
  const build = await import("../src/index/build.js");
  const store = await import("../src/index/store.js");
  const settings = loadSettings({});
  lap("modules");
  await build.isUpToDate(corpusDir, indexDir, settings);
  lap("freshness check (corpus files)");
  const data = await store.readIndexData(indexDir);
  lap("read generation (integrity check, chunks, postings, vectors)");
  const { createEmbedder } = await import("../src/embed/factory.js");
  const { embedder } = await createEmbedder(settings, data!.stats);
  const index = await store.loadIndex(indexDir, embedder, data);
  await index.dense.graph();
  lap("HNSW graph");
  const engine = await openEngine({ indexDir, corpusDir, settings, refresh: false });
  lap("openEngine again, whole (the steps above + facts.sqlite), for reference");
  const total = { ms: steps.slice(1, 4).reduce((a, s) => a + s.ms, 0), cpuMs: steps.slice(1, 4).reduce((a, s) => a + s.cpuMs, 0) };
  void engine;
  const maxRss = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`@@OPEN ${JSON.stringify({ steps, total, rssMb: steps[3].rssMb, maxRssMb: maxRss })}\n`);
}

function main(): void {
  const args = process.argv.slice(2);
  const ri = args.indexOf("--runs");
  const runs = ri >= 0 ? Number(args[ri + 1]) : 3;
  const [indexDir, corpusDir] = args.filter((a, i) => !a.startsWith("--") && args[i - 1] !== "--runs").map((p) => path.resolve(p));
  const load = () => loadavg().map((x) => x.toFixed(2)).join(" ");
  console.log(`open ${indexDir} (corpus ${corpusDir}); load average before: ${load()}`);
  const results: Array<{ steps: Step[]; total: { ms: number; cpuMs: number }; rssMb: number; maxRssMb: number }> = [];
  for (let i = 0; i <= runs; i++) {
    const r = spawnSync(process.execPath, [...process.execArgv, SELF, "--child", indexDir, corpusDir], { encoding: "utf8", maxBuffer: 1 << 26 });
    const line = r.stdout.split("\n").find((l) => l.startsWith("@@OPEN "));
    if (!line) throw new Error(`child failed (${r.status}): ${r.stderr.slice(-2000)}`);
    if (i > 0) results.push(JSON.parse(line.slice(7))); // the first run warms the page cache
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (const [k, s] of results[0].steps.entries())
    console.log(
      `  ${s.name.padEnd(72)} wall ${median(results.map((r) => r.steps[k].ms)).toFixed(0).padStart(6)} ms · CPU ${median(results.map((r) => r.steps[k].cpuMs)).toFixed(0).padStart(6)} ms · RSS since start +${median(results.map((r) => r.steps[k].rssMb)).toFixed(0)} MB`,
    );
  console.log(
    `  open (freshness + read + graph): wall ${median(results.map((r) => r.total.ms)).toFixed(0)} ms (${results.map((r) => r.total.ms.toFixed(0)).join(", ")}), ` +
      `CPU ${median(results.map((r) => r.total.cpuMs)).toFixed(0)} ms, RSS growth ${median(results.map((r) => r.rssMb)).toFixed(0)} MB (since start, modules included), maxRSS ${median(results.map((r) => r.maxRssMb)).toFixed(0)} MB`,
  );
  console.log(`load average after: ${load()}`);
}

if (process.argv[2] === "--child") await child(process.argv[3], process.argv[4]);
else main();
