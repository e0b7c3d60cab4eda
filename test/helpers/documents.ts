import type { IndexedDocument } from "../../src/types.js";

/** An indexed document for tests on synthetic data: a report with nothing known but what `m` says. */
export const indexedDoc = (docId: string, m: Partial<IndexedDocument>): IndexedDocument => ({
  docId,
  source: `${docId}.txt`,
  title: m.title ?? docId,
  issuer: null,
  region: null,
  year: null,
  kind: "report",
  aliases: [],
  ...m,
});
