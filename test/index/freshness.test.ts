import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { settingsSchema } from "../../src/config.js";
import { checkFreshness, ingest } from "../../src/index/build.js";

/**
 * Freshness by size + mtime: opening an index stats its sources and reads and hashes only the files that look
 * changed (issue 18 part 4: every open re-hashed the whole corpus). Tiny synthetic corpus, mtimes set explicitly.
 */

const settings = settingsSchema.parse({});
const report = (body: string, year: number) =>
  `${body}${year}年政府信息公开工作年度报告\n\n一、总体情况\n\n${year}年，${body}认真贯彻落实《中华人民共和国政府信息公开条例》，共受理政府信息公开申请${year - 1990}件。\n\n二、主动公开政府信息情况\n\n全年主动公开政府信息${year - 1900}条。\n`;

let tmp: string;
let corpus: string;
let index: string;
const hourAgo = () => new Date(Date.now() - 3600_000);

beforeEach(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), "nianbao-fresh-"));
  corpus = path.join(tmp, "corpus");
  index = path.join(tmp, "index");
  mkdirSync(corpus);
  for (const [i, body] of ["甲市人民政府", "乙县人民政府", "丙区人民政府"].entries()) {
    const f = path.join(corpus, `r${i}.txt`);
    writeFileSync(f, report(body, 2015 + i));
    utimesSync(f, hourAgo(), hourAgo());
  }
  await ingest({ corpusDir: corpus, indexDir: index, settings });
}, 60_000);
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

describe("freshness by size and mtime", () => {
  it("an unchanged corpus is judged up to date without reading any file", async () => {
    expect(await checkFreshness(corpus, index)).toEqual({ upToDate: true, hashed: 0 });
  });

  it("a touched file (new mtime, same bytes) is hashed and still up to date; an ingest then writes nothing", async () => {
    const f = path.join(corpus, "r1.txt");
    const t = new Date(Date.now() - 1800_000);
    utimesSync(f, t, t);
    expect(await checkFreshness(corpus, index)).toEqual({ upToDate: true, hashed: 1 });
    expect((await ingest({ corpusDir: corpus, indexDir: index, settings })).written).toBe(false);
  });

  it("a change of the same size under a new mtime is found", async () => {
    const f = path.join(corpus, "r2.txt");
    writeFileSync(f, report("丙区人民政府", 2017).replace("2017年，", "2018年，"));
    expect(await checkFreshness(corpus, index)).toMatchObject({ upToDate: false, hashed: 1 });
  });

  it("a file written just before the ingest has no trusted mtime: it is hashed on every check until it settles", async () => {
    const f = path.join(corpus, "r3.txt");
    writeFileSync(f, report("丁镇人民政府", 2020));
    await ingest({ corpusDir: corpus, indexDir: index, settings });
    expect(await checkFreshness(corpus, index)).toEqual({ upToDate: true, hashed: 1 });
    // Changed again within the same moment, size kept: still found, since its mtime was never trusted.
    writeFileSync(f, report("丁镇人民政府", 2020).replace("2020年，", "2021年，"));
    expect((await checkFreshness(corpus, index)).upToDate).toBe(false);
  });

  it("a change of the reading rules (overrides.json) is found without the file's bytes changing", async () => {
    writeFileSync(path.join(corpus, "overrides.json"), JSON.stringify({ "r0.txt": { year: 2014 } }));
    expect((await checkFreshness(corpus, index)).upToDate).toBe(false);
  });
});
