import { createHash } from "node:crypto";
import { constants, promises as fs } from "node:fs";
import path from "node:path";
import { IndexStoreError } from "../errors.js";

/**
 * What keeps an index folder safe: a marker file that says "this is a Nianbao index" (no other folder is
 * ever written into), one writer at a time (a lock file naming the writer: pid, start time, boot id), and the
 * integrity of a generation's files (sizes always; hashes of the graph, the statistics database and the chunks
 * on every open, of the others after any change to them, of all with --verify and before an ingest reuses them).
 */

export const MARKER_FILE = "NIANBAO_INDEX";
export const LOCK_FILE = "write.lock";
/** The verification record of a generation: what each file looked like when its hash last matched (checkGeneration). */
export const VERIFIED_FILE = ".verified";

export interface FileIntegrity {
  size: number;
  sha256: string;
}

/**
 * Makes `indexDir` an index folder: creates it (with the marker) when missing or empty; accepts it when it
 * carries the marker; refuses any other folder, so that `--index /some/dir` never writes into unrelated files.
 */
export async function claimIndexFolder(indexDir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await fs.readdir(indexDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw new IndexStoreError(`无法读取索引目录 ${indexDir}：${(err as NodeJS.ErrnoException).code}`, { code: "index_unreadable" });
    await fs.mkdir(indexDir, { recursive: true });
    entries = [];
  }
  if (entries.includes(MARKER_FILE)) return;
  // An index written before the marker existed is recognised by its own files.
  const legacy = entries.includes("CURRENT") && entries.some((e) => e.startsWith("gen-"));
  if (entries.length && !legacy)
    throw new IndexStoreError(`${indexDir} 不是 Nianbao 索引目录（没有 ${MARKER_FILE} 标记文件，且目录不为空），拒绝写入。请换一个空目录。`, { code: "not_an_index" });
  await fs.writeFile(path.join(indexDir, MARKER_FILE), JSON.stringify({ kind: "nianbao-index", createdAt: new Date().toISOString() }) + "\n");
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Who holds a write lock. A pid alone does not name a process for long: after a container restart pid 1 (or any
 * pid) belongs to another process, and a lock naming it would block every ingest for good. So the lock also
 * records what tells the writer apart from a later process with the same pid.
 */
export interface LockHolder {
  pid: number;
  /** The process's start time in clock ticks after boot (/proc/<pid>/stat field 22); null without /proc. */
  start: string | null;
  /** The kernel's boot id (/proc/sys/kernel/random/boot_id); null without /proc. */
  boot: string | null;
}

/** Field 22 of /proc/<pid>/stat (start time after boot, in clock ticks), or null (no such process, no /proc). */
export async function processStartTime(pid: number): Promise<string | null> {
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, "utf8");
    // Field 2 (the command name) is in parentheses and may hold spaces and ")": field 3 starts after the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return /^\d+$/.test(fields[22 - 3] ?? "") ? fields[22 - 3] : null;
  } catch {
    return null;
  }
}

let bootIdOnce: Promise<string | null> | null = null;
/** This boot of the kernel, or null where the system does not say. */
export function bootId(): Promise<string | null> {
  return (bootIdOnce ??= fs.readFile("/proc/sys/kernel/random/boot_id", "utf8").then((t) => t.trim() || null, () => null));
}

/** This process as a lock holder. */
export async function ownLockHolder(): Promise<LockHolder> {
  return { pid: process.pid, start: await processStartTime(process.pid), boot: await bootId() };
}

/** A lock file's holder: JSON ({pid, start, boot}), or a bare pid as written by earlier releases; null when unreadable. */
export function parseLockHolder(text: string): LockHolder | null {
  const t = text.trim();
  if (/^\d+$/.test(t)) return { pid: Number(t), start: null, boot: null };
  try {
    const j = JSON.parse(t) as Partial<LockHolder>;
    if (!Number.isInteger(j.pid) || (j.pid as number) <= 0) return null;
    return { pid: j.pid as number, start: typeof j.start === "string" ? j.start : null, boot: typeof j.boot === "string" ? j.boot : null };
  } catch {
    return null;
  }
}

