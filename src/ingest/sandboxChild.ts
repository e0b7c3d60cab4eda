/**
 * The sandbox process's side (started by src/ingest/sandbox.ts through sandboxEntry.mjs): takes one job at a
 * time from the parent, runs it in this process, answers with the result or the error as plain data.
 */
import { FileLimitError, LoadError } from "../errors.js";
import { extractHere, extractInProcess, parserImports } from "./load.js";
import type { SandboxJob, SandboxReply } from "./sandbox.js";

type Failure = Extract<SandboxReply, { ok: false }>["error"];

function failure(err: unknown): Failure {
  if (err instanceof FileLimitError) return { kind: "limit", limit: err.limit, zh: err.zh, en: err.en };
  if (err instanceof LoadError) return { kind: "load", reason: err.reason };
  const msg = err instanceof Error ? err.message : String(err);
  return { kind: "other", message: (msg.split("\n")[0] ?? "").trim() || "unknown error" };
}

async function run(job: SandboxJob): Promise<unknown> {
  const bytes = Buffer.from(job.bytes.buffer, job.bytes.byteOffset, job.bytes.byteLength);
  if (job.task.kind === "extract") return extractInProcess(job.task.format, bytes, job.source, job.limits);
  // Imported on the first draft: extraction alone never needs the parsing and statistics modules.
  const { checkDraft } = await import("./draft.js");
  return checkDraft(bytes, job.task.filename, job.limits);
}

/** Serves jobs until the parent goes away; `imports` replace how the parsers are imported (see sandboxEntry.mjs). */
export function serve(imports: Partial<typeof parserImports>): void {
  Object.assign(parserImports, imports);
  // This process is the sandbox: files are extracted here, not handed to yet another process.
  extractHere();
  const send = (m: unknown) => process.send?.(m);
  process.on("message", (m) => {
    const job = m as SandboxJob;
    run(job).then(
      (value) => send({ id: job.id, ok: true, value } satisfies SandboxReply),
      (err: unknown) => send({ id: job.id, ok: false, error: failure(err) } satisfies SandboxReply),
    );
  });
  // The parent is gone (exited, crashed, or closed the channel): so is this process.
  process.on("disconnect", () => process.exit(0));
  send({ ready: true });
}
