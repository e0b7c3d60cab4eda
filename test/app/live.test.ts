import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LiveEngine } from "../../src/app/live.js";
import { ingest } from "../../src/index/build.js";
import { settingsSchema } from "../../src/config.js";

/**
 * A running server follows the index: a generation that `ingest` makes live while it runs is opened and swapped in
 * between requests (it used to answer from the deleted generation until restarted), with one log line.
 */

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("LiveEngine", () => {
  it("swaps in the generation ingest made live, and says so once", async () => {
    const root = mkdtempSync(path.join(tmpdir(), "nianbao-live-"));
    dirs.push(root);
    const corpus = path.join(root, "corpus");
    const indexDir = path.join(root, "index");
    cpSync("corpus/regulation-2019.txt", path.join(corpus, "regulation-2019.txt"));
    const settings = settingsSchema.parse({});
    const logs: Array<Record<string, unknown>> = [];
    const live = await LiveEngine.open({ indexDir, corpusDir: corpus, settings, log: (e) => logs.push(e), watchMs: 0 });
    try {
      expect(live.coverage().reports).toEqual([]);
      expect(await live.check()).toBe(false);

      cpSync("corpus/平潭综合实验区-2021-年度报告.txt", path.join(corpus, "平潭综合实验区-2021-年度报告.txt"));
      await ingest({ corpusDir: corpus, indexDir, settings });
      const before = live.engine;
      expect(await live.check()).toBe(true);
      expect(live.engine).not.toBe(before);
      expect(live.coverage().reports.map((r) => r.region)).toContain("平潭综合实验区");
      const { answer } = await live.ask("平潭综合实验区2021年收到多少件政府信息公开申请？");
      expect(answer.answer).toContain("70");
      expect(live.stats()!.reports().map((r) => r.year)).toEqual([2021]);
      expect(logs.filter((e) => e.event === "index_swapped")).toHaveLength(1);
      // Nothing new: no second swap.
      expect(await live.check()).toBe(false);
    } finally {
      live.close();
    }
  }, 180_000);
});
