import { createHash } from "node:crypto";
import { constants, promises as fs } from "node:fs";
import path from "node:path";
import { IndexStoreError } from "../errors.js";

/**
 * What keeps an index folder safe: a marker file that says "this is a Nianbao index" (no other folder is
 * ever written into), one writer at a time (a lock file holding the writer's pid), and the integrity of a
 * generation's files (sizes always, hashes on the first open after a change or on request).
 */

export const MARKER_FILE = "NIANBAO_INDEX";
export const LOCK_FILE = "write.lock";
/** Written into a generation once its hashes were checked, so later opens check sizes only. */
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

export interface LockOptions {
  /** How long to wait for another writer before failing (ms). */
  waitMs: number;
  /** Told once when waiting starts. */
  onWait?: (holder: number) => void;
  pollMs?: number;
}

/**
 * Takes the index folder's write lock (O_EXCL create of a file holding this pid). A lock left by a process
 * that no longer runs is taken over; a live holder is waited for, then the call fails with code "index_locked".
 */
export async function acquireWriteLock(indexDir: string, opts: LockOptions): Promise<() => Promise<void>> {
  const file = path.join(indexDir, LOCK_FILE);
  const deadline = Date.now() + opts.waitMs;
  let told = false;
  for (;;) {
    try {
      const h = await fs.open(file, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY);
      await h.writeFile(String(process.pid));
      await h.close();
      return async () => {
        // Only our own lock is removed.
        const holder = Number(await fs.readFile(file, "utf8").catch(() => "0"));
        if (holder === process.pid) await fs.rm(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw new IndexStoreError(`无法创建索引锁文件：${(err as NodeJS.ErrnoException).code}`, { code: "index_unwritable" });
    }
    const holder = Number((await fs.readFile(file, "utf8").catch(() => "")).trim());
    if (!holder || !isAlive(holder)) {
      // A stale lock: its writer died. Remove it and try again (O_EXCL decides between two contenders).
      await fs.rm(file, { force: true });
      continue;
    }
    if (Date.now() >= deadline)
      throw new IndexStoreError(`另一个进程（pid ${holder}）正在写入索引 ${indexDir}，等待 ${Math.round(opts.waitMs / 1000)} 秒后仍未结束。`, { code: "index_locked" });
    if (!told) {
      opts.onWait?.(holder);
      told = true;
    }
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 200));
  }
}

async function hashFile(file: string): Promise<string> {
  const h = createHash("sha256");
  const fh = await fs.open(file, "r");
  try {
    for await (const chunk of fh.createReadStream()) h.update(chunk as Buffer);
  } finally {
    await fh.close().catch(() => undefined);
  }
  return h.digest("hex");
}

/** Sizes and hashes of every file of a generation folder (recursively), except the manifest and the verified mark. */
export async function integrityOf(genDir: string): Promise<Record<string, FileIntegrity>> {
  const out: Record<string, FileIntegrity> = {};
  const walk = async (dir: string) => {
    for (const e of await fs.readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) await walk(full);
      else if (e.isFile() && e.name !== "manifest.json" && e.name !== VERIFIED_FILE) {
        const rel = path.relative(genDir, full).split(path.sep).join("/");
        out[rel] = { size: (await fs.stat(full)).size, sha256: await hashFile(full) };
      }
    }
  };
  await walk(genDir);
  return out;
}

/**
 * Checks a generation against the integrity its manifest recorded: sizes always; hashes when `full`, when the
 * generation was never verified, or when a file changed since it was (its modification time differs from the one
 * the verified mark recorded). A mismatch throws IndexStoreError "index_damaged".
 */
export async function verifyGeneration(genDir: string, recorded: Record<string, FileIntegrity> | undefined, full = false): Promise<void> {
  if (!recorded) return;
  const mtimes: Record<string, number> = {};
  for (const [rel, want] of Object.entries(recorded)) {
    const st = await fs.stat(path.join(genDir, rel)).catch(() => null);
    if (!st || st.size !== want.size) throw new IndexStoreError(`索引文件已损坏：${rel}（大小${st ? `为 ${st.size}，应为 ${want.size}` : "：文件缺失"}）`, { code: "index_damaged" });
    mtimes[rel] = st.mtimeMs;
  }
  const mark = await fs.readFile(path.join(genDir, VERIFIED_FILE), "utf8").then((t) => JSON.parse(t) as Record<string, number>, () => null);
  const unchanged = mark !== null && Object.entries(mtimes).every(([rel, m]) => mark[rel] === m);
  if (unchanged && !full) return;
  for (const [rel, want] of Object.entries(recorded))
    if ((await hashFile(path.join(genDir, rel))) !== want.sha256) throw new IndexStoreError(`索引文件已损坏：${rel}（内容校验值不符）`, { code: "index_damaged" });
  // A read-only index is still served; it is verified again next time.
  await markVerified(genDir, mtimes).catch(() => undefined);
}

/** Records the files' modification times as verified. */
export async function markVerified(genDir: string, mtimes?: Record<string, number>): Promise<void> {
  let m = mtimes;
  if (!m) {
    m = {};
    const walk = async (dir: string) => {
      for (const e of await fs.readdir(dir, { withFileTypes: true })) {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) await walk(full);
        else if (e.isFile() && e.name !== "manifest.json" && e.name !== VERIFIED_FILE) m![path.relative(genDir, full).split(path.sep).join("/")] = (await fs.stat(full)).mtimeMs;
      }
    };
    await walk(genDir);
  }
  await fs.writeFile(path.join(genDir, VERIFIED_FILE), JSON.stringify(m));
}
