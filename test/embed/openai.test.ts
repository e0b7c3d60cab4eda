import { cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { OpenAIEmbeddings } from "@langchain/openai";
import { openEngine } from "../../src/app/open.js";
import { settingsSchema } from "../../src/config.js";
import { createOpenAIEmbedder } from "../../src/embed/openai.js";
import { ingest } from "../../src/index/build.js";
import { EmbedderError } from "../../src/errors.js";
import { fakeVector, startFakeOpenAI, type FakeOpenAI } from "../helpers/fakeOpenAI.js";

const KEY = "sk-test-embed-SECRET-0123456789";
const servers: FakeOpenAI[] = [];

async function start(opts: Parameters<typeof startFakeOpenAI>[0] = {}): Promise<FakeOpenAI> {
  const s = await startFakeOpenAI(opts);
  servers.push(s);
  return s;
}

afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

function unit(v: number[]): number[] {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

function norm(v: number[]): number {
  return Math.hypot(...v);
}

const TEXTS = [
  "2013年，采用信件受理、机关当面受理等方式共受理政府信息公开申请249件",
  "全年办理政府信息公开申请218件。",
  "政府信息公开工作年度报告",
  "依申请公开",
  "行政复议",
];

async function expectEmbedderError(p: Promise<unknown>): Promise<EmbedderError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(EmbedderError);
    return err as EmbedderError;
  }
  throw new Error("expected an EmbedderError");
}

describe("createOpenAIEmbedder", () => {
  it("requests float vectors, keeps order across batches and normalizes to unit length", async () => {
    const server = await start({ dim: 12 });
    const emb = createOpenAIEmbedder({ baseURL: server.url, model: "bge-m3", apiKey: KEY, batchSize: 2 });

    const vecs = await emb.embedDocuments(TEXTS);
    expect(vecs).toHaveLength(TEXTS.length);
    vecs.forEach((v, i) => {
      expect(v).toHaveLength(12);
      expect(norm(v)).toBeCloseTo(1, 10);
      const want = unit(fakeVector(TEXTS[i], 12));
      v.forEach((x, k) => expect(x).toBeCloseTo(want[k], 10));
    });

    const embReqs = server.requests.filter((r) => r.path === "/v1/embeddings");
    expect(embReqs).toHaveLength(3); // 2 + 2 + 1
    for (const r of embReqs) {
      expect(r.body.encoding_format).toBe("float");
      expect(r.body.model).toBe("bge-m3");
      expect(r.headers.authorization).toBe(`Bearer ${KEY}`);
    }
    expect(embReqs.map((r) => r.body.input.length)).toEqual([2, 2, 1]);

    const q = await emb.embedQuery(TEXTS[1]);
    expect(q).toEqual(vecs[1]);
  });

  it("accepts base64 vectors from a server that ignores encoding_format", async () => {
    const server = await start({ dim: 16, forceEncoding: "base64" });
    const emb = createOpenAIEmbedder({ baseURL: server.url, model: "m" });
    const [v] = await emb.embedDocuments([TEXTS[0]]);
    expect(v).toHaveLength(16);
    expect(norm(v)).toBeCloseTo(1, 6);
    // float32 on the wire: equal to the float path within single precision.
    const want = unit(fakeVector(TEXTS[0], 16));
    v.forEach((x, k) => expect(x).toBeCloseTo(want[k], 5));
    // No key configured: no Authorization header is invented.
    expect(server.requests[0].headers.authorization).toBeUndefined();
  });

  it("fake server honours encoding_format base64 (LangChain's OpenAIEmbeddings default) and float", async () => {
    const server = await start({ dim: 10 });
    const lc = new OpenAIEmbeddings({ model: "m", apiKey: "x", configuration: { baseURL: server.url }, maxRetries: 0 });
    const v = await lc.embedQuery(TEXTS[2]);
    expect(server.requests.at(-1)!.body.encoding_format).toBe("base64");
    const want = fakeVector(TEXTS[2], 10);
    v.forEach((x, k) => expect(x).toBeCloseTo(want[k], 5));

    const res = await fetch(`${server.url}/embeddings`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "m", input: [TEXTS[2]], encoding_format: "float" }),
    });
    const body = (await res.json()) as { data: Array<{ embedding: number[] }> };
    expect(body.data[0].embedding).toEqual(want);
  });

  it("describes itself; probe() learns the dimension before indexing", async () => {
    const server = await start({ dim: 24 });
    const port = new URL(server.url).port;
    const emb = createOpenAIEmbedder({
      baseURL: `http://user:pa55word@127.0.0.1:${port}/v1/`,
      model: "bge-m3",
    });
    expect(emb.descriptor).toEqual({ name: `openai:bge-m3@http://127.0.0.1:${port}/v1`, dim: 0, distance: "cosine" });

    const d = await emb.probe();
    expect(d).toEqual({ name: `openai:bge-m3@http://127.0.0.1:${port}/v1`, dim: 24, distance: "cosine" });
    expect(emb.descriptor.dim).toBe(24);
    expect(server.requests[0].body.input).toEqual(["维度探测"]);
    // URL credentials travel as Basic auth, never in the descriptor.
    expect(server.requests[0].headers.authorization).toBe(`Basic ${Buffer.from("user:pa55word").toString("base64")}`);
    expect(JSON.stringify(emb.descriptor)).not.toContain("pa55word");
  });

  it("unreachable server → EmbedderError without the API key", async () => {
    const server = await startFakeOpenAI();
    const url = server.url;
    await server.close(); // the port is now closed: connection refused
    const emb = createOpenAIEmbedder({ baseURL: url, model: "m", apiKey: KEY, timeoutMs: 2000 });
    const err = await expectEmbedderError(emb.embedQuery("问题"));
    expect(err.message).toMatch(/unreachable/);
    expect(err.message).not.toContain(KEY);
    expect(err.message).not.toContain("SECRET");
  });

  it("HTTP error → EmbedderError with the status; the echoed key is redacted", async () => {
    const server = await start({ embeddingsStatus: 401 });
    const emb = createOpenAIEmbedder({ baseURL: server.url, model: "m", apiKey: KEY });
    const err = await expectEmbedderError(emb.embedDocuments(["a"]));
    expect(err.message).toMatch(/HTTP 401/);
    expect(err.message).toMatch(/incorrect API key/); // the body was included…
    expect(err.message).not.toContain(KEY); // …but not the key
    expect(err.message).not.toContain("SECRET");
  });

  it("wrong shape → EmbedderError", async () => {
    const server = await start({ embedOverride: () => [] });
    const emb = createOpenAIEmbedder({ baseURL: server.url, model: "m" });
    const err = await expectEmbedderError(emb.embedQuery("x"));
    expect(err.message).toMatch(/wrong shape|not a number array/);
  });

  it("inconsistent dimensions within a batch and across calls → EmbedderError", async () => {
    const server = await start({ dim: 8, embedOverride: (input) => (input === "短" ? [1, 2, 3] : undefined) });
    const emb = createOpenAIEmbedder({ baseURL: server.url, model: "m" });

    const err1 = await expectEmbedderError(emb.embedDocuments(["长", "短"]));
    expect(err1.message).toMatch(/inconsistent embedding dimension: expected 8, got 3/);
    // The failed batch did not pin a dimension.
    expect(emb.descriptor.dim).toBe(0);

    await emb.probe();
    expect(emb.descriptor.dim).toBe(8);
    const err2 = await expectEmbedderError(emb.embedQuery("短"));
    expect(err2.message).toMatch(/expected 8, got 3/);
  });

  it("zero vector → EmbedderError (cosine is undefined)", async () => {
    const server = await start({ dim: 4, embedOverride: () => [0, 0, 0, 0] });
    const emb = createOpenAIEmbedder({ baseURL: server.url, model: "m" });
    await expectEmbedderError(emb.embedQuery("x"));
  });
});

