import { APPLICATIONS_TABLE, PROACTIVE_TABLE, REVIEW_TABLE } from "../../domain/types.js";
import { TABLES, type ColDef, type RowBound, type RowDef, type TableSchema } from "../../domain/format/tables.js";
import type { ReadMethod, TableId } from "../api.js";
import type { ExtractedCell, ExtractedTable } from "../types.js";
import { labelPattern, locateInOrder, normalize, type Found } from "./locate.js";
import { bestSegment, enumerateSplits, enumerateWithBlanks, maxCells, numericSegments, type NumSegment, type NumToken, type Split } from "./numbers.js";
import { decideByDigits, solveTable, type CellOutcome, type RowInput } from "./solve.js";

/**
 * Reading 表二, 表三 and 表四 from document text, whatever shape the table arrived in: " | "-separated rows
 * (PDF text layer, flattened HTML), Markdown pipe tables, or flattened pages where each row label is followed
 * by its numbers glued into one digit run. Rows are matched to the template by order and label similarity.
 */

type Format = "2019" | "2021";

export interface Region {
  start: number;
  end: number;
}

/** Cells of a row in template order (a 表二 row has only some columns). */
function rowColumns(s: TableSchema, row: RowDef): ColDef[] {
  return s.order().filter(([r]) => r.key === row.key).map(([, c]) => c);
}

function maxDigitsFor(cols: ColDef[]): number[] {
  return cols.map((c) => (c.unit === "万元" || c.unit === "元" ? 14 : 5));
}

function methodOf(text: string, seg: NumSegment | null, splits: number): ReadMethod {
  if (!seg) return "text-row";
  const lineStart = text.lastIndexOf("\n", seg.start) + 1;
  if (text[lineStart] === "|") return "pipe";
  if (text.slice(seg.start, seg.end).includes("|")) return "text-row";
  return splits === 1 && seg.tokens.length > 1 ? "text-row" : "digit-run";
}

interface RowRead {
  row: RowDef;
  cols: ColDef[];
  found: Found | null;
  seg: NumSegment | null;
  labelStart: number;
  input: RowInput;
}

/** Cells that are their row's total under the table's row rule (sum mode of the splitter). */
function sumCellsOf(s: TableSchema, cols: ColDef[]): boolean[] | undefined {
  const rule = s.rules.find((r) => r.kind === "row-sum");
  if (!rule || rule.kind !== "row-sum") return undefined;
  const flags = cols.map((c) => c.key === rule.total);
  // Sum mode needs the total last, after all its parts.
  return flags.at(-1) && cols.slice(0, -1).every((c) => rule.parts.includes(c.key)) ? flags : undefined;
}

/**
 * The readings of a row: those satisfying its row rule when there is one (found fast in sum mode); when no
 * reading satisfies it, every reading (the checks then report the failure).
 */
function splitRow(seg: NumSegment, rc: ColDef[], sumCells: boolean[] | undefined, bounds: RowBound[] = []) {
  const md = maxDigitsFor(rc);
  const n = rc.length;
  const holds = (v: Array<number | null>) => rowHolds(v, sumCells) && boundsHold(v, rc, bounds);
  // Every placement of the numbers, in order, with the cells left over empty (a page that dropped its empty cells).
  const placements = () => {
    const placed = enumerateWithBlanks(seg.tokens, n, md, seg.atomic, 20000, seg.emptyLine) ?? [];
    const ok = placed.filter((s) => holds(s.values));
    return { placed, ok };
  };
  // Fewer numbers than cells: placements only; those satisfying the row's own rule when any does.
  if (maxCells(seg.tokens, seg.atomic) < n) {
    const { placed, ok } = placements();
    return ok.length ? ok : placed;
  }
  let all: Split[] | null;
  if (seg.atomic) all = seg.tokens.length === n ? enumerateSplits(seg.tokens, n, md) : [];
  else {
    const summed = sumCells ? enumerateSplits(seg.tokens, n, md, 20000, sumCells) : null;
    all = summed?.length ? summed : enumerateSplits(seg.tokens, n, md);
  }
  const ok = (all ?? []).filter((s) => holds(s.values));
  // Numbers set apart by spaces may be cells with empty ones left out between them ("12 3 15" for seven cells): the
  // placements with empty cells that keep the row's rule are readings too, for the table's rules to choose among.
  if (seg.tokens.length > 1 && (sumCells || bounds.length) && !seg.atomic) {
    const p = placements().ok;
    const seen = new Set(ok.map((s) => s.values.join(",")));
    const more = p.filter((s) => !seen.has(s.values.join(",")) && (seen.add(s.values.join(",")), true));
    if (ok.length || more.length) return [...ok, ...more];
  }
  return ok.length ? ok : all;
}

