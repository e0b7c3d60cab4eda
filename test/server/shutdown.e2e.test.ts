import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request, type IncomingMessage } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startFakeOpenAI, type FakeOpenAI } from "../helpers/fakeOpenAI.js";
import { alive, npmStart } from "../helpers/npmStart.js";
import { multipartBody } from "./helpers.js";

/**
 * `npm start` stopped with SIGTERM while requests are in flight, end to end: the real start command (as npm runs it)
 * on a one-report corpus, its answers slowed by an OpenAI-compatible fake that takes 3 s per reply. Every answer,
 * stream and upload accepted before the signal completes with 200, a new connection after it is refused, npm and
 * the server behind it exit 0 within the grace period.
 */

const REPORT = "平潭综合实验区-2020-年度报告.txt";
const Q = "平潭综合实验区2020年政府信息公开工作存在的主要问题是什么？";
const root = mkdtempSync(path.join(tmpdir(), "nianbao-stop-e2e-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Reply {
  status: number;
  body: string;
}
const collect = (res: IncomingMessage) =>
  new Promise<Reply>((resolve, reject) => {
    let body = "";
    res.setEncoding("utf8");
    res.on("data", (c) => (body += c));
    res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    res.on("error", reject);
  });

function post(url: URL, p: string, json: unknown): Promise<Reply> {
  const body = JSON.stringify(json);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: p, method: "POST", agent: false, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => collect(res).then(resolve, reject));
    req.on("error", reject);
    req.end(body);
  });
}

function slowUpload(url: URL, draft: Buffer): { accepted: Promise<void>; finish: () => void; reply: Promise<Reply> } {
  const { payload, headers } = multipartBody("草稿.txt", draft);
  const half = Math.floor(payload.length / 2);
  let accept!: () => void;
  const accepted = new Promise<void>((r) => (accept = r));
  const req = request({ host: url.hostname, port: url.port, path: "/api/check", method: "POST", agent: false, headers: { ...headers, "content-length": payload.length, expect: "100-continue" } });
  const reply = new Promise<Reply>((resolve, reject) => {
    req.on("response", (res) => collect(res).then(resolve, reject));
    req.on("error", reject);
  });
  req.on("continue", () => {
    req.write(payload.subarray(0, half));
    accept();
  });
  return { accepted, finish: () => req.end(payload.subarray(half)), reply };
}

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("npm start, SIGTERM with requests in flight", () => {
  it("finishes 10 answers, 5 streams and 3 uploads accepted before the signal, refuses new connections, exits 0 within the grace", async () => {
    const corpus = path.join(root, "corpus");
    mkdirSync(corpus);
    copyFileSync(path.join("corpus", REPORT), path.join(corpus, REPORT));
    let llm: FakeOpenAI | null = await startFakeOpenAI({ chatHandler: () => ({ delayMs: 3000, content: "NOT_FOUND" }) });
    const grace = 30_000;
    const app = npmStart({
      HOST: "127.0.0.1", PORT: "0", CORPUS_DIR: corpus, NIANBAO_INDEX_DIR: path.join(root, "index"),
      LLM_BASE_URL: llm.url, LLM_MODEL: "fake", LLM_API_KEY: "", LLM_PLANNER: "false", EMBEDDINGS_BASE_URL: "",
      TELEGRAM_BOT_TOKEN: "", WEBHOOK_URL: "", NIANBAO_API_KEYS: "", API_RATE_LIMIT_PER_IP: "10000",
      SHUTDOWN_GRACE_MS: String(grace), LOG_LEVEL: "info",
      // Three uploads at once: room for all of them (the default allows two draft checks at a time).
      MAX_CONCURRENT_CHECKS: "4",
    });
    let tree: number[] = [];
    try {
      const url = new URL(await app.url);
      await app.ready;
      const chats = () => llm!.requests.filter((r) => r.path === "/v1/chat/completions").length;
      const asks = Array.from({ length: 10 }, () => post(url, "/api/ask", { question: Q }));
      const streams = Array.from({ length: 5 }, () => post(url, "/v1/chat/completions", { model: "nianbao", stream: true, messages: [{ role: "user", content: Q }] }));
      const uploads = Array.from({ length: 3 }, () => slowUpload(url, readFileSync(path.join("corpus", REPORT))));
      await Promise.all(uploads.map((u) => u.accepted));
      await until(() => chats() === 15, 60_000, "15 answers waiting on the model").catch((e) => { throw new Error(`${e.message}: ${chats()} calls; ${app.stderr().slice(-3000)}`); });

      tree = app.descendants();
      const server = tree.filter(alive);
      expect(server.length).toBeGreaterThan(0);
      const t0 = Date.now();
      app.child.kill("SIGTERM");
      await app.waitForStderr(/"event":"http_draining"/);
      const refused = await new Promise<string>((resolve) => {
        const s = connect(Number(url.port), "127.0.0.1");
        s.once("connect", () => (s.destroy(), resolve("connected")));
        s.once("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "error"));
      });
      expect(refused).toBe("ECONNREFUSED");
      for (const u of uploads) u.finish();

      const askReplies = await Promise.all(asks);
      expect(askReplies.map((r) => r.status)).toEqual(Array(10).fill(200));
      expect(askReplies.every((r) => JSON.parse(r.body).found === true)).toBe(true);
      const streamReplies = await Promise.all(streams);
      expect(streamReplies.map((r) => r.status)).toEqual(Array(5).fill(200));
      expect(streamReplies.every((r) => r.body.trimEnd().endsWith("data: [DONE]"))).toBe(true);
      const uploadReplies = await Promise.all(uploads.map((u) => u.reply));
      expect(uploadReplies.map((r) => r.status)).toEqual(Array(3).fill(200));

      const exit = await app.exited;
      expect(exit.code).toBe(0);
      expect(exit.at - t0).toBeLessThan(grace);
      expect(server.filter(alive)).toEqual([]);
      expect(app.stderr()).toMatch(/"event":"http_closed"[^\n]*"cut":0/);
    } finally {
      for (const pid of [app.child.pid!, ...tree, ...app.descendants()]) if (alive(pid)) process.kill(pid, "SIGKILL");
      await llm?.close();
      llm = null;
    }
  }, 180_000);
});
