import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import iconv from "iconv-lite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseFile } from "../../src/ingest/document.js";
import { flattenSections } from "../../src/ingest/structure.js";
import { loadFile } from "../../src/ingest/load.js";
import { corpusPath } from "./corpusFixture.js";

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "nianbao-enc-"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("GB18030 input", () => {
  for (const name of ["平潭综合实验区-2021-年度报告.txt", "regulation-2019.txt", "000_0ce3f265a70a93e0.txt"]) {
    it(`${name}: a GB18030 copy ingests to the same documents, sections and chunks`, async () => {
      const utf8 = readFileSync(corpusPath(name), "utf8");
      const gbFile = path.join(tmp, `gb-${name}`);
      const gbBytes = iconv.encode(utf8, "gb18030");
      expect(gbBytes.equals(Buffer.from(utf8, "utf8"))).toBe(false);
      writeFileSync(gbFile, gbBytes);

      expect((await loadFile(gbFile, name)).encoding).toBe("gb18030");
      // Same source name so chunk ids are comparable.
      const a = await parseFile(corpusPath(name), name, {});
      const b = await parseFile(gbFile, name, {});
      expect(b.map((d) => d.meta)).toEqual(a.map((d) => d.meta));
      const paths = (docs: typeof a) => docs.flatMap((d) => flattenSections(d.sections).map((s) => [s.path.join("/"), s.table ?? "", s.body]));
      expect(paths(b)).toEqual(paths(a));
      const chunks = (docs: typeof a) => docs.flatMap((d) => d.chunks.map((c) => [c.id, c.text, c.meta.section]));
      expect(chunks(b)).toEqual(chunks(a));
      expect(chunks(a).length).toBeGreaterThan(10);
    });
  }
});
