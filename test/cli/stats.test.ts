import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultDeps } from "../../src/cli/deps.js";
import { run } from "../../src/cli/stats.js";
import { fakeDeps, memoryIo } from "../helpers/cli.js";

// `npm run stats`' own behaviour in process: usage, argument checks before any index is opened, `check` on drafts.
const REPORT = readFileSync("corpus/平潭综合实验区-2024-年度报告.txt", "utf8");
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "nianbao-stats-cli-"));
  writeFileSync(path.join(dir, "good.txt"), REPORT);
  writeFileSync(path.join(dir, "bad.txt"), REPORT.replace("补正后申请内容仍不明确0000000", "补正后申请内容仍不明确0000001"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const stats = async (args: string[], deps = fakeDeps()) => {
  const io = memoryIo({ cwd: dir });
  const status = await run(args, io, deps);
  return { status, stdout: io.out(), stderr: io.err() };
};

describe("npm run stats: arguments", () => {
  it("no command is a usage error on stderr; --help prints the usage on stdout", async () => {
    const none = await stats([]);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain("usage:");
    const help = await stats(["export", "--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("usage:");
  });

  it("an unknown command, --format or --table is refused with exit 2 before any index is opened", async () => {
    expect((await stats(["frobnicate"])).status).toBe(2);
    const f = await stats(["export", "--format", "xlsx"]);
    expect(f.status).toBe(2);
    expect(f.stderr).toBe("错误 / error: --format 只能是 csv 或 jsonl：xlsx\n");
    const t = await stats(["export", "--format", "csv", "--table", "表九"]);
    expect(t.status).toBe(2);
    expect(t.stderr).toContain("--table 只能是 表二、表三 或 表四：表九");
  });

  it("an index without a statistics database says how to rebuild it (exit 2); --index is resolved against io.cwd", async () => {
    let asked = "";
    const r = await stats(["--index", "idx", "show", "平潭综合实验区", "2024"], fakeDeps({ openStats: async (o) => ((asked = o.indexDir), null) }));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("npm run ingest -- --rebuild");
    expect(asked).toBe(path.join(dir, "idx"));
  });
});

describe("npm run stats -- check", () => {
  const deps = fakeDeps({ checkDraft: defaultDeps().checkDraft });

  it("exits 0 on a draft whose rules all hold and 1 on one where a rule fails, printing every check", async () => {
    const g = await stats(["check", "good.txt"], deps);
    expect(g.status, g.stderr).toBe(0);
    expect(g.stdout).toMatch(/^good\.txt：平潭综合实验区/);
    expect(g.stdout).not.toContain("✗");
    expect(g.stdout).toContain("✓ 表三");
    const b = await stats(["check", "bad.txt"], deps);
    expect(b.status).toBe(1);
    expect(b.stdout).toMatch(/✗ 表三 每行申请人各列之和等于总计（（四）无法提供 › 3\.补正后申请内容仍不明确）：0 ≠ 1/);
  });

  it("with several drafts, one failing draft makes the exit 1; a missing file exits 2 naming it", async () => {
    expect((await stats(["check", "good.txt", "bad.txt"], deps)).status).toBe(1);
    const missing = await stats(["check", "nope.txt"], deps);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("nope.txt");
  });

  it("check without a file prints the usage and exits 2", async () => {
    const r = await stats(["check"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("usage");
  });
});