/** The row's last cell is the sum of the others (sum mode), when the row has that rule. */
function rowHolds(values: Array<number | null>, sumCells: boolean[] | undefined): boolean {
  if (!sumCells) return true;
  const total = values[values.length - 1];
  if (total === null) return true;
  return values.slice(0, -1).reduce<number>((a, v) => a + (v ?? 0), 0) === total;
}

/** A table's bounds on one row's cells (表二: 现行有效 ≥ 本年制发 − 本年废止), where the row has those cells. */
function boundsHold(values: Array<number | null>, rc: ColDef[], bounds: RowBound[]): boolean {
  const at = (k: string) => rc.findIndex((c) => c.key === k);
  return bounds.every((b) => {
    const idx = [b.column, ...b.plus, ...b.minus].map(at);
    if (idx.some((i) => i < 0) || idx.some((i) => values[i] === null)) return true;
    const v = (k: string) => values[at(k)]!;
    return v(b.column) >= b.plus.reduce((a, k) => a + v(k), 0) - b.minus.reduce((a, k) => a + v(k), 0);
  });
}

/** Locates each row's label in the region and reads the numbers between it and the next label. */
function readRows(text: string, region: Region, rows: RowDef[], cols: (r: RowDef) => ColDef[], schema?: TableSchema, bounds: RowBound[] = []): RowRead[] {
  const norm = normalize(text, region.start, region.end);
  const patterns = rows.map((r) => labelPattern(r.label));
  const found = locateInOrder(norm, patterns);
  const toOrig = (i: number) => (i < norm.map.length ? norm.map[i] : region.end);
  const out: RowRead[] = [];
  for (let i = 0; i < rows.length; i++) {
    const f = found[i];
    const rc = cols(rows[i]);
    if (!f) {
      out.push({ row: rows[i], cols: rc, found: null, seg: null, labelStart: -1, input: { key: rows[i].key, columns: rc.map((c) => c.key), splits: null } });
      continue;
    }
    const labelStart = toOrig(f.start);
    const from = f.end > 0 ? norm.map[f.end - 1] + 1 : region.start;
    let to = region.end;
    for (let j = i + 1; j < rows.length; j++) if (found[j]) { to = toOrig(found[j]!.start); break; }
    const seg = bestSegment(numericSegments(text, from, to));
    const splits = seg ? splitRow(seg, rc, schema ? sumCellsOf(schema, rc) : undefined, bounds) : null;
    const placed = seg !== null && maxCells(seg.tokens, seg.atomic) < rc.length;
    const forced = seg && !placed ? (seg.atomic ? seg.tokens.length === rc.length : enumerateSplits(seg.tokens, rc.length, maxDigitsFor(rc), 1)?.length === 1) : false;
    out.push({ row: rows[i], cols: rc, found: f, seg, labelStart, input: { key: rows[i].key, columns: rc.map((c) => c.key), splits: splits ?? (seg ? [] : null), forced } });
  }
  return out;
}

/**
 * In a table whose page leaves empty cells out (one number per line, or rows with fewer numbers than cells), a row
 * whose label stands with no number after it had every cell empty: read as 0s, the rules still checking it.
 */
function emptyRows(reads: RowRead[]): void {
  const dropping = reads.some((r) => r.seg && (r.seg.atomic || maxCells(r.seg.tokens, r.seg.atomic) < r.cols.length));
  if (!dropping) return;
  for (const r of reads) {
    if (!r.found || r.seg) continue;
    r.input = { ...r.input, splits: [{ values: r.cols.map(() => 0), spans: r.cols.map(() => [r.labelStart, r.labelStart] as [number, number]) }] };
  }
}

function quoteOf(text: string, r: RowRead): string {
  if (r.labelStart < 0 || !r.seg) return "";
  const q = text.slice(r.labelStart, r.seg.end).replace(/\s+/g, " ").trim();
  return q.length > 240 ? q.slice(0, 120) + "…" + q.slice(-110) : q;
}

function cellsFrom(text: string, table: TableId, reads: RowRead[], outcomes: Map<string, Map<string, CellOutcome>>): ExtractedCell[] {
  const cells: ExtractedCell[] = [];
  for (const r of reads) {
    const o = outcomes.get(r.row.key);
    const nSplits = r.input.splits?.length ?? 0;
    const method = methodOf(text, r.seg, nSplits);
    for (const c of r.cols) {
      const oc = o?.get(c.key) ?? { value: null, basis: "missing" as const };
      const cell: ExtractedCell = {
        table,
        row: r.row.key,
        column: c.key,
        value: oc.value,
        method,
        quote: quoteOf(text, r),
        basis: oc.basis,
      };
      if (oc.candidates) cell.candidates = oc.candidates;
      if (oc.span) cell.span = oc.span;
      else if (r.seg) cell.span = [r.seg.start, r.seg.end];
      cells.push(cell);
    }
  }
  return cells;
}

