import type { Server as HttpServer, IncomingMessage, ServerResponse } from "node:http";
import { Server as NetServer, type Socket } from "node:net";
import type { FastifyInstance } from "fastify";

/**
 * Graceful stop of the HTTP server: stop accepting, finish what was accepted (answers, streams, uploads still
 * arriving), then close — bounded by a grace period.
 *
 * Fastify's own close() (and Node's http `server.close()`, which it calls) destroys every connection that has no
 * request in progress *at that instant*. A connection the kernel had accepted but whose request bytes Node had not
 * read yet counts as idle, so requests sent just before the signal were cut, and requests arriving on a kept-alive
 * connection were answered 503. Here the listening socket is closed alone (new connections are refused), each
 * connection is followed until its requests are done, and only then is Fastify closed.
 */

export type ShutdownLog = (e: Record<string, unknown>) => void;

interface ConnState {
  /** Requests whose response has not finished. */
  active: number;
  /** Requests answered on this connection. */
  served: number;
}

class ConnectionTracker {
  readonly conns = new Map<Socket, ConnState>();
  draining = false;
  /** Requests finished since the drain began. */
  finishedWhileDraining = 0;
  private onIdle: (() => void) | null = null;

  constructor(server: HttpServer) {
    server.on("connection", (socket: Socket) => {
      this.conns.set(socket, { active: 0, served: 0 });
      socket.once("close", () => {
        this.conns.delete(socket);
        if (this.conns.size === 0) this.onIdle?.();
      });
    });
    server.on("request", (req: IncomingMessage, res: ServerResponse) => {
      const c = this.conns.get(req.socket);
      if (!c) return;
      c.active++;
      // Answered during a drain: the connection closes after this response instead of waiting for another.
      if (this.draining) res.shouldKeepAlive = false;
      res.once("close", () => {
        c.active--;
        c.served++;
        if (this.draining) {
          this.finishedWhileDraining++;
          if (c.active === 0) req.socket.end();
        }
      });
    });
  }

  /** Resolves when no connection is left. */
  empty(): Promise<void> {
    if (this.conns.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.onIdle = () => {
        this.onIdle = null;
        resolve();
      };
    });
  }
}

const trackers = new WeakMap<FastifyInstance, ConnectionTracker>();

/** Follows the server's connections from the start (buildServer calls it), so a drain knows every one of them. */
export function trackConnections(app: FastifyInstance): void {
  if (!trackers.has(app)) trackers.set(app, new ConnectionTracker(app.server));
}

export interface CloseOptions {
  /** Longest wait for requests in flight; connections still open then are cut. */
  graceMs: number;
  /**
   * A connection accepted before the stop that has not sent a request yet gets this long to send it (its bytes may
   * be in flight, or read by Node only on the next turn of the event loop); default min(1000, graceMs).
   */
  firstRequestMs?: number;
  log?: ShutdownLog;
}

export interface CloseResult {
  /** Milliseconds from the call to the server being closed. */
  ms: number;
  /** Requests that finished during the drain. */
  finished: number;
  /** Connections still open at the end of the grace period, cut. */
  cut: number;
}

/**
 * Stops accepting connections at once, lets every request already accepted finish (a new request on a connection
 * accepted before the stop is still served, with `Connection: close`), ends idle kept-alive connections, and after
 * `graceMs` cuts what is left; then closes Fastify (its onClose hooks).
 */
export async function closeGracefully(app: FastifyInstance, opts: CloseOptions): Promise<CloseResult> {
  const t0 = Date.now();
  const tracker = trackers.get(app);
  const server = app.server;
  if (!tracker || !server.listening) {
    await app.close();
    return { ms: Date.now() - t0, finished: 0, cut: 0 };
  }
  tracker.draining = true;
  // The listening socket only (http.Server#close would also destroy connections it thinks idle, see above).
  NetServer.prototype.close.call(server);
  for (const [socket, c] of tracker.conns) if (c.active === 0 && c.served > 0) socket.end();
  const firstRequestMs = Math.min(opts.firstRequestMs ?? 1000, opts.graceMs);
  const timers: NodeJS.Timeout[] = [];
  timers.push(
    setTimeout(() => {
      // Silent since it was accepted: nothing to finish. (One with part of a request is left to the headers timeout.)
      for (const [socket, c] of tracker.conns) if (c.active === 0 && c.served === 0 && socket.bytesRead === 0) socket.end();
    }, firstRequestMs),
  );
  let expired = false;
  const deadline = new Promise<void>((resolve) =>
    timers.push(
      setTimeout(() => {
        expired = true;
        resolve();
      }, opts.graceMs),
    ),
  );
  const active = () => [...tracker.conns.values()].reduce((n, c) => n + c.active, 0);
  opts.log?.({ level: "info", event: "http_draining", connections: tracker.conns.size, requests: active(), grace_ms: opts.graceMs });
  await Promise.race([tracker.empty(), deadline]);
  for (const t of timers) clearTimeout(t);
  let cut = 0;
  if (expired) {
    cut = tracker.conns.size;
    for (const socket of tracker.conns.keys()) socket.destroy();
  }
  await app.close();
  const result = { ms: Date.now() - t0, finished: tracker.finishedWhileDraining, cut };
  opts.log?.({ level: cut ? "warn" : "info", event: "http_closed", ...result });
  return result;
}

/**
 * Resolves with the first SIGTERM or SIGINT. A later one calls `onForce` (exit at once), unless it comes within
 * `repeatMs` of the first: under `npm start` a Ctrl-C reaches the process twice — from the terminal (the whole
 * process group) and forwarded by npm — and that is one request to stop, not two.
 */
export function stopSignal(onForce: () => void, opts: { repeatMs?: number; proc?: NodeJS.Process; now?: () => number } = {}): Promise<NodeJS.Signals> {
  const proc = opts.proc ?? process;
  const now = opts.now ?? Date.now;
  const repeatMs = opts.repeatMs ?? 1000;
  const signals: NodeJS.Signals[] = ["SIGTERM", "SIGINT"];
  return new Promise((resolve) => {
    let first = 0;
    const handler = (signal: NodeJS.Signals) => {
      if (!first) {
        first = now();
        resolve(signal);
        return;
      }
      if (now() - first >= repeatMs) onForce();
    };
    for (const s of signals) proc.on(s, handler);
  });
}
