import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, inject, it } from "vitest";
import { run } from "../../src/cli/ask.js";
import { defaultDeps } from "../../src/cli/deps.js";
import { memoryIo } from "../helpers/cli.js";
import { sharedIndexDeps, useRealEngine } from "../helpers/engine.js";
import { FIXTURE_CORPUS } from "../helpers/fixture.js";

// `ask` in process on the real index test/globalSetup.ts built once: the answers and formats scripts rely on.
const real = useRealEngine();
const deps = sharedIndexDeps(real);
const ask = async (args: string[], stdin?: string) => {
  const io = memoryIo({ stdin });
  const code = await run(["--index", inject("realIndexDir"), ...args], io, deps);
  return { code, stdout: io.out(), stderr: io.err() };
};

describe("ask on the real index", () => {
  it("--json prints one object of the documented shape", async () => {
    const r = await ask(["--json", "沈阳2013年受理了多少件政府信息公开申请？"]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const a = JSON.parse(lines[0]);
    expect(Object.keys(a).sort()).toEqual(["answer", "citations", "computed", "found", "mode", "operation", "question", "short", "table"]);
    expect(a.operation).toBe("value");
    expect(a).toMatchObject({ found: true, mode: "extractive" });
    expect(a.answer).toContain("249件");
    expect(a.short).toContain("249件");
    expect(Object.keys(a.citations[0]).sort()).toEqual(["body", "cell", "id", "published", "quote", "region", "section", "source", "title", "url", "year"]);
    expect(a.citations[0].source).toBe("000_0ce3f265a70a93e0.txt");
  });

  it("--jsonl answers each stdin line independently and in order", async () => {
    const qs = ["申请内容不明确怎么处理？", "那行政复议呢？", "北京市2015年受理了多少件申请？", "平潭综合实验区2024年收到多少件政府信息公开申请？"];
    const r = await ask(["--jsonl"], qs.join("\n") + "\n");
    expect(r.code).toBe(0);
    const out = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(out.map((o) => o.question)).toEqual(qs);
    expect(out[0].citations[0].source).toBe("regulation-2019.txt");
    // Independent: the second line inherits nothing from the first.
    expect(out[1].answer).not.toContain("22件");
    expect(out[2].found).toBe(false);
    expect(out[3].answer).toContain("218件");
  });

  it("prints a readable answer by default", async () => {
    const r = await ask(["申请内容不明确怎么处理？"]);
    expect(r.stdout).toContain("第三十条");
    expect(r.stdout).toContain("出处：");
    expect(r.stdout).toContain("regulation-2019.txt");
  });
});

describe("ask on the real index: figures as a table, --csv", () => {
  const SERIES = "平潭综合实验区历年收到多少件申请";
  const DIFF = "平潭综合实验区2023年和2024年申请数相差多少";

  it("text mode shows a difference's table aligned, its working and the cited cells", async () => {
    const r = await ask([DIFF]);
    expect(r.code, r.stderr).toBe(0);
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

  it("--csv prints the series table with a BOM, a header and an 出处 per row", async () => {
    const r = await ask(["--csv", SERIES]);
    expect(r.code, r.stderr).toBe(0);
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

  it("--csv of a single cited cell gives one row per cell; an answer without figures exits 2 with a Chinese message", async () => {
    const one = await ask(["--csv", "平潭综合实验区财政金融局2024年收到多少件申请"]);
    expect(one.code, one.stderr).toBe(0);
    const lines = one.stdout.slice(1).trimEnd().split("\r\n");
    expect(lines[0]).toBe("机关,年份,报告,表,行,列,数值,出处");
    expect(lines[1]).toMatch(/^平潭综合实验区财政金融局,2024,[^,]+,表三,一、本年新收政府信息公开申请数量,总计,2,.*发布日期 \d{4}-\d\d-\d\d · https?:\/\//);

    const none = await ask(["--csv", "申请内容不明确怎么处理？"]);
    expect(none.code).toBe(2);
    expect(none.stdout).toBe("");
    expect(none.stderr).toContain("没有可导出的数字");
  });
});

describe("ask without an index", () => {
  it("builds it from CORPUS_DIR first, saying so on stderr, then answers (the fixture corpus)", async () => {
    const root = mkdtempSync(path.join(tmpdir(), "nianbao-ask-build-"));
    try {
      const io = memoryIo({ cwd: root, env: { CORPUS_DIR: FIXTURE_CORPUS } });
      expect(await run(["--index", "index", "--json", "沈阳2013年受理了多少件政府信息公开申请？"], io, defaultDeps())).toBe(0);
      expect(io.err()).toContain(`首次使用：正在从 ${FIXTURE_CORPUS}/ 构建索引`);
      expect(JSON.parse(io.out()).answer).toContain("249件");
      expect(existsSync(path.join(root, "index", "CURRENT"))).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
