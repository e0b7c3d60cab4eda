import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { buildServer } from "../../src/server/app.js";
import { run as ask } from "../../src/cli/ask.js";
import { memoryIo } from "../helpers/cli.js";
import { sharedIndexDeps, useRealEngine } from "../helpers/engine.js";
import { multipartBody } from "./helpers.js";

// The real engine on the real corpus (the index test/globalSetup.ts built once) behind the HTTP APIs.
const Q = "沈阳2013年受理了多少件政府信息公开申请？";
const real = useRealEngine({ API_RATE_LIMIT_PER_IP: "10000" });
let app: FastifyInstance;

beforeAll(async () => {
  const engine = real.engine();
  // The statistics of the engine's own generation, as `npm start` serves them.
  app = await buildServer({ engine, stats: engine.stats(), settings: real.settings });
});
afterAll(async () => {
  await app?.close();
});

describe("HTTP APIs over the real engine", () => {
  it("/api/stats serves the real 表三 cells as CSV with a BOM, and /api/check reads an uploaded draft in memory", async () => {
    const csv = await app.inject({ method: "GET", url: `/api/stats?body=${encodeURIComponent("平潭综合实验区")}&year=2021&table=${encodeURIComponent("表三")}&format=csv` });
    expect(csv.statusCode).toBe(200);
    expect(csv.body.startsWith("\ufeff")).toBe(true);
    // 2021 表三: 25 rows × 7 columns, plus the header; 本年新收 总计 is 70 (the run "640020470").
    expect(csv.body.trim().split(/\r?\n/).length).toBe(176);
    expect(csv.body).toMatch(/一、本年新收政府信息公开申请数量,总计,70/);
    const reports = await app.inject({ method: "GET", url: "/api/reports" });
    expect(reports.json().reports.some((r: { body: string; year: number }) => r.body === "平潭综合实验区财政金融局" && r.year === 2024)).toBe(true);
    const draft = readFileSync("corpus/平潭综合实验区-2020-年度报告.txt");
    const up = multipartBody("草稿.txt", draft.toString("utf8"));
    const check = await app.inject({ method: "POST", url: "/api/check", ...up });
    expect(check.statusCode).toBe(200);
    const d = check.json();
    expect(d.ok).toBe(false);
    expect(d.checks.some((c: { ok: boolean; expr: string }) => c.ok === false && c.expr.includes("26 ≠ 20"))).toBe(true);
  }, 120_000);

  it("/api/ask returns byte for byte what `ask --json` prints", async () => {
    const res = await app.inject({ method: "POST", url: "/api/ask", payload: { question: Q } });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body).answer).toContain("249件");
    const io = memoryIo();
    expect(await ask(["--index", inject("realIndexDir"), "--json", Q], io, sharedIndexDeps(real))).toBe(0);
    expect(res.body).toBe(io.out().trimEnd());
  }, 120_000);

  it("follow-ups: history on /api/ask and messages on /v1/chat/completions", async () => {
    const a = await app.inject({ method: "POST", url: "/api/ask", payload: { question: "那行政复议呢？", history: [Q] } });
    expect(JSON.parse(a.body).answer).toContain("22件");
    const c = await app.inject({
      method: "POST",
      url: "/v1/chat/completions",
      payload: { model: "nianbao", messages: [{ role: "user", content: Q }, { role: "assistant", content: "249件" }, { role: "user", content: "那行政复议呢？" }] },
    });
    const body = c.json();
    expect(body.choices[0].message.content).toContain("22件");
    expect(body.choices[0].message.content).toMatch(/\[1\] 《[^》]*沈阳[^》]*2013[^》]*》/);
    expect(body.sources.length).toBeGreaterThan(0);
  });

  it("the full section of a cited source, and Dify retrieval records", async () => {
    const answer = JSON.parse((await app.inject({ method: "POST", url: "/api/ask", payload: { question: Q } })).body);
    const src = await app.inject({ method: "POST", url: "/api/source", payload: { citation: answer.citations[0] } });
    expect(src.statusCode).toBe(200);
    expect(src.json().text.replace(/\s+/g, "")).toContain(answer.citations[0].quote.replace(/\s+/g, "").slice(0, 20));

    const r = await app.inject({ method: "POST", url: "/retrieval", payload: { knowledge_id: "nianbao", query: Q, retrieval_setting: { top_k: 4, score_threshold: 0 } } });
    const { records } = r.json();
    expect(records.length).toBeGreaterThan(1);
    expect(records.length).toBeLessThanOrEqual(4);
    expect(records[0].content).toContain("249");
    expect(records[0].metadata).toMatchObject({ year: 2013, source: answer.citations[0].source });
    expect(records.map((x: { score: number }) => x.score)).toEqual([...records.map((x: { score: number }) => x.score)].sort((p, q) => q - p));
  });
});
