import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

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

describe("npm run ask: figures as a table, --csv", { timeout: 120_000 }, () => {
  // The index the vitest globalSetup built once (the corpus is unchanged, so nothing is rewritten).
  const shared = (args: string[]) => spawnSync(tsx, ["src/cli/ask.ts", "--index", inject("realIndexDir"), ...args], { encoding: "utf8", env, timeout: 120_000 });
  const SERIES = "平潭综合实验区历年收到多少件申请";
  const DIFF = "平潭综合实验区2023年和2024年申请数相差多少";

  it("text mode shows a difference's table aligned, its working and the cited cells", () => {
    const r = shared([DIFF]);
    expect(r.status, r.stderr).toBe(0);
    const table = r.stdout.split("\n\n").find((b) => b.startsWith("报告"))!;
    expect(table).toBeDefined();
    const [head, rule, ...rows] = table.split("\n");
    expect(head).toMatch(/^报告 +本年新收政府信息公开申请数量$/);
    expect(rule).toMatch(/^─+  ─+$/);
    expect(rows).toEqual([expect.stringMatching(/^平潭综合实验区2023年 +81$/), expect.stringMatching(/^平潭综合实验区2024年 +218$/)]);
    // Right-aligned numbers end in the same display column: same character count, since both labels are equally wide.
    expect(rows[0].length).toBe(rows[1].length);
    expect(r.stdout).toContain("计算：218 − 81 = 137");
    expect(r.stdout).toMatch(/表三 · 行：一、本年新收政府信息公开申请数量 · 列：总计 · 数值：218/);
  });

  it("--csv prints the series table with a BOM, a header and an 出处 per row", () => {
    const r = shared(["--csv", SERIES]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.charCodeAt(0)).toBe(0xfeff);
    const lines = r.stdout.slice(1).trimEnd().split("\r\n");
    expect(lines[0]).toBe("机关,年份,本年新收政府信息公开申请数量,出处");
    const y2024 = lines.find((l) => l.startsWith("平潭综合实验区,2024,"));
    expect(y2024).toMatch(/^平潭综合实验区,2024,218,《平潭综合实验区2024年[^,]*》 · 平潭综合实验区 · 2024年 · .*表三 · 行：一、本年新收政府信息公开申请数量 · 列：总计/);
    // Every line has the header's four fields (a field with a comma would be quoted).
    for (const l of lines) expect(l.replace(/"(?:[^"]|"")*"/g, "").split(",").length, l).toBe(4);
    // A year whose report says there were none in words ("2016年全区未收到有关政府信息公开申请") is 0, cited to it.
    expect(lines.find((l) => l.startsWith("平潭综合实验区,2016,"))).toMatch(/^平潭综合实验区,2016,0,《平潭综合实验区2016年/);
  });

  it("--csv of a single cited cell gives one row per cell; an answer without figures exits 2 with a Chinese message", () => {
    const one = shared(["--csv", "平潭综合实验区财政金融局2024年收到多少件申请"]);
    expect(one.status, one.stderr).toBe(0);
    const lines = one.stdout.slice(1).trimEnd().split("\r\n");
    expect(lines[0]).toBe("机关,年份,报告,表,行,列,数值,出处");
    expect(lines[1]).toMatch(/^平潭综合实验区财政金融局,2024,[^,]+,表三,一、本年新收政府信息公开申请数量,总计,2,.*发布日期 \d{4}-\d\d-\d\d · https?:\/\//);

    const none = shared(["--csv", "申请内容不明确怎么处理？"]);
    expect(none.status).toBe(2);
    expect(none.stdout).toBe("");
    expect(none.stderr).toContain("没有可导出的数字");
  });

  it("--csv with --json is a usage error", () => {
    const r = shared(["--csv", "--json", SERIES]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--csv 不能与 --json");
  });
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
