import path from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "../../src/cli/ingest.js";
import { defaultDeps, type IngestOptions, type IngestSummary } from "../../src/cli/deps.js";
import { fakeDeps, memoryIo } from "../helpers/cli.js";

// `npm run ingest`'s own behaviour in process: arguments to the ingest, its report and exit codes (fake ingest).
const SUMMARY: IngestSummary = {
  files: 3, documents: 4, sections: 30, chunks: 40, embedded: 12, reused: 28, removed: ["old.txt"], failures: [],
  seconds: 1.234, stages: { parse: 0.5, statistics: 0.1, analyze: 0.1, embed: 0.2, bm25: 0.01, write: 0.3 }, written: true, indexDir: "", damaged: [], repaired: null,
};

function ingestDeps(summary: Partial<IngestSummary> = {}) {
  const calls: IngestOptions[] = [];
  const deps = fakeDeps({
    ingest: async (o) => {
      calls.push(o);
      o.log?.("另一个进程（pid 1）正在写入该索引，等待其完成…");
      return { ...SUMMARY, ...summary, indexDir: o.indexDir };
    },
  });
  return { calls, deps };
}

describe("npm run ingest", () => {
  it("--help prints the usage and ingests nothing", async () => {
    const io = memoryIo();
    expect(await run(["--help"], io, fakeDeps())).toBe(0);
    expect(io.out()).toMatch(/^usage: npm run ingest/);
  });

  it("passes the paths, --forget and --rebuild resolved against io.cwd, and prints the log, the stages and a summary", async () => {
    const { calls, deps } = ingestDeps();
    const io = memoryIo({ cwd: "/work/x", env: { CORPUS_DIR: "docs" } });
    expect(await run(["--index", "idx", "--rebuild", "more", "/abs/other", "--forget", "gone"], io, deps)).toBe(0);
    expect(calls[0]).toMatchObject({ corpusDir: "/work/x/docs", indexDir: "/work/x/idx", paths: ["/work/x/more", "/abs/other"], forget: ["/work/x/gone"], rebuild: true });
    expect(io.out().split("\n")).toEqual([
      "另一个进程（pid 1）正在写入该索引，等待其完成…",
      "stages (s): parse 0.50, statistics 0.10, analyze 0.10, embed 0.20, bm25 0.01, write 0.30",
      "index written: idx — 3 files, 4 documents, 30 sections, 40 chunks (12 embedded, 28 reused, 1 files removed), 1.23 s",
      "",
    ]);
    expect(io.err()).toBe("");
  });

  it("failed files: one line each on stderr and exit 1; nothing new: says so", async () => {
    const { deps } = ingestDeps({ failures: [{ source: "坏.txt", reason: "binary file" }], written: false, stages: null, removed: [] });
    const io = memoryIo();
    expect(await run([], io, deps)).toBe(1);
    expect(io.err()).toBe("错误 / error: 坏.txt: binary file\n");
    expect(io.out()).toContain("index up to date, nothing to embed: data/index — ");
  });

  it("an ingest that cannot run (a missing source, a locked index): one line, exit 2", async () => {
    const deps = fakeDeps({ ingest: async () => Promise.reject(Object.assign(new Error("ENOENT: no such file or directory, scandir '/nope'"), { code: "ENOENT" })) });
    const io = memoryIo();
    expect(await run([], io, deps)).toBe(2);
    expect(io.err()).toBe("错误 / error: ENOENT: no such file or directory, scandir '/nope'\n");
  });

  it("--show FILE prints how a file is understood: documents, metadata, sections with chunk counts", async () => {
    const io = memoryIo();
    const file = path.join("test", "fixtures", "corpus", "平潭综合实验区-2021-年度报告.html");
    expect(await run(["--show", file], io, fakeDeps({ parseCorpusFile: defaultDeps().parseCorpusFile }))).toBe(0);
    const out = io.out();
    expect(out).toMatch(/^平潭综合实验区-2021-年度报告\.html: 1 document\(s\)\n\n■ 平潭综合实验区2021年政府信息公开工作年度报告（标题：[^）]+）\n  机关：平潭综合实验区（/);
    // Body, level, parent, year and format, each with how it was found.
    expect(out).toMatch(/  层级：.+　上级：.+　地区：平潭综合实验区/);
    expect(out).toMatch(/  年度：2021（[^）]+）　格式：2021年格式/);
    expect(out).toContain("三、收到和处理政府信息公开申请情况");
    expect(out).toMatch(/表：收到和处理政府信息公开申请情况 \[表\]  \(\d+ 字, 1 块\)/);
    expect(out).toMatch(/  chunks: \d+\n$/);
  });
});
