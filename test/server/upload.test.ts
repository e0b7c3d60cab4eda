import { afterEach, describe, expect, it } from "vitest";
import { FileLimitError } from "../../src/errors.js";
import type { LoadLimits } from "../../src/ingest/load.js";
import type { DraftCheck } from "../../src/stats/api.js";
import { brokenMultiparts } from "../helpers/hostile.js";
import { FakeStats } from "./fakes.js";
import { makeServer, multipartBody, type TestServer } from "./helpers.js";

/** POST /api/check: bounded concurrency, broken bodies, and a limit's refusal said in Chinese with its code. */

let s: TestServer | null = null;
afterEach(async () => {
  await s?.app.close();
  s = null;
});

/** A draft check that holds until released, to have checks in flight. */
class GatedStats extends FakeStats {
  started = 0;
  limits: LoadLimits[] = [];
  private gates: Array<() => void> = [];
  private waiters: Array<{ n: number; resolve: () => void }> = [];
  override async checkDraft(bytes: Buffer, filename: string, limits?: LoadLimits): Promise<DraftCheck> {
    this.started++;
    if (limits) this.limits.push(limits);
    for (const w of this.waiters.filter((x) => this.started >= x.n)) w.resolve();
    await new Promise<void>((r) => this.gates.push(r));
    return super.checkDraft(bytes, filename);
  }
  /** Resolves once `n` checks have started. */
  startedAtLeast(n: number): Promise<void> {
    return this.started >= n ? Promise.resolve() : new Promise((resolve) => this.waiters.push({ n, resolve }));
  }
  releaseAll(): void {
    for (const g of this.gates.splice(0)) g();
  }
}

const upload = (srv: TestServer, name = "草稿.txt") => srv.app.inject({ method: "POST", url: "/api/check", ...multipartBody(name, "政府信息公开工作年度报告") });

describe("POST /api/check under load and abuse", () => {
  it("checks at most MAX_CONCURRENT_CHECKS drafts at once; beyond it 503 busy with Retry-After, and a slot frees when a check ends", async () => {
    const stats = new GatedStats();
    s = await makeServer({ MAX_CONCURRENT_CHECKS: "2", PARSE_TIMEOUT_MS: "4321" }, { stats });
    const first = upload(s);
    const second = upload(s);
    await stats.startedAtLeast(2);
    const third = await upload(s);
    expect(third.statusCode).toBe(503);
    expect(third.json().error.code).toBe("busy");
    expect(Number(third.headers["retry-after"])).toBeGreaterThan(0);
    expect(stats.started).toBe(2);
    stats.releaseAll();
    expect((await first).statusCode).toBe(200);
    expect((await second).statusCode).toBe(200);
    const fourth = upload(s);
    await stats.startedAtLeast(3);
    stats.releaseAll();
    expect((await fourth).statusCode).toBe(200);
    // The settings' limits reach the check.
    expect(stats.limits.every((l) => l.parseTimeoutMs === 4321)).toBe(true);
  });

  it("a multipart body without a boundary, cut off, or with a boundary it never uses is 400 bad_request, never 500", async () => {
    s = await makeServer();
    for (const b of brokenMultiparts()) {
      const res = await s.app.inject({ method: "POST", url: "/api/check", payload: b.body, headers: { "content-type": b.contentType } });
      expect({ name: b.name, status: res.statusCode }).toEqual({ name: b.name, status: 400 });
      expect(res.json().error.code).toBe(b.name === "empty body" ? "no_file" : "bad_request");
    }
    expect(s.stats.drafts).toHaveLength(0);
  });

  it("a limit's refusal says which limit, in Chinese: size-type caps 413 file_too_large, the others 422 unreadable_draft", async () => {
    const refusals: Record<string, FileLimitError> = {
      "pages.pdf": new FileLimitError("pages.pdf", "too_large", "PDF 页数过多：50000 页 > 1000 页（PDF_MAX_PAGES）", "too many PDF pages"),
      "deep.html": new FileLimitError("deep.html", "too_complex", "HTML 嵌套过深：超过 1000 层（HTML_MAX_DEPTH）", "HTML nested too deeply"),
      "slow.docx": new FileLimitError("slow.docx", "timeout", "解析超时：超过 30 秒（PARSE_TIMEOUT_MS）", "parsing took longer than 30 s"),
      "big.docx": new FileLimitError("big.docx", "out_of_memory", "解析占用内存超过上限 768 MB（PARSE_MEMORY_MB）", "parsing needed more than 768 MB"),
    };
    class Refusing extends FakeStats {
      override async checkDraft(_bytes: Buffer, filename: string): Promise<DraftCheck> {
        throw refusals[filename];
      }
    }
    s = await makeServer({}, { stats: new Refusing() });
    const expected: Record<string, [number, string]> = {
      "pages.pdf": [413, "file_too_large"],
      "deep.html": [422, "unreadable_draft"],
      "slow.docx": [422, "unreadable_draft"],
      "big.docx": [422, "unreadable_draft"],
    };
    for (const [name, [status, code]] of Object.entries(expected)) {
      const res = await upload(s, name);
      expect({ name, status: res.statusCode, code: res.json().error.code }).toEqual({ name, status, code });
      expect(res.json().error.message).toContain(refusals[name].zh);
      expect(res.body).not.toMatch(/too many|nested|took longer|needed more/);
    }
  });
});
