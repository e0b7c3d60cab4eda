import { afterEach, describe, expect, it } from "vitest";
import { answerJson } from "../../src/present/json.js";
import { FakeEngine, FULL_SECTION, SHENYANG } from "./fakes.js";
import { makeServer, multipartBody, type TestServer } from "./helpers.js";

let s: TestServer | null = null;
afterEach(async () => {
  await s?.app.close();
  s = null;
});

const ask = (srv: TestServer, body: unknown, headers: Record<string, string> = {}) =>
  srv.app.inject({ method: "POST", url: "/api/ask", payload: body as object, headers });

/** Every error is {error:{code,message}} with no stack trace or file path. */
function expectCleanError(res: { statusCode: number; body: string }, status: number, code: string) {
  expect(res.statusCode).toBe(status);
  const body = JSON.parse(res.body);
  expect(Object.keys(body)).toEqual(["error"]);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe("string");
  expect(res.body).not.toMatch(/\bat .*:\d+|\/[a-z]+\/[^"]*\.(ts|js)|node_modules|stack/i);
}

describe("POST /api/ask", () => {
  it("returns exactly the JSON that ask --json prints, and a state token", async () => {
    s = await makeServer();
    const res = await ask(s, { question: "沈阳2013年受理了多少件政府信息公开申请？" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    const direct = await new FakeEngine().ask("沈阳2013年受理了多少件政府信息公开申请？");
    expect(res.body).toBe(answerJson(direct.answer));
    expect(JSON.parse(res.body).answer).toContain("249件");
    expect(res.headers["x-nianbao-state"]).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it("answers a follow-up from history (earlier questions replayed) or from the state token", async () => {
    s = await makeServer();
    const alone = JSON.parse((await ask(s, { question: "那行政复议呢？" })).body);
    expect(alone.found).toBe(false);

    s.engine.calls = [];
    const viaHistory = JSON.parse((await ask(s, { question: "那行政复议呢？", history: ["沈阳2013年受理了多少件政府信息公开申请？"] })).body);
    expect(viaHistory.answer).toContain("沈阳市2013年行政复议22件");
    expect(s.engine.calls.map((c) => c.question)).toEqual(["沈阳2013年受理了多少件政府信息公开申请？", "那行政复议呢？"]);

    const first = await ask(s, { question: "沈阳2013年受理了多少件政府信息公开申请？" });
    const viaState = JSON.parse((await ask(s, { question: "那行政复议呢？", state: first.headers["x-nianbao-state"] as string })).body);
    expect(viaState.answer).toContain("22件");
    expectCleanError(await ask(s, { question: "那行政复议呢？", state: "not-a-state" }), 400, "bad_state");
  });

  it("replays at most API_MAX_HISTORY earlier questions", async () => {
    s = await makeServer({ API_MAX_HISTORY: "2" });
    await ask(s, { question: "那行政复议呢？", history: ["沈阳1", "沈阳2", "沈阳3", "沈阳4"] });
    expect(s.engine.calls.map((c) => c.question)).toEqual(["沈阳3", "沈阳4", "那行政复议呢？"]);
  });

  it("limits the question by characters (code points), not UTF-16 units", async () => {
    s = await makeServer({ MAX_QUESTION_CHARS: "10" });
    // 10 characters outside the BMP are 20 UTF-16 units: still within the limit.
    expect((await ask(s, { question: "沈阳" + "𠀀".repeat(8) })).statusCode).toBe(200);
    const res = await ask(s, { question: "沈阳" + "𠀀".repeat(9) });
    expectCleanError(res, 400, "question_too_long");
    expect(JSON.parse(res.body).error.message).toContain("11字");
  });

  it("rejects bad bodies with a clear 400", async () => {
    s = await makeServer();
    expectCleanError(await ask(s, { question: "   " }), 400, "empty_question");
    expectCleanError(await ask(s, { question: 42 }), 400, "bad_request");
    expectCleanError(await ask(s, {}), 400, "bad_request");
    const badJson = await s.app.inject({ method: "POST", url: "/api/ask", payload: "{not json", headers: { "content-type": "application/json" } });
    expectCleanError(badJson, 400, "bad_request");
  });

  it("hides internal errors: 500 with a generic message, details only in the log", async () => {
    s = await makeServer();
    s.engine.failWith = new Error("ENOENT: /work/main/data/index/CURRENT at Engine.ask (src/answer/engine.ts:97:5)");
    const res = await ask(s, { question: "沈阳2013年受理了多少件？" });
    expectCleanError(res, 500, "internal");
    expect(res.body).not.toContain("ENOENT");
    expect(s.logs.some((l) => l.event === "http_error" && String(l.message).includes("ENOENT"))).toBe(true);
  });
});

describe("page API", () => {
  it("serves the full section of a citation, with 发布日期 and 原文链接", async () => {
    s = await makeServer();
    // By id (every citation carries one) …
    const res = await s.app.inject({ method: "POST", url: "/api/source", payload: { id: SHENYANG.id } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: SHENYANG.id, text: FULL_SECTION, published: "2014-03-28", url: SHENYANG.url, source: SHENYANG.source });
    expect((await s.app.inject({ method: "POST", url: "/api/source", payload: { citation: SHENYANG } })).json()).toMatchObject({ text: FULL_SECTION });
    expectCleanError(await s.app.inject({ method: "POST", url: "/api/source", payload: { id: "chunk:x" } }), 404, "source_not_found");
    // … or, for a page of an older release, by the citation itself.
    const { id: _id, ...legacy } = SHENYANG;
    expect((await s.app.inject({ method: "POST", url: "/api/source", payload: { citation: legacy } })).json()).toEqual({ text: FULL_SECTION, published: "2014-03-28", url: SHENYANG.url });
    const missing = await s.app.inject({ method: "POST", url: "/api/source", payload: { citation: { ...legacy, source: "x.txt" } } });
    expectCleanError(missing, 404, "source_not_found");
  });

  it("serves coverage and config", async () => {
    s = await makeServer({ MAX_QUESTION_CHARS: "300" });
    expect((await s.app.inject("/api/coverage")).json().documents).toBe(5);
    expect((await s.app.inject("/api/config")).json()).toMatchObject({ maxQuestionChars: 300, stats: true, auth: false });
  });

  it("serves the page with security headers, no CORS by default, JSON 404s", async () => {
    s = await makeServer();
    const page = await s.app.inject("/");
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toMatch(/text\/html/);
    expect(page.body).toContain('lang="zh-CN"');
    expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline scripts
    expect(page.body).not.toMatch(/https?:\/\//); // every asset local
    expect(page.headers["content-security-policy"]).toContain("default-src 'self'");
    expect(page.headers["x-content-type-options"]).toBe("nosniff");
    const api = await s.app.inject({ method: "GET", url: "/api/coverage", headers: { origin: "https://evil.example" } });
    expect(api.headers["access-control-allow-origin"]).toBeUndefined();
    expect(api.headers["content-security-policy"]).toBeDefined();
    expectCleanError(await s.app.inject("/api/nothing"), 404, "not_found");
    expectCleanError(await s.app.inject("/../../etc/passwd"), 404, "not_found");
  });

  it("allows configured CORS origins only", async () => {
    s = await makeServer({ CORS_ORIGINS: "https://oa.example.gov.cn" });
    const pre = await s.app.inject({ method: "OPTIONS", url: "/v1/chat/completions", headers: { origin: "https://oa.example.gov.cn", "access-control-request-method": "POST" } });
    expect(pre.statusCode).toBe(204);
    expect(pre.headers["access-control-allow-origin"]).toBe("https://oa.example.gov.cn");
    expect(pre.headers["access-control-allow-headers"]).toContain("Authorization");
    const ok = await s.app.inject({ method: "POST", url: "/api/ask", payload: { question: "沈阳2013年受理了多少件？" }, headers: { origin: "https://oa.example.gov.cn" } });
    expect(ok.headers["access-control-allow-origin"]).toBe("https://oa.example.gov.cn");
    expect(ok.headers["access-control-expose-headers"]).toContain("X-Nianbao-State");
    const other = await s.app.inject({ method: "GET", url: "/api/coverage", headers: { origin: "https://evil.example" } });
    expect(other.headers["access-control-allow-origin"]).toBeUndefined();
  });
});

describe("authentication and limits", () => {
  it("with NIANBAO_API_KEYS every API needs a valid bearer key; the page shell does not", async () => {
    s = await makeServer({ NIANBAO_API_KEYS: "key-one, key-two" });
    const q = { question: "沈阳2013年受理了多少件？" };
    const none = await ask(s, q);
    expectCleanError(none, 401, "unauthorized");
    expect(none.headers["www-authenticate"]).toBe("Bearer");
    expectCleanError(await ask(s, q, { authorization: "Bearer key-three" }), 401, "invalid_key");
    expectCleanError(await ask(s, q, { authorization: "Basic a2V5LW9uZQ==" }), 401, "unauthorized");
    expect((await ask(s, q, { authorization: "Bearer key-two" })).statusCode).toBe(200);
    for (const url of ["/api/coverage", "/api/reports", "/api/stats", "/api/config", "/v1/models"]) {
      expect((await s.app.inject(url)).statusCode, url).toBe(401);
      expect((await s.app.inject({ url, headers: { authorization: "Bearer key-one" } })).statusCode, url).toBe(200);
    }
    expect((await s.app.inject("/")).statusCode).toBe(200);
    expect((await s.app.inject("/app.js")).statusCode).toBe(200);
    expect(s.engine.calls).toHaveLength(1);
  });

  it("limits requests per IP, answering 429 with Retry-After, and resets after the window", async () => {
    let now = 1_000_000;
    s = await makeServer({ API_RATE_LIMIT_PER_IP: "3" }, { now: () => now });
    for (let i = 0; i < 3; i++) expect((await s.app.inject("/api/coverage")).statusCode).toBe(200);
    const limited = await s.app.inject("/api/coverage");
    expectCleanError(limited, 429, "rate_limited");
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
    // Static files are not limited.
    expect((await s.app.inject("/")).statusCode).toBe(200);
    // Another client address has its own window.
    expect((await s.app.inject({ url: "/api/coverage", remoteAddress: "10.0.0.9" })).statusCode).toBe(200);
    now += 61_000;
    expect((await s.app.inject("/api/coverage")).statusCode).toBe(200);
  });

  it("limits requests per key, independently of other keys", async () => {
    s = await makeServer({ NIANBAO_API_KEYS: "a-key,b-key", API_RATE_LIMIT_PER_KEY: "2", API_RATE_LIMIT_PER_IP: "100" });
    const get = (k: string) => s!.app.inject({ url: "/v1/models", headers: { authorization: `Bearer ${k}` } });
    expect((await get("a-key")).statusCode).toBe(200);
    expect((await get("a-key")).statusCode).toBe(200);
    expectCleanError(await get("a-key"), 429, "rate_limited");
    expect((await get("b-key")).statusCode).toBe(200);
  });

  it("refuses bodies over API_BODY_LIMIT_BYTES with 413", async () => {
    s = await makeServer({ API_BODY_LIMIT_BYTES: "1024" });
    const res = await ask(s, { question: "沈阳", history: ["很长的问题".repeat(200)] });
    expectCleanError(res, 413, "body_too_large");
    expect(s.engine.calls).toHaveLength(0);
  });
});

describe("statistics routes", () => {
  it("answer 503 stats_unavailable when there is no statistics service", async () => {
    s = await makeServer({}, { noStats: true });
    expectCleanError(await s.app.inject("/api/reports"), 503, "stats_unavailable");
    expectCleanError(await s.app.inject("/api/stats?year=2021"), 503, "stats_unavailable");
    const up = multipartBody("draft.txt", "表三");
    expectCleanError(await s.app.inject({ method: "POST", url: "/api/check", ...up }), 503, "stats_unavailable");
    expect((await s.app.inject("/api/config")).json().stats).toBe(false);
  });

  it("list reports and filter cells as JSON", async () => {
    s = await makeServer();
    expect((await s.app.inject("/api/reports")).json().reports).toHaveLength(2);
    const res = await s.app.inject(`/api/stats?body=${encodeURIComponent("沈阳")}&year=2021&table=${encodeURIComponent("表三")}`);
    expect(res.statusCode).toBe(200);
    const { cells } = res.json();
    expect(cells).toHaveLength(1);
    expect(cells[0]).toMatchObject({ table: "表三", value: 180 });
    expectCleanError(await s.app.inject(`/api/stats?table=${encodeURIComponent("表九")}`), 400, "bad_request");
    expectCleanError(await s.app.inject("/api/stats?year=abc"), 400, "bad_request");
  });

  it("export cells as CSV: UTF-8 BOM, header row, one line per cell, quoted fields, formulas defused", async () => {
    s = await makeServer();
    const res = await s.app.inject("/api/stats?year=2021&format=csv");
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/csv; charset=utf-8/);
    expect(res.headers["content-disposition"]).toMatch(/attachment/);
    const raw = res.rawPayload;
    expect([...raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = raw.subarray(3).toString("utf8").trimEnd().split("\r\n");
    expect(lines[0]).toBe("source,title,body,year,table,row,column,value,unit,method,quote,candidates");
    expect(lines).toHaveLength(4);
    expect(lines[1]).toContain(",表三,一、本年新收政府信息公开申请数量,总计,180,件,html,");
    expect(lines[2]).toContain(`"'=3, ""维持"""`);
    expect(lines[3]).toMatch(/,,件,pdf-layout,规章 2 3,"2;3"$/);
  });

  it("checks an uploaded draft in memory and returns the DraftCheck", async () => {
    s = await makeServer();
    const text = "沈阳市2021年政府信息公开工作年度报告\n表三 ……";
    const res = await s.app.inject({ method: "POST", url: "/api/check", ...multipartBody("../../corpus/草稿.txt", text) });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.ok).toBe(false);
    expect(body.checks.map((c: { ok: boolean }) => c.ok)).toEqual([true, false]);
    expect(s.stats.drafts).toHaveLength(1);
    expect(s.stats.drafts[0].filename).toBe("草稿.txt");
    expect(s.stats.drafts[0].bytes.toString("utf8")).toBe(text);
  });

  it("refuses wrong types, oversized and unreadable drafts cleanly", async () => {
    s = await makeServer({ UPLOAD_MAX_BYTES: "100" });
    expectCleanError(await s.app.inject({ method: "POST", url: "/api/check", ...multipartBody("x.exe", "MZ") }), 415, "unsupported_type");
    expectCleanError(await s.app.inject({ method: "POST", url: "/api/check", ...multipartBody("big.txt", "年".repeat(200)) }), 413, "file_too_large");
    expectCleanError(await s.app.inject({ method: "POST", url: "/api/check", ...multipartBody("bad.docx", "损坏") }), 422, "unreadable_draft");
    expectCleanError(await s.app.inject({ method: "POST", url: "/api/check", payload: { a: 1 } }), 415, "unsupported_media_type");
    expect(s.stats.drafts.map((d) => d.filename)).toEqual(["bad.docx"]);
  });
});
