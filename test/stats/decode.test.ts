import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { T3_GROUP_LABELS, TABLES } from "../../src/domain/format/index.js";
import { enumerateSplits, numericSegments } from "../../src/stats/extract/numbers.js";
import { readT3, readT4 } from "../../src/stats/extract/tables.js";

/** The digit-run decoder on tiny synthetic tables, and a property test: decode exactly or say undecided. */

const S21 = TABLES["2021"].表三;
const HEAD = "三、收到和处理政府信息公开申请情况（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）申请人情况自然人法人或其他组织总计商业企业科研机构社会公益组织法律服务机构其他";
const TAIL = "四、政府信息公开行政复议、行政诉讼情况";

type Table = Record<string, number[]>;

/** Renders a 表三 the way the crawled pages flatten it: group labels, row labels, numbers glued or spaced. */
function flatten(t: Table, space: (row: string, i: number) => boolean): string {
  let out = HEAD;
  let group = "";
  for (const r of S21.rows) {
    if (r.key === "open") out += T3_GROUP_LABELS[0];
    const g = r.group[0] ?? "";
    if (g && g !== group) out += g;
    group = g;
    out += r.label;
    out += t[r.key].map((v, i) => (i > 0 && space(r.key, i) ? " " : "") + String(v)).join("");
  }
  return out + TAIL;
}

function zeroTable(): Table {
  return Object.fromEntries(S21.rows.map((r) => [r.key, [0, 0, 0, 0, 0, 0, 0]]));
}

/** Fills totals so that every rule holds: row sums, result column sums, 一+二 = 三+四. */
function complete(t: Table): Table {
  const results = (S21.rules.find((r) => r.kind === "col-sum") as { parts: string[] }).parts;
  for (const k of Object.keys(t)) t[k][6] = t[k].slice(0, 6).reduce((a, b) => a + b, 0);
  for (let c = 0; c < 7; c++) t.total[c] = results.reduce((a, k) => a + t[k][c], 0);
  for (let c = 0; c < 6; c++) t.new[c] = t.total[c] + t.carried_out[c] - t.carried_in[c];
  t.new[6] = t.new.slice(0, 6).reduce((a, b) => a + b, 0);
  return t;
}

function values(text: string) {
  const t = readT3(text, "2021")!;
  const get = (row: string) => S21.columns.map((c) => t.cells.find((x) => x.row === row && x.column === c.key)!);
  return { t, get };
}

describe("splitting a run into cells", () => {
  it("a run with as many digits as cells splits one way", () => {
    const [seg] = numericSegments("0000000", 0, 7);
    expect(enumerateSplits(seg.tokens, 7, Array(7).fill(5))!.map((s) => s.values)).toEqual([[0, 0, 0, 0, 0, 0, 0]]);
  });

  it("spaces are hard boundaries; no leading zeros", () => {
    const text = "10 0 0 0 01";
    const [seg] = numericSegments(text, 0, text.length);
    const splits = enumerateSplits(seg.tokens, 7, Array(7).fill(5))!.map((s) => s.values);
    expect(splits).toEqual([[1, 0, 0, 0, 0, 0, 1]]);
    const glued = numericSegments("200 000121", 0, 10)[0];
    const g = enumerateSplits(glued.tokens, 7, Array(7).fill(5))!.map((s) => s.values.join(","));
    expect(g).toContain("20,0,0,0,0,1,21");
    expect(g).toContain("2,0,0,0,0,0,121");
    expect(g.every((s) => !s.includes(",00"))).toBe(true);
  });

  it("a dash between separators is an empty cell; a Markdown rule line is not", () => {
    const text = "| - | 3 |\n|---|---|";
    const segs = numericSegments(text, 0, text.length);
    expect(segs).toHaveLength(1);
    expect(segs[0].tokens.map((t) => t.kind)).toEqual(["empty", "int"]);
  });

  it("a decimal carries the last cell; a minus sign starts a cell", () => {
    const a = numericSegments("39573802895.90元", 0, 15)[0];
    expect(enumerateSplits(a.tokens, 2, [5, 14])!.length).toBe(5);
    const b = numericSegments("35-15", 0, 5)[0];
    expect(enumerateSplits(b.tokens, 2, [5, 5])!.map((s) => s.values)).toEqual([[35, -15]]);
  });
});

