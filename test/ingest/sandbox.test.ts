import { afterAll, describe, expect, it } from "vitest";
import { FileLimitError, LoadError } from "../../src/errors.js";
import { DEFAULT_LOAD_LIMITS, type LoadLimits } from "../../src/limits.js";
import { checkHtmlStructure, checkPdfStructure, checkZipSize } from "../../src/ingest/prescan.js";
import { extractInSandbox, sandboxStats, stopSandbox } from "../../src/ingest/sandbox.js";
import { docxOf, EMPTY_PARAGRAPH, htmlMany, pdfPages, TEXT_PARAGRAPH } from "../helpers/hostile.js";

/**
 * The sandbox process's own limits (wall time, memory) for files that pass the structural caps, its reuse, and
 * the structural scans: exact counts, and no refusal of ordinary markup that only looks deep to a naive count.
 */

afterAll(() => stopSandbox());

async function refusal(p: Promise<unknown>): Promise<FileLimitError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(FileLimitError);
  return err as FileLimitError;
}

describe("sandbox limits", () => {
  it("a parse past PARSE_TIMEOUT_MS is ended: the process is killed, the file refused with `timeout`", async () => {
    // 150,000 elements pass the caps, and cheerio needs seconds for them.
    const html = htmlMany(150_000);
    const limits: LoadLimits = { ...DEFAULT_LOAD_LIMITS, parseTimeoutMs: 300 };
    const t0 = Date.now();
    const err = await refusal(extractInSandbox("html", html, "slow.html", limits));
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(err.limit).toBe("timeout");
    expect(err.reason).toMatch(/^解析超时：超过 0\.3 秒（PARSE_TIMEOUT_MS） \/ parsing took longer than 0\.3 s/);
  }, 60_000);

  it("a parse past PARSE_MEMORY_MB is ended with `out_of_memory`, and the next file gets a fresh process", async () => {
    // 400,000 empty paragraphs: mammoth needs several hundred MB for them; the caps are raised to let it try.
    const docx = docxOf(EMPTY_PARAGRAPH, 400_000);
    const limits: LoadLimits = { ...DEFAULT_LOAD_LIMITS, parseMemoryMb: 128, maxDocxParagraphs: 10_000_000, maxDocxElements: 10_000_000 };
    const err = await refusal(extractInSandbox("docx", docx, "huge.docx", limits));
    expect(err.limit).toBe("out_of_memory");
    expect(err.zh).toBe("解析占用内存超过上限 128 MB（PARSE_MEMORY_MB）");
    const ok = await extractInSandbox("docx", docxOf(TEXT_PARAGRAPH, 3), "ok.docx", limits);
    expect(ok.text).toContain("249件");
  }, 120_000);

  it("a file refused by a cap leaves its process to take the next file (one start-up for a whole ingest)", async () => {
    const limits = DEFAULT_LOAD_LIMITS;
    await extractInSandbox("html", Buffer.from("<p>政府信息公开</p>"), "a.html", limits);
    const before = sandboxStats().pids;
    const err = await refusal(extractInSandbox("html", Buffer.from("<div>".repeat(2000)), "deep.html", limits));
    expect(err.limit).toBe("too_complex");
    const r = await extractInSandbox("html", Buffer.from("<p>年度报告</p>"), "b.html", limits);
    expect(r.text).toBe("年度报告");
    expect(sandboxStats().pids).toEqual(before);
  }, 60_000);

  it("a parser's own failure is a one-line LoadError naming the file, not a crash", async () => {
    const err = await extractInSandbox("docx", Buffer.from("not a zip at all"), "bad.docx", DEFAULT_LOAD_LIMITS).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(LoadError);
    expect((err as LoadError).message).toMatch(/^bad\.docx: corrupt DOCX: /);
    expect((err as LoadError).message).not.toContain("\n");
  }, 60_000);
});

