import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, promises as fsp, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { readdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ListError, listCorpusFiles } from "../../src/ingest/files.js";
import { loadFile } from "../../src/ingest/load.js";
import { LoadError } from "../../src/errors.js";

/**
 * Corpus listing under hostile folder contents. Every fixture here once hung, exploded or silently emptied
 * the index with build.ts's listFiles (FIFO named .txt, symlink to /dev/zero, missing or unreadable folder).
 */

let tmp: string;
let corpus: string;
let outside: string;
const withTimeout = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([p, new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`${what} did not finish in ${ms} ms`)), ms))]);

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "nianbao-files-"));
  corpus = path.join(tmp, "corpus");
  outside = path.join(tmp, "outside");
  mkdirSync(path.join(corpus, "sub"), { recursive: true });
  mkdirSync(outside);
  writeFileSync(path.join(corpus, "a.txt"), "沈阳市2013年度政府信息公开工作报告");
  writeFileSync(path.join(corpus, "sub", "b.md"), "平潭综合实验区");
  writeFileSync(path.join(corpus, "SOURCES.md"), "notes");
  writeFileSync(path.join(corpus, ".hidden.txt"), "hidden");
  writeFileSync(path.join(corpus, "image.png"), "png");
  writeFileSync(path.join(corpus, "big.txt"), Buffer.alloc(4096, 0x41));
  writeFileSync(path.join(outside, "secret.txt"), "outside the corpus");
  spawnSync("mkfifo", [path.join(corpus, "fifo.txt")]);
  symlinkSync("/dev/zero", path.join(corpus, "zero.txt"));
  symlinkSync(path.join(outside, "secret.txt"), path.join(corpus, "link-out.txt"));
  symlinkSync(outside, path.join(corpus, "dir-out"));
  symlinkSync(path.join(corpus, "a.txt"), path.join(corpus, "sub", "link-in.txt"));
  symlinkSync(corpus, path.join(corpus, "sub", "loop"));
  symlinkSync(path.join(tmp, "nowhere.txt"), path.join(corpus, "dangling.txt"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const rel = (files: string[]) => files.map((f) => path.relative(corpus, f));

describe("listCorpusFiles", () => {
  it("lists regular corpus files and skips FIFOs, devices and outside symlinks with a reason, without opening them", async () => {
    const { files, skipped } = await withTimeout(listCorpusFiles([corpus], { maxFileBytes: 1024 }), 5000, "listing");
    expect(rel(files)).toEqual(["a.txt", "sub/b.md", "sub/link-in.txt"]);
    const reasons = Object.fromEntries(skipped.map((s) => [path.relative(corpus, s.path), s.reason]));
    expect(reasons["fifo.txt"]).toMatch(/not a regular file \(FIFO\)/);
    expect(reasons["zero.txt"]).toMatch(/outside the corpus|character device/);
    expect(reasons["link-out.txt"]).toMatch(/outside the corpus/);
    expect(reasons["dir-out"]).toMatch(/outside the corpus/);
    expect(reasons["big.txt"]).toMatch(/file too large/);
    expect(reasons["dangling.txt"]).toMatch(/broken symlink/);
  });

  it("follows outside symlinks when configured, and still never lists a device", async () => {
    const { files, skipped } = await listCorpusFiles([corpus], { followSymlinksOutside: true });
    expect(rel(files)).toEqual(["a.txt", "big.txt", "dir-out/secret.txt", "link-out.txt", "sub/b.md", "sub/link-in.txt"]);
    expect(skipped.find((s) => s.path.endsWith("zero.txt"))?.reason).toMatch(/character device/);
  });

  it("lists every supported corpus file of an ordinary corpus and none of its notes", async () => {
    const { files, skipped } = await listCorpusFiles(["corpus"]);
    const names = readdirSync("corpus").filter((n) => /\.(txt|md|html?|pdf|docx)$/i.test(n) && !["SOURCES.md", "README.md"].includes(n));
    expect(files.map((f) => path.basename(f)).sort()).toEqual(names.sort());
    expect(skipped).toEqual([]);
  });

  it("a missing root is an error with a code, never 0 files", async () => {
    const err = await listCorpusFiles([path.join(tmp, "no-such-corpus")]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ListError);
    expect(err).toBeInstanceOf(LoadError);
    expect((err as ListError).code).toBe("ENOENT");
  });

  it("an unreadable sub-folder is an error with a code, never a shorter list", async () => {
    // In process, on a folder of the test's own: nothing depends on the folders above it. The sub-folder is made
    // unreadable; root reads it anyway, so for root the refusal the kernel gives everyone else is simulated for
    // that one folder.
    const dir = path.join(tmp, "perm");
    const locked = path.join(dir, "locked");
    mkdirSync(locked, { recursive: true });
    writeFileSync(path.join(dir, "ok.txt"), "可读");
    writeFileSync(path.join(locked, "x.txt"), "不可读");
    chmodSync(locked, 0o000);
    const readdir = fsp.readdir;
    const spy =
      process.getuid?.() === 0
        ? vi.spyOn(fsp, "readdir").mockImplementation(((p: string, o: unknown) =>
            path.resolve(String(p)) === locked ? Promise.reject(Object.assign(new Error(`EACCES: permission denied, scandir '${locked}'`), { code: "EACCES" })) : (readdir as (p: string, o: unknown) => Promise<unknown>)(p, o)) as typeof fsp.readdir)
        : null;
    try {
      const err = await listCorpusFiles([dir]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ListError);
      expect((err as ListError).code).toBe("EACCES");
      expect((err as ListError).path).toBe(locked);
    } finally {
      spy?.mockRestore();
      chmodSync(locked, 0o755);
    }
  });
});

describe("loadFile on what is not a regular file", () => {
  it("refuses a FIFO named .txt at once instead of blocking on it", async () => {
    const err = await withTimeout(loadFile(path.join(corpus, "fifo.txt"), "fifo.txt").catch((e: unknown) => e), 3000, "loadFile(FIFO)");
    expect(err).toBeInstanceOf(LoadError);
    expect((err as LoadError).reason).toMatch(/not a regular file/);
  });

  it("refuses a symlink to /dev/zero instead of reading forever", async () => {
    const err = await withTimeout(loadFile(path.join(corpus, "zero.txt"), "zero.txt").catch((e: unknown) => e), 3000, "loadFile(/dev/zero)");
    expect(err).toBeInstanceOf(LoadError);
    expect((err as LoadError).reason).toMatch(/not a regular file/);
  });
});
