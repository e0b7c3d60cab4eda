import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
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
    expect(Object.keys(a).sort()).toEqual(["answer", "citations", "found", "mode", "question"]);
    expect(a).toMatchObject({ found: true, mode: "extractive" });
    expect(a.answer).toContain("249件");
    expect(Object.keys(a.citations[0]).sort()).toEqual(["quote", "region", "section", "source", "title", "year"]);
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
