import type { TableRule } from "../../domain/format/tables.js";
import type { Split } from "./numbers.js";

/**
 * Choosing among the ways each row's numbers can be read, under the table's own rules (row sums, column
 * sums, 一+二 = 三+四). Complete search: every assignment satisfying all rules is found (up to a budget),
 * so a cell is decided only when every consistent reading agrees on it.
 */

export interface RowInput {
  key: string;
  /** Column keys of the row's cells, in reading order. */
  columns: string[];
  /** Possible readings; null = the row is absent from the text (no constraint uses it). */
  splits: Split[] | null;
  /** The digit count and spaces alone allow one reading (before any rule). */
  forced?: boolean;
}

export interface CellOutcome {
  value: number | null;
  /** More than one value possible: the candidates (sorted). */
  candidates?: number[];
  span?: [number, number];
  /** How the value was fixed: by digit count and spaces alone, by the row's own sum, or by the whole table's rules. */
  basis: "digits" | "row-rule" | "table-rules" | "undecided" | "missing";
}

export interface SolveResult {
  /** rows[key][column] */
  cells: Map<string, Map<string, CellOutcome>>;
  /** Number of readings of the whole table satisfying every rule (capped); 0 = the rules cannot all hold. */
  solutions: number;
  /** The search stopped at its budget: cells were decided row by row only (still sound). */
  truncated: boolean;
}

const MAX_SOLUTIONS = 2000;
const MAX_NODES = 60000;

function rowSumOk(rule: Extract<TableRule, { kind: "row-sum" }>, cols: string[], values: Array<number | null>): boolean | null {
  let sum = 0;
  let total: number | null = null;
  for (let i = 0; i < cols.length; i++) {
    const v = values[i];
    if (cols[i] === rule.total) total = v;
    else if (rule.parts.includes(cols[i])) {
      if (v === null) return null;
      if (v < 0) return false;
      sum += v;
    }
  }
  if (total === null) return null;
  return sum === total;
}

/** Readings of a row that satisfy every row rule that applies to it (rules that cannot be evaluated are skipped). */
export function filterByRowRules(rules: TableRule[], row: RowInput): Split[] {
  if (!row.splits) return [];
  const rs = rules.filter((r): r is Extract<TableRule, { kind: "row-sum" }> => r.kind === "row-sum");
  return row.splits.filter((s) => rs.every((r) => rowSumOk(r, row.columns, s.values) !== false));
}

function agree(splits: Split[], basis: CellOutcome["basis"], columns: string[]): Map<string, CellOutcome> {
  const out = new Map<string, CellOutcome>();
  for (let c = 0; c < columns.length; c++) {
    const vals = new Set(splits.map((s) => s.values[c]));
    if (splits.length > 0 && vals.size === 1) {
      const spanSet = new Set(splits.map((s) => s.spans[c].join(":")));
      out.set(columns[c], { value: splits[0].values[c], span: spanSet.size === 1 ? splits[0].spans[c] : undefined, basis });
    } else if (splits.length === 0) {
      out.set(columns[c], { value: null, basis: "missing" });
    } else {
      const cands = [...vals].filter((v): v is number => v !== null).sort((a, b) => a - b);
      out.set(columns[c], { value: null, candidates: cands, basis: "undecided" });
    }
  }
  return out;
}

/** Decide each cell from the row's own readings only (no rules): what digit count and spaces force. */
export function decideByDigits(row: RowInput): Map<string, CellOutcome> {
  return agree(row.splits ?? [], "digits", row.columns);
}

