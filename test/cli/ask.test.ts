import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The exact `ask` interface scripts rely on, run as a real process.
const tsx = path.resolve("node_modules/.bin/tsx");
let dir: string;
const env = { ...process.env, LLM_BASE_URL: "", EMBEDDINGS_BASE_URL: "", TELEGRAM_BOT_TOKEN: "" };
const run = (args: string[], input?: string) => spawnSync(tsx, ["src/cli/ask.ts", "--index", dir, ...args], { input, encoding: "utf8", env, timeout: 120_000 });

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "nianbao-ask-"));
  rmSync(dir, { recursive: true, force: true }); // `ask` must build a missing index itself
}, 10_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("npm run ask", () => {
  it("--json prints one object of the documented shape, building the index when missing", () => {
    const r = run(["--json", "沈阳2013年受理了多少件政府信息公开申请？"]);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const a = JSON.parse(lines[0]);
    expect(Object.keys(a).sort()).toEqual(["answer", "citations", "computed", "found", "mode", "operation", "question", "short", "table"]);
    expect(a.operation).toBe("value");
    expect(a).toMatchObject({ found: true, mode: "extractive" });
    expect(a.answer).toContain("249件");
    expect(a.short).toContain("249件");
    expect(Object.keys(a.citations[0]).sort()).toEqual(["body", "cell", "published", "quote", "region", "section", "source", "title", "url", "year"]);
    expect(a.citations[0].source).toBe("000_0ce3f265a70a93e0.txt");
  }, 120_000);

  it("--jsonl answers each stdin line independently and in order", () => {
    const qs = ["申请内容不明确怎么处理？", "那行政复议呢？", "北京市2015年受理了多少件申请？", "平潭综合实验区2024年收到多少件政府信息公开申请？"];
    const r = run(["--jsonl"], qs.join("\n") + "\n");
    expect(r.status).toBe(0);
    const out = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(out.map((o) => o.question)).toEqual(qs);
    expect(out[0].citations[0].source).toBe("regulation-2019.txt");
    // Independent: the second line inherits nothing from the first.
    expect(out[1].answer).not.toContain("22件");
    expect(out[2].found).toBe(false);
    expect(out[3].answer).toContain("218件");
  }, 120_000);

  it("prints a readable answer by default", () => {
    const out = execFileSync(tsx, ["src/cli/ask.ts", "--index", dir, "申请内容不明确怎么处理？"], { encoding: "utf8", env });
    expect(out).toContain("第三十条");
    expect(out).toContain("出处：");
    expect(out).toContain("regulation-2019.txt");
  }, 120_000);
});

describe("npm run ask: output reaches the reader, one line per input line", () => {
  // A reader that waits before reading and then reads in small bites: the pipe fills, and the writer must wait.
  const SLOW_READER = `setTimeout(() => { let n = 0, bytes = 0; process.stdin.on("data", (b) => { bytes += b.length; n += b.toString().split("\\n").length - 1; process.stdin.pause(); setTimeout(() => process.stdin.resume(), 2); }); process.stdin.on("end", () => console.log(JSON.stringify({ lines: n, bytes }))); }, 1500)`;

  it("--jsonl into a slow pipe delivers every line before exiting", () => {
    const lines = Array.from({ length: 1200 }, (_, i) => (i % 2 ? "你好" : "谢谢"));
    const input = path.join(dir, "..", `${path.basename(dir)}-slow.txt`);
    writeFileSync(input, lines.join("\n") + "\n");
    try {
      const cmd = `${JSON.stringify(tsx)} src/cli/ask.ts --index ${JSON.stringify(dir)} --jsonl < ${JSON.stringify(input)} | ${JSON.stringify(process.execPath)} -e ${JSON.stringify(SLOW_READER)}`;
      const r = spawnSync("bash", ["-o", "pipefail", "-c", cmd], { encoding: "utf8", env, timeout: 120_000 });
      expect(r.status).toBe(0);
      const got = JSON.parse(r.stdout.trim());
      expect(got.bytes).toBeGreaterThan(128 * 1024); // well beyond a pipe buffer
      expect(got.lines).toBe(lines.length);
    } finally {
      rmSync(input, { force: true });
    }
  }, 120_000);

  it("--jsonl answers a blank line with an error object, so answers stay aligned with questions", () => {
    const r = run(["--jsonl"], "申请内容不明确怎么处理？\n\n   \n沈阳2013年受理了多少件政府信息公开申请？\n");
    expect(r.status).toBe(0);
    const out = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(out).toHaveLength(4);
    expect(out[0].question).toBe("申请内容不明确怎么处理？");
    expect(out[1]).toEqual({ error: { code: "empty_question", message: expect.any(String) } });
    expect(out[2].error.code).toBe("empty_question");
    expect(out[3].answer).toContain("249件");
  }, 120_000);

  it("invalid UTF-8 bytes get an error line, not a confident answer", () => {
    const bad = Buffer.concat([Buffer.from("沈阳2013年受理了"), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from("多少件？\n")]);
    const r = spawnSync(tsx, ["src/cli/ask.ts", "--index", dir, "--jsonl"], {
      input: Buffer.concat([bad, Buffer.from("申请内容不明确怎么处理？\n")]),
      encoding: "utf8",
      env,
      timeout: 120_000,
    });
    expect(r.status).toBe(0);
    const out = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(out).toHaveLength(2);
    expect(out[0]).toEqual({ error: { code: "invalid_utf8", message: expect.any(String) } });
    expect(out[1].found).toBe(true);
    // The same bytes as an argument: decoded by Node with U+FFFD, still refused.
    const one = spawnSync(tsx, ["src/cli/ask.ts", "--index", dir, "--json", "沈阳2013年受理了\uFFFD多少件？"], { encoding: "utf8", env, timeout: 120_000 });
    expect(one.status).toBe(2);
    expect(JSON.parse(one.stdout.trim()).error.code).toBe("invalid_utf8");
  }, 120_000);
});
