import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { extractStatistics } from "../../src/stats/extract/index.js";
import { packStatistics, unpackStatistics } from "../../src/stats/pack.js";

describe("statistics.json packing", () => {
  it("round-trips a real report's extraction exactly, and is smaller than the plain JSON", () => {
    for (const file of ["平潭综合实验区-2021-年度报告.txt", "平潭综合实验区-2020-年度报告.txt", "沭阳县人民政府-2025-年度报告.txt"]) {
      const st = extractStatistics(readFileSync(`corpus/${file}`, "utf8"), { year: null, source: file });
      expect(st.tables.length, file).toBeGreaterThan(0);
      const packed = JSON.parse(JSON.stringify(packStatistics(st)));
      expect(unpackStatistics(packed)).toEqual(JSON.parse(JSON.stringify(st)));
      expect(JSON.stringify(packed).length, file).toBeLessThan(JSON.stringify(st).length);
    }
  });
});