describe("HTML tag scan", () => {
  const limits = { maxHtmlDepth: 100, maxHtmlElements: 1_000_000 };
  const scan = (html: string) => checkHtmlStructure(html, "t.html", limits);

  it("does not count what the parser does not nest: optional end tags, void and svg self-closing elements, raw text, comments", () => {
    const n = 3000;
    expect(() => scan(`<html><body>${"<p>段落".repeat(n)}</body></html>`)).not.toThrow();
    expect(() => scan(`<ul>${"<li>项".repeat(n)}</ul>`)).not.toThrow();
    expect(() => scan(`<table>${"<tr><td>1<td>2".repeat(n)}</table>`)).not.toThrow();
    expect(() => scan(`<svg>${'<path d="M0 0"/>'.repeat(n)}</svg><div>后</div>`)).not.toThrow();
    expect(() => scan(`${"<svg/><math/>".repeat(n)}`)).not.toThrow();
    expect(() => scan(`<script>var s = "${"<div>".repeat(n)}";</script>`)).not.toThrow();
    expect(() => scan(`<!-- ${"<div>".repeat(n)} --><p>x</p>`)).not.toThrow();
    expect(() => scan(`${"<br><img src=a.png><input>".repeat(n)}`)).not.toThrow();
    expect(() => scan(`${'<div title="a>b">x</div>'.repeat(n)}`)).not.toThrow();
    // End tags close what they match, and a stray end tag changes nothing.
    expect(() => scan(`${"<div><span>x</div>".repeat(n)}`)).not.toThrow();
  });

  it("counts what does nest: unclosed blocks, formatting elements, <div/> (not self-closing in HTML), mismatched end tags", () => {
    expect(() => scan("<div>".repeat(100))).not.toThrow();
    expect(() => scan("<div>".repeat(101))).toThrow(/^t\.html: HTML 嵌套过深：超过 100 层（HTML_MAX_DEPTH）/);
    expect(() => scan("<b>".repeat(101))).toThrow(/HTML 嵌套过深/);
    expect(() => scan("<div/>".repeat(101))).toThrow(/HTML 嵌套过深/);
    expect(() => scan("<div></span>".repeat(101))).toThrow(/HTML 嵌套过深/);
    expect(() => checkHtmlStructure("<span>x</span>".repeat(11), "t.html", { maxHtmlDepth: 100, maxHtmlElements: 10 })).toThrow(/HTML 元素过多：超过 10 个（HTML_MAX_ELEMENTS）/);
  });
});

describe("DOCX and PDF structure", () => {
  const base = { ...DEFAULT_LOAD_LIMITS, maxDocxElements: 10_000_000 };

  it("counts DOCX paragraphs exactly across inflated chunks (<w:pPr> and <w:proofErr> are not paragraphs)", async () => {
    const para = '<w:p><w:pPr><w:jc w:val="left"/></w:pPr><w:proofErr w:type="x"/><w:r><w:t>年</w:t></w:r></w:p>';
    const docx = docxOf(para, 50_000);
    await expect(checkZipSize(docx, "p.docx", { ...base, maxDocxParagraphs: 50_000 })).resolves.toBeUndefined();
    await expect(checkZipSize(docx, "p.docx", { ...base, maxDocxParagraphs: 49_999 })).rejects.toThrow(/DOCX 段落过多：超过 49999 段（DOCX_MAX_PARAGRAPHS）/);
    // 6 elements per paragraph, plus the document and body elements and the package's own parts.
    await expect(checkZipSize(docx, "p.docx", { ...base, maxDocxElements: 6 * 50_000 })).rejects.toThrow(/DOCX 内容元素过多/);
    await expect(checkZipSize(docx, "p.docx", { ...base, maxDocxElements: 6 * 50_000 + 10 })).resolves.toBeUndefined();
  });

  it("reads a PDF's page count from its page tree, and leaves ordinary PDFs alone", async () => {
    await expect(checkPdfStructure(pdfPages(1001), "many.pdf", base)).rejects.toThrow(/^many\.pdf: PDF 页数过多：1001 页 > 1000 页（PDF_MAX_PAGES）/);
    await expect(checkPdfStructure(pdfPages(1000), "ok.pdf", base)).resolves.toBeUndefined();
    const { readFileSync } = await import("node:fs");
    for (const f of ["洪泽区人民政府-2023-年度报告.pdf", "洪泽区人民政府-2024-年度报告.pdf"])
      await expect(checkPdfStructure(readFileSync(`corpus/${f}`), f, base)).resolves.toBeUndefined();
  });
});
