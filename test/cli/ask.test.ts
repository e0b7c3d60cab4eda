import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../src/cli/ask.js";
import type { EngineOptions } from "../../src/cli/deps.js";
import { cliEngine, fakeDeps, memoryIo } from "../helpers/cli.js";
import { FakeEngine } from "../server/fakes.js";

// `ask`'s own behaviour (arguments, output modes, exit codes, stdin lines) over a fake engine, in process.
const Q = "沈阳2013年受理了多少件政府信息公开申请？";

function engineDeps(engine = new FakeEngine()) {
  const opened: EngineOptions[] = [];
  const deps = fakeDeps({
    openEngine: async (opts) => {
      opened.push(opts);
      return cliEngine(engine);
    },
  });
  return { engine, opened, deps };
}

let cwd: string;
beforeAll(() => {
  cwd = mkdtempSync(path.join(tmpdir(), "nianbao-ask-unit-"));
});
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

describe("ask: arguments", () => {
  it("--help prints the usage on stdout and opens nothing", async () => {
    const io = memoryIo();
    expect(await run(["--help"], io, fakeDeps())).toBe(0);
    expect(io.out()).toMatch(/^usage: npm run --silent ask/);
  });

  it("no question is a usage error (exit 2, usage on stderr); --csv with --json or --jsonl too", async () => {
    const none = memoryIo();
    expect(await run([], none, fakeDeps())).toBe(2);
    expect(none.err()).toContain("usage:");
    expect(none.out()).toBe("");
    for (const other of ["--json", "--jsonl"]) {
      const io = memoryIo();
      expect(await run(["--csv", other, Q], io, fakeDeps())).toBe(2);
      expect(io.err()).toContain("--csv 不能与 --json 或 --jsonl 同时使用");
    }
  });

  it("a question with invalid bytes (U+FFFD after decoding) is refused before the engine opens; --json says so as JSON", async () => {
    const io = memoryIo();
    expect(await run(["--json", "沈阳2013年受理了\uFFFD多少件？"], io, fakeDeps())).toBe(2);
    expect(JSON.parse(io.out())).toEqual({ error: { code: "invalid_utf8", message: expect.any(String) } });
    const text = memoryIo();
    expect(await run(["沈阳\uFFFD"], text, fakeDeps())).toBe(2);
    expect(text.err()).toContain("不是有效的 UTF-8");
  });

  it("--index and the settings' folders are resolved against io.cwd; .env there fills what io.env leaves unset", async () => {
    writeFileSync(path.join(cwd, ".env"), "NIANBAO_INDEX_DIR=from-dotenv\nCORPUS_DIR=my-corpus\nLLM_MODEL='m'\n");
    const a = engineDeps();
    expect(await run([Q], memoryIo({ cwd }), a.deps)).toBe(0);
    expect(a.opened[0]).toMatchObject({ indexDir: path.join(cwd, "from-dotenv"), corpusDir: path.join(cwd, "my-corpus") });
    expect(a.opened[0].settings?.LLM_MODEL).toBe("m");
    const b = engineDeps();
    expect(await run(["--index", "idx", Q], memoryIo({ cwd, env: { CORPUS_DIR: "/abs/corpus" } }), b.deps)).toBe(0);
    expect(b.opened[0]).toMatchObject({ indexDir: path.join(cwd, "idx"), corpusDir: "/abs/corpus" });
  });

  it("a bad setting or an engine that cannot open: one line on stderr, exit 2", async () => {
    const bad = memoryIo({ env: { LLM_BASE_URL: "not a url" } });
    expect(await run([Q], bad, fakeDeps())).toBe(2);
    expect(bad.err().trim().split("\n")).toEqual([expect.stringMatching(/^错误 \/ error: .*LLM_BASE_URL/)]);
    const broken = memoryIo();
    const deps = fakeDeps({ openEngine: async () => Promise.reject(new Error("索引已损坏")) });
    expect(await run([Q], broken, deps)).toBe(2);
    expect(broken.err()).toBe("错误 / error: 索引已损坏\n");
  });

  it("says on stderr when the engine builds or refreshes the index", async () => {
    const io = memoryIo();
    const deps = fakeDeps({
      openEngine: async (opts) => {
        opts.log?.({ event: "index_build" });
        opts.log?.({ event: "index_refresh" });
        opts.log?.({ event: "http" }); // not said unless LOG_LEVEL=debug
        return cliEngine(new FakeEngine());
      },
    });
    expect(await run([Q], io, deps)).toBe(0);
    expect(io.err().split("\n").filter(Boolean)).toEqual([expect.stringContaining("构建索引"), expect.stringContaining("增量更新索引")]);
  });
});

