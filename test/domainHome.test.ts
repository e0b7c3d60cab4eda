import { readFileSync } from "node:fs";
import { relToSrc, sourceFiles } from "./helpers/sources.js";
import { describe, expect, it } from "vitest";
import { STANDARD_TITLES } from "../src/domain/sections.js";
import { TABLES } from "../src/domain/format/tables.js";
import { TABLE_IDS } from "../src/domain/types.js";

/**
 * One home for domain knowledge: table ids, official row and column labels and section headings are spelled out in
 * src/domain/ and read from there by everyone else. This test finds every spelling outside domain/ (in code, not
 * in comments) and fails on any file that spells more than it is allowed below.
 *
 * The allowance is a ratchet, not a licence: it records the spellings still left when the rule was introduced
 * (issue 17), each to be replaced by a read from domain/; it may only shrink. A new file, or one more spelling in a
 * listed file, fails.
 */
const ALLOWED: Record<string, number> = {};


/** The code of a file without its comments (block, line and JSDoc). */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");
}

const labels = new Set<string>();
for (const byFormat of Object.values(TABLES))
  for (const t of Object.values(byFormat ?? {}))
    for (const r of (t as { rows: Array<{ label: string }> }).rows) {
      const bare = r.label.replace(/^[（(]?[一二三四五六七八九十\d]+[）)、.．]/, "");
      if (bare.length >= 8) labels.add(bare);
    }
for (const t of STANDARD_TITLES) if (t.length >= 8) labels.add(t);

export function spellings(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of sourceFiles()) {
    const rel = relToSrc(f);
    if (rel.startsWith("domain/")) continue;
    const c = code(readFileSync(f, "utf8"));
    let n = 0;
    for (const id of TABLE_IDS) n += c.split(`"${id}"`).length - 1;
    for (const l of labels) n += c.split(l).length - 1;
    if (n) out[rel] = n;
  }
  return out;
}

describe("domain knowledge lives in src/domain/", () => {
  const found = spellings();
  it("no file outside domain/ spells a table id, row label or section heading beyond its (shrinking) allowance", () => {
    const over = Object.entries(found).filter(([f, n]) => n > (ALLOWED[f] ?? 0)).map(([f, n]) => `${f}: ${n} (allowed ${ALLOWED[f] ?? 0})`);
    expect(over).toEqual([]);
  });
  it("the allowance only shrinks: a file that spells fewer than allowed must have its allowance lowered", () => {
    const stale = Object.entries(ALLOWED).filter(([f, n]) => (found[f] ?? 0) < n).map(([f, n]) => `${f}: ${found[f] ?? 0} < ${n}`);
    expect(stale).toEqual([]);
  });
  it("the scan sees real spellings (it is not vacuous)", () => {
    expect(labels.size).toBeGreaterThan(20);
    expect(code('const a = "表三"; // "表二"')).toBe('const a = "表三"; ');
  });
});