function statusOf(cells: ExtractedCell[]): ExtractedTable["status"] {
  if (cells.every((c) => c.value === null && !c.candidates)) return "unreadable";
  return cells.every((c) => c.value !== null) ? "decoded" : "partial";
}

// ---------------------------------------------------------------- 表三

const T3_START = /[（(]本列数据的勾稽关系|申请人情况/;

/** Which 表三 layout a text follows: the 2021 one splits （六）其他处理 into three rows. */
export function t3Variant(regionText: string): Format {
  const split = TABLES["2021"].表三.rows.find((r) => r.key === "other.no_correction")!;
  const words = labelPattern(split.label).core.slice(0, 8);
  // A 2021-format report may still print the trial layout's single （六）其他处理 row (洪泽区 2023).
  return normalize(regionText).text.includes(words) ? "2021" : "2019";
}

const LAST_ROW = new RegExp([...labelPattern(TABLES["2021"].表三.rows.at(-1)!.label).core].join("[\\s|]*"), "g");

/** The 表三 region: from its heading note (or first row) to its last row's numbers. */
export function findT3Region(text: string): Region | null {
  const first = labelPattern(TABLES["2021"].表三.rows[0].label).core;
  let start = text.search(T3_START);
  const firstRow = text.indexOf(first.slice(0, 6));
  if (start < 0 || (firstRow >= 0 && firstRow - start > 3000)) start = firstRow;
  if (start < 0) return null;
  // The last row's label, allowing line breaks and pipes between its characters (PDF rows wrap).
  LAST_ROW.lastIndex = start;
  const m = LAST_ROW.exec(text);
  let end: number;
  if (!m || m.index - start > 20000) end = Math.min(text.length, start + 20000);
  else {
    // The last row's numbers run until the next words (表四's heading, a sentence).
    const after = /[\u4e00-\u9fff。]/g;
    after.lastIndex = m.index + m[0].length;
    const w = after.exec(text);
    end = w ? w.index : text.length;
  }
  return { start, end };
}

export function readT3(text: string, format: Format): ExtractedTable | null {
  const region = findT3Region(text);
  if (!region) return null;
  const variant = t3Variant(text.slice(region.start, region.end));
  const schema = TABLES[variant].表三;
  const reads = readRows(text, region, schema.rows, (r) => rowColumns(schema, r), schema);
  if (reads.every((r) => !r.seg)) return null;
  emptyRows(reads);
  const solved = solveTable(schema.rules, reads.map((r) => r.input));
  const cells = cellsFrom(text, APPLICATIONS_TABLE, reads, solved.cells);
  const methods = new Set(cells.filter((c) => c.value !== null || c.candidates).map((c) => c.method));
  return {
    table: APPLICATIONS_TABLE,
    format: variant,
    method: methods.has("digit-run") ? "digit-run" : methods.has("pipe") ? "pipe" : "text-row",
    status: statusOf(cells),
    cells,
    span: [region.start, region.end],
    note: solved.solutions === 0 ? "rules fail: cells kept where digit count, spaces or the row's own sum decide them" : solved.truncated ? "search budget reached: cells decided row by row" : undefined,
  };
}

// ---------------------------------------------------------------- 表四

const T4_START = /行政复议[\s|#]*(?:行政诉讼[\s|#]*)?结果[\s|]*维持/;

export function findT4Region(text: string, after = 0): Region | null {
  const rest = text.slice(after);
  const m = T4_START.exec(rest);
  if (!m) return null;
  const start = after + m.index;
  let end = Math.min(text.length, start + 1500);
  // The next section's heading ("五、", or "六、" in a report with a section of its own) or a sentence's end.
  const stop = /[一二三四五六七八九十]、|。/g;
  stop.lastIndex = start;
  const s = stop.exec(text);
  if (s && s.index < end) end = s.index;
  return { start, end };
}

export function readT4(text: string, format: Format, after = 0): ExtractedTable | null {
  const region = findT4Region(text, after);
  if (!region) return null;
  const schema = TABLES[format].表四;
  const segs = numericSegments(text, region.start, region.end);
  const tokens: NumToken[] = segs.flatMap((s) => s.tokens);
  if (tokens.length === 0) return null;
  const order = schema.order();
  const n = order.length;
  const rowRuleDef = schema.rules.find((r) => r.kind === "row-sum");
  const sumCells = order.map(([, c]) => rowRuleDef?.kind === "row-sum" && c.key === rowRuleDef.total);
  const atomic = segs.some((s) => s.atomic);
  // Fewer numbers than cells: placements with empty cells (0), the row rule choosing among them below.
  const placed = maxCells(tokens, atomic) < n;
  const summed = atomic || placed ? [] : enumerateSplits(tokens, n, order.map(() => 5), 20000, sumCells) ?? [];
  const lined = segs.length === 1 ? segs[0].emptyLine : undefined;
  const splits = placed
    ? enumerateWithBlanks(tokens, n, order.map(() => 5), atomic, 20000, lined) ?? []
    : atomic
      ? tokens.length === n ? enumerateSplits(tokens, n, order.map(() => 5)) ?? [] : []
      : summed.length > 0 ? summed : enumerateSplits(tokens, n, order.map(() => 5)) ?? [];
  // One reading of the 15 numbers → one reading per row; the row rule filters whole readings.
  const perRow = schema.rows.map((r) => order.map(([rr], i) => (rr.key === r.key ? i : -1)).filter((i) => i >= 0));
  const rowRule = schema.rules.find((r) => r.kind === "row-sum")!;
  const rowsOk = (vals: Array<number | null>) => perRow.every((idx) => {
    const cols = idx.map((i) => order[i][1].key);
    const v = idx.map((i) => vals[i]);
    if (rowRule.kind !== "row-sum" || v.some((x) => x === null)) return true;
    const total = v[cols.indexOf(rowRule.total)]!;
    return rowRule.parts.reduce((a, p) => a + (v[cols.indexOf(p)] ?? 0), 0) === total;
  });
  // Spaced numbers may have had empty cells between them: those placements that keep the row rule are readings too.
  const spaced = !atomic && !placed && tokens.length > 1;
  if (spaced) {
    const seen = new Set(splits.map((s) => s.values.join(",")));
    for (const p of (enumerateWithBlanks(tokens, n, order.map(() => 5), false) ?? []).filter((p) => rowsOk(p.values)))
      if (!seen.has(p.values.join(","))) {
        seen.add(p.values.join(","));
        splits.push(p);
      }
  }
  const valid = splits.filter((s) => rowsOk(s.values));
  // Placements of fewer numbers than cells that break the rules decide nothing: the empty cells were only inferred.
  const chosen = valid.length > 0 ? valid : placed ? [] : splits;
  const whole: RowInput = { key: "*", columns: order.map((_, i) => String(i)), splits: chosen };
  const outcome = decideByDigits(whole);
  const basis: CellOutcome["basis"] = splits.length === 1 ? "digits" : valid.length > 0 ? "row-rule" : "digits";
  const pipe = segs.some((s) => text[text.lastIndexOf("\n", s.start) + 1] === "|");
  const method: ReadMethod = pipe ? "pipe" : tokens.length === n ? "text-row" : "digit-run";
  const quote = text.slice(segs[0].start, segs.at(-1)!.end).replace(/\s+/g, " ").trim();
  const cells: ExtractedCell[] = order.map(([r, c], i) => {
    const o = outcome.get(String(i))!;
    const cell: ExtractedCell = { table: REVIEW_TABLE, row: r.key, column: c.key, value: o.value, method, quote: quote.length > 200 ? quote.slice(0, 200) + "…" : quote, basis: o.value !== null ? basis : o.basis };
    if (o.candidates) cell.candidates = o.candidates;
    cell.span = o.span ?? [segs[0].start, segs.at(-1)!.end];
    return cell;
  });
  return {
    table: REVIEW_TABLE,
    format,
    method,
    status: statusOf(cells),
    cells,
    span: [region.start, region.end],
    note: splits.length > 0 && valid.length === 0 ? "rules fail: cells kept where digit count and spaces decide them" : splits.length === 0 ? `${tokens.length} numbers for ${n} cells` : undefined,
  };
}

// ---------------------------------------------------------------- 表二

const T2_START = /第二十条第[（(]一[）)]项/;

export function readT2(text: string, format: Format): ExtractedTable | null {
  const m = T2_START.exec(text);
  if (!m) return null;
  const t3 = findT3Region(text);
  const start = m.index;
  let end = t3 && t3.start > start ? t3.start : Math.min(text.length, start + 3000);
  const head = text.slice(start, end).search(/三、收到和处理|三、依申请/);
  if (head > 0) end = start + head;
  const region = { start, end };
  const schema = TABLES[format].表二;
  const reads = readRows(text, region, schema.rows, (r) => rowColumns(schema, r), undefined, schema.bounds ?? []);
  if (reads.every((r) => !r.seg)) return null;
  const outcomes = new Map(reads.map((r) => [r.row.key, decideByDigits(r.input)]));
  const cells = cellsFrom(text, PROACTIVE_TABLE, reads, outcomes);
  return { table: PROACTIVE_TABLE, format, method: cells.some((c) => c.method === "digit-run") ? "digit-run" : cells.some((c) => c.method === "pipe") ? "pipe" : "text-row", status: statusOf(cells), cells, span: [start, end] };
}
