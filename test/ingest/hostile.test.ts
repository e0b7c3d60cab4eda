import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { settingsSchema } from "../../src/config.js";
import { ingest, readFailed } from "../../src/index/build.js";
import { docxEmptyParagraphs, docxLargeXml, htmlNested, pdfFlateBomb, pdfPages } from "../helpers/hostile.js";

/**
 * Issue 19 at ingest: the probe's hostile files in a corpus folder beside ordinary ones. Each fails alone, within
 * seconds, with one line naming it and the limit, and is recorded as failed; the ordinary files are indexed.
 * Before the sandbox, the HTML nested 200,000 levels alone kept `npm run ingest` busy past 400 s.
 */

const settings = settingsSchema.parse({});
const GOOD = ["平潭综合实验区-2021-年度报告.txt", "regulation-2019.txt", "洪泽区人民政府-2024-年度报告.pdf"];
const HOSTILE: Record<string, { make: () => Buffer; reason: RegExp }> = {
  "空段落.docx": { make: () => docxEmptyParagraphs(250), reason: /^解压后超过上限.*MAX_UNZIPPED_MB/ },
  "五万页.pdf": { make: () => pdfPages(50_000), reason: /^PDF 页数过多：50000 页 > 1000 页（PDF_MAX_PAGES）/ },
  "空白页.pdf": { make: () => pdfPages(55_000, null), reason: /^PDF 页数过多：55000 页/ },
  "压缩炸弹.pdf": { make: () => pdfFlateBomb(512), reason: /^PDF 的压缩内容解压后超过上限.*MAX_UNZIPPED_MB/ },
  "嵌套.html": { make: () => htmlNested(200_000), reason: /^HTML 嵌套过深：超过 1000 层（HTML_MAX_DEPTH）/ },
  "大XML.docx": { make: () => docxLargeXml(120), reason: /^DOCX 的 XML 内容解压后超过上限.*DOCX_MAX_XML_MB/ },
};
/** Time one hostile file may take at ingest (structural caps answer in about a second; a loaded 2-core machine). */
const PER_FILE_BOUND_MS = 10_000;

let tmp: string;
let corpus: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), "nianbao-hostile-ingest-"));
  corpus = path.join(tmp, "corpus");
  mkdirSync(corpus);
  for (const f of GOOD) cpSync(path.join("corpus", f), path.join(corpus, f));
  for (const [name, h] of Object.entries(HOSTILE)) writeFileSync(path.join(corpus, name), h.make());
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("hostile corpus files at ingest", () => {
  it("each fails alone within seconds, named with its limit and recorded; the ordinary files are indexed", async () => {
    const lines: Array<{ at: number; line: string }> = [];
    const indexDir = path.join(tmp, "index");
    const t0 = performance.now();
    const s = await ingest({ corpusDir: corpus, indexDir, settings, log: (line) => lines.push({ at: performance.now(), line }) });
    expect(performance.now() - t0).toBeLessThan(120_000);

    expect(s.failures.map((f) => f.source).sort()).toEqual(Object.keys(HOSTILE).sort());
    for (const f of s.failures) expect(f.reason, f.source).toMatch(HOSTILE[f.source].reason);
    expect(s.files).toBe(GOOD.length);
    expect(s.documents).toBe(GOOD.length);
    const failed = await readFailed(indexDir);
    expect(Object.keys(failed).sort()).toEqual(Object.keys(HOSTILE).sort());

    // One line per hostile file naming it and the reason, each reached within the bound of the line before it.
    let prev = t0;
    const took: Record<string, number> = {};
    for (const { at, line } of lines) {
      const m = /^\[\d+\/\d+\] (.+?): FAILED — (.+)$/.exec(line);
      if (m) {
        expect(line).not.toContain("\n");
        took[m[1]] = Math.round(at - prev);
        expect(at - prev, m[1]).toBeLessThan(PER_FILE_BOUND_MS);
      }
      prev = at;
    }
    expect(Object.keys(took).sort()).toEqual(Object.keys(HOSTILE).sort());
    console.log(`hostile ingest: ms per file ${JSON.stringify(took)}; total ${s.seconds.toFixed(1)} s`);
  }, 180_000);

  it("under tsx (the CLI), the sandbox starts as well: a real PDF is shown, a hostile HTML refused in one line", () => {
    const tsx = path.resolve("node_modules/.bin/tsx");
    const env = { ...process.env, CORPUS_DIR: corpus, LLM_BASE_URL: "", EMBEDDINGS_BASE_URL: "" };
    const ok = spawnSync(tsx, ["src/bin/ingest.ts", "--show", path.join(corpus, GOOD[2])], { encoding: "utf8", env, timeout: 120_000 });
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/洪泽区人民政府-2024-年度报告\.pdf: 1 document\(s\)/);
    const bad = spawnSync(tsx, ["src/bin/ingest.ts", "--show", path.join(corpus, "嵌套.html")], { encoding: "utf8", env, timeout: 120_000 });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toMatch(/^错误 \/ error: 嵌套\.html: HTML 嵌套过深：超过 1000 层（HTML_MAX_DEPTH） \/ HTML nested too deeply/);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
  }, 180_000);
});
