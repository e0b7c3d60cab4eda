import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EngineOptions } from "../../src/cli/deps.js";
import { run } from "../../src/cli/eval.js";
import { cliEngine, fakeDeps, memoryIo } from "../helpers/cli.js";
import { FakeEngine } from "../server/fakes.js";

// `npm run eval`'s own behaviour in process: one engine per retrieval mode, the baseline on the corpus texts, the report.
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "nianbao-eval-cli-"));
  const items = [
    { id: "fig-1", type: "figure", question: "沈阳2013年受理了多少件政府信息公开申请？", found: true, answer_any: ["249件"], sources: ["沈阳-2013-年度报告.txt"], section_any: ["依申请公开"] },
    { id: "fu-1", type: "followup", previous: "沈阳2013年受理了多少件政府信息公开申请？", question: "那行政复议呢？", found: true, answer_any: ["22件"], sources: ["沈阳-2013-年度报告.txt"], section_any: [] },
    { id: "no-1", type: "unanswerable", question: "北京市2015年受理了多少件申请？", found: false, answer_any: [], sources: [], section_any: [] },
  ];
  writeFileSync(path.join(dir, "qs.jsonl"), items.map((i) => JSON.stringify(i)).join("\n") + "\n");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("npm run eval", () => {
  it("--questions FILE --modes: one engine per mode (offline settings), the naive baseline, scores by pipeline and type", async () => {
    const opened: EngineOptions[] = [];
    const texts: string[] = [];
    const deps = fakeDeps({
      openEngine: async (o) => {
        opened.push(o);
        return cliEngine(new FakeEngine());
      },
      corpusTexts: async (c) => {
        texts.push(c);
        return [{ source: "沈阳-2013-年度报告.txt", text: "全年共受理政府信息公开申请249件。因政府信息公开申请行政复议22件。" }];
      },
    });
    const io = memoryIo({ cwd: dir, env: { LLM_BASE_URL: "http://127.0.0.1:9/v1", LLM_MODEL: "m", NIANBAO_INDEX_DIR: "idx" } });
    expect(await run(["--questions", "qs.jsonl", "--modes", "hybrid,lexical"], io, deps)).toBe(0);
    expect(opened.map((o) => o.mode)).toEqual(["hybrid", "lexical"]);
    expect(opened[0]).toMatchObject({ indexDir: path.join(dir, "idx"), corpusDir: path.join(dir, "corpus") });
    expect(opened[0].settings?.LLM_BASE_URL).toBeUndefined();
    expect(texts).toEqual([path.join(dir, "corpus")]);
    const out = io.out();
    expect(out).toContain("=== qs.jsonl: 3 questions (figure 1, followup 1, unanswerable 1)");
    expect(out).toMatch(/^nianbao \(hybrid\) +1\.000 /m);
    expect(out).toMatch(/^lexical-only retrieval +1\.000 /m);
    expect(out).toMatch(/^naive 500\/100 \+ BM25 /m);
    expect(out).toContain("nianbao accuracy by type: figure 1/1, followup 1/1, unanswerable 1/1");
    expect(out).toMatch(/summary\nqs\.jsonl +nianbao 1\.000 \(citation@3 /);
    expect(io.err()).toMatch(/qs\.jsonl · nianbao \(hybrid\): [\d.]+ ms\/question/);
  });

  it("a question file that cannot be read: one line, exit 2", async () => {
    const io = memoryIo({ cwd: dir });
    expect(await run(["--questions", "missing.jsonl"], io, fakeDeps({ openEngine: async () => cliEngine(new FakeEngine()) }))).toBe(2);
    expect(io.err()).toMatch(/^错误 \/ error: .*missing\.jsonl/);
  });
});
