import http from "node:http";
import { Worker } from "node:worker_threads";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { buildServer } from "../../src/server/app.js";
import { limitsFromEnv, type LoadLimits } from "../../src/limits.js";
import { sandboxStats } from "../../src/ingest/sandbox.js";
import { checkDraftInSandbox } from "../../src/ingest/draft.js";
import type { DraftCheck } from "../../src/stats/api.js";
import { FakeEngine, FakeStats, testSettings } from "./fakes.js";
import { brokenMultiparts, docxEmptyParagraphs, docxLargeXml, htmlNested, multipart, pdfFlateBomb, pdfPages } from "../helpers/hostile.js";

/**
 * Issue 19: the probe's hostile uploads against a real listening server with the real draft check (extraction,
 * parsing and statistics in the sandbox process, src/ingest/sandbox.ts), default limits. Each must be refused
 * with a coded error within seconds while /healthz, polled from another thread the whole time, answers within
 * 1 s and the server's process stays under RSS_BOUND. Before the sandbox these ran 30–900 s, blocked /healthz
 * for up to 97 s, grew the process to 4.6 GB (killed), and broken multipart bodies answered 500.
 */

const MB = 1024 * 1024;
/** The server's process (this test's, which also holds the generated files): the most its RSS may grow by. */
const RSS_GROWTH_BOUND = 200 * MB;
const HEALTH_BOUND_MS = 1000;
/** Time to refuse one file, including the first start of a sandbox process on a loaded 2-core machine. */
const REFUSE_BOUND_MS = 10_000;

/** FakeStats (no database) with the real, sandboxed draft check that FactsStatsService runs. */
class SandboxedStats extends FakeStats {
  override async checkDraft(bytes: Buffer, filename: string, limits?: LoadLimits): Promise<DraftCheck> {
    return checkDraftInSandbox(bytes, filename, limits ?? limitsFromEnv());
  }
}

/** Polls /healthz and samples the process's RSS from a worker thread: a blocked server event loop shows as latency. */
const WATCHER = `
const { parentPort, workerData } = require("node:worker_threads");
const http = require("node:http");
let stop = false, maxMs = 0, polls = 0, failures = 0, peakRss = 0;
parentPort.on("message", () => { stop = true; });
const sample = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage.rss()); }, 50);
(async function loop() {
  while (!stop) {
    const t0 = performance.now();
    const ok = await new Promise((resolve) => {
      const req = http.get(workerData.url + "/healthz", { agent: false, timeout: 30000 }, (res) => { res.resume(); res.on("end", () => resolve(res.statusCode === 200)); });
      req.on("error", () => resolve(false));
      req.on("timeout", () => { req.destroy(); resolve(false); });
    });
    const ms = performance.now() - t0;
    polls++; if (!ok) failures++; maxMs = Math.max(maxMs, ms);
    await new Promise((r) => setTimeout(r, 100));
  }
  clearInterval(sample);
  parentPort.postMessage({ maxMs, polls, failures, peakRss });
})();
`;

interface Watch {
  stop(): Promise<{ maxMs: number; polls: number; failures: number; peakRss: number }>;
}
function watchHealth(url: string): Watch {
  const w = new Worker(WATCHER, { eval: true, workerData: { url } });
  return {
    stop: () =>
      new Promise((resolve, reject) => {
        w.once("message", (m) => {
          void w.terminate();
          resolve(m);
        });
        w.once("error", reject);
        w.postMessage("stop");
      }),
  };
}

