import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AnswerEngine } from "../../src/answer/api.js";
import { runTerminalChat } from "../../src/cli/chat.js";
import { useRealEngine } from "../helpers/engine.js";

const real = useRealEngine();
let engine: AnswerEngine;
beforeAll(() => {
  engine = real.engine();
});

/** Run a scripted session (piped stdin, no TTY) and return everything printed. */
async function script(lines: string[], end = true, exportDir?: string): Promise<string> {
  const input = new PassThrough();
  const output = new PassThrough();
  let out = "";
  output.on("data", (d) => (out += d.toString("utf8")));
  const done = runTerminalChat(engine, { input, output, isTTY: false, exportDir, now: () => new Date(2025, 0, 23, 9, 30, 5) });
  for (const l of lines) input.write(l + "\n");
  if (end) input.end();
  await done;
  return out;
}

describe("terminal chat on the real index (piped stdin)", () => {
  it("answers, follows up, shows a source and the reports, then exits on EOF", async () => {
    const out = await script(["沈阳2013年受理了多少件政府信息公开申请？", "那行政复议呢？", "/source 1", "/reports"]);
    expect(out).not.toContain("问：");
    const blocks = out.split(/\n\n(?=答：|来源\d|已收录)/);
    const first = blocks.find((b) => b.startsWith("答：") && b.includes("249"));
    expect(first).toBeDefined();
    expect(first).toMatch(/\[1\] 《[^》]+》 · 沈阳市 · 2013年/);
    expect(first).toContain("“");
    // The follow-up comes after the first answer and inherits 沈阳 2013.
    const iFollow = out.indexOf("22件");
    expect(iFollow).toBeGreaterThan(out.indexOf("249"));
    expect(out).toMatch(/来源1：《[^》]+》 · 沈阳市 · 2013年/);
    expect(out.indexOf("来源1：")).toBeGreaterThan(iFollow);
    expect(out).toMatch(/已收录 \d+ 个地区或机关的年度报告/);
    expect(out).toContain("沈阳市");
  }, 60_000);
});

describe("terminal /source on a long section", () => {
  it("shows the first part with a 查看全文 hint; /source N 全文 shows all of it", async () => {
    const q = "平潭综合实验区2020年报告的总体情况是怎么写的？";
    const { answer } = await engine.ask(q, null);
    const n = answer.citations.findIndex((c) => (engine.fullSection(c) ?? "").length > 2000) + 1;
    expect(n, "the question cites a section longer than the preview").toBeGreaterThan(0);
    const full = engine.fullSection(answer.citations[n - 1])!.trim();
    const short = await script([q, `/source ${n}`]);
    const shown = short.slice(short.lastIndexOf(`来源${n}：`));
    expect(shown).toContain("查看全文");
    expect(shown).toContain(`/source ${n} 全文`);
    expect(shown).toContain(full.slice(0, 200));
    expect(shown).not.toContain(full.slice(-200));
    const long = await script([q, `/source ${n} 全文`]);
    expect(long).toContain(full.slice(-200));
  });
});

describe("terminal /export", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "nianbao-chat-export-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("shows a series as an aligned table and writes the last figure answer as CSV, saying where", async () => {
    const out = await script(["/export", "平潭综合实验区历年收到多少件申请", "申请内容不明确怎么处理？", "/export", "/export"], true, dir);
    // Before any figure answer: nothing to export, said plainly.
    expect(out).toContain("还没有可导出的数字答案");
    expect(out).toMatch(/^机关 +年份 +本年新收政府信息公开申请数量 +出处$/m);
    expect(out).toMatch(/^平潭综合实验区 +2024 +218 +表三$/m);
    expect(out).toContain("（输入 /export 把这组数字导出为 CSV 文件）");
    // A later answer without figures does not replace the one to export; two exports in one second get two files.
    const files = readdirSync(dir).sort();
    expect(files).toEqual(["nianbao-20250123-093005-2.csv", "nianbao-20250123-093005.csv"]);
    expect(out).toContain(`到：${path.join(dir, "nianbao-20250123-093005.csv")}`);
    expect(out).toMatch(/已导出 15 行/);
    const csv = readFileSync(path.join(dir, files[1]), "utf8");
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    const lines = csv.slice(1).trimEnd().split("\r\n");
    expect(lines[0]).toBe("机关,年份,本年新收政府信息公开申请数量,出处");
    expect(lines.find((l) => l.startsWith("平潭综合实验区,2024,218,"))).toContain("表三 · 行：一、本年新收政府信息公开申请数量 · 列：总计");
  }, 60_000);
});
