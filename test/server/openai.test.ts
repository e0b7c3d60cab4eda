import type { AddressInfo } from "node:net";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeServer, type TestServer } from "./helpers.js";

// The official `openai` client (as Open WebUI, LobeChat or Dify's OpenAI-compatible provider would call) against a
// listening server's /v1, with API keys on.
let srv: TestServer;
let baseURL: string;
let client: OpenAI;

beforeAll(async () => {
  srv = await makeServer({ NIANBAO_API_KEYS: "sk-nianbao-test-0001" });
  await srv.app.listen({ host: "127.0.0.1", port: 0 });
  baseURL = `http://127.0.0.1:${(srv.app.server.address() as AddressInfo).port}/v1`;
  client = new OpenAI({ baseURL, apiKey: "sk-nianbao-test-0001", maxRetries: 0 });
});
afterAll(async () => srv?.app.close());

describe("OpenAI-compatible /v1 with the official client", () => {
  it("lists one model, nianbao", async () => {
    const models = [];
    for await (const m of client.models.list()) models.push(m);
    expect(models.map((m) => m.id)).toEqual(["nianbao"]);
    expect((await client.models.retrieve("nianbao")).id).toBe("nianbao");
  });

  it("answers a plain completion with numbered footnotes and a sources list", async () => {
    const r = await client.chat.completions.create({ model: "nianbao", messages: [{ role: "user", content: "沈阳2013年受理了多少件政府信息公开申请？" }] });
    expect(r.object).toBe("chat.completion");
    expect(r.model).toBe("nianbao");
    expect(r.choices[0].finish_reason).toBe("stop");
    const content = r.choices[0].message.content!;
    expect(content).toMatch(/^沈阳市2013年共受理政府信息公开申请249件。/);
    expect(content).toContain("[1] 《沈阳市2013年政府信息公开工作年度报告》 · 沈阳市 · 2013年 · 一、政府信息公开情况");
    expect(content).toContain("原文链接 http://www.shenyang.gov.cn/zwgk/2013nb.html");
    expect(content).toContain("[2] ");
    const sources = (r as unknown as { sources: Array<{ index: number; quote: string; url: string | null }> }).sources;
    expect(sources.map((s) => s.index)).toEqual([1, 2]);
    expect(sources[0].quote).toContain("249件");
    expect(r.usage!.total_tokens).toBeGreaterThan(0);
  });

  it("streams: role chunk, content chunks that add up to the plain answer, a stop chunk with sources, then [DONE]", async () => {
    const messages = [{ role: "user" as const, content: "沈阳2013年受理了多少件政府信息公开申请？" }];
    const plain = (await client.chat.completions.create({ model: "nianbao", messages })).choices[0].message.content;
    const stream = await client.chat.completions.create({ model: "nianbao", messages, stream: true, stream_options: { include_usage: true } });
    let text = "";
    let chunks = 0;
    let finish: string | null = null;
    let sources: unknown = null;
    let usage: unknown = null;
    for await (const chunk of stream) {
      chunks++;
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices[0];
      if (!choice) continue;
      text += choice.delta.content ?? "";
      if (choice.finish_reason) {
        finish = choice.finish_reason;
        sources = (chunk as unknown as { sources: unknown }).sources;
      }
    }
    expect(chunks).toBeGreaterThan(3);
    expect(text).toBe(plain);
    expect(finish).toBe("stop");
    expect(Array.isArray(sources) && sources.length).toBe(2);
    expect(usage).toMatchObject({ total_tokens: expect.any(Number) });
  });

  it("the raw stream is SSE ending with data: [DONE]", async () => {
    const res = await fetch(`${baseURL}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer sk-nianbao-test-0001" },
      body: JSON.stringify({ model: "nianbao", stream: true, messages: [{ role: "user", content: "沈阳2013年受理了多少件？" }] }),
    });
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'self'");
    const body = await res.text();
    expect(body.endsWith("data: [DONE]\n\n")).toBe(true);
    expect(body.split("\n\n").filter(Boolean).every((e) => e.startsWith("data: "))).toBe(true);
  });

  it("takes the conversation from messages: earlier user turns make the follow-up", async () => {
    srv.engine.calls = [];
    const r = await client.chat.completions.create({
      model: "nianbao",
      messages: [
        { role: "system", content: "你是助手" },
        { role: "user", content: "沈阳2013年受理了多少件政府信息公开申请？" },
        { role: "assistant", content: "沈阳市2013年共受理政府信息公开申请249件。" },
        { role: "user", content: [{ type: "text", text: "那行政复议呢？" }] },
      ],
    });
    expect(r.choices[0].message.content).toContain("沈阳市2013年行政复议22件");
    expect(srv.engine.calls.map((c) => c.question)).toEqual(["沈阳2013年受理了多少件政府信息公开申请？", "那行政复议呢？"]);
    const alone = await client.chat.completions.create({ model: "nianbao", messages: [{ role: "user", content: "那行政复议呢？" }] });
    expect(alone.choices[0].message.content).not.toContain("22件");
  });

  it("refuses a wrong key (401) and a conversation without a user turn (400)", async () => {
    const bad = new OpenAI({ baseURL, apiKey: "sk-wrong-key-000000", maxRetries: 0 });
    await expect(bad.chat.completions.create({ model: "nianbao", messages: [{ role: "user", content: "沈阳" }] })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    const err = await client.chat.completions.create({ model: "nianbao", messages: [{ role: "system", content: "hi" }] }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.error).toMatchObject({ code: "no_user_message" });
  });
});

describe("Dify external knowledge: POST /retrieval", () => {
  const call = (body: unknown, auth: string | null = "Bearer sk-nianbao-test-0001") =>
    fetch(`${baseURL.replace(/\/v1$/, "")}/retrieval`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(auth ? { authorization: auth } : {}) },
      body: JSON.stringify(body),
    });

  it("answers Dify's request shape with records: content, score, title, metadata", async () => {
    const res = await call({ knowledge_id: "nianbao", query: "沈阳2013年受理了多少件政府信息公开申请？", retrieval_setting: { top_k: 5, score_threshold: 0.5 } });
    expect(res.status).toBe(200);
    const { records } = (await res.json()) as { records: any[] };
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({
      content: "全年共受理政府信息公开申请249件，其中当面申请31件。",
      title: "沈阳市2013年政府信息公开工作年度报告",
      metadata: { body: "沈阳市人民政府", year: 2013, section: "一、政府信息公开情况 › （二）依申请公开政府信息", url: "http://www.shenyang.gov.cn/zwgk/2013nb.html", source: "沈阳-2013-年度报告.txt" },
    });
    expect(records[0].score).toBe(1);
    expect(records[1].score).toBeLessThan(1);
    expect(records[1].score).toBeGreaterThan(0.5);
    for (const r of records) expect(typeof r.metadata).toBe("object");
  });

  it("honours top_k and score_threshold, and gives an empty list when nothing is found", async () => {
    const one: any = await (await call({ knowledge_id: "k", query: "沈阳2013年受理了多少件？", retrieval_setting: { top_k: 1, score_threshold: 0 } })).json();
    expect(one.records).toHaveLength(1);
    const strict: any = await (await call({ knowledge_id: "k", query: "沈阳2013年受理了多少件？", retrieval_setting: { top_k: 5, score_threshold: 0.95 } })).json();
    expect(strict.records).toHaveLength(1);
    const none: any = await (await call({ knowledge_id: "k", query: "火星的政府信息公开", retrieval_setting: { top_k: 5, score_threshold: 0 } })).json();
    expect(none).toEqual({ records: [] });
  });

  it("uses Dify's error codes: 1001 bad header, 1002 wrong key (HTTP 403)", async () => {
    const body = { knowledge_id: "k", query: "沈阳", retrieval_setting: { top_k: 2, score_threshold: 0.5 } };
    const missing = await call(body, null);
    expect(missing.status).toBe(403);
    expect(await missing.json()).toMatchObject({ error_code: 1001, error_msg: expect.stringContaining("Bearer") });
    const wrong = await call(body, "Bearer nope-nope");
    expect(wrong.status).toBe(403);
    expect(await wrong.json()).toMatchObject({ error_code: 1002, error_msg: "Authorization failed" });
    const invalid = await call({ query: "沈阳" });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ error_code: 400, error: { code: "bad_request" } });
  });
});
