import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { loadSettings } from "../../src/config.js";
import { makeServer } from "./helpers.js";

/**
 * Slow and idle clients against a listening server, over real sockets: a body or headers sent too slowly are cut
 * with 408 within the timeout, an idle kept-alive connection is closed, and connections beyond the cap are closed
 * on arrival while the server still answers an ordinary client once the others have gone. Small settings keep it
 * quick; every wait is on a socket event or the server's own connection count.
 */

let app: FastifyInstance | null = null;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await app?.close();
  app = null;
});

async function listen(env: Record<string, string>): Promise<number> {
  ({ app } = await makeServer(env));
  await app.listen({ host: "127.0.0.1", port: 0 });
  return (app.server.address() as { port: number }).port;
}

interface Conn {
  socket: Socket;
  connected: Promise<number>;
  /** Resolves when the server closes the connection: ms since connected, and everything received. */
  closed: Promise<{ ms: number; data: string }>;
}

function open(port: number): Conn {
  const socket = connect(port, "127.0.0.1");
  sockets.push(socket);
  let data = "";
  let t0 = 0;
  socket.on("data", (b) => (data += b.toString("utf8")));
  socket.on("error", () => undefined);
  const connected = new Promise<number>((r) => socket.once("connect", () => r((t0 = Date.now()))));
  const closed = new Promise<{ ms: number; data: string }>((r) => socket.once("close", () => r({ ms: Date.now() - t0, data })));
  return { socket, connected, closed };
}

async function connections(): Promise<number> {
  return new Promise((resolve, reject) => app!.server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
}

async function until(cond: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Fails the wait instead of hanging the test when the server never closes the connection. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`not within ${ms} ms: ${what}`)), ms))]);
}

// Node checks the timeouts every min(1000, headers/4) ms; on a loaded 2-core machine allow a few seconds more.
const SLACK_MS = 4000;

describe("slow clients", () => {
  it("a body trickling in is cut with 408 request_timeout once HTTP_REQUEST_TIMEOUT_MS has passed", async () => {
    const port = await listen({ HTTP_REQUEST_TIMEOUT_MS: "1000", HTTP_HEADERS_TIMEOUT_MS: "500" });
    const c = open(port);
    await c.connected;
    c.socket.write("POST /api/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"question\":\"");
    // A byte every 100 ms: never idle, never done.
    const drip = setInterval(() => c.socket.writable && c.socket.write("沈"), 100);
    try {
      const { ms, data } = await within(c.closed, 1000 + SLACK_MS, "slow body cut");
      expect(ms).toBeGreaterThanOrEqual(900);
      expect(data).toMatch(/^HTTP\/1\.1 408 /);
      expect(JSON.parse(data.slice(data.indexOf("\r\n\r\n") + 4))).toEqual({ error: { code: "request_timeout", message: expect.stringMatching(/请求超时/) } });
    } finally {
      clearInterval(drip);
    }
  }, 30_000);

  it("headers sent too slowly are cut with 408 once HTTP_HEADERS_TIMEOUT_MS has passed", async () => {
    const port = await listen({ HTTP_REQUEST_TIMEOUT_MS: "5000", HTTP_HEADERS_TIMEOUT_MS: "500" });
    const c = open(port);
    await c.connected;
    c.socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n");
    const drip = setInterval(() => c.socket.writable && c.socket.write("X-Slow: 1\r\n"), 100);
    try {
      const { ms, data } = await within(c.closed, 500 + SLACK_MS, "slow headers cut");
      expect(ms).toBeGreaterThanOrEqual(450);
      expect(data).toMatch(/^HTTP\/1\.1 408 /);
    } finally {
      clearInterval(drip);
    }
  }, 30_000);

  it("an idle kept-alive connection is closed after HTTP_KEEP_ALIVE_TIMEOUT_MS", async () => {
    const port = await listen({ HTTP_KEEP_ALIVE_TIMEOUT_MS: "300" });
    const c = open(port);
    await c.connected;
    c.socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n");
    // Node adds up to a second to the keep-alive timeout before it closes the socket.
    const { data } = await within(c.closed, 300 + 1000 + SLACK_MS, "idle keep-alive closed");
    expect(data).toMatch(/^HTTP\/1\.1 200 /);
    expect(data).toContain('{"ok":true}');
  }, 30_000);
});

describe("connection cap", () => {
  it("connections beyond HTTP_MAX_CONNECTIONS are closed on arrival; /healthz answers again once the others close", async () => {
    const port = await listen({ HTTP_MAX_CONNECTIONS: "5", HTTP_REQUEST_TIMEOUT_MS: "60000", HTTP_HEADERS_TIMEOUT_MS: "60000" });
    // Five clients that connect and start a request they never finish: they hold their connections.
    const held = Array.from({ length: 5 }, () => open(port));
    await Promise.all(held.map((c) => c.connected));
    for (const c of held) c.socket.write("GET /healthz HTTP/1.1\r\n");
    await until(async () => (await connections()) === 5, 10_000, "five connections held");

    const extra = Array.from({ length: 3 }, () => open(port));
    for (const c of extra) {
      await c.connected.catch(() => 0);
      c.socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
      const { data } = await within(c.closed, SLACK_MS, "connection over the cap closed");
      expect(data).toBe("");
    }
    expect(await connections()).toBe(5);

    for (const c of held) c.socket.destroy();
    await until(async () => (await connections()) === 0, 10_000, "held connections gone");
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  }, 30_000);
});

describe("settings", () => {
  it("a headers timeout longer than the request timeout stops start-up with one line naming it", () => {
    expect(() => loadSettings({ HTTP_HEADERS_TIMEOUT_MS: "2000", HTTP_REQUEST_TIMEOUT_MS: "1000" })).toThrow(/HTTP_HEADERS_TIMEOUT_MS/);
    expect(loadSettings({}).HTTP_REQUEST_TIMEOUT_MS).toBe(60_000);
  });
});
