import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run, runTerminalChat } from "../../src/cli/chat.js";
import type { EngineOptions } from "../../src/cli/deps.js";
import { cliEngine, fakeDeps, memoryIo } from "../helpers/cli.js";
import { FakeEngine } from "../server/fakes.js";

// The terminal chat's own behaviour (commands, prompt, export, start-up, stopping) over a fake engine, in process.
const Q = "沈阳2013年受理了多少件政府信息公开申请？";

/** A scripted session (piped stdin, no TTY): everything printed. */
async function script(lines: string[], opts: { end?: boolean; exportDir?: string; isTTY?: boolean } = {}): Promise<string> {
  const input = new PassThrough();
  const output = new PassThrough();
  let out = "";
  output.on("data", (d) => (out += d.toString("utf8")));
  const done = runTerminalChat(new FakeEngine(), { input, output, isTTY: opts.isTTY ?? false, exportDir: opts.exportDir, now: () => new Date(2025, 0, 23, 9, 30, 5) });
  for (const l of lines) input.write(l + "\n");
  if (opts.end ?? true) input.end();
  await done;
  return out;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "nianbao-chat-unit-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("terminal chat commands", () => {
  it("answers and follows up, /source shows the cited section, /reports the coverage", async () => {
    const out = await script([Q, "那行政复议呢？", "/source 1", "/reports"]);
    expect(out).not.toContain("问：");
    expect(out).toMatch(/^答：沈阳市2013年共受理政府信息公开申请249件。/);
    expect(out.indexOf("22件")).toBeGreaterThan(out.indexOf("249件"));
    expect(out).toContain("来源1：《沈阳市2013年政府信息公开工作年度报告》 · 沈阳市人民政府 · 2013年");
    expect(out).toContain("网上申请218件。");
    expect(out).toMatch(/已收录 \d+ 个地区或机关的年度报告/);
  });

  it("handles /help, bad /source numbers, unknown commands and /quit before EOF", async () => {
    const out = await script(["/source 1", "/help", "/nope", Q, "/source 9", "/quit", "那行政复议呢？"], { end: false });
    expect(out).toContain("还没有可查看的依据");
    expect(out).toContain("/source N");
    expect(out).toContain("/export");
    expect(out).toContain("未识别的命令 /nope");
    expect(out).toContain("请输入 1 到 2 之间的编号");
    // Nothing after /quit is processed.
    expect(out).not.toContain("22件");
  });

  it("shows the prompt only on a TTY", async () => {
    expect(await script(["/help"], { isTTY: true })).toContain("问：");
    expect(await script(["/help"])).not.toContain("问：");
  });

  it("/export writes the last figure answer as CSV, never overwriting, and says where; a later answer without figures does not replace it", async () => {
    const exportDir = mkdtempSync(path.join(dir, "export-"));
    const out = await script(["/export", "沈阳历年收到多少件申请", "沈阳2013年受理了多少件？", "/export", "/export"], { exportDir });
    expect(out).toContain("还没有可导出的数字答案");
    expect(out).toMatch(/^年份 +新收申请（件）\n─+  ─+\n2019 +120$/m);
    expect(out).toContain("（输入 /export 把这组数字导出为 CSV 文件）");
    const files = readdirSync(exportDir).sort();
    expect(files).toEqual(["nianbao-20250123-093005-2.csv", "nianbao-20250123-093005.csv"]);
    expect(out).toContain(`到：${path.join(exportDir, "nianbao-20250123-093005.csv")}`);
    expect(out).toMatch(/已导出 3 行（“沈阳历年收到多少件申请”的数字）/);
    const csv = readFileSync(path.join(exportDir, files[1]), "utf8");
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    expect(csv.slice(1).split("\r\n")[0]).toBe("年份,新收申请（件）,出处");
  });
});

describe("npm run chat: run()", () => {
  it("says it builds a missing index, reports what is ready, chats on io.stdin and exports into io.cwd", async () => {
    const opened: EngineOptions[] = [];
    const deps = fakeDeps({
      indexExists: async () => false,
      openEngine: async (opts) => {
        opened.push(opts);
        return cliEngine(new FakeEngine());
      },
    });
    const cwd = mkdtempSync(path.join(dir, "cwd-"));
    const io = memoryIo({ cwd, stdin: `${Q}\n沈阳历年收到多少件申请\n/export\n`, env: { NIANBAO_INDEX_DIR: "idx" }, now: () => new Date(2025, 0, 23, 9, 30, 5) });
    expect(await run([], io, deps)).toBe(0);
    expect(io.err()).toContain("首次启动：正在从 corpus/ 构建索引");
    expect(io.err()).toContain("索引已就绪：5 篇文档，42 个片段。模式：抽取式（离线）。");
    expect(opened[0]).toMatchObject({ indexDir: path.join(cwd, "idx"), corpusDir: path.join(cwd, "corpus") });
    expect(io.out()).toContain("249件");
    expect(readdirSync(cwd)).toEqual(["nianbao-20250123-093005.csv"]);
  });

  it("a bad setting or an engine that cannot open: one line 启动失败…, exit 1, credentials redacted", async () => {
    const bad = memoryIo({ env: { TELEGRAM_API_ROOT: "not a url" } });
    expect(await run([], bad, fakeDeps())).toBe(1);
    expect(bad.err().trim().split("\n")).toEqual([expect.stringMatching(/^启动失败：.*TELEGRAM_API_ROOT/)]);
    const key = "sk-secret-embeddings-key";
    const io = memoryIo({ env: { EMBEDDINGS_BASE_URL: "http://127.0.0.1:9/v1", EMBEDDINGS_MODEL: "m", EMBEDDINGS_API_KEY: key } });
    const deps = fakeDeps({ indexExists: async () => true, openEngine: async () => Promise.reject(new Error(`401 for key ${key}`)) });
    expect(await run([], io, deps)).toBe(1);
    expect(io.err()).toMatch(/^启动失败：401 for key /);
    expect(io.err()).not.toContain(key);
  });

  it("ends the session when io.signal is aborted (SIGTERM on piped input), after the question in hand", async () => {
    const stdin = new PassThrough();
    const ac = new AbortController();
    const engine = new FakeEngine();
    const ask = engine.ask.bind(engine);
    let answered = 0;
    engine.ask = async (q, s) => {
      const r = await ask(q, s);
      answered++;
      return r;
    };
    const deps = fakeDeps({ indexExists: async () => true, openEngine: async () => cliEngine(engine) });
    const io = memoryIo({ stdin, signal: ac.signal });
    const done = run([], io, deps);
    stdin.write(`${Q}\n`);
    await expect.poll(() => answered).toBe(1);
    ac.abort("SIGTERM");
    expect(await done).toBe(0);
    expect(io.out()).toContain("249件");
  });
});