describe("decoding a synthetic 表三", () => {
  it("uses the column rules to split an ambiguous run", () => {
    const t = zeroTable();
    // "270020130" reads 27|0|0|2|0|1|30 or 2|7|0|0|20|1|30 — both keep the row sum; the 自然人 column decides.
    t.open = [27, 0, 0, 2, 0, 1, 0];
    t.partial = [5, 0, 0, 0, 0, 0, 0];
    complete(t);
    const { t: table, get } = values(flatten(t, () => false));
    expect(table.status).toBe("decoded");
    expect(get("open").map((c) => c.value)).toEqual([27, 0, 0, 2, 0, 1, 30]);
    expect(get("open")[0].basis).toBe("table-rules");
    expect(get("new").map((c) => c.value)).toEqual([32, 0, 0, 2, 0, 1, 35]);
  });

  it("leaves a cell undecided, with candidates, when the rules allow two readings", () => {
    // Two result rows that can trade digits: 1|11 and 11|1 in both rows keep every column sum.
    const t = zeroTable();
    t.open = [1, 11, 0, 0, 0, 0, 0];
    t.partial = [11, 1, 0, 0, 0, 0, 0];
    complete(t);
    const { t: table, get } = values(flatten(t, () => false));
    expect(table.status).toBe("partial");
    const c = get("open")[0];
    expect(c.value).toBeNull();
    expect(c.candidates).toEqual([1, 11]);
    expect(c.basis).toBe("undecided");
    expect(get("open")[6].value).toBe(12);
  });

  it("a row missing from the text leaves its cells missing, the rest decoded", () => {
    const t = complete(zeroTable());
    const text = flatten(t, () => false).replace(/3\.补正后申请内容仍不明确0000000/, "");
    const { get } = values(text);
    expect(get("unable.unclear").every((c) => c.value === null && c.basis === "missing")).toBe(true);
    expect(get("new").every((c) => c.value === 0)).toBe(true);
  });

  it("表四: the row rule splits a glued run", () => {
    const text = "行政复议行政诉讼结果维持结果纠正其他结果尚未审结总计未经复议直接起诉复议后起诉结果维持结果纠正其他结果尚未审结总计结果维持结果纠正其他结果尚未审结总计10203120001200000五、存在的主要问题";
    const t = readT4(text, "2021")!;
    expect(t.cells.map((c) => c.value)).toEqual([1, 0, 2, 0, 3, 12, 0, 0, 0, 12, 0, 0, 0, 0, 0]);
  });
});

/** Random valid 2021 表三 tables: small counts, mostly zero, sometimes two or three digits. */
const cellValue = fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 3, arbitrary: fc.integer({ min: 1, max: 9 }) }, { weight: 1, arbitrary: fc.integer({ min: 10, max: 300 }) });
const validTable = fc
  .record({
    results: fc.array(fc.array(cellValue, { minLength: 6, maxLength: 6 }), { minLength: 21, maxLength: 21 }),
    carriedOut: fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 12 })), { minLength: 6, maxLength: 6 }),
    carriedInShare: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 6, maxLength: 6 }),
  })
  .map(({ results, carriedOut, carriedInShare }) => {
    const t = zeroTable();
    const resultKeys = (S21.rules.find((r) => r.kind === "col-sum") as { parts: string[] }).parts;
    resultKeys.forEach((k, i) => (t[k] = [...results[i], 0]));
    t.carried_out = [...carriedOut, 0];
    complete(t);
    // 上年结转 ≤ 总计 + 结转下年度, so 本年新收 stays ≥ 0.
    for (let c = 0; c < 6; c++) t.carried_in[c] = Math.floor(carriedInShare[c] * (t.total[c] + t.carried_out[c]));
    for (const k of ["carried_in"]) t[k][6] = t[k].slice(0, 6).reduce((a, b) => a + b, 0);
    for (let c = 0; c < 6; c++) t.new[c] = t.total[c] + t.carried_out[c] - t.carried_in[c];
    t.new[6] = t.new.slice(0, 6).reduce((a, b) => a + b, 0);
    return t;
  });

describe("property: a valid table flattened into digit runs decodes back exactly or says undecided", () => {
  const check = (t: Table, text: string) => {
    const { t: table } = values(text);
    for (const cell of table.cells) {
      const col = S21.columns.findIndex((c) => c.key === cell.column);
      const truth = t[cell.row][col];
      if (cell.value !== null) expect([cell.row, cell.column, cell.value]).toEqual([cell.row, cell.column, truth]);
      else expect(cell.candidates).toContain(truth);
    }
    // Every rule holds on a valid table: no check may fail.
    return table;
  };

  // 150 random tables each, or as many as fit in 4 s on a loaded machine (then the run stops early, still passing).
  const RUNS = { numRuns: 150, interruptAfterTimeLimit: 4_000 };

  it("glued runs", () => {
    fc.assert(fc.property(validTable, (t) => { check(t, flatten(t, () => false)); }), RUNS);
  });

  it("runs with random spaces", () => {
    fc.assert(
      fc.property(validTable, fc.array(fc.boolean(), { minLength: 25 * 7, maxLength: 25 * 7 }), (t, spaces) => {
        const keys = S21.rows.map((r) => r.key);
        check(t, flatten(t, (row, i) => spaces[keys.indexOf(row) * 7 + i]));
      }),
      RUNS,
    );
  });
});
