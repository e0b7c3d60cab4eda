import type { Settings } from "../config.js";
import type { BodyRegistry } from "../domain/bodies.js";
import type { DescribedEmbeddings } from "../embed/types.js";
import { Engine } from "../answer/engine.js";
import { FigureService } from "../answer/figures.js";
import type { RetrievalMode } from "../answer/retrieve.js";
import type { FactStore, SearchBackend } from "../search/types.js";
import type { IndexedDocument } from "../types.js";

/**
 * The answer engine over one set of stores, whichever backend holds them (an index folder, app/open.ts; PostgreSQL,
 * app/openDatabase.ts): the components and their defaults in one place.
 */
export function engineOver(parts: {
  documents: IndexedDocument[];
  search: SearchBackend;
  embedder: DescribedEmbeddings;
  bodies: BodyRegistry;
  facts: FactStore;
  settings: Settings;
  log: (e: Record<string, unknown>) => void;
  /** Default: hybrid. */
  mode?: RetrievalMode;
  /** Default: settings.MAX_QUESTION_CHARS. */
  maxQuestionChars?: number;
}): Engine {
  const { facts, bodies, settings, log } = parts;
  return new Engine(
    {
      documents: parts.documents,
      search: parts.search,
      embedder: parts.embedder,
      bodies,
      figures: (corpus) => new FigureService(facts, bodies, (docId, sentence) => corpus.sectionHolding(docId, sentence), (docId) => corpus.proseOf(docId)),
      settings,
      log,
      mode: parts.mode ?? "hybrid",
    },
    { settings, log, maxQuestionChars: parts.maxQuestionChars ?? settings.MAX_QUESTION_CHARS },
  );
}