describe("opening an index while its embeddings server is down", () => {
  it("opens with lexical search and a note, instead of refusing to start; answers say dense search is unavailable", async () => {
    const tmp = mkdtempSync(path.join(tmpdir(), "nianbao-emb-open-"));
    try {
      const corpus = path.join(tmp, "corpus");
      mkdirSync(corpus);
      for (const f of ["平潭综合实验区-2021-年度报告.txt", "regulation-2019.txt", "overrides.json"]) cpSync(path.join("corpus", f), path.join(corpus, f));
      const server = await start({ dim: 16 });
      const remote = settingsSchema.parse({ EMBEDDINGS_BASE_URL: server.url, EMBEDDINGS_MODEL: "fake-embed" });
      const dir = path.join(tmp, "index");
      await ingest({ corpusDir: corpus, indexDir: dir, settings: remote });
      // The server stops; its port is unused now (connection refused).
      await servers.pop()!.close();
      const events: Array<Record<string, unknown>> = [];
      const engine = await openEngine({ indexDir: dir, corpusDir: corpus, settings: remote, log: (e) => events.push(e) });
      const atOpen = events.filter((e) => e.event === "dense_fallback");
      expect(atOpen).toHaveLength(1);
      expect(String(atOpen[0].reason)).toMatch(/向量检索暂不可用.*embeddings server unreachable/);
      // The engine keeps the index's embedder (it is not refused as another model).
      expect(engine.embedder.descriptor).toEqual(engine.index.manifest.embedder);
      const { answer } = await engine.ask("申请内容不明确怎么处理？");
      expect(answer.found).toBe(true);
      expect(answer.citations[0].source).toBe("regulation-2019.txt");
      expect(answer.answer).toContain("向量检索服务暂时不可用，本次只用关键词检索");
      // The passages come from lexical search alone.
      const passages = await engine.retrieve("申请内容不明确怎么处理？");
      expect(passages.length).toBeGreaterThan(0);
      expect(passages.every((p) => p.ranks?.dense === undefined && p.ranks?.lexical !== undefined)).toBe(true);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }, 120_000);
});
