import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { inject } from "vitest";

/** The fixture corpus (test/fixtures/corpus/README.md): a few real reports, the 2019 regulation, a multi-report page. */
export const FIXTURE_CORPUS = path.resolve(__dirname, "../fixtures/corpus");

/** Its files as ingestion lists them (documents only). */
export const FIXTURE_FILES = readdirSync(FIXTURE_CORPUS).filter((f) => /\.(txt|html|pdf)$/.test(f)).sort();

export interface FixtureCopy {
  root: string;
  /** A copy of the fixture corpus. */
  corpus: string;
  /** A copy of the fixture index, its recorded sources moved to `corpus`. */
  index: string;
  cleanup(): void;
}

/**
 * A private copy of the fixture corpus and of the index test/globalSetup.ts built from it, for a test that changes
 * either. The copied index records the copied corpus as its source (what it would record had it been built
 * there), so an ingest or open re-syncs the copy, not the shared fixture.
 */
export function copyFixture(prefix = "nianbao-fixture-"): FixtureCopy {
  const root = mkdtempSync(path.join(tmpdir(), prefix));
  const corpus = path.join(root, "corpus");
  const index = path.join(root, "index");
  cpSync(FIXTURE_CORPUS, corpus, { recursive: true });
  cpSync(inject("fixtureIndexDir"), index, { recursive: true });
  const moved = (p: string) => (p === FIXTURE_CORPUS ? corpus : p);
  for (const gen of readdirSync(index).filter((e) => e.startsWith("gen-") && !e.endsWith(".tmp"))) {
    const file = path.join(index, gen, "manifest.json");
    const m = JSON.parse(readFileSync(file, "utf8"));
    if (Array.isArray(m.sources)) writeFileSync(file, JSON.stringify({ ...m, sources: m.sources.map(moved) }));
  }
  return { root, corpus, index, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}