/**
 * Whether the process that wrote a lock is gone: its pid runs no process, or the process running under that pid
 * now is another one — the lock was written on another boot, or the pid's process started at another time
 * (the pid was reused, e.g. pid 1 after a container restart). A lock that records neither (an older release's)
 * is judged by its pid alone.
 */
export async function lockHolderGone(h: LockHolder): Promise<boolean> {
  if (!isAlive(h.pid)) return true;
  const boot = await bootId();
  if (h.boot && boot && h.boot !== boot) return true;
  const start = await processStartTime(h.pid);
  return h.start !== null && start !== null && h.start !== start;
}

function sameHolder(a: LockHolder | null, b: LockHolder): boolean {
  return a !== null && a.pid === b.pid && a.start === b.start && a.boot === b.boot;
}

/** Creates `file` with `text` only if it does not exist, never visible half-written (a hard link of a complete file). */
async function createExclusive(file: string, text: string): Promise<boolean> {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await fs.writeFile(tmp, text);
  try {
    await fs.link(tmp, file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    // File systems without hard links: O_EXCL, which may show an empty file for a moment (read as "unreadable", waited for).
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "ENOSYS") throw err;
    try {
      const h = await fs.open(file, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY);
      await h.writeFile(text);
      await h.close();
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw e;
    }
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

export interface LockOptions {
  /** How long to wait for another writer before failing (ms). */
  waitMs: number;
  /** Told once when waiting starts. */
  onWait?: (holder: number) => void;
  pollMs?: number;
  /** Told when a lock of a process that is gone is taken over. */
  onTakeover?: (holder: LockHolder) => void;
}

/**
 * Takes the index folder's write lock: a file created only if absent, holding this process (pid, start time,
 * boot id). A lock whose holder is gone (lockHolderGone) is taken over; a live holder is waited for, then the
 * call fails with code "index_locked".
 */
export async function acquireWriteLock(indexDir: string, opts: LockOptions): Promise<() => Promise<void>> {
  const file = path.join(indexDir, LOCK_FILE);
  const me = await ownLockHolder();
  const deadline = Date.now() + opts.waitMs;
  let told = false;
  let unreadableSince = 0;
  for (;;) {
    let created: boolean;
    try {
      created = await createExclusive(file, JSON.stringify(me));
    } catch (err) {
      throw new IndexStoreError(`无法创建索引锁文件：${(err as NodeJS.ErrnoException).code}`, { code: "index_unwritable" });
    }
    if (created)
      return async () => {
        // Only our own lock is removed.
        if (sameHolder(parseLockHolder(await fs.readFile(file, "utf8").catch(() => "")), me)) await fs.rm(file, { force: true });
      };
    const text = await fs.readFile(file, "utf8").catch(() => null);
    if (text === null) continue; // removed meanwhile: try again
    const holder = parseLockHolder(text);
    // An unreadable lock is one being written (O_EXCL fallback) or garbage: garbage is taken over after a second.
    if (!holder) unreadableSince ||= Date.now();
    const stale = holder ? await lockHolderGone(holder) : Date.now() - unreadableSince > 1000;
    if (stale) {
      // Removed only if it is still the lock judged stale (another contender may have replaced it meanwhile).
      if ((await fs.readFile(file, "utf8").catch(() => null)) === text) {
        await fs.rm(file, { force: true });
        if (holder) opts.onTakeover?.(holder);
      }
      continue;
    }
    if (Date.now() >= deadline)
      throw new IndexStoreError(`另一个进程（pid ${holder?.pid ?? "?"}）正在写入索引 ${indexDir}，等待 ${Math.round(opts.waitMs / 1000)} 秒后仍未结束。`, { code: "index_locked" });
    if (!told && holder) {
      opts.onWait?.(holder.pid);
      told = true;
    }
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 200));
  }
}

// ——— integrity of a generation ———

/**
 * Files hashed on every open, whatever their verification record says, because damage in them crashes the
 * process or changes what an answer says rather than failing cleanly: the HNSW graph (hnswlib parses it natively
 * and a damaged one ends the process with SIGSEGV), the statistics database (SQLite serves a changed page's
 * figure, or fails every query) and the chunks (the passages an answer quotes). The other files change only the
 * ranking (vectors, lexical index, embedder statistics, the LangChain docstore) or are read by ingest alone
 * (statistics.bin; an ingest hashes every file anyway): they are hashed when their record no longer matches,
 * i.e. after any change made through the file system, and by --verify.
 */
