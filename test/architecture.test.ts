import { readFileSync } from "node:fs";
import { SRC, relToSrc, sourceFiles } from "./helpers/sources.js";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The dependency rule, checked on every `npm test`: data flows one way (files → documents → chunks and facts →
 * index → plan → strategy → structured answer → renderer → channel) and imports only run downward.
 *
 * Layers, lowest first. A module may import its own layer's modules and any lower layer, never a higher one;
 * no circle of imports anywhere; domain/ imports nothing of the house; channels reach the engine only through
 * its faces (answer/api, stats/api, present/, app/).
 */
const LAYERS: Array<[string, string[]]> = [
  ["domain", ["domain/"]],
  ["kernel", ["errors.ts", "types.ts", "config.ts", "limits.ts"]],
  ["embed", ["embed/"]],
  // Statistics (extraction from text, checks, the facts database) sit below ingestion, which calls the extraction.
  ["stats", ["stats/"]],
  ["ingest", ["ingest/"]],
  ["index", ["index/"]],
  ["search", ["search/"]],
  ["understand", ["understand/"]],
  ["answer", ["answer/"]],
  ["eval", ["eval/"]],
  ["present", ["present/"]],
  ["app", ["app/"]],
  ["channels", ["cli/", "bot/", "office/", "server/", "bin/"]],
];

/** What a channel may import from below it (besides other channel code, node and npm packages). */
const CHANNEL_FACES = ["answer/api.ts", "stats/api.ts", "present/", "app/", "eval/", "errors.ts", "types.ts", "config.ts", "limits.ts", "domain/"];
/**
 * The command line's wiring of production implementations (each imported on first use, so a command loads only
 * what it needs): the one channel file that may import any module. Commands reach the engine only through it.
 */
const CHANNEL_WIRING = ["cli/deps.ts"];

const rel = relToSrc;

function layerOf(file: string): number {
  const r = rel(file);
  const i = LAYERS.findIndex(([, prefixes]) => prefixes.some((p) => (p.endsWith("/") ? r.startsWith(p) : r === p)));
  if (i < 0) throw new Error(`${r} is in no layer: add it to LAYERS in test/architecture.test.ts`);
  return i;
}

/** Relative imports of a file, static and dynamic, `export … from` included; type-only imports count too. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const out: string[] = [];
  for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)["'](\.{1,2}\/[^"']+)["']/g)) {
    out.push(path.resolve(path.dirname(file), m[1].replace(/\.js$/, ".ts")));
  }
  return out;
}

export function dependencyReport(): { upward: string[]; cycles: string[][]; domain: string[]; channels: string[] } {
  const all = sourceFiles();
  const graph = new Map(all.map((f) => [f, importsOf(f)]));
  const upward: string[] = [];
  const domain: string[] = [];
  const channels: string[] = [];
  for (const [f, deps] of graph) {
    const lf = layerOf(f);
    for (const d of deps) {
      const ld = layerOf(d);
      if (ld > lf) upward.push(`${rel(f)} → ${rel(d)} (${LAYERS[lf][0]} imports ${LAYERS[ld][0]})`);
      if (LAYERS[lf][0] === "domain" && LAYERS[ld][0] !== "domain") domain.push(`${rel(f)} → ${rel(d)}`);
      if (LAYERS[lf][0] === "channels" && !CHANNEL_WIRING.includes(rel(f)) && LAYERS[ld][0] !== "channels" && !CHANNEL_FACES.some((p) => (p.endsWith("/") ? rel(d).startsWith(p) : rel(d) === p)))
        channels.push(`${rel(f)} → ${rel(d)}`);
    }
  }
  // Circles: Tarjan's strongly connected components over the file graph.
  const cycles: string[][] = [];
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        comp.push(rel(w));
      } while (w !== v);
      if (comp.length > 1) cycles.push(comp.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return { upward, cycles, domain, channels };
}

describe("the dependency rule", () => {
  const r = dependencyReport();
  it("no import runs back up", () => expect(r.upward).toEqual([]));
  it("no circle of imports", () => expect(r.cycles).toEqual([]));
  it("domain/ imports nothing of the house", () => expect(r.domain).toEqual([]));
  it("channels reach the engine only through its faces", () => expect(r.channels).toEqual([]));
  it("the checker sees real imports (it is not vacuous)", () => {
    const deps = importsOf(path.join(SRC, "answer/engine.ts")).map(rel);
    expect(deps).toContain("understand/understand.ts");
  });
});
