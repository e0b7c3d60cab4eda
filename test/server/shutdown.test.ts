import { EventEmitter } from "node:events";
import { request, type IncomingMessage } from "node:http";
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { closeGracefully, stopSignal } from "../../src/server/shutdown.js";
import { makeServer, multipartBody } from "./helpers.js";
import type { FakeEngine } from "./fakes.js";

/**
 * Stopping the server with requests in flight, in-process against a listening server and a slow engine: every
 * request accepted before the stop — answers, streams, uploads whose body is still arriving, and a request sent on a
 * connection opened just before the stop — completes with 200; new connections are refused at once; the close
 * resolves within the grace period, and at its end cuts what is left.
 */

let app: FastifyInstance | null = null;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await app?.close();
  app = null;
});

async function listen(delayMs: number): Promise<{ port: number; engine: FakeEngine }> {
  const s = await makeServer();
  app = s.app;
  s.engine.delayMs = delayMs;
  await app.listen({ host: "127.0.0.1", port: 0 });
  return { port: (app.server.address() as { port: number }).port, engine: s.engine };
}

interface Reply {
  status: number;
  headers: IncomingMessage["headers"];
  body: string;
}

function collect(res: IncomingMessage): Promise<Reply> {
  return new Promise((resolve, reject) => {
    let body = "";
    res.setEncoding("utf8");
    res.on("data", (c) => (body += c));
    res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    res.on("error", reject);
  });
}

/** One request on its own connection (no pooling), so each is a connection the server must finish. */
function post(port: number, path: string, json: unknown): Promise<Reply> {
  const body = JSON.stringify(json);
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: "POST", agent: false, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => collect(res).then(resolve, reject));
    req.on("error", reject);
    req.end(body);
  });
}

/** An upload whose body is sent in two halves: `accepted` resolves when the server has taken the request (100 Continue). */
function slowUpload(port: number): { accepted: Promise<void>; finish: () => void; reply: Promise<Reply> } {
  const { payload, headers } = multipartBody("草稿.txt", "沈阳市2013年政府信息公开工作年度报告。全年共受理政府信息公开申请249件。".repeat(20));
  const half = Math.floor(payload.length / 2);
  let accept!: () => void;
  const accepted = new Promise<void>((r) => (accept = r));
  const req = request({ host: "127.0.0.1", port, path: "/api/check", method: "POST", agent: false, headers: { ...headers, "content-length": payload.length, expect: "100-continue" } });
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

function refused(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    sockets.push(s);
    s.once("connect", () => resolve("connected"));
    s.once("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "error"));
  });
}

async function connections(): Promise<number> {
  return new Promise((resolve, reject) => app!.server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
}

async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const Q = "沈阳2013年受理了多少件政府信息公开申请？";

describe("closeGracefully", () => {
  it("30 answers, 10 streams, 5 uploads mid-body and 2 just-opened connections in flight: all 200, new connections refused, closed within the grace", async () => {
    const { port, engine } = await listen(1500);
    const asks = Array.from({ length: 30 }, () => post(port, "/api/ask", { question: Q }));
    const streams = Array.from({ length: 10 }, () => post(port, "/v1/chat/completions", { model: "nianbao", stream: true, messages: [{ role: "user", content: Q }] }));
    const uploads = Array.from({ length: 5 }, () => slowUpload(port));
    // Connected before the stop; their requests are sent only after it (the bytes of a request "in the wire").
    const early = Array.from({ length: 2 }, () => {
      const s = connect(port, "127.0.0.1");
      sockets.push(s);
      let data = "";
      s.on("data", (b) => (data += b));
      const closed = new Promise<string>((r) => s.once("close", () => r(data)));
      return { s, connected: new Promise<void>((r) => s.once("connect", () => r())), closed };
    });
    await Promise.all(early.map((e) => e.connected));
    await Promise.all(uploads.map((u) => u.accepted));
    await until(() => engine.calls.length === 40, 20_000, "40 questions in the engine");
    await until(async () => (await connections()) === 47, 10_000, "47 connections");

    const grace = 10_000;
    const t0 = Date.now();
    const closing = closeGracefully(app!, { graceMs: grace });
    expect(await refused(port)).toBe("ECONNREFUSED");
    for (const e of early) e.s.write(`POST /api/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(JSON.stringify({ question: Q }))}\r\n\r\n${JSON.stringify({ question: Q })}`);
    for (const u of uploads) u.finish();

    const askReplies = await Promise.all(asks);
    expect(askReplies.map((r) => r.status)).toEqual(Array(30).fill(200));
    expect(askReplies.every((r) => JSON.parse(r.body).answer.includes("249件"))).toBe(true);
    const streamReplies = await Promise.all(streams);
    expect(streamReplies.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(streamReplies.every((r) => r.body.includes('"finish_reason":"stop"') && r.body.trimEnd().endsWith("data: [DONE]"))).toBe(true);
    const uploadReplies = await Promise.all(uploads.map((u) => u.reply));
    expect(uploadReplies.map((r) => r.status)).toEqual(Array(5).fill(200));
    expect(uploadReplies.every((r) => Array.isArray(JSON.parse(r.body).checks))).toBe(true);
    for (const e of early) {
      const raw = await e.closed;
      expect(raw).toMatch(/^HTTP\/1\.1 200 /);
      expect(raw.toLowerCase()).toContain("connection: close");
      expect(raw).toContain("249件");
    }

    const result = await closing;
    expect(Date.now() - t0).toBeLessThan(grace);
    expect(result.cut).toBe(0);
    expect(result.finished).toBeGreaterThanOrEqual(47);
    expect(app!.server.listening).toBe(false);
  }, 60_000);

  it("idle kept-alive connections do not hold the close; what is still running at the end of the grace is cut", async () => {
    const { port, engine } = await listen(0);
    // A kept-alive connection, idle after its answer.
    const idle = connect(port, "127.0.0.1");
    sockets.push(idle);
    const idleClosed = new Promise<void>((r) => idle.once("close", () => r()));
    let idleData = "";
    idle.on("data", (b) => (idleData += b));
    idle.write("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n");
    await until(() => idleData.includes('{"ok":true}'), 10_000, "kept-alive answer");
    engine.delayMs = 60_000;
    const stuck = post(port, "/api/ask", { question: Q }).catch((e: Error) => e);
    await until(() => engine.calls.length === 1, 10_000, "stuck question in the engine");

    const t0 = Date.now();
    const result = await closeGracefully(app!, { graceMs: 800 });
    const took = Date.now() - t0;
    await idleClosed;
    expect(took).toBeGreaterThanOrEqual(750);
    expect(took).toBeLessThan(800 + 4000);
    expect(result.cut).toBe(1);
    expect(await stuck).toBeInstanceOf(Error);
  }, 30_000);
});

describe("stopSignal", () => {
  it("the first SIGTERM/SIGINT stops; the same Ctrl-C delivered twice (terminal and npm) is one; a later one forces", async () => {
    const proc = new EventEmitter() as unknown as NodeJS.Process;
    let clock = 1000;
    let forced = 0;
    const stopped = stopSignal(() => forced++, { proc, repeatMs: 1000, now: () => clock });
    proc.emit("SIGINT", "SIGINT");
    expect(await stopped).toBe("SIGINT");
    clock += 20;
    proc.emit("SIGINT", "SIGINT");
    expect(forced).toBe(0);
    clock += 2000;
    proc.emit("SIGTERM", "SIGTERM");
    expect(forced).toBe(1);
  });
});
