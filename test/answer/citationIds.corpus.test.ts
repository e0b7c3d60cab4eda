import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { buildServer } from "../../src/server/app.js";
import { citationRef, type Citation } from "../../src/types.js";
import { useRealEngine } from "../helpers/engine.js";

/**
 * Every citation an answer gives carries an id, and the id opens its source: `/api/source`, the page's
 * "查看原文章节" and the bot's source button look sources up by it. Checked over every answer of the eval sets.
 */

const real = useRealEngine();
const SETS = ["test/eval/questions.jsonl", "test/eval/heldout.jsonl", "test/eval/sealed.jsonl", "test/eval/sealed-rules.jsonl"];
const cited: Array<{ q: string; c: Citation }> = [];
let app: FastifyInstance;

beforeAll(async () => {
  const engine = real.engine();
  for (const file of SETS)
    for (const line of readFileSync(file, "utf8").split("\n").filter((l) => l.trim())) {
      const item = JSON.parse(line) as { question: string; previous?: string | string[] };
      let state = null;
      for (const p of item.previous === undefined ? [] : [item.previous].flat()) state = (await engine.ask(p, state)).state;
      const { answer } = await engine.ask(item.question, state);
      for (const c of answer.citations) cited.push({ q: item.question, c });
    }
  app = await buildServer({ engine, stats: null, settings: real.settings });
}, 600_000);

describe("citation ids", () => {
  it("every citation of every eval answer has an id that opens its source", () => {
    expect(cited.length).toBeGreaterThan(300);
    const bad: string[] = [];
    for (const { q, c } of cited) {
      if (!c.id || !citationRef(c.id)) {
        bad.push(`${q}: no id (${c.source} ${c.section})`);
        continue;
      }
      const v = real.engine().source(c.id);
      if (!v || !v.text.trim()) bad.push(`${q}: ${c.id} does not resolve`);
      else if (v.source !== c.source) bad.push(`${q}: ${c.id} opens ${v.source}, cited ${c.source}`);
      else if (c.cell && !v.cell) bad.push(`${q}: cell citation ${c.id} opens no cell`);
    }
    expect(bad).toEqual([]);
  });

  it("a cell citation quotes the table row with its labels and opens its table with the cell named", async () => {
    const cell = cited.find(({ c }) => c.cell && c.id?.startsWith("cell:"))!.c;
    expect(cell.quote).toContain(cell.cell!.row.split(" › ").pop()!.slice(0, 4));
    expect(cell.quote).toMatch(/总计 \d+/);
    const res = await app.inject({ method: "POST", url: "/api/source", payload: { id: cell.id } });
    expect(res.statusCode).toBe(200);
    const v = res.json();
    expect(v.cell).toMatchObject({ table: cell.cell!.table, row: cell.cell!.row, column: cell.cell!.column });
    expect(v.text.length).toBeGreaterThan(20);
  });

  it("/api/source answers 404 for an id the index does not hold, 400 for junk", async () => {
    expect((await app.inject({ method: "POST", url: "/api/source", payload: { id: "chunk:nope" } })).statusCode).toBe(404);
    expect((await app.inject({ method: "POST", url: "/api/source", payload: { id: "cell:a|表三|x|y" } })).statusCode).toBe(404);
    expect((await app.inject({ method: "POST", url: "/api/source", payload: { id: 5 } })).statusCode).toBe(400);
  });
});
