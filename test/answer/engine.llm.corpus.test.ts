import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { settingsSchema } from "../../src/config.js";
import { openEngine, type OpenedEngine as Engine } from "../../src/app/open.js";
import { IndexStoreError } from "../../src/errors.js";
import { startFakeOpenAI, type FakeOpenAI } from "../helpers/fakeOpenAI.js";
import { FIXTURE_CORPUS } from "../helpers/fixture.js";

// The optional LLM and remote embedder wired through the engine, against a fake OpenAI-compatible server.
let fake: FakeOpenAI;
let engine: Engine;
const logs: Array<Record<string, unknown>> = [];
// A rule question: its answer is composed from passages, which the model may rewrite. (Figures come from the
// statistics database and are never handed to the model; see the last test.)
const Q = "申请内容不明确怎么处理？";

/** Number of the passage (as numbered in the prompt) whose text contains `needle`. */
function passageNumber(user: string, needle: string): number {
  const blocks = user.split(/\n(?=\[\d+\] 《)/);
  const hit = blocks.find((b) => b.includes(needle));
  return hit ? Number(hit.match(/^\[(\d+)\]/)?.[1] ?? hit.match(/\[(\d+)\]/)?.[1]) : 0;
}

beforeAll(async () => {
  fake = await startFakeOpenAI();
  // The shared corpus index (test/globalSetup.ts): LLM settings do not change what the index holds.
  const settings = settingsSchema.parse({ LLM_BASE_URL: fake.url, LLM_MODEL: "fake-chat", LLM_API_KEY: "sk-test-secret-key", LLM_TIMEOUT_MS: "1500" });
  engine = await openEngine({ indexDir: inject("realIndexDir"), corpusDir: "corpus", settings, log: (e) => logs.push(e), refresh: false });
}, 120_000);

afterAll(async () => {
  await fake.close();
});

describe("LLM composition through the engine", () => {
  it("returns the model's answer when its citation and figure check out", async () => {
    fake.setChatHandler(({ messages }) => {
      const user = messages.find((m) => m.role === "user")!.content;
      const n = passageNumber(user, "7个工作日");
      return { content: `申请内容不明确的，行政机关应当自收到申请之日起7个工作日内一次性告知申请人作出补正。[${n}]` };
    });
    const { answer } = await engine.ask(Q);
    expect(answer.mode).toBe("llm");
    expect(answer.answer).toContain("7个工作日");
    expect(answer.citations).toHaveLength(1);
    expect(answer.citations[0].quote).toContain("7个工作日");
  });

  it("falls back to the extractive answer when the model invents a figure", async () => {
    fake.setChatHandler(({ messages }) => {
      const n = passageNumber(messages.find((m) => m.role === "user")!.content, "7个工作日");
      return { content: `申请内容不明确的，行政机关应当自收到申请之日起15个工作日内一次性告知申请人作出补正。[${n}]` };
    });
    logs.length = 0;
    const { answer } = await engine.ask(Q);
    expect(answer.mode).toBe("extractive");
    expect(answer.answer).toContain("7个工作日");
    expect(answer.answer).not.toContain("15个工作日");
    expect(logs.some((l) => l.event === "llm_fallback" && String(l.reason).includes("15"))).toBe(true);
    expect(JSON.stringify(logs)).not.toContain("sk-test-secret-key");
  });

  it("falls back when the reply is longer than LLM_MAX_ANSWER_CHARS", async () => {
    const settings = settingsSchema.parse({ LLM_BASE_URL: fake.url, LLM_MODEL: "fake-chat", LLM_TIMEOUT_MS: "1500", LLM_MAX_ANSWER_CHARS: "30" });
    const short = await openEngine({ indexDir: inject("realIndexDir"), corpusDir: "corpus", settings, refresh: false });
    fake.setChatHandler(({ messages }) => {
      const n = passageNumber(messages.find((m) => m.role === "user")!.content, "7个工作日");
      return { content: `申请内容不明确的，行政机关应当自收到申请之日起7个工作日内一次性告知申请人作出补正。[${n}]` };
    });
    expect((await engine.ask(Q)).answer.mode).toBe("llm");
    expect((await short.ask(Q)).answer.mode).toBe("extractive");
  });

  it("falls back when the model cites a passage it was not given, or the server fails", async () => {
    fake.setChatHandler(() => ({ content: "申请内容不明确的，行政机关应当自收到申请之日起7个工作日内一次性告知申请人作出补正。[42]" }));
    expect((await engine.ask(Q)).answer.mode).toBe("extractive");
    fake.setChatHandler(() => ({ status: 500, body: { error: { message: "boom" } } }));
    expect((await engine.ask(Q)).answer.mode).toBe("extractive");
    fake.setChatHandler(() => ({ delayMs: 3000, content: "迟到的回答" }));
    const slow = await engine.ask(Q);
    expect(slow.answer.mode).toBe("extractive");
    expect(slow.answer.answer).toContain("7个工作日");
  });

  it("never hands a figure from the statistics database to the model: it stays as the table states it", async () => {
    const before = fake.requests.length;
    const { answer } = await engine.ask("沈阳2013年受理了多少件政府信息公开申请？");
    expect(answer.mode).toBe("extractive");
    expect(answer.answer).toContain("249件");
    expect(fake.requests.length).toBe(before);
  });

  it("does not call the model when the corpus has nothing", async () => {
    const before = fake.requests.length;
    const { answer } = await engine.ask("北京市2015年受理了多少件申请？");
    expect(answer.found).toBe(false);
    expect(fake.requests.length).toBe(before);
  });
});

