import { bigramTokenizer } from "../embed/tokenize.js";
import { Bm25Index } from "../index/bm25.js";
import type { Answer, Citation } from "../types.js";

/**
 * The baseline every RAG tutorial starts from: fixed 500-character windows with 100 characters of
 * overlap, BM25 over character bigrams, the top window returned as the answer. No structure, no
 * metadata, no refusal.
 */
export interface NaiveWindow {
  source: string;
  title: string;
  text: string;
}

export function windows(text: string, size = 500, overlap = 100): string[] {
  const out: string[] = [];
  for (let start = 0; start < text.length; start += size - overlap) {
    out.push(text.slice(start, start + size));
    if (start + size >= text.length) break;
  }
  return out;
}

export class NaivePipeline {
  private readonly bm25: Bm25Index;

  constructor(private readonly wins: NaiveWindow[]) {
    this.bm25 = Bm25Index.build(wins.map((w) => bigramTokenizer(w.text)));
  }

  ask(question: string): { answer: Answer; ranked: Array<{ source: string; section: string }> } {
    const hits = this.bm25.search(bigramTokenizer(question), 10);
    const cites: Citation[] = hits.map(([i]) => ({ title: this.wins[i].title, region: null, year: null, section: "", quote: this.wins[i].text, source: this.wins[i].source }));
    const answer: Answer = { question, found: hits.length > 0, answer: cites[0]?.quote ?? "", citations: cites.slice(0, 3), mode: "extractive" };
    return { answer, ranked: cites.map((c) => ({ source: c.source, section: c.quote })) };
  }
}