interface Sent {
  status: number;
  body: { error?: { code: string; message: string } };
  headers: http.IncomingHttpHeaders;
  ms: number;
}
function post(url: string, body: Buffer, contentType: string): Promise<Sent> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/api/check`, { method: "POST", agent: false, headers: { "content-type": contentType, "content-length": body.length } }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (c: Buffer) => parts.push(c));
      res.on("end", () => {
        const text = Buffer.concat(parts).toString("utf8");
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(text || "{}"), headers: res.headers, ms: performance.now() - t0 });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

let app: FastifyInstance;
let url = "";
let files: Record<string, Buffer>;
let rssBefore = 0;
const timings: Record<string, number> = {};

beforeAll(async () => {
  // Generated before the watch starts (each in well under a second, a few MB at most).
  files = {
    "空段落.docx": docxEmptyParagraphs(250),
    "五万页.pdf": pdfPages(50_000),
    "空白页.pdf": pdfPages(55_000, null),
    "压缩炸弹.pdf": pdfFlateBomb(512),
    "嵌套.html": htmlNested(200_000),
    "大XML.docx": docxLargeXml(120),
  };
  app = await buildServer({ engine: new FakeEngine(), stats: new SandboxedStats(), settings: testSettings({ API_RATE_LIMIT_PER_IP: "100000" }) });
  await app.listen({ port: 0, host: "127.0.0.1" });
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  rssBefore = process.memoryUsage.rss();
}, 60_000);
afterAll(async () => {
  await app?.close();
  // The figures the README quotes.
  console.log(`hostile uploads: ${JSON.stringify(timings)}; sandbox peak RSS ${Math.round(sandboxStats().peakRssBytes / MB)} MB`);
});

describe("hostile uploads against a listening server", () => {
  it("every hostile file is refused with a coded error within seconds; /healthz stays under 1 s and RSS bounded", async () => {
    const watch = watchHealth(url);
    const expectRefused = (name: string, r: Sent, status: number, code: string, reason: RegExp) => {
      timings[name] = Math.round(r.ms);
      expect({ name, status: r.status, code: r.body.error?.code }).toEqual({ name, status, code });
      expect(r.body.error!.message).toMatch(reason);
      expect(r.ms).toBeLessThan(REFUSE_BOUND_MS);
    };
    const send = (name: string) => {
      const m = multipart(name, files[name]);
      return post(url, m.body, m.contentType);
    };
    try {
      expectRefused("空段落.docx", await send("空段落.docx"), 413, "file_too_large", /解压后超过上限.*MAX_UNZIPPED_MB/);
      expectRefused("五万页.pdf", await send("五万页.pdf"), 413, "file_too_large", /PDF 页数过多：50000 页/);
      expectRefused("空白页.pdf", await send("空白页.pdf"), 413, "file_too_large", /PDF 页数过多：55000 页/);
      expectRefused("压缩炸弹.pdf", await send("压缩炸弹.pdf"), 413, "file_too_large", /PDF 的压缩内容解压后超过上限/);
      expectRefused("嵌套.html", await send("嵌套.html"), 422, "unreadable_draft", /HTML 嵌套过深/);

      // Six at once: at most MAX_CONCURRENT_CHECKS (2) are checked, the rest are told to come back.
      const six = await Promise.all(Array.from({ length: 6 }, () => send("大XML.docx")));
      for (const r of six) {
        if (r.status === 503) {
          expect(r.body.error?.code).toBe("busy");
          expect(Number(r.headers["retry-after"])).toBeGreaterThan(0);
        } else expectRefused("大XML.docx", r, 413, "file_too_large", /DOCX 的 XML 内容解压后超过上限/);
      }
      timings["大XML.docx ×6"] = Math.round(Math.max(...six.map((r) => r.ms)));
      timings["大XML.docx ×6: 503"] = six.filter((r) => r.status === 503).length;

      for (const b of brokenMultiparts().filter((x) => x.name !== "empty body")) {
        const r = await post(url, b.body, b.contentType);
        expectRefused(`multipart: ${b.name}`, r, 400, "bad_request", /multipart\/form-data/);
      }
    } finally {
      const h = await watch.stop();
      timings["healthz max ms"] = Math.round(h.maxMs);
      timings["healthz polls"] = h.polls;
      timings["server peak RSS MB"] = Math.round(h.peakRss / MB);
      timings["server RSS growth MB"] = Math.round((h.peakRss - rssBefore) / MB);
      expect(h.failures).toBe(0);
      expect(h.polls).toBeGreaterThan(5);
      expect(h.maxMs).toBeLessThan(HEALTH_BOUND_MS);
      expect(h.peakRss - rssBefore).toBeLessThan(RSS_GROWTH_BOUND);
      // Each sandbox process stayed under PARSE_MEMORY_MB (768 by default; its watchdog kills it past that).
      expect(sandboxStats().peakRssBytes).toBeLessThan(limitsFromEnv().parseMemoryMb * MB);
    }
    // The server still works after all of it.
    const ok = multipart("草稿.txt", Buffer.from("今天天气很好。"));
    expect((await post(url, ok.body, ok.contentType)).body.error?.code).toBe("unreadable_draft");
  }, 180_000);
});