export function solveTable(rules: TableRule[], rows: RowInput[]): SolveResult {
  const present = rows.filter((r) => r.splits && r.splits.length > 0);
  const byRow = new Map(rows.map((r) => [r.key, r]));
  const filtered = new Map(present.map((r) => [r.key, filterByRowRules(rules, r)]));

  // Column constraints as (left rows, right rows) per column; only over rows that are present.
  interface ColCons { col: string; left: string[]; right: string[]; nonneg: boolean }
  const cons: ColCons[] = [];
  for (const rule of rules) {
    if (rule.kind === "row-sum") continue;
    const left = rule.kind === "col-sum" ? rule.parts : rule.left;
    const right = rule.kind === "col-sum" ? [rule.total] : rule.right;
    if (![...left, ...right].every((k) => filtered.has(k))) continue;
    const cols = new Set<string>();
    for (const k of [...left, ...right]) for (const c of byRow.get(k)!.columns) cols.add(c);
    for (const col of cols) {
      if (![...left, ...right].every((k) => byRow.get(k)!.columns.includes(col))) continue;
      cons.push({ col, left, right, nonneg: rule.kind === "col-sum" });
    }
  }

  // Search order: fixed rows first, then totals (so partial sums can prune), then by fewest readings.
  const totals = new Set(cons.flatMap((c) => (c.nonneg ? c.right : [])));
  const order = [...present]
    .sort((a, b) => {
      const na = filtered.get(a.key)!.length;
      const nb = filtered.get(b.key)!.length;
      if ((na === 1) !== (nb === 1)) return na === 1 ? -1 : 1;
      if (totals.has(a.key) !== totals.has(b.key)) return totals.has(a.key) ? -1 : 1;
      return na - nb;
    })
    .map((r) => r.key);
  const pos = new Map(order.map((k, i) => [k, i]));
  // Constraint becomes checkable when its last row (in search order) is assigned.
  const checkAt: ColCons[][] = order.map(() => []);
  for (const c of cons) checkAt[Math.max(...[...c.left, ...c.right].map((k) => pos.get(k)!))].push(c);
  // Partial sums of non-negative parts may not exceed an already assigned total.
  const pruneAt: ColCons[][] = order.map(() => []);
  for (const c of cons) {
    if (!c.nonneg) continue;
    const last = Math.max(...[...c.left, ...c.right].map((k) => pos.get(k)!));
    for (const k of c.left) { const p = pos.get(k)!; if (p < last && c.right.every((r) => pos.get(r)! < p)) pruneAt[p].push(c); }
  }
  const colIndex = (key: string, col: string) => byRow.get(key)!.columns.indexOf(col);

  const chosen: number[] = new Array(order.length).fill(-1);
  const used: Array<Set<number>> = order.map(() => new Set());
  let solutions = 0;
  let nodes = 0;
  let truncated = false;
  const value = (key: string, col: string): number | null => {
    const i = pos.get(key)!;
    return filtered.get(key)![chosen[i]].values[colIndex(key, col)];
  };
  const holds = (c: ColCons): boolean => {
    let l = 0;
    let r = 0;
    for (const k of c.left) { const v = value(k, c.col); if (v === null) return true; l += v; }
    for (const k of c.right) { const v = value(k, c.col); if (v === null) return true; r += v; }
    return l === r;
  };
  const within = (c: ColCons, d: number): boolean => {
    let r = 0;
    for (const k of c.right) { const v = value(k, c.col); if (v === null) return true; r += v; }
    let l = 0;
    for (const k of c.left) {
      if (pos.get(k)! > d) continue;
      const v = value(k, c.col);
      if (v !== null) l += v;
    }
    return l <= r;
  };
  const rec = (d: number) => {
    if (truncated) return;
    if (d === order.length) {
      solutions++;
      for (let i = 0; i < order.length; i++) used[i].add(chosen[i]);
      if (solutions >= MAX_SOLUTIONS) truncated = true;
      return;
    }
    const cands = filtered.get(order[d])!;
    for (let i = 0; i < cands.length; i++) {
      if (++nodes > MAX_NODES) { truncated = true; return; }
      chosen[d] = i;
      if (checkAt[d].every(holds) && pruneAt[d].every((c) => within(c, d))) rec(d + 1);
      if (truncated) return;
    }
    chosen[d] = -1;
  };
  if ([...filtered.values()].every((f) => f.length > 0)) rec(0);

  const cells = new Map<string, Map<string, CellOutcome>>();
  for (const r of rows) {
    if (!r.splits || r.splits.length === 0) {
      cells.set(r.key, new Map(r.columns.map((c) => [c, { value: null, basis: "missing" } as CellOutcome])));
      continue;
    }
    const f = filtered.get(r.key)!;
    if (solutions > 0 && !truncated) {
      const i = pos.get(r.key)!;
      const readings = [...used[i]].map((j) => f[j]);
      const basis: CellOutcome["basis"] = r.forced ? "digits" : f.length === 1 ? "row-rule" : "table-rules";
      cells.set(r.key, agree(readings, basis, r.columns));
    } else if (f.length > 0) {
      // Rules fail across rows (or the search hit its budget): decide by the row's own sum where it is unique.
      cells.set(r.key, agree(f, r.forced ? "digits" : "row-rule", r.columns));
    } else {
      // The row contradicts its own sum under every reading: keep only what digit count and spaces force.
      cells.set(r.key, decideByDigits(r));
    }
  }
  return { cells, solutions, truncated };
}
