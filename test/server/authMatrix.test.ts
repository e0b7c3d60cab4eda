import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PUBLIC_ROUTES } from "../../src/server/app.js";
import { makeServer, multipartBody, type TestServer } from "./helpers.js";

/**
 * Keys are checked on the route the router matched, never on the raw URL. Every registered route is sent a
 * matrix of spellings of its path — percent-encoded letters and slashes, mixed case, double slashes, `/./`,
 * `/../`, trailing slash or dot, `;` parameters, overlong UTF-8 — without a key: nothing but 401/404 (400 for a URL the router cannot decode; 403 for
 * Dify's /retrieval, whose protocol says so) may come back for a route outside the public list. A route added
 * later without protection fails here, because the test walks the server's own route table.
 */

const KEY = "matrix-key-123456";

/** Percent-encodes the character at i. */
const encAt = (p: string, i: number) => p.slice(0, i) + "%" + p.charCodeAt(i).toString(16).padStart(2, "0") + p.slice(i + 1);
const encAtUpper = (p: string, i: number) => p.slice(0, i) + "%" + p.charCodeAt(i).toString(16).toUpperCase().padStart(2, "0") + p.slice(i + 1);

export function pathVariants(p: string): string[] {
  const out = new Set<string>([p]);
  for (let i = 1; i < p.length; i++) {
    if (p[i] === "/") {
      out.add(p.slice(0, i) + "%2f" + p.slice(i + 1));
      out.add(p.slice(0, i) + "%2F" + p.slice(i + 1));
      out.add(p.slice(0, i) + "//" + p.slice(i + 1));
      out.add(p.slice(0, i) + "/./" + p.slice(i + 1));
      out.add(p.slice(0, i) + "/x/../" + p.slice(i + 1));
      out.add(p.slice(0, i) + "%2e/" + p.slice(i + 1));
    } else {
      out.add(encAt(p, i));
      out.add(encAtUpper(p, i));
    }
  }
  const all = p.split("").map((c, i) => (i === 0 || c === "/" ? c : "%" + c.charCodeAt(0).toString(16))).join("");
  out.add(all);
  out.add("/" + p); // leading double slash
  out.add(p.toUpperCase());
  out.add(p[0] + p[1].toUpperCase() + p.slice(2));
  out.add(p + "/");
  out.add(p + ".");
  out.add(p + "/.");
  out.add(p + ";x=1");
  out.add(p.replace(/\/([^/]+)$/, "/;x/$1"));
  out.add(p + "%00");
  out.add(p + "?a=1");
  out.add(p + "#frag");
  // Overlong UTF-8 for '/' and for the first letter after it.
  out.add(p.replace(/\/([^/]*)$/, "%c0%af$1"));
  out.add(p.replace(/^\/(.)/, (_m, c: string) => "/%c1%" + (0x80 + (c.charCodeAt(0) & 0x3f)).toString(16)));
  out.add(p.replace(/^\//, "/%2e%2e/"));
  return [...out];
}

const concrete = (url: string) => url.replace(/:[^/]+/g, "nianbao");

function request(method: string, url: string, key: string | null) {
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${key}`;
  if (method === "POST") {
    if (/check$/.test(url)) {
      const mp = multipartBody("draft.txt", "一、总体情况\n本年收到申请1件。");
      return { method, url, headers: { ...headers, ...mp.headers }, payload: mp.payload };
    }
    return { method, url, headers: { ...headers, "content-type": "application/json" }, payload: JSON.stringify({ question: "沈阳2013年受理了多少件？", query: "沈阳", knowledge_id: "nianbao", messages: [{ role: "user", content: "沈阳受理" }], model: "nianbao", citation: {} }) };
  }
  return { method: method as "GET" | "HEAD", url, headers };
}

describe("API keys are enforced on the matched route (deny by default)", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await makeServer({ NIANBAO_API_KEYS: KEY });
    await s.app.ready();
  });
  afterAll(async () => s.app.close());

  it("the public list is exactly the health check and the static page", () => {
    const urls = new Set(s.app.routeList().map((r) => r.url));
    expect([...PUBLIC_ROUTES].sort()).toEqual(["/*", "/healthz"]);
    for (const u of PUBLIC_ROUTES) expect(urls.has(u)).toBe(true);
  });

  it("every variant of every protected route is refused without a key", async () => {
    const routes = s.app.routeList().filter((r) => !PUBLIC_ROUTES.has(r.url) && r.method !== "OPTIONS" && r.method !== "HEAD");
    expect(routes.length).toBeGreaterThanOrEqual(11);
    const leaks: string[] = [];
    let sent = 0;
    for (const r of routes) {
      for (const v of pathVariants(concrete(r.url))) {
        const res = await s.app.inject(request(r.method, v, null));
        sent++;
        // 400 only for a URL the router cannot decode at all (it never reaches a route).
        const okStatuses = r.url === "/retrieval" ? [400, 401, 403, 404] : [400, 401, 404];
        if (res.statusCode === 400) expect(JSON.parse(res.body)).toEqual({ error: { code: "bad_request", message: expect.any(String) } });
        if (!okStatuses.includes(res.statusCode)) leaks.push(`${r.method} ${v} → ${res.statusCode} ${res.body.slice(0, 80)}`);
        // A wrong key is no better than none.
        const bad = await s.app.inject(request(r.method, v, "wrong-key"));
        if (!okStatuses.includes(bad.statusCode)) leaks.push(`${r.method} ${v} (wrong key) → ${bad.statusCode}`);
      }
    }
    expect(leaks).toEqual([]);
    expect(sent).toBeGreaterThan(300);
    // The engine was never reached without a key.
    expect(s.engine.calls).toEqual([]);
  });

  it("the plain path with the key is served (the matrix is not refusing everything)", async () => {
    const res = await s.app.inject(request("GET", "/api/coverage", KEY));
    expect(res.statusCode).toBe(200);
    const enc = await s.app.inject(request("GET", "/%61pi/coverage", KEY));
    expect([200, 404]).toContain(enc.statusCode);
    const models = await s.app.inject(request("GET", "/v%31/models", null));
    expect(models.statusCode).toBe(401);
  });

  it("public routes stay public", async () => {
    expect((await s.app.inject({ method: "GET", url: "/healthz" })).statusCode).toBe(200);
    expect((await s.app.inject({ method: "GET", url: "/" })).statusCode).toBe(200);
  });

  it("CORS preflights are answered per matched route, without a key", async () => {
    const c = await makeServer({ NIANBAO_API_KEYS: KEY, CORS_ORIGINS: "https://oa.example.gov.cn" });
    const pre = await c.app.inject({ method: "OPTIONS", url: "/%61pi/ask", headers: { origin: "https://oa.example.gov.cn", "access-control-request-method": "POST" } });
    expect(pre.statusCode).toBe(204);
    const other = await c.app.inject({ method: "OPTIONS", url: "/api/ask", headers: { origin: "https://evil.example", "access-control-request-method": "POST" } });
    expect(other.statusCode).toBe(404);
    await c.app.close();
  });
});