describe("ask: one answer", () => {
  it("text by default: the answer, then its citations", async () => {
    const io = memoryIo();
    expect(await run([Q], io, engineDeps().deps)).toBe(0);
    expect(io.out()).toMatch(/^沈阳市2013年共受理政府信息公开申请249件。\n\n出处：\n\[1\] 《沈阳市2013年政府信息公开工作年度报告》/);
    expect(io.out()).toContain("文件：沈阳-2013-年度报告.txt");
  });

  it("--json: exactly one line, the answer object", async () => {
    const io = memoryIo();
    const { deps, engine } = engineDeps();
    expect(await run(["--json", Q], io, deps)).toBe(0);
    expect(io.out().endsWith("\n")).toBe(true);
    expect(io.out().trimEnd().split("\n")).toHaveLength(1);
    expect(JSON.parse(io.out())).toEqual((await engine.ask(Q)).answer);
  });

  it("--csv: the series table with a BOM and an 出处 column; an answer without figures exits 2 with nothing on stdout", async () => {
    const io = memoryIo();
    expect(await run(["--csv", "沈阳历年收到多少件申请"], io, engineDeps().deps)).toBe(0);
    expect(io.out().charCodeAt(0)).toBe(0xfeff);
    const lines = io.out().slice(1).trimEnd().split("\r\n");
    expect(lines[0]).toBe("年份,新收申请（件）,出处");
    expect(lines).toHaveLength(4);
    const none = memoryIo();
    expect(await run(["--csv", "北京怎么样"], none, engineDeps().deps)).toBe(2);
    expect(none.out()).toBe("");
    expect(none.err()).toContain("没有可导出的数字");
  });
});

describe("ask --jsonl", () => {
  it("one line out per line in, in order, each answered without the previous one's state", async () => {
    const io = memoryIo({ stdin: `${Q}\r\n那行政复议呢？\n\n   \n\uFEFF${Q}` });
    const { deps, engine } = engineDeps();
    expect(await run(["--jsonl"], io, deps)).toBe(0);
    const out = io.out().trimEnd().split("\n").map((l) => JSON.parse(l));
    expect(out).toHaveLength(5);
    expect(out[0].answer).toContain("249件");
    // Independent: the follow-up does not inherit 沈阳, so it finds nothing.
    expect(out[1].found).toBe(false);
    expect(out[2]).toEqual({ error: { code: "empty_question", message: expect.any(String) } });
    expect(out[3].error.code).toBe("empty_question");
    expect(out[4].question).toBe(Q);
    expect(engine.calls.map((c) => c.state)).toEqual([null, null, null]);
  });

  it("a line of invalid UTF-8 gets an error line; an engine failure gets an internal error line and the rest go on", async () => {
    const bad = Buffer.concat([Buffer.from("沈阳2013年受理了"), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from("多少件？\n")]);
    const engine = new FakeEngine();
    const ask = engine.ask.bind(engine);
    engine.ask = async (q, s) => (q.includes("出错") ? Promise.reject(new Error("boom")) : ask(q, s));
    const io = memoryIo({ stdin: Buffer.concat([bad, Buffer.from(`出错\n${Q}\n`)]) });
    expect(await run(["--jsonl"], io, engineDeps(engine).deps)).toBe(0);
    const out = io.out().trimEnd().split("\n").map((l) => JSON.parse(l));
    expect(out.map((o) => o.error?.code ?? "answer")).toEqual(["invalid_utf8", "internal", "answer"]);
    expect(io.err()).toContain("boom");
  });

  it("into a slow reader: run() returns only once every line has been taken", async () => {
    const lines = Array.from({ length: 1200 }, (_, i) => (i % 2 ? "你好" : "谢谢"));
    const io = memoryIo({ stdin: lines.join("\n") + "\n", slowStdout: 3 });
    expect(await run(["--jsonl"], io, engineDeps().deps)).toBe(0);
    expect(io.out().split("\n").filter(Boolean)).toHaveLength(lines.length);
  });
});
