import type { Settings } from "../config.js";
import { HashingEmbeddings, HASH_EMBEDDER_NAME, type HashStats } from "./hashing.js";
import { createOpenAIEmbedder, publicBaseURL } from "./openai.js";
import type { DescribedEmbeddings } from "./types.js";

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
