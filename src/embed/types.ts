import type { Embeddings } from "@langchain/core/embeddings";

/** Recorded with the index so that a query is never embedded by a different model than the documents. */
export interface EmbedderDescriptor {
  /** e.g. "nianbao-hash-v1" or "openai:bge-m3@http://127.0.0.1:11434/v1". */
  name: string;
  dim: number;
  distance: "cosine";
}

/** A LangChain Embeddings implementation that knows its own descriptor. */
export interface DescribedEmbeddings extends Embeddings {
  readonly descriptor: EmbedderDescriptor;
}
