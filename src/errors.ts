/**
 * One error class per failure area. Messages are meant for humans and never carry secrets
 * (API keys, bot tokens); callers show `message` and log `name` + `message`.
 */
export class NianbaoError extends Error {
  /** A stable code for callers and logs ("index_damaged", "index_locked", …); defaults to the class name. */
  readonly code: string;
  constructor(message: string, options?: { cause?: unknown; code?: string }) {
    super(message, options);
    this.name = new.target.name;
    this.code = options?.code ?? this.name;
  }
}

/** A file could not be read or understood. `source` names the file. */
export class LoadError extends NianbaoError {
  constructor(readonly source: string, readonly reason: string, options?: { cause?: unknown; code?: string }) {
    super(`${source}: ${reason}`, options);
  }
}

/**
 * Which limit refused a file: a cap on its size (`too_large`: bytes, inflated bytes, pages, paragraphs, elements,
 * characters) or on its structure (`too_complex`: nesting), or the parser process's wall time or memory.
 */
export type FileLimit = "too_large" | "too_complex" | "timeout" | "out_of_memory";

/** A file refused by a limit. `zh` is the reason in Chinese (shown to an uploader); `reason` is "zh / English". */
export class FileLimitError extends LoadError {
  constructor(source: string, readonly limit: FileLimit, readonly zh: string, readonly en: string) {
    super(source, `${zh} / ${en}`, { code: limit });
  }
}

/** The index is missing, corrupt, of an unknown format version, or built by another embedder. */
export class IndexStoreError extends NianbaoError {}

/** An embedder failed (remote server unreachable, bad response, dimension mismatch). */
export class EmbedderError extends NianbaoError {}

/** The optional LLM failed or produced an answer that did not pass verification. */
export class LlmError extends NianbaoError {}

/** A setting is missing or invalid. */
export class ConfigError extends NianbaoError {}

/**
 * The PostgreSQL backend failed: `unavailable` when the database cannot be reached (or went away mid-request: the
 * request is answered with an apology and the connection pool reconnects on the next one), `pgvector_missing`,
 * `database_version` (a schema this release does not know), `no_index` (nothing ingested yet).
 */
export class DatabaseError extends NianbaoError {}

/** Telegram channel failures. */
export class BotError extends NianbaoError {}

/** Strip anything that looks like a credential from a string before it is logged or shown. */
export function redact(text: string, secrets: Array<string | undefined | null> = []): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join("***");
  // Telegram tokens: 123456789:AA...; bearer keys: sk-...
  return out
    // No \b before the digits: in Bot API URLs the token follows "bot" directly (/bot123:AA…/getMe).
    .replace(/(?<!\d)\d{6,12}:[A-Za-z0-9_-]{30,}/g, "***")
    .replace(/\bsk-[A-Za-z0-9_-]{8,}\b/g, "sk-***");
}
