import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

// `npm start` as a user runs it (node src/bin/launch.mjs start), in a child process serving the page and the APIs;
// its index is built from the fixture corpus. What `start` does is tested in process in test/cli/start.test.ts.
const LAUNCH = path.resolve("src/bin/launch.mjs");
const FIXTURE_CORPUS = path.resolve("test/fixtures/corpus");
const root = mkdtempSync(path.join(tmpdir(), "nianbao-serve-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("npm start (server)", () => {
  it("serves the page and the APIs on HOST/PORT, prints the URL, logs JSON lines, and stops cleanly on SIGTERM", async () => {
    const env = {
      ...process.env,
      LLM_BASE_URL: "", EMBEDDINGS_BASE_URL: "", TELEGRAM_BOT_TOKEN: "", WEBHOOK_URL: "",
      NIANBAO_API_KEYS: "secret-key-123", HOST: "127.0.0.1", PORT: "0", NIANBAO_INDEX_DIR: path.join(root, "index"), CORPUS_DIR: FIXTURE_CORPUS,
    };
    const child = spawn(process.execPath, [LAUNCH, "start"], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (b) => (stderr += b));
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL printed; stderr: ${stderr}`)), 120_000);
        child.stdout.on("data", (b) => {
          stdout += b;
          const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(stdout);
          if (m) {
            clearTimeout(timer);
            resolve(m[0]);
          }
        });
      });
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("年报");
      expect((await fetch(`${url}api/coverage`)).status).toBe(401);
      const res = await fetch(`${url}api/ask`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer secret-key-123" },
        body: JSON.stringify({ question: "沈阳2013年受理了多少件政府信息公开申请？" }),
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { answer: string }).answer).toContain("249件");
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      const logLines = stderr.split("\n").filter((l) => l.startsWith("{"));
      const http = logLines.map((l) => JSON.parse(l)).filter((e) => e.event === "http");
      expect(http.some((e) => e.path === "/api/ask" && e.status === 200)).toBe(true);
      expect(stderr).not.toContain("secret-key-123");
    } finally {
      child.kill("SIGKILL");
    }
  }, 180_000);
});
