import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { FIXTURE_CORPUS } from "../helpers/fixture.js";

/**
 * One smoke test per command as `npm run <command>` starts it (node src/bin/launch.mjs: the compiled build when it is
 * current, else the sources through tsx), in a child process: arguments, stdin, stdout, stderr and the exit code
 * of a real process. What each command does is tested in process (test/cli/*.test.ts); `start` is
 * test/server/start.e2e.test.ts.
 */
const LAUNCH = path.resolve("src/bin/launch.mjs");
let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), "nianbao-bin-"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The environment of a user without .env settings (a developer's shell must not leak in). */
const env = (over: Record<string, string> = {}) => ({ PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? tmp, LANG: "C.UTF-8", ...over });

function command(name: string, args: string[], opts: { env?: Record<string, string>; input?: string } = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LAUNCH, name, ...args], { cwd: tmp, env: env(opts.env) });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") }));
    child.stdin.end(opts.input ?? "");
  });
}

describe("the commands as processes", () => {
  it("ask --jsonl: one JSON line per stdin line, every line delivered through the pipe before exit 0", async () => {
    const lines = Array.from({ length: 1200 }, (_, i) => (i % 2 ? "你好" : "谢谢"));
    const r = await command("ask", ["--index", inject("realIndexDir"), "--jsonl"], { input: `沈阳2013年受理了多少件政府信息公开申请？\n${lines.join("\n")}\n` });
    expect(r.status, r.stderr).toBe(0);
    const out = r.stdout.trimEnd().split("\n");
    expect(out).toHaveLength(lines.length + 1);
    expect(Buffer.byteLength(r.stdout)).toBeGreaterThan(128 * 1024); // well beyond a pipe buffer
    expect(JSON.parse(out[0]).answer).toContain("249件");
  });

  it("chat: builds a missing index from CORPUS_DIR, says so, chats on piped stdin, exits 0 on /quit", async () => {
    const r = await command("chat", [], {
      env: { CORPUS_DIR: FIXTURE_CORPUS, NIANBAO_INDEX_DIR: path.join(tmp, "chat-index") },
      input: "沈阳2013年受理了多少件政府信息公开申请？\n那行政复议呢？\n/quit\n",
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("构建索引");
    expect(r.stdout).toContain("249件");
    expect(r.stdout).toContain("22件");
  });

  it("stats export: the CSV of one report's 表三 on stdout (BOM, header, 175 cells)", async () => {
    const r = await command("stats", ["--index", inject("realIndexDir"), "export", "--format", "csv", "--table", "表三", "--body", "平潭综合实验区", "--year", "2024"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.charCodeAt(0)).toBe(0xfeff);
    expect(r.stdout.slice(1).trimEnd().split("\r\n")).toHaveLength(176);
  });

  it("ingest: a bad file is one line on stderr and exit 1; the rest is indexed", async () => {
    const corpus = path.join(tmp, "ingest-corpus");
    cpSync(FIXTURE_CORPUS, corpus, { recursive: true });
    writeFileSync(path.join(corpus, "坏文件.txt"), Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 7919) % 256)));
    const r = await command("ingest", ["--index", "ingest-index"], { env: { CORPUS_DIR: corpus } });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^错误 \/ error: 坏文件\.txt: .*binary/)]);
    expect(r.stdout).toMatch(/index written: ingest-index — 5 files/);
    expect(existsSync(path.join(tmp, "ingest-index", "CURRENT"))).toBe(true);
  });
});