export const ALWAYS_HASHED: readonly string[] = ["hnsw/hnswlib.index", "facts.sqlite", "chunks.json"];

/** Codes of what --verify and opening report, one per damaged file. */
export type IntegrityCode = "index_file_missing" | "index_file_size" | "index_file_hash" | "index_no_hashes";

export interface IntegrityProblem {
  /** Path inside the generation ("hnsw/hnswlib.index"). */
  file: string;
  code: IntegrityCode;
  message: string;
}

export interface IntegrityReport {
  generation: string;
  files: number;
  bytes: number;
  /** Files (and their bytes) whose contents were hashed this time. */
  hashedFiles: number;
  hashedBytes: number;
  ms: number;
  problems: IntegrityProblem[];
}

/** A generation that failed its check: code "index_damaged", with every problem found. */
export class IndexDamagedError extends IndexStoreError {
  constructor(readonly problems: IntegrityProblem[]) {
    super(problems.map((p) => p.message).join("；"), { code: "index_damaged" });
  }
}

/**
 * Reads into one reused 8 MB buffer: a read stream allocates a buffer per 1 MB chunk and hands each over through
 * the event loop, which made hashing the 50 MB index's ~400 MB on open ~2.5× slower than the reads themselves.
 */
async function hashFile(file: string): Promise<string> {
  const h = createHash("sha256");
  const fh = await fs.open(file, "r");
  const buf = Buffer.allocUnsafe(8 << 20);
  try {
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (!bytesRead) break;
      h.update(buf.subarray(0, bytesRead));
    }
  } finally {
    await fh.close().catch(() => undefined);
  }
  return h.digest("hex");
}

/** Every file of a generation folder (recursively, "/"-separated), except the manifest and the verification record. */
async function generationFiles(genDir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string) => {
    for (const e of await fs.readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) await walk(full);
      else if (e.isFile() && e.name !== "manifest.json" && !e.name.startsWith(VERIFIED_FILE)) out.push(path.relative(genDir, full).split(path.sep).join("/"));
    }
  };
  await walk(genDir);
  return out.sort();
}

/** Sizes and hashes of every file of a generation folder, except the manifest and the verification record. */
export async function integrityOf(genDir: string): Promise<Record<string, FileIntegrity>> {
  const out: Record<string, FileIntegrity> = {};
  for (const rel of await generationFiles(genDir)) {
    const full = path.join(genDir, rel);
    out[rel] = { size: (await fs.stat(full)).size, sha256: await hashFile(full) };
  }
  return out;
}

/**
 * What the last check saw of a file whose hash matched: its size, modification and status-change times
 * (nanoseconds) and inode. Any write through the file system changes ctime, and ctime cannot be set back
 * (utimes sets it to now), so a change that restored size and mtime still no longer matches the record.
 */
interface VerifiedEntry {
  size: number;
  mtime: string;
  ctime: string;
  ino: string;
  sha256: string;
}
interface VerifiedRecord {
  v: 2;
  files: Record<string, VerifiedEntry>;
}

type FileStat = { size: bigint; mtimeNs: bigint; ctimeNs: bigint; ino: bigint };
const entryOf = (st: FileStat, sha256: string): VerifiedEntry => ({ size: Number(st.size), mtime: String(st.mtimeNs), ctime: String(st.ctimeNs), ino: String(st.ino), sha256 });
const sameStat = (e: VerifiedEntry | undefined, st: FileStat): boolean =>
  e !== undefined && e.size === Number(st.size) && e.mtime === String(st.mtimeNs) && e.ctime === String(st.ctimeNs) && e.ino === String(st.ino);

async function readRecord(genDir: string): Promise<VerifiedRecord> {
  try {
    const r = JSON.parse(await fs.readFile(path.join(genDir, VERIFIED_FILE), "utf8")) as VerifiedRecord;
    if (r?.v === 2 && r.files && typeof r.files === "object") return r;
  } catch {
    // missing or unreadable: nothing counts as verified
  }
  return { v: 2, files: {} };
}

