import type { Settings } from "../config.js";
import { HashingEmbeddings, HASH_EMBEDDER_NAME, type HashStats } from "./hashing.js";
import { createOpenAIEmbedder, publicBaseURL } from "./openai.js";
import { Embeddings } from "@langchain/core/embeddings";
import { EmbedderError } from "../errors.js";
import type { DescribedEmbeddings, EmbedderDescriptor } from "./types.js";

/** Dimension of the built-in embedder; 768 keeps HNSW build time low while collisions stay rare for a corpus vocabulary of ~30k terms. */
export const HASH_DIM = 768;

export type EmbedderSettings = Pick<Settings, "EMBEDDINGS_BASE_URL" | "EMBEDDINGS_MODEL" | "EMBEDDINGS_API_KEY">;

/** The name the configured embedder will record, known before anything is embedded. */
export function configuredEmbedderName(s: EmbedderSettings): string {
  if (s.EMBEDDINGS_BASE_URL && s.EMBEDDINGS_MODEL) return `openai:${s.EMBEDDINGS_MODEL}@${publicBaseURL(s.EMBEDDINGS_BASE_URL)}`;
  return HASH_EMBEDDER_NAME;
}

/**
 * Creates the configured embedder. The built-in one needs corpus statistics: the saved ones when they
 * exist (so unchanged chunks keep valid vectors), else fitted by `fit` (none: empty statistics).
 */
export async function createEmbedder(
  s: EmbedderSettings,
  saved: HashStats | null,
  /** Fits statistics of the given dimension on the corpus, when none are saved. */
  fit: (dim: number) => HashStats = (dim) => ({ n: 0, df: {}, dim }),
): Promise<{ embedder: DescribedEmbeddings; stats: HashStats | null }> {
  if (s.EMBEDDINGS_BASE_URL && s.EMBEDDINGS_MODEL) {
    const e = createOpenAIEmbedder({ baseURL: s.EMBEDDINGS_BASE_URL, model: s.EMBEDDINGS_MODEL, apiKey: s.EMBEDDINGS_API_KEY });
    await e.probe();
    return { embedder: e, stats: null };
  }
  const stats = saved ?? fit(HASH_DIM);
  return { embedder: new HashingEmbeddings(stats), stats };
}

/**
 * The embedder that queries an index built by `built`. When the configured remote server cannot be reached at
 * open, the index is still opened: the embedder takes the index's descriptor and asks the server again on every
 * query, and while the server is down each query fails with EmbedderError, which retrieval answers with lexical
 * search alone and says so (src/answer/retrieve.ts) — as a running process does when the server goes down later.
 * `unavailable` says why the server could not be reached at open (null when it could).
 */
export async function createQueryEmbedder(
  s: EmbedderSettings,
  saved: HashStats | null,
  built: EmbedderDescriptor,
): Promise<{ embedder: DescribedEmbeddings; unavailable: string | null }> {
  if (!(s.EMBEDDINGS_BASE_URL && s.EMBEDDINGS_MODEL)) return { embedder: (await createEmbedder(s, saved)).embedder, unavailable: null };
  const remote = createOpenAIEmbedder({ baseURL: s.EMBEDDINGS_BASE_URL, model: s.EMBEDDINGS_MODEL, apiKey: s.EMBEDDINGS_API_KEY });
  try {
    await remote.probe();
    return { embedder: remote, unavailable: null };
  } catch (err) {
    // Another model than the index's is refused when the index is opened (checkEmbedder), server up or not.
    if (!(err instanceof EmbedderError) || built.name !== configuredEmbedderName(s)) throw err;
    return { embedder: new DeferredEmbeddings(remote, built), unavailable: err.message };
  }
}

/** A remote embedder opened while its server was down: the index's descriptor, the server asked on every call. */
class DeferredEmbeddings extends Embeddings implements DescribedEmbeddings {
  constructor(
    private readonly inner: DescribedEmbeddings,
    readonly descriptor: EmbedderDescriptor,
  ) {
    super({ maxRetries: 0 });
  }

  async embedQuery(text: string): Promise<number[]> {
    return this.checked(await this.inner.embedQuery(text));
  }

  async embedDocuments(texts: string[]): Promise<number[][]> {
    return (await this.inner.embedDocuments(texts)).map((v) => this.checked(v));
  }

  /** A server back with vectors of another dimension than the index's must not reach the graph. */
  private checked(v: number[]): number[] {
    if (v.length !== this.descriptor.dim)
      throw new EmbedderError(`嵌入维度与索引不一致 / the embeddings server returns ${v.length} dimensions, the index has ${this.descriptor.dim}`);
    return v;
  }
}
