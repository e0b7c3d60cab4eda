import type { FastifyInstance } from "fastify";
import { buildServer, type ServerOptions } from "../../src/server/app.js";
import { FakeEngine, FakeStats, testSettings } from "./fakes.js";

export interface TestServer {
  app: FastifyInstance;
  engine: FakeEngine;
  stats: FakeStats;
  logs: Array<Record<string, unknown>>;
}

export async function makeServer(env: Record<string, string> = {}, opts: Partial<ServerOptions> & { noStats?: boolean } = {}): Promise<TestServer> {
  const engine = new FakeEngine();
  const stats = new FakeStats();
  const logs: Array<Record<string, unknown>> = [];
  const app = await buildServer({
    engine,
    stats: opts.noStats ? null : stats,
    settings: testSettings({ API_RATE_LIMIT_PER_IP: "10000", API_RATE_LIMIT_PER_KEY: "10000", ...env }),
    log: (e) => logs.push(e),
    ...opts,
  });
  return { app, engine, stats, logs };
}

/** A multipart/form-data body with one file field. */
export function multipartBody(filename: string, content: Buffer | string, field = "file"): { payload: Buffer; headers: Record<string, string> } {
  const boundary = "----nianbaoTestBoundary7MA4YWxkTrZu0gW";
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`;
  const payload = Buffer.concat([Buffer.from(head, "utf8"), Buffer.isBuffer(content) ? content : Buffer.from(content, "utf8"), Buffer.from(`\r\n--${boundary}--\r\n`)]);
  return { payload, headers: { "content-type": `multipart/form-data; boundary=${boundary}` } };
}
