import path from "node:path";
import { LoadError } from "../errors.js";
import { limitsFromEnv, type LoadLimits } from "../limits.js";
import type { CheckResult, DraftCheck } from "../stats/api.js";
import { exportRowsOf } from "../stats/service.js";
import { parseText } from "./document.js";
import { loadFile } from "./load.js";
import { runInSandbox } from "./sandbox.js";

/**
 * Reads a staff member's draft (txt/md/html/pdf/docx bytes) as ingestion reads a corpus file, in memory only,
 * and returns its tables and every check. Nothing is written anywhere.
 */
export async function checkDraft(bytes: Buffer, filename: string, limits?: LoadLimits): Promise<DraftCheck> {
  const name = path.basename(filename || "draft.txt");
  const loaded = await loadFile(name, name, bytes, limits);
  const docs = parseText(loaded.text, name);
  const doc = docs.find((d) => d.statistics) ?? null;
  if (!doc || !doc.statistics) throw new LoadError(name, "没有读到年度报告的内容（标题、统计表或统计数字）");
  const m = doc.meta;
  const body = m.issuer ?? m.region ?? "（未识别机关）";
  const st = doc.statistics;
  const checks: CheckResult[] = st.checks;
  return {
    filename: name,
    report: { docId: m.docId, source: name, title: m.title, body, level: null, region: m.region, year: m.year, format: st.format, published: m.published ?? null, url: m.url ?? null },
    cells: exportRowsOf(st, { source: name, title: m.title, body, year: m.year }),
    checks,
    // A draft passes only when every rule could be checked and holds: a cell that cannot be read is no pass.
    ok: checks.length > 0 && checks.every((c) => c.ok === true),
  };
}

/**
 * checkDraft run whole in a sandbox process (src/ingest/sandbox.ts) under `limits`: the server's process neither
 * extracts nor parses an uploaded file (parsing a 10 MB text draft held the event loop for seconds).
 */
export async function checkDraftInSandbox(bytes: Buffer, filename: string, limits: LoadLimits = limitsFromEnv()): Promise<DraftCheck> {
  const name = path.basename(filename || "draft.txt");
  return (await runInSandbox({ kind: "draft", filename: name }, bytes, name, limits)) as DraftCheck;
}

