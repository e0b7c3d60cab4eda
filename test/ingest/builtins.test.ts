import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { keepingBuiltins, restoreBuiltins, snapshotBuiltins } from "../../src/ingest/builtins.js";


// Captured before load.ts is imported (it is imported inside the test): core-js disguises its polyfills as native
// code, so identity with the functions Node started with is the only reliable check.
const NODE_PUSH = Array.prototype.push;
const NODE_JSON_PARSE = JSON.parse;
const corpusPath = (name: string) => fileURLToPath(new URL(`../../corpus/${name}`, import.meta.url));

describe("built-ins survive PDF parsing", () => {
  it("Array.prototype.push and JSON.parse are still Node's own after both corpus PDFs are parsed", async () => {
    const { loadFile } = await import("../../src/ingest/load.js");
    for (const name of ["洪泽区人民政府-2023-年度报告.pdf", "洪泽区人民政府-2024-年度报告.pdf"]) {
      const doc = await loadFile(corpusPath(name), name);
      expect(doc.text).toContain("政府信息公开");
    }
    expect(Array.prototype.push).toBe(NODE_PUSH);
    expect(JSON.parse).toBe(NODE_JSON_PARSE);
  });

  it("puts back a replaced built-in and keeps what was only added", async () => {
    const push = Array.prototype.push;
    const added = Symbol("added");
    await keepingBuiltins(async () => {
      Object.defineProperty(Array.prototype, "push", { value: function slowPush() { return 0; }, writable: true, configurable: true });
      Object.defineProperty(Array.prototype, added, { value: 1, configurable: true });
    });
    try {
      expect(Array.prototype.push).toBe(push);
      expect((Array.prototype as unknown as Record<symbol, number>)[added]).toBe(1);
    } finally {
      delete (Array.prototype as unknown as Record<symbol, number>)[added];
    }
  });

  it("restores to the first snapshot, so overlapping calls cannot re-install a polyfill", async () => {
    const snap = snapshotBuiltins();
    const parse = JSON.parse;
    let release!: () => void;
    const first = keepingBuiltins(() => new Promise<void>((r) => { JSON.parse = (() => null) as typeof JSON.parse; release = r; }));
    const second = keepingBuiltins(async () => {});
    release();
    await Promise.all([first, second]);
    expect(JSON.parse).toBe(parse);
    expect(restoreBuiltins(snap)).toEqual([]);
  });
});
