import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LoadError } from "../../src/errors.js";
import { DEFAULT_LOAD_LIMITS } from "../../src/limits.js";
import { checkZipSize, loadFile, type LoadLimits } from "../../src/ingest/load.js";
import { docxOf, TEXT_PARAGRAPH } from "../helpers/hostile.js";

/** Decompression bombs and runaway text: one clear LoadError line each, quickly, instead of exhausting memory or the stack. */

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "nianbao-limits-"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const MB = 1024 * 1024;
const LIMITS: LoadLimits = { ...DEFAULT_LOAD_LIMITS, maxFileBytes: 64 * MB, maxUnzippedBytes: 8 * MB, maxTextChars: 2_000_000 };

/** A DOCX of `paragraphs` text paragraphs; `declare` overrides the uncompressed size in the headers (a lying directory). */
const docx = (paragraphs: number, declare?: number) => docxOf(TEXT_PARAGRAPH, paragraphs, { declare });

async function loadError(file: string, source: string, limits: LoadLimits): Promise<LoadError> {
  const t0 = Date.now();
  const err = await loadFile(file, source, undefined, limits).then(() => null, (e: unknown) => e);
  expect(Date.now() - t0).toBeLessThan(10_000);
  expect(err).toBeInstanceOf(LoadError);
  expect((err as LoadError).message).not.toContain("\n");
  return err as LoadError;
}

describe("decompression caps", () => {
  it("a DOCX bomb (small file, > cap inflated) is refused before mammoth parses it", async () => {
    // ~100 bytes per paragraph × 200k = ~20 MB of XML in a file of a few hundred KB.
    const bomb = docx(200_000);
    expect(bomb.length).toBeLessThan(1 * MB);
    const f = path.join(tmp, "bomb.docx");
    writeFileSync(f, bomb);
    const err = await loadError(f, "bomb.docx", LIMITS);
    expect(err.reason).toMatch(/^解压后超过上限/);
    expect(err.reason).toContain("MAX_UNZIPPED_MB");
  }, 30_000);

  it("a DOCX whose directory lies about its sizes is caught by inflating with a limit", async () => {
    const liar = docx(200_000, 1000);
    await expect(checkZipSize(liar, "liar.docx", LIMITS)).rejects.toThrow(/解压后超过上限/);
  });

  it("an ordinary DOCX under the caps still loads", async () => {
    const f = path.join(tmp, "ok.docx");
    writeFileSync(f, docx(20));
    const doc = await loadFile(f, "ok.docx", undefined, LIMITS);
    expect(doc.text).toContain("249件");
  });

  it("PDF text beyond the cap stops extraction with one clear line", async () => {
    const pdf = path.resolve("corpus/洪泽区人民政府-2023-年度报告.pdf");
    const err = await loadError(pdf, "hz.pdf", { ...LIMITS, maxTextChars: 500 });
    expect(err.reason).toMatch(/^解压后超过文本上限/);
    expect(err.reason).toContain("MAX_TEXT_CHARS");
    // The same file loads under the default caps.
    expect((await loadFile(pdf, "hz.pdf")).text).toContain("政府信息公开");
  }, 30_000);

  it("text of any format longer than the cap is refused", async () => {
    const f = path.join(tmp, "long.txt");
    writeFileSync(f, "政府信息公开。".repeat(1000));
    const err = await loadError(f, "long.txt", { ...LIMITS, maxTextChars: 5000 });
    expect(err.reason).toMatch(/^解压后超过文本上限/);
  });

  it("a file over the size cap is refused without being read", async () => {
    const f = path.join(tmp, "big.txt");
    writeFileSync(f, Buffer.alloc(2 * MB, 0x41));
    const err = await loadError(f, "big.txt", { ...LIMITS, maxFileBytes: 1 * MB });
    expect(err.reason).toMatch(/file too large/);
  });

  it("deeply nested HTML is refused by the tag scan before parse5 builds the tree", async () => {
    // Deep enough to overflow the recursive DOM walk; parse5's cost grows with depth squared.
    const depth = 5000;
    const f = path.join(tmp, "deep.html");
    writeFileSync(f, `<html><body>${"<div>".repeat(depth)}政府信息公开${"</div>".repeat(depth)}</body></html>`);
    const err = await loadError(f, "deep.html", LIMITS);
    expect(err.reason).toMatch(/^HTML 嵌套过深：超过 1000 层（HTML_MAX_DEPTH）/);
  }, 30_000);
});

