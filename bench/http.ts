/**
 * HTTP load benchmark: 200 concurrent connections (autocannon) on POST /api/ask and POST /v1/chat/completions,
 * against the real engine on the real corpus. The server runs in a child process (so the load generator does not
 * share its event loop); its RSS is read from /proc before and after each run. Every response must be a 2xx.
 *
 *   tsx bench/http.ts [--connections 200] [--duration 20] [--record]   (--record appends to bench/RESULTS.md)
 */
import { spawn, type ChildProcess } from "node:child_process";
import { promises as fs, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { openEngine } from "../src/app/open.js";
import { settingsSchema } from "../src/config.js";
import { buildServer } from "../src/server/app.js";
import { parseArgs } from "../src/cli/args.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "..");
const INDEX = path.join(os.tmpdir(), "nianbao-real-index");
const KEY = "bench-key-0001";
const MB = 1024 * 1024;

/** Child mode: open the real engine, serve it on an ephemeral port, print the port. */
async function serve(): Promise<void> {
  const settings = settingsSchema.parse({
    NIANBAO_API_KEYS: KEY,
    API_RATE_LIMIT_PER_IP: "100000000",
    API_RATE_LIMIT_PER_KEY: "100000000",
  });
  const engine = await openEngine({ indexDir: INDEX, corpusDir: path.join(ROOT, "corpus"), settings, log: () => {} });
  // Requests the server itself took over a second for (as opposed to time queued in the client or the kernel).
  const log = (e: Record<string, unknown>) => {
    if (e.event === "http" && Number(e.ms) > 1000) process.stderr.write(`slow on the server: ${JSON.stringify(e)}\n`);
  };
  const app = await buildServer({ engine, stats: null, settings, log });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const addr = app.server.address();
  process.stdout.write(`PORT ${typeof addr === "object" && addr ? addr.port : 0}\n`);
  process.once("SIGTERM", () => void app.close().then(() => process.exit(0)));
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function questions(): string[] {
  return readFileSync(path.join(ROOT, "test/eval/questions.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { question: string; type: string; previous?: string })
    .filter((q) => !q.previous)
    .map((q) => q.question);
}

interface Run {
  name: string;
  requests: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  errors: number;
  non2xx: number;
  rssBefore: number;
  rssAfter: number;
}

async function load(child: ChildProcess, port: number, name: string, pathName: string, body: (q: string) => unknown, connections: number, duration: number): Promise<Run> {
  const qs = questions();
  let i = 0;
  const times: number[] = [];
  const rssBefore = rssMb(child.pid!);
  const instance = autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration,
    timeout: 30,
    headers: { "content-type": "application/json", authorization: `Bearer ${KEY}` },
    requests: [{ method: "POST", path: pathName, setupRequest: (req) => ({ ...req, body: JSON.stringify(body(qs[i++ % qs.length])) }) }],
  });
  instance.on("response", (_client: unknown, _status: number, _bytes: number, ms: number) => void times.push(ms));
  const r = await instance;
  const rssAfter = rssMb(child.pid!);
  times.sort((a, b) => a - b);
  return {
    name,
    requests: r.requests.total,
    rps: r.requests.total / r.duration,
    p50: pct(times, 50),
    p95: pct(times, 95),
    p99: pct(times, 99),
    max: times[times.length - 1],
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
    rssBefore,
    rssAfter,
  };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2), ["connections", "duration"]);
  if (args.flags.has("serve")) {
    await serve();
    return -1;
  }
  const connections = Number(args.values.get("connections") ?? 200);
  const duration = Number(args.values.get("duration") ?? 20);
  const tsx = path.join(ROOT, "node_modules/.bin/tsx");
  const child = spawn(tsx, [fileURLToPath(import.meta.url), "--serve"], { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, LLM_BASE_URL: "", EMBEDDINGS_BASE_URL: "" } });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (b) => {
        out += b;
        const m = /PORT (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.once("exit", (code) => reject(new Error(`server exited (${code})`)));
    });
    // The server is a tsx child: find the node process that actually listens (tsx forks node).
    const pid = await serverPid(child.pid!);
    const target = { ...child, pid } as ChildProcess;
    const rssIdle = rssMb(pid);
    const loadBefore = os.loadavg()[0];
    // Warm-up: every question once per endpoint (JIT, caches), not measured.
    await load(target, port, "warm-up", "/api/ask", (q) => ({ question: q }), 10, 3);
    const runs = [
      await load(target, port, "POST /api/ask", "/api/ask", (q) => ({ question: q }), connections, duration),
      await load(target, port, "POST /v1/chat/completions", "/v1/chat/completions", (q) => ({ model: "nianbao", messages: [{ role: "user", content: q }] }), connections, duration),
    ];
    const rows = [
      ["endpoint", "connections", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors", "non-2xx", "RSS before MB", "RSS after MB"],
      ...runs.map((r) => [r.name, String(connections), String(r.requests), r.rps.toFixed(0), r.p50.toFixed(1), r.p95.toFixed(1), r.p99.toFixed(1), r.max.toFixed(1), String(r.errors), String(r.non2xx), r.rssBefore.toFixed(0), r.rssAfter.toFixed(0)]),
    ];
    const w = rows[0].map((_, i) => Math.max(...rows.map((r) => [...r[i]].length)));
    const md = [rows[0], w.map((n) => "-".repeat(n)), ...rows.slice(1)].map((r) => `| ${r.map((c, i) => c.padEnd(w[i])).join(" | ")} |`).join("\n");
    const note = `- ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), Node ${process.version}; real corpus index, extractive answers, API key on; ${duration} s per endpoint after a 3 s warm-up; server RSS at idle ${rssIdle.toFixed(0)} MB (${(os.totalmem() / MB / 1024).toFixed(1)} GB machine). Questions: the ${questions().length} single-turn questions of test/eval/questions.jsonl in turn. Machine load average (1 min) before/after: ${loadBefore.toFixed(1)}/${os.loadavg()[0].toFixed(1)}.`;
    console.log(md);
    console.log(note);
    const failed = runs.some((r) => r.errors > 0 || r.non2xx > 0);
    if (args.flags.has("record")) {
      const section = `\n## HTTP (\`npm run bench:http\`), ${new Date().toISOString().slice(0, 10)}\n\n${md}\n\n${note}\n- errors = connection errors + timeouts; latencies are per response as autocannon saw them (client side, 200 connections against one Node process on a 2-core machine, the load generator included).\n`;
      await fs.appendFile(path.join(HERE, "RESULTS.md"), section);
      console.log("recorded in bench/RESULTS.md");
    }
    if (failed) console.error("FAILED: some requests errored or were not 2xx");
    return failed ? 1 : 0;
  } finally {
    child.kill("SIGTERM");
  }
}

/** The pid of the node process that serves (the deepest descendant of the tsx launcher). */
async function serverPid(launcher: number): Promise<number> {
  let pid = launcher;
  for (let depth = 0; depth < 4; depth++) {
    let children: string[] = [];
    try {
      children = (await fs.readFile(`/proc/${pid}/task/${pid}/children`, "utf8")).trim().split(/\s+/).filter(Boolean);
    } catch {
      break;
    }
    if (children.length === 0) break;
    pid = Number(children[0]);
  }
  return pid;
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
