import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { buildServer } from "../../src/server/app.js";
import { useRealEngine } from "../helpers/engine.js";

/**
 * Tampered `X-Nianbao-State` tokens against the real engine: every one is the client's error (400 bad_state,
 * Chinese message), none reaches the engine as an internal error. The variants are generated from a real token:
 * each field (and each field of the plan inside it) removed, given values of the wrong type, lists blown up, junk
 * nested in, plus tokens that are not base64url, not JSON, or not an object.
 */

const real = useRealEngine({ API_RATE_LIMIT_PER_IP: "100000" });
let app: FastifyInstance;
let state: Record<string, any>;
let token: string;

const encode = (v: unknown) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v), "utf8").toString("base64url");
const followUp = (t: string) => app.inject({ method: "POST", url: "/api/ask", payload: { question: "那行政复议呢？", state: t } });

beforeAll(async () => {
  app = await buildServer({ engine: real.engine(), stats: null, settings: real.settings });
  const first = await app.inject({ method: "POST", url: "/api/ask", payload: { question: "沈阳2013年受理了多少件政府信息公开申请？" } });
  token = first.headers["x-nianbao-state"] as string;
  state = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
}, 120_000);
afterAll(async () => {
  await app?.close();
});

/** Values of every JSON type but the ones a field may hold. */
function wrongValues(kind: "strings" | "years" | "string" | "nullableString" | "number" | "enum" | "nullableEnum" | "range" | "object"): unknown[] {
  const deep = (n: number): unknown => (n === 0 ? "x" : { a: deep(n - 1), b: [deep(n - 1)] });
  const common = [true, { a: 1 }, deep(6)];
  switch (kind) {
    case "strings":
      return [...common, null, 0, "沈阳市", [1], [null], [["沈阳市"]], [{ a: "b" }], Array.from({ length: 2000 }, () => "沈")];
    case "years":
      return [...common, null, 2013, "2013", ["2013"], [2013.5], [1e308], [-1], [null], Array.from({ length: 2000 }, () => 2013)];
    case "string":
      return [...common, null, 0, [], ["x"], "沈".repeat(5000)];
    case "nullableString":
      return [...common, 0, [], ["x"]];
    case "number":
      return [...common, null, "1", [], [1]];
    case "enum":
      return [...common, null, 0, "zzz", "", ["value"]];
    case "nullableEnum":
      return [...common, 0, "zzz", ["max"]];
    case "range":
      return [...common, 0, "2013", [2013], [2013, "2014"], [2013, 2014, 2015], { 0: 2013, 1: 2014 }];
    case "object":
      return [true, 0, "x", [], [state.plan], deep(6)];
  }
}

const TOP: Record<string, Parameters<typeof wrongValues>[0]> = {
  words: "string",
  lastQuestion: "nullableString",
  updatedAt: "number",
  plan: "object",
};
const PLAN: Record<string, Parameters<typeof wrongValues>[0]> = {
  operation: "enum",
  bodies: "strings",
  years: "years",
  yearRange: "range",
  metric: "nullableString",
  direction: "nullableEnum",
  section: "nullableEnum",
  table: "nullableEnum",
  governing: "strings",
  topic: "string",
};
const OPTIONAL_TOP = new Set<string>();

function tamperedTokens(): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [key, kind] of Object.entries(TOP)) {
    if (!OPTIONAL_TOP.has(key)) {
      const { [key]: _gone, ...rest } = state;
      out.push([`without ${key}`, encode(rest)]);
    }
    wrongValues(kind).forEach((v, i) => out.push([`${key} = wrong #${i}`, encode({ ...state, [key]: v })]));
  }
  for (const [key, kind] of Object.entries(PLAN)) {
    const { [key]: _gone, ...rest } = state.plan;
    out.push([`plan without ${key}`, encode({ ...state, plan: rest })]);
    wrongValues(kind).forEach((v, i) => out.push([`plan.${key} = wrong #${i}`, encode({ ...state, plan: { ...state.plan, [key]: v } })]));
  }
  out.push(["junk field", encode({ ...state, junk: { a: [1, { b: "c" }] } })]);
  out.push(["junk in plan", encode({ ...state, plan: { ...state.plan, junk: [[["x"]]] } })]);
  out.push(["__proto__ field", encode(`{"__proto__":{"regions":["x"]},${JSON.stringify(state).slice(1)}`)]);
  out.push(["deeply nested arrays", encode("[".repeat(5000) + "]".repeat(5000))]);
  out.push(["deeply nested plan", encode({ ...state, plan: JSON.parse('{"a":'.repeat(2000) + "1" + "}".repeat(2000)) })]);
  for (const v of ["null", "1", '"state"', "true", "[]", "{}", "[" + JSON.stringify(state) + "]"]) out.push([`JSON ${v.slice(0, 12)}`, encode(v)]);
  for (const v of ["hello", "{", '{"regions":', "\u0000\u0001", "沈阳"]) out.push([`not JSON ${JSON.stringify(v)}`, encode(v)]);
  out.push(["invalid UTF-8", Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString("base64url")]);
  for (const v of ["!!!", "%7B%7D", "a b c", "沈阳", `${token}=`, `${token}*`, token.replace(/[A-Za-z]/, "/"), "eyJ=", "===="]) out.push([`not base64url ${v.slice(0, 10)}`, v]);
  out.push(["over-long token", token + "A".repeat(20_000)]);
  return out;
}

describe("X-Nianbao-State tokens", () => {
  it("the real token and its valid variant (a null plan) are accepted", async () => {
    const real = await followUp(token);
    expect(real.statusCode).toBe(200);
    expect(real.json().answer).toContain("行政复议为22件");
    expect((await followUp(encode({ ...state, plan: null }))).statusCode).toBe(200);
  }, 60_000);

  it("every tampered token is 400 bad_state with a Chinese message; none is a 500", async () => {
    const cases = tamperedTokens();
    expect(cases.length).toBeGreaterThan(150);
    const wrong: string[] = [];
    for (const [name, t] of cases) {
      const res = await followUp(t);
      const body = res.json() as { error?: { code: string; message: string } };
      if (res.statusCode !== 400 || body.error?.code !== "bad_state" || !/[\u4e00-\u9fff]/.test(body.error.message)) wrong.push(`${name}: ${res.statusCode} ${res.body.slice(0, 80)}`);
    }
    expect(wrong).toEqual([]);
  }, 60_000);
});
