import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

// `npm run stats` as a real process, on the index the vitest globalSetup built (read, never refreshed: corpus unchanged).
const tsx = path.resolve("node_modules/.bin/tsx");
const env = { ...process.env, LLM_BASE_URL: "", LLM_MODEL: "", EMBEDDINGS_BASE_URL: "", TELEGRAM_BOT_TOKEN: "", CORPUS_DIR: "corpus" };
let index: string;
let dir: string;
const run = (args: string[]) => spawnSync(tsx, ["src/cli/stats.ts", "--index", index, ...args], { encoding: "utf8", env, timeout: 120_000 });
const REPORT = readFileSync("corpus/平潭综合实验区-2024-年度报告.txt", "utf8");

beforeAll(() => {
  index = inject("realIndexDir");
  dir = mkdtempSync(path.join(tmpdir(), "nianbao-stats-cli-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("npm run stats -- export", { timeout: 120_000 }, () => {
  it("--format csv starts with a UTF-8 BOM and the documented header, one line per cell", () => {
    const r = run(["export", "--format", "csv", "--table", "表三", "--body", "平潭综合实验区", "--year", "2024"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.charCodeAt(0)).toBe(0xfeff);
    const lines = r.stdout.slice(1).trimEnd().split("\r\n");
    expect(lines[0]).toBe("source,title,body,year,table,row,column,value,method,quote");
    expect(lines).toHaveLength(1 + 175);
    const internal = lines.find((l) => l.includes("（三）不予公开 › 5.属于三类内部事务信息,总计,"));
    expect(internal).toMatch(/^平潭综合实验区-2024-年度报告\.txt,[^,]+,平潭综合实验区,2024,表三,（三）不予公开 › 5\.属于三类内部事务信息,总计,32,/);
  });

  it("a field holding a comma or quote is quoted CSV-style", () => {
    const r = run(["export", "--format", "csv", "--body", "平潭综合实验区", "--year", "2024"]);
    expect(r.status).toBe(0);
    // 表三's row label "（二）部分公开（区分处理的，只计这一情形，不计其他情形）" has full-width commas only; narrative quotes have ASCII ones or none.
    for (const line of r.stdout.slice(1).trimEnd().split("\r\n").slice(1)) {
      const unquoted = line.replace(/"(?:[^"]|"")*"/g, "");
      expect(unquoted.split(",").length, line).toBe(10);
    }
  });

  it("--format jsonl gives objects with exactly the documented keys; a short body name resolves (财金局)", () => {
    const r = run(["export", "--format", "jsonl", "--body", "财金局", "--table", "表三"]);
    expect(r.status, r.stderr).toBe(0);
    const rows = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(rows.length).toBeGreaterThan(0);
    for (const o of rows) {
      expect(Object.keys(o)).toEqual(["source", "title", "body", "year", "table", "row", "column", "value", "method", "quote"]);
      expect(o.body).toBe("平潭综合实验区财政金融局");
      expect(o.table).toBe("表三");
    }
  });

  it("an unknown --format or --table is refused with exit 2", () => {
    expect(run(["export", "--format", "xlsx"]).status).toBe(2);
    expect(run(["export", "--format", "csv", "--table", "表九"]).status).toBe(2);
  });
});

describe("npm run stats -- show", { timeout: 120_000 }, () => {
  it("prints the 表三 as aligned rows with its values and the check lines", () => {
    const r = run(["show", "平潭综合实验区", "2024"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("■ 平潭综合实验区2024年");
    const t3 = r.stdout.split("\n").find((l) => l.startsWith("（三）不予公开 › 5.属于三类内部事务信息"))!;
    expect(t3.trim().split(/\s+/).slice(-7)).toEqual(["32", "0", "0", "0", "0", "0", "32"]);
    expect(r.stdout).toContain("勾稽关系：");
    expect(r.stdout).toMatch(/✓ 表三 每行申请人各列之和等于总计（一、本年新收政府信息公开申请数量）：217\+1 = 218 = 218/);
  });

  it("a report that fails a rule shows ✗ with its working (平潭综合实验区 2020: 26 ≠ 20)", () => {
    const r = run(["show", "平潭综合实验区", "2020"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/✗ 表三[^\n]*26 ≠ 20/);
  });

  it("a department report shows its publication date and original URL", () => {
    const r = run(["show", "平潭综合实验区财政金融局-2024-年度报告.txt"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/发布：\d{4}-\d{2}-\d{2} https:\/\/www\.pingtan\.gov\.cn\//);
  });

  it("an unknown report exits 2", () => {
    expect(run(["show", "北京市", "2015"]).status).toBe(2);
  });
});

describe("npm run stats -- check", { timeout: 120_000 }, () => {
  it("exits 0 on a draft whose rules all hold and 1 on one where a rule fails, printing every check", () => {
    const good = path.join(dir, "good.txt");
    const bad = path.join(dir, "bad.txt");
    writeFileSync(good, REPORT);
    writeFileSync(bad, REPORT.replace("补正后申请内容仍不明确0000000", "补正后申请内容仍不明确0000001"));
    const g = run(["check", good]);
    expect(g.status, g.stderr).toBe(0);
    expect(g.stdout).not.toContain("✗");
    expect(g.stdout).toContain("✓ 表三");
    const b = run(["check", bad]);
    expect(b.status).toBe(1);
    expect(b.stdout).toMatch(/✗ 表三 每行申请人各列之和等于总计（（四）无法提供 › 3\.补正后申请内容仍不明确）：0 ≠ 1/);
  });

  it("with several drafts, one failing draft makes the exit 1", () => {
    const good = path.join(dir, "good2.txt");
    const bad = path.join(dir, "bad2.txt");
    writeFileSync(good, REPORT);
    writeFileSync(bad, REPORT.replace("补正后申请内容仍不明确0000000", "补正后申请内容仍不明确0000001"));
    expect(run(["check", good, bad]).status).toBe(1);
  });

  it("check without a file prints the usage and exits 2", () => {
    const r = run(["check"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("usage");
  });
});
