import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { settingsSchema } from "../../src/config.js";
import { openEngine, type Engine } from "../../src/answer/engine.js";
import { IndexStoreError } from "../../src/errors.js";
import { startFakeOpenAI, type FakeOpenAI } from "../helpers/fakeOpenAI.js";

// The optional LLM and remote embedder wired through the engine, against a fake OpenAI-compatible server.
let fake: FakeOpenAI;
let engine: Engine;
const logs: Array<Record<string, unknown>> = [];
const Q = "沈阳2013年受理了多少件政府信息公开申请？";

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
      const n = passageNumber(user, "249件");
      return { content: `沈阳市2013年共受理政府信息公开申请249件。[${n}]` };
    });
    const { answer } = await engine.ask(Q);
    expect(answer.mode).toBe("llm");
    expect(answer.answer).toContain("249件");
    expect(answer.citations).toHaveLength(1);
    expect(answer.citations[0].quote).toContain("249件");
  });

  it("falls back to the extractive answer when the model invents a figure", async () => {
    fake.setChatHandler(({ messages }) => {
      const n = passageNumber(messages.find((m) => m.role === "user")!.content, "249件");
      return { content: `沈阳市2013年共受理政府信息公开申请300件。[${n}]` };
    });
    logs.length = 0;
    const { answer } = await engine.ask(Q);
    expect(answer.mode).toBe("extractive");
    expect(answer.answer).toContain("249件");
    expect(answer.answer).not.toContain("300");
    expect(logs.some((l) => l.event === "llm_fallback" && String(l.reason).includes("300"))).toBe(true);
    expect(JSON.stringify(logs)).not.toContain("sk-test-secret-key");
  });

  it("falls back when the model cites a passage it was not given, or the server fails", async () => {
    fake.setChatHandler(() => ({ content: "沈阳市2013年共受理政府信息公开申请249件。[42]" }));
    expect((await engine.ask(Q)).answer.mode).toBe("extractive");
    fake.setChatHandler(() => ({ status: 500, body: { error: { message: "boom" } } }));
    expect((await engine.ask(Q)).answer.mode).toBe("extractive");
    fake.setChatHandler(() => ({ delayMs: 3000, content: "迟到的回答" }));
    const slow = await engine.ask(Q);
    expect(slow.answer.mode).toBe("extractive");
    expect(slow.answer.answer).toContain("249件");
  });

  it("does not call the model when the corpus has nothing", async () => {
    const before = fake.requests.length;
    const { answer } = await engine.ask("北京市2015年受理了多少件申请？");
    expect(answer.found).toBe(false);
    expect(fake.requests.length).toBe(before);
  });
});

describe("remote embedder", () => {
  it("builds an index with an OpenAI-compatible embedder and refuses to query it with another", async () => {
    const edir = mkdtempSync(path.join(tmpdir(), "nianbao-remote-emb-"));
    try {
      const remote = settingsSchema.parse({ EMBEDDINGS_BASE_URL: fake.url, EMBEDDINGS_MODEL: "fake-embed" });
      const e = await openEngine({ indexDir: edir, corpusDir: "corpus", settings: remote });
      expect(e.index.manifest.embedder.name).toBe(`openai:fake-embed@${fake.url}`);
      expect(fake.requests.some((r) => r.path.endsWith("/embeddings"))).toBe(true);
      await expect(openEngine({ indexDir: edir, corpusDir: "corpus", settings: settingsSchema.parse({}) })).rejects.toThrow(IndexStoreError);
      await expect(openEngine({ indexDir: edir, corpusDir: "corpus", settings: settingsSchema.parse({}) })).rejects.toThrow(/fake-embed/);
    } finally {
      rmSync(edir, { recursive: true, force: true });
    }
  }, 120_000);
});
