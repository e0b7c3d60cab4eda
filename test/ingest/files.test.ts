import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { readdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

  it("an unreadable sub-folder is an error with a code, never a shorter list", () => {
    // Root ignores permissions, so the listing runs as an unprivileged user in a child process.
    const dir = mkdtempSync(path.join(os.tmpdir(), "nianbao-files-perm-"));
    try {
      mkdirSync(path.join(dir, "locked"));
      writeFileSync(path.join(dir, "ok.txt"), "可读");
      writeFileSync(path.join(dir, "locked", "x.txt"), "不可读");
      chmodSync(dir, 0o755);
      chmodSync(path.join(dir, "locked"), 0o000);
      const script = `import("./src/ingest/files.ts").then(m => m.listCorpusFiles([${JSON.stringify(dir)}])).then(r => console.log("OK " + r.files.length), e => console.log("ERR " + e.constructor.name + " " + e.code))`;
      const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
      const r = spawnSync(path.resolve("node_modules/.bin/tsx"), ["-e", script], { encoding: "utf8", timeout: 60_000, env: { ...process.env, HOME: dir }, ...asUser });
      expect(r.stdout.trim()).toBe("ERR ListError EACCES");
    } finally {
      chmodSync(path.join(dir, "locked"), 0o755);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
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