describe("remote embedder (indexes of the fixture corpus)", () => {
  it("answers from lexical search alone, and says so, when the embeddings server goes down after the index was built", async () => {
    const opts: { embeddingsStatus?: number } = {};
    const server = await startFakeOpenAI(opts);
    const edir = mkdtempSync(path.join(tmpdir(), "nianbao-emb-down-"));
    try {
      const remote = settingsSchema.parse({ EMBEDDINGS_BASE_URL: server.url, EMBEDDINGS_MODEL: "fake-embed" });
      const events: Array<Record<string, unknown>> = [];
      const e = await openEngine({ indexDir: edir, corpusDir: FIXTURE_CORPUS, settings: remote, log: (x) => events.push(x) });
      opts.embeddingsStatus = 503;
      const { answer } = await e.ask("申请内容不明确怎么处理？");
      expect(answer.found).toBe(true);
      expect(answer.citations[0].source).toBe("regulation-2019.txt");
      expect(answer.answer).toContain("只用关键词检索");
      expect(events.filter((x) => x.event === "dense_fallback")).toHaveLength(1);
    } finally {
      await server.close();
      rmSync(edir, { recursive: true, force: true });
    }
  });

  it("builds an index with an OpenAI-compatible embedder and refuses to query it with another", async () => {
    const edir = mkdtempSync(path.join(tmpdir(), "nianbao-remote-emb-"));
    try {
      const remote = settingsSchema.parse({ EMBEDDINGS_BASE_URL: fake.url, EMBEDDINGS_MODEL: "fake-embed" });
      const e = await openEngine({ indexDir: edir, corpusDir: FIXTURE_CORPUS, settings: remote });
      expect(e.index.manifest.embedder.name).toBe(`openai:fake-embed@${fake.url}`);
      expect(fake.requests.some((r) => r.path.endsWith("/embeddings"))).toBe(true);
      await expect(openEngine({ indexDir: edir, corpusDir: FIXTURE_CORPUS, settings: settingsSchema.parse({}) })).rejects.toThrow(IndexStoreError);
      await expect(openEngine({ indexDir: edir, corpusDir: FIXTURE_CORPUS, settings: settingsSchema.parse({}) })).rejects.toThrow(/fake-embed/);
    } finally {
      rmSync(edir, { recursive: true, force: true });
    }
  });
});
