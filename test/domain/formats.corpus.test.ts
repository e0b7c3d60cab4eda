import { describe, expect, it } from "vitest";
import { useRealEngine } from "../helpers/engine.js";

describe("detectFormat on the indexed corpus", () => {
  const real = useRealEngine();
  it("every report records its format, consistent with its year", () => {
    const reports = real.engine().ctx.figures!.facts.reports();
    expect(reports.length).toBeGreaterThan(90);
    for (const r of reports) {
      const want = r.year! <= 2018 ? "pre2019" : r.year! <= 2020 ? "2019" : "2021";
      expect(r.format, `${r.source} ${r.year}`).toBe(want);
    }
  });
});