/** Written whole and renamed into place: readers (other processes opening the same index) never see half a record. */
async function writeRecord(genDir: string, record: VerifiedRecord): Promise<void> {
  const tmp = path.join(genDir, `${VERIFIED_FILE}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  try {
    await fs.writeFile(tmp, JSON.stringify(record));
    await fs.rename(tmp, path.join(genDir, VERIFIED_FILE));
  } finally {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
  }
}

export interface CheckOptions {
  /** Hash every file (`--verify`). */
  full?: boolean;
  /** Files hashed on every check whatever the record says (default ALWAYS_HASHED). */
  alwaysHash?: readonly string[];
}

/**
 * Checks a generation against the sizes and hashes its manifest recorded. Sizes always; a file's hash when
 * `full`, when it is one of ALWAYS_HASHED, or when the verification record does not hold its current
 * (size, mtime, ctime, inode) with the manifest's hash — i.e. the first time, and after any change made through
 * the file system, even one that kept size and mtime. Files that pass are recorded; files that fail lose their
 * record entry, so they are hashed again next time. Returns every problem found; never throws for damage.
 */
export async function checkGeneration(genDir: string, recorded: Record<string, FileIntegrity> | undefined, opts: CheckOptions = {}): Promise<IntegrityReport> {
  const t0 = performance.now();
  const report: IntegrityReport = { generation: path.basename(genDir), files: 0, bytes: 0, hashedFiles: 0, hashedBytes: 0, ms: 0, problems: [] };
  if (!recorded) {
    report.problems.push({ file: "manifest.json", code: "index_no_hashes", message: "索引清单没有记录文件校验值，无法校验 / manifest.json records no hashes" });
    report.ms = performance.now() - t0;
    return report;
  }
  const always = new Set(opts.alwaysHash ?? ALWAYS_HASHED);
  const record = await readRecord(genDir);
  let changed = false;
  for (const [rel, want] of Object.entries(recorded)) {
    report.files++;
    report.bytes += want.size;
    const st = (await fs.stat(path.join(genDir, rel), { bigint: true }).catch(() => null)) as FileStat | null;
    const problem = (code: IntegrityCode, message: string) => {
      report.problems.push({ file: rel, code, message });
      if (record.files[rel]) {
        delete record.files[rel];
        changed = true;
      }
    };
    if (!st) {
      problem("index_file_missing", `索引文件缺失：${rel} / missing`);
      continue;
    }
    if (Number(st.size) !== want.size) {
      problem("index_file_size", `索引文件已损坏：${rel}（大小为 ${st.size}，应为 ${want.size}）/ size mismatch`);
      continue;
    }
    const entry = record.files[rel];
    if (!opts.full && !always.has(rel) && sameStat(entry, st) && entry!.sha256 === want.sha256) continue;
    report.hashedFiles++;
    report.hashedBytes += want.size;
    if ((await hashFile(path.join(genDir, rel))) !== want.sha256) {
      problem("index_file_hash", `索引文件已损坏：${rel}（内容校验值不符）/ hash mismatch`);
      continue;
    }
    if (!sameStat(entry, st) || entry!.sha256 !== want.sha256) {
      record.files[rel] = entryOf(st, want.sha256);
      changed = true;
    }
  }
  // A read-only index is still served; it is hashed again next time.
  if (changed) await writeRecord(genDir, record).catch(() => undefined);
  report.ms = performance.now() - t0;
  return report;
}

/** checkGeneration that throws IndexDamagedError (code "index_damaged") when anything is wrong. */
export async function verifyGeneration(genDir: string, recorded: Record<string, FileIntegrity> | undefined, opts: CheckOptions = {}): Promise<IntegrityReport> {
  const report = await checkGeneration(genDir, recorded, opts);
  if (report.problems.length) throw new IndexDamagedError(report.problems);
  return report;
}

/** Records every file of a freshly written generation as verified against the hashes just computed. */
export async function markVerified(genDir: string, integrity: Record<string, FileIntegrity>): Promise<void> {
  const record: VerifiedRecord = { v: 2, files: {} };
  for (const [rel, want] of Object.entries(integrity)) record.files[rel] = entryOf((await fs.stat(path.join(genDir, rel), { bigint: true })) as FileStat, want.sha256);
  await writeRecord(genDir, record);
}
