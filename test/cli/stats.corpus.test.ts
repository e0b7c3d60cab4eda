import { describe, expect, inject, it } from "vitest";
import { run } from "../../src/cli/stats.js";
import { memoryIo } from "../helpers/cli.js";
import { sharedIndexDeps, useRealEngine } from "../helpers/engine.js";

// `npm run stats` in process on the real index test/globalSetup.ts built once (read, never refreshed).
const real = useRealEngine();
const deps = sharedIndexDeps(real);
const stats = async (args: string[]) => {
  const io = memoryIo();
  const status = await run(["--index", inject("realIndexDir"), ...args], io, deps);
  return { status, stdout: io.out(), stderr: io.err() };
};

describe("npm run stats -- export", () => {
  it("--format csv starts with a UTF-8 BOM and the documented header, one line per cell", async () => {
    const r = await stats(["export", "--format", "csv", "--table", "表三", "--body", "平潭综合实验区", "--year", "2024"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.charCodeAt(0)).toBe(0xfeff);
    const lines = r.stdout.slice(1).trimEnd().split("\r\n");
    expect(lines[0]).toBe("source,title,body,year,table,row,column,value,method,quote");
    expect(lines).toHaveLength(1 + 175);
    const internal = lines.find((l) => l.includes("（三）不予公开 › 5.属于三类内部事务信息,总计,"));
    expect(internal).toMatch(/^平潭综合实验区-2024-年度报告\.txt,[^,]+,平潭综合实验区,2024,表三,（三）不予公开 › 5\.属于三类内部事务信息,总计,32,/);
  });

  it("a field holding a comma or quote is quoted CSV-style", async () => {
    const r = await stats(["export", "--format", "csv", "--body", "平潭综合实验区", "--year", "2024"]);
    expect(r.status).toBe(0);
    // 表三's row label "（二）部分公开（区分处理的，只计这一情形，不计其他情形）" has full-width commas only; narrative quotes have ASCII ones or none.
    for (const line of r.stdout.slice(1).trimEnd().split("\r\n").slice(1)) {
      const unquoted = line.replace(/"(?:[^"]|"")*"/g, "");
      expect(unquoted.split(",").length, line).toBe(10);
    }
  });

  it("--format jsonl gives objects with exactly the documented keys; a short body name resolves (财金局)", async () => {
    const r = await stats(["export", "--format", "jsonl", "--body", "财金局", "--table", "表三"]);
    expect(r.status, r.stderr).toBe(0);
    const rows = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(rows.length).toBeGreaterThan(0);
    for (const o of rows) {
      expect(Object.keys(o)).toEqual(["source", "title", "body", "year", "table", "row", "column", "value", "method", "quote"]);
      expect(o.body).toBe("平潭综合实验区财政金融局");
      expect(o.table).toBe("表三");
    }
  });

});

describe("npm run stats -- show", () => {
  it("prints the 表三 as aligned rows with its values and the check lines", async () => {
    const r = await stats(["show", "平潭综合实验区", "2024"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("■ 平潭综合实验区2024年");
    const t3 = r.stdout.split("\n").find((l) => l.startsWith("（三）不予公开 › 5.属于三类内部事务信息"))!;
    expect(t3.trim().split(/\s+/).slice(-7)).toEqual(["32", "0", "0", "0", "0", "0", "32"]);
    expect(r.stdout).toContain("勾稽关系：");
    expect(r.stdout).toMatch(/✓ 表三 每行申请人各列之和等于总计（一、本年新收政府信息公开申请数量）：217\+1 = 218 = 218/);
  });

  it("a report that fails a rule shows ✗ with its working (平潭综合实验区 2020: 26 ≠ 20)", async () => {
    const r = await stats(["show", "平潭综合实验区", "2020"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/✗ 表三[^\n]*26 ≠ 20/);
  });

  it("a department report shows its publication date and original URL", async () => {
    const r = await stats(["show", "平潭综合实验区财政金融局-2024-年度报告.txt"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/发布：\d{4}-\d{2}-\d{2} https:\/\/www\.pingtan\.gov\.cn\//);
  });

  it("an unknown report exits 2", async () => {
    expect((await stats(["show", "北京市", "2015"])).status).toBe(2);
  });
});
