import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openEngine, type OpenedEngine as Engine } from "../../src/app/open.js";
import { settingsSchema } from "../../src/config.js";
import { TABLES, T3_GROUP_LABELS } from "../../src/domain/format/index.js";
import { defaultDeps } from "../../src/cli/deps.js";
import { parsedFileText } from "../../src/present/ingest.js";

/**
 * The README's "Your own region" walk-through, end to end on reports nobody here has seen (generated below): a folder
 * of a county's department reports whose titles do not always name the body, whose tables came out one cell per
 * line with the empty cells dropped, with a SOURCES.md table — ingested, checked, asked.
 */

const S = TABLES["2021"].表三;

/** A 2021 表三 one number per line, empty (0) cells left out, as a portal's page converted to text gives it. */
function t3(values: Record<string, number[]>): string {
  const out = ["三、收到和处理政府信息公开申请情况", "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "申请人情况", "自然人", "法人或其他组织", "总计", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"];
  let group = "";
  for (const r of S.rows) {
    if (r.key === "open") out.push(T3_GROUP_LABELS[0]);
    const g = r.group[0] ?? "";
    if (g && g !== group) out.push(g);
    group = g;
    out.push(r.label, ...(values[r.key] ?? [0, 0, 0, 0, 0, 0, 0]).filter((v) => v !== 0).map(String));
  }
  return out.join("\n");
}

function report(o: { title: string; opener: string; year: number; t3: Record<string, number[]>; proactive: number; signature: string }): string {
  return [
    o.title,
    `${o.opener}本报告中所列数据的统计期限自${o.year}年1月1日起至${o.year}年12月31日止。`,
    "一、总体情况",
    `${o.year}年，我局认真贯彻落实《中华人民共和国政府信息公开条例》，全年主动公开政府信息${o.proactive}条。`,
    "二、主动公开政府信息情况",
    t3(o.t3),
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "信息公开的主动性有待加强。",
    o.signature,
  ].join("\n");
}

const AGR = "三明市沙县区农业农村局";
const HEALTH = "三明市沙县区卫生健康局";

describe("your own region: add a folder, check what was read, ask", () => {
  let dir: string;
  let engine: Engine;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "nianbao-own-region-"));
    const folder = path.join(dir, "三明");
    mkdirSync(folder);
    // The 2024 report's title names no body: its opening sentence does.
    writeFileSync(path.join(folder, "nyj2024.txt"), report({ title: "2024年政府信息公开工作年度报告", opener: `本报告由${AGR}编制。`, year: 2024, proactive: 121, signature: `${AGR}\n2025年1月20日`, t3: { new: [5, 2, 0, 0, 0, 0, 7], open: [3, 1, 0, 0, 0, 0, 4], "unable.not_held": [2, 1, 0, 0, 0, 0, 3], total: [5, 2, 0, 0, 0, 0, 7] } }));
    writeFileSync(path.join(folder, "nyj2023.txt"), report({ title: `${AGR}2023年政府信息公开工作年度报告`, opener: "", year: 2023, proactive: 98, signature: `${AGR}\n2024年1月18日`, t3: { new: [2, 0, 0, 0, 0, 0, 2], open: [2, 0, 0, 0, 0, 0, 2], total: [2, 0, 0, 0, 0, 0, 2] } }));
    writeFileSync(path.join(folder, "wjj2024.txt"), report({ title: `${HEALTH}2024年政府信息公开工作年度报告`, opener: "", year: 2024, proactive: 56, signature: `${HEALTH}\n2025年1月22日`, t3: { new: [1, 0, 0, 0, 0, 0, 1], open: [1, 0, 0, 0, 0, 0, 1], total: [1, 0, 0, 0, 0, 0, 1] } }));
    writeFileSync(path.join(folder, "SOURCES.md"), "| 文件 | 发布日期 | 原文链接 |\n|---|---|---|\n| `nyj2024.txt` | 2025-01-20 | https://www.sx.gov.cn/zwgk/2025/nyj.htm |\n");
    engine = await openEngine({ indexDir: path.join(dir, "index"), corpusDir: folder, settings: settingsSchema.parse({}) });
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("ingest --show says which body, level, parent, year, and where each was read", async () => {
    const parsed = await defaultDeps().parseCorpusFile(path.join(dir, "三明", "nyj2024.txt"), path.join(dir, "三明"));
    const lines = parsedFileText(parsed.source, parsed.docs, parsed.bodyOverrides);
    expect(lines).toContain("机关：沙县区农业农村局（开头一句（本报告由…编制）");
    expect(lines).toContain("层级：部门（由名称）　上级：沙县区（由名称）");
    expect(lines).toContain("年度：2024（统计期限）");
    expect(lines).toContain("发布日期：2025-01-20（SOURCES.md）　原文链接：https://www.sx.gov.cn/zwgk/2025/nyj.htm（SOURCES.md）");
  });

  it("the body's figures, from a table whose empty cells were dropped (totals decided by the rules)", async () => {
    const a = (await engine.ask("沙县区农业农村局2024年收到多少件政府信息公开申请？")).answer;
    expect(a.short).toContain("7件");
    expect(a.citations[0]).toMatchObject({ body: "沙县区农业农村局", published: "2025-01-20", url: "https://www.sx.gov.cn/zwgk/2025/nyj.htm" });
    expect((await engine.ask("农业农村局2024年因本机关不掌握相关政府信息无法提供的有几件？")).answer.short).toContain("3件");
  }, 60_000);

  it("short names, ranges and several bodies", async () => {
    expect((await engine.ask("卫健局2024年收到多少件申请？")).answer.short).toContain("1件");
    const ext = (await engine.ask("农业农村局2023至2024年哪一年收到的申请最多？")).answer;
    expect(ext.short).toContain("2024年（7件）");
    const each = (await engine.ask("2024年农业农村局和卫生健康局各收到多少件申请？")).answer;
    expect(each.table?.rows.map((r) => r[2])).toEqual([7, 1]);
  }, 60_000);

  it("a year or a body not held is said, never answered with another's figures", async () => {
    const y = (await engine.ask("沙县区农业农村局2022年收到多少件申请？")).answer;
    expect(y.found).toBe(false);
    expect(y.answer).toContain("语料中没有沙县区农业农村局2022年");
    expect(y.answer).toContain("2023年、2024年");
    const b = (await engine.ask("沙县区教育局2024年收到多少件申请？")).answer;
    expect(b.found).toBe(false);
    expect(b.answer).toContain("语料中没有沙县区教育局");
    expect(b.answer).toContain("沙县区的机关有：");
  }, 60_000);

  it("the coverage lists each body with its level and parent", () => {
    const rows = engine.coverage().reports;
    expect(rows.find((r) => r.body === "沙县区农业农村局")).toMatchObject({ level: "部门", parent: "沙县区", years: [2023, 2024] });
  });
});
