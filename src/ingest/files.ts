/**
 * Corpus listing that never opens what it lists: the files ingest should read below a set of roots, plus the
 * entries it skipped and why. The one place the file rules live (supported extensions, the corpus's own notes,
 * dot-files), and in addition:
 * - regular files only: FIFOs, sockets and devices are skipped with a reason (lstat/stat, never read);
 * - symlinks are followed only when their target lies inside one of the roots (unless configured otherwise);
 * - files over a size cap are skipped with a reason;
 * - a folder that cannot be listed (missing root, unreadable sub-folder) throws ListError — never "0 files".
 */
import { promises as fs, type Stats } from "node:fs";
import path from "node:path";
import { LoadError } from "../errors.js";
import { SUPPORTED_EXTENSIONS } from "./load.js";

/** Files in a corpus folder that describe the corpus rather than belong to it. */
export const IGNORED_FILES = new Set(["SOURCES.md", "README.md", "overrides.json"]);

/** A corpus folder (or a file named as a root) could not be listed. `code` is the errno code when there is one. */
export class ListError extends LoadError {
  constructor(
    readonly path: string,
    readonly code: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(path, reason, options);
  }
}

export interface ListOptions {
  /** Follow symlinks whose target lies outside every root (default false). */
  followSymlinksOutside?: boolean;
  /** Files larger than this are skipped with a reason (default: no cap). */
  maxFileBytes?: number;
}

export interface SkippedFile {
  path: string;
  reason: string;
}

export interface CorpusListing {
  files: string[];
  skipped: SkippedFile[];
  /** Size and mtime of each listed file as the listing saw them (its target's, for a symlink). */
  stats: Map<string, { size: number; mtimeMs: number }>;
}

/** Whether a name is one ingest reads. */
export function isCorpusFileName(name: string): boolean {
  return (
    !name.startsWith(".") &&
    !IGNORED_FILES.has(name) &&
    (SUPPORTED_EXTENSIONS as readonly string[]).includes(path.extname(name).toLowerCase())
  );
}

function kindOf(st: Stats): string {
  if (st.isFIFO()) return "FIFO";
  if (st.isSocket()) return "socket";
  if (st.isCharacterDevice()) return "character device";
  if (st.isBlockDevice()) return "block device";
  if (st.isSymbolicLink()) return "symlink";
  return "special file";
}

function inside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === "" || (!rel.startsWith(`..${path.sep}`) && rel !== ".." && !path.isAbsolute(rel));
}

function errCode(err: unknown): string {
  return (err as NodeJS.ErrnoException)?.code ?? "EUNKNOWN";
}

function mb(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export async function listCorpusFiles(roots: string[], opts: ListOptions = {}): Promise<CorpusListing> {
  const maxBytes = opts.maxFileBytes ?? Infinity;
  const files: string[] = [];
  const skipped: SkippedFile[] = [];
  const stats = new Map<string, { size: number; mtimeMs: number }>();

  // Real paths of the roots: a symlink is "inside" when its resolved target is below one of them.
  const realRoots: string[] = [];
  for (const r of roots) {
    try {
      realRoots.push(await fs.realpath(r));
    } catch (err) {
      const code = errCode(err);
      throw new ListError(r, code, code === "ENOENT" ? `语料路径不存在 / path does not exist (${code})` : `无法读取语料路径 / cannot access path (${code})`, { cause: err });
    }
  }
  const isInsideRoots = (real: string) => realRoots.some((root) => inside(root, real));
  // Folders already walked (by real path): a symlink loop or a second link to the same folder is walked once.
  const walked = new Set<string>();

  /** A regular file (already stat-ed, symlinks resolved): apply the size cap. */
  const addFile = (p: string, st: Stats) => {
    if (st.size > maxBytes) skipped.push({ path: p, reason: `文件过大 / file too large: ${mb(st.size)} > ${mb(maxBytes)}` });
    else {
      files.push(p);
      stats.set(p, { size: st.size, mtimeMs: st.mtimeMs });
    }
  };

  const walk = async (dir: string, real: string): Promise<void> => {
    if (walked.has(real)) return;
    walked.add(real);
    let entries: import("node:fs").Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (err) {
      const code = errCode(err);
      throw new ListError(dir, code, `无法列出文件夹 / cannot list folder (${code})`, { cause: err });
    }
    // Stat-ed together (the thread pool overlaps them), then handled in order.
    const lstats = await Promise.all(entries.map((e) => (e.name.startsWith(".") ? null : fs.lstat(path.join(dir, e.name)).catch((err: unknown) => err as Error))));
    for (const [i, e] of entries.entries()) {
      if (e.name.startsWith(".")) continue;
      const full = path.join(dir, e.name);
      let st: Stats;
      try {
        const got = lstats[i];
        if (got instanceof Error) throw got;
        st = got!;
      } catch (err) {
        // Vanished between readdir and lstat: nothing to ingest, but say so.
        skipped.push({ path: full, reason: `cannot stat (${errCode(err)})` });
        continue;
      }
      if (st.isSymbolicLink()) {
        let target: string;
        let tst: Stats;
        try {
          target = await fs.realpath(full);
          tst = await fs.stat(target);
        } catch (err) {
          if (isCorpusFileName(e.name)) skipped.push({ path: full, reason: `broken symlink (${errCode(err)})` });
          continue;
        }
        if (!isInsideRoots(target) && !opts.followSymlinksOutside) {
          if (tst.isDirectory() || isCorpusFileName(e.name))
            skipped.push({ path: full, reason: `symlink points outside the corpus: ${target}` });
          continue;
        }
        if (tst.isDirectory()) await walk(full, target);
        else if (!isCorpusFileName(e.name)) continue;
        else if (tst.isFile()) addFile(full, tst);
        else skipped.push({ path: full, reason: `not a regular file (symlink to a ${kindOf(tst)})` });
        continue;
      }
      if (st.isDirectory()) {
        await walk(full, path.join(real, e.name));
        continue;
      }
      if (!isCorpusFileName(e.name)) continue;
      if (st.isFile()) addFile(full, st);
      else skipped.push({ path: full, reason: `not a regular file (${kindOf(st)})` });
    }
  };

  for (const [i, r] of roots.entries()) {
    let st: Stats;
    try {
      // A root named by the user is taken as meant, symlink or not.
      st = await fs.stat(r);
    } catch (err) {
      const code = errCode(err);
      throw new ListError(r, code, `无法读取语料路径 / cannot access path (${code})`, { cause: err });
    }
    if (st.isDirectory()) await walk(r, realRoots[i]);
    else if (st.isFile()) addFile(r, st);
    else skipped.push({ path: r, reason: `not a regular file (${kindOf(st)})` });
  }
  return { files: [...new Set(files)].sort(), skipped, stats };
}
