import { APPLICATIONS_TABLE, PROACTIVE_TABLE, REVIEW_TABLE } from "../domain/types.js";
import { CROSS_RULES, TABLES, columnLabel, rowLabel, type TableRule, type TableSchema } from "../domain/format/index.js";
import type { CheckResult } from "./api.js";
import type { ExtractedCell, ExtractedTable, NarrativeFact, ReportStatistics } from "./types.js";

/**
 * 勾稽关系 checks: the tables' own rules (row sums, column sums, 一+二 = 三+四 — declared in the format
 * module), the narrative's figures against the tables, and consecutive years of one body. Pure functions.
 * ok: true = holds, false = fails, null = cannot be checked (a cell missing or undecided).
 */

type Cell = CheckResult["cells"][number];

function cellMap(t: ExtractedTable): Map<string, ExtractedCell> {
  return new Map(t.cells.map((c) => [`${c.row}\u0000${c.column}`, c]));
}

function fmt(v: number | null): string {
  return v === null ? "?" : String(v);
}

function sumExpr(parts: Array<number | null>, totals: Array<number | null>): { ok: boolean | null; expr: string } {
  const unknown = [...parts, ...totals].some((v) => v === null);
  const l = parts.reduce<number>((a, v) => a + (v ?? 0), 0);
  const r = totals.reduce<number>((a, v) => a + (v ?? 0), 0);
  // The working names the non-zero terms ("6+6+4+3+3+4"); all-zero sums read "0".
  const shown = parts.filter((v) => v !== 0);
  const lhs = shown.length ? shown.map(fmt).join("+") : "0";
  const rhs = totals.length === 1 ? fmt(totals[0]) : `${totals.map(fmt).join("+")}`;
  if (unknown) return { ok: null, expr: `${lhs} = ${rhs}（有未定或缺失的单元格）` };
  const rr = totals.length === 1 ? rhs : `${rhs} = ${r}`;
  const left = shown.length > 1 ? `${lhs} = ${l}` : lhs;
  return l === r ? { ok: true, expr: `${left} = ${rr}` } : { ok: false, expr: `${left} ≠ ${rr}` };
}

/** Export labels of a schema's rows and columns, computed once per schema. */
const labelCache = new WeakMap<TableSchema, { rows: Map<string, string>; cols: Map<string, string> }>();
function labelsOf(s: TableSchema) {
  let l = labelCache.get(s);
  if (!l) {
    l = { rows: new Map(s.rows.map((r) => [r.key, rowLabel(r)])), cols: new Map(s.columns.map((c) => [c.key, columnLabel(c)])) };
    labelCache.set(s, l);
  }
  return l;
}

function ref(s: TableSchema, t: ExtractedTable, c: ExtractedCell | undefined, row: string, column: string): Cell {
  const l = labelsOf(s);
  return { table: t.table, row: l.rows.get(row) ?? row, column: l.cols.get(column) ?? column, value: c?.value ?? null };
}

/** Every in-table rule of the table's schema, once per row (row sums) or per column (column rules). */
export function tableChecks(t: ExtractedTable): CheckResult[] {
  const s = TABLES[t.format][t.table];
  const m = cellMap(t);
  const get = (row: string, col: string) => m.get(`${row}\u0000${col}`);
  const out: CheckResult[] = [];
  for (const rule of s.rules) out.push(...applyRule(s, t, rule, get));
  return out;
}

function applyRule(s: TableSchema, t: ExtractedTable, rule: TableRule, get: (r: string, c: string) => ExtractedCell | undefined): CheckResult[] {
  const out: CheckResult[] = [];
  if (rule.kind === "row-sum") {
    for (const row of s.rows) {
      if (![...rule.parts, rule.total].every((c) => get(row.key, c))) continue;
      const parts = rule.parts.map((c) => get(row.key, c)!.value);
      const { ok, expr } = sumExpr(parts, [get(row.key, rule.total)!.value]);
      out.push({
        rule: rule.id,
        label: `${rule.label}（${labelsOf(s).rows.get(row.key)}）`,
        ok,
        expr,
        cells: [...rule.parts, rule.total].map((c) => ref(s, t, get(row.key, c), row.key, c)),
      });
    }
    return out;
  }
  const left = rule.kind === "col-sum" ? rule.parts : rule.left;
  const right = rule.kind === "col-sum" ? [rule.total] : rule.right;
  for (const col of s.columns) {
    if (![...left, ...right].every((r) => get(r, col.key))) continue;
    const { ok, expr } = sumExpr(left.map((r) => get(r, col.key)!.value), right.map((r) => get(r, col.key)!.value));
    out.push({
      rule: rule.id,
      label: `${rule.label}（${labelsOf(s).cols.get(col.key)}）`,
      ok,
      expr,
      cells: [...left, ...right].map((r) => ref(s, t, get(r, col.key), r, col.key)),
    });
  }
  return out;
}

function findCell(tables: ExtractedTable[], table: string, row: string, column: string): { t: ExtractedTable; c: ExtractedCell } | null {
  const t = tables.find((x) => x.table === table);
  const c = t?.cells.find((x) => x.row === row && x.column === column);
  return t && c ? { t, c } : null;
}

/** The narrative's figures against the tables: 收到申请N件 vs 表三 本年新收 总计, 行政复议N件 vs 表四 行政复议 总计. */
export function narrativeChecks(facts: NarrativeFact[], tables: ExtractedTable[]): CheckResult[] {
  const out: CheckResult[] = [];
  const apps = facts.find((f) => f.metric === "applications");
  const neu = findCell(tables, APPLICATIONS_TABLE, "new", "total");
  if (apps && neu) {
    const s = TABLES[neu.t.format].表三;
    const carried = findCell(tables, APPLICATIONS_TABLE, "carried_in", "total");
    const v = neu.c.value;
    const ci = carried?.c.value ?? null;
    let ok: boolean | null = null;
    let expr = `正文 ${apps.value} 件 vs 表三 本年新收 ${fmt(v)}`;
    if (v !== null) {
      if (apps.value === v) { ok = true; expr = `正文 ${apps.value} = 表三 本年新收 ${v}`; }
      else if (ci !== null && apps.value === v + ci) { ok = true; expr = `正文 ${apps.value} = 本年新收 ${v} + 上年结转 ${ci}`; }
      else { ok = false; expr = `正文 ${apps.value} ≠ 表三 本年新收 ${v}`; }
    }
    out.push({
      rule: CROSS_RULES.narrativeApplications.id,
      label: CROSS_RULES.narrativeApplications.label,
      ok,
      expr,
      cells: [{ table: "叙述", row: apps.sentence.slice(0, 80), column: "applications", value: apps.value }, ref(s, neu.t, neu.c, "new", "total")],
    });
  }
  const review = facts.find((f) => f.metric === "review");
  const rv = findCell(tables, REVIEW_TABLE, "review", "total");
  if (review && rv) {
    const s = TABLES[rv.t.format].表四;
    const v = rv.c.value;
    out.push({
      rule: CROSS_RULES.narrativeReview.id,
      label: CROSS_RULES.narrativeReview.label,
      ok: v === null ? null : v === review.value,
      expr: v === null ? `正文 ${review.value} vs 表四 行政复议总计 ?` : `正文 ${review.value} ${v === review.value ? "=" : "≠"} 表四 行政复议总计 ${v}`,
      cells: [{ table: "叙述", row: review.sentence.slice(0, 80), column: "review", value: review.value }, ref(s, rv.t, rv.c, "review", "total")],
    });
  }
  return out;
}

/**
 * Two consecutive years of the same body: this year's 上年结转 = last year's 结转下年度 (per column), and
 * 表二 现行有效 continuity (last year's 现行有效 − this year's 废止 + 制发 = this year's 现行有效) where both
 * years' 表二 have those columns.
 */
export function crossYearChecks(previous: ReportStatistics, current: ReportStatistics): CheckResult[] {
  const out: CheckResult[] = [];
  const prevT3 = previous.tables.find((t) => t.table === APPLICATIONS_TABLE);
  const curT3 = current.tables.find((t) => t.table === APPLICATIONS_TABLE);
  if (prevT3 && curT3) {
    const s = TABLES[curT3.format].表三;
    const ps = TABLES[prevT3.format].表三;
    for (const col of s.columns) {
      const a = curT3.cells.find((c) => c.row === "carried_in" && c.column === col.key);
      const b = prevT3.cells.find((c) => c.row === "carried_out" && c.column === col.key);
      if (!a || !b) continue;
      const ok = a.value === null || b.value === null ? null : a.value === b.value;
      out.push({
        rule: CROSS_RULES.carryOver.id,
        label: `${CROSS_RULES.carryOver.label}（${columnLabel(col)}）`,
        ok,
        expr: `本年上年结转 ${fmt(a.value)} ${ok === false ? "≠" : "="} 上年结转下年度 ${fmt(b.value)}`,
        cells: [ref(s, curT3, a, "carried_in", col.key), { ...ref(ps, prevT3, b, "carried_out", col.key), table: "表三（上年）" }],
      });
    }
  }
  const prevT2 = previous.tables.find((t) => t.table === PROACTIVE_TABLE);
  const curT2 = current.tables.find((t) => t.table === PROACTIVE_TABLE);
  if (prevT2 && curT2) {
    const s = TABLES[curT2.format].表二;
    const get = (t: ExtractedTable, row: string, col: string) => t.cells.find((c) => c.row === row && c.column === col);
    for (const row of s.rows) {
      const before = get(prevT2, row.key, "in_force");
      const made = get(curT2, row.key, "made");
      const repealed = get(curT2, row.key, "repealed");
      const now = get(curT2, row.key, "in_force");
      if (!before || !made || !repealed || !now) continue;
      const vals = [before.value, repealed.value, made.value, now.value];
      const known = vals.every((v) => v !== null);
      const lhs = known ? before.value! - repealed.value! + made.value! : null;
      const ok = known ? lhs === now.value : null;
      out.push({
        rule: CROSS_RULES.inForce.id,
        label: `${CROSS_RULES.inForce.label}（${rowLabel(row)}）`,
        ok,
        expr: `${fmt(before.value)} − ${fmt(repealed.value)} + ${fmt(made.value)}${known ? ` = ${lhs}` : ""} ${ok === false ? "≠" : "="} ${fmt(now.value)}`,
        cells: [
          { ...ref(TABLES[prevT2.format].表二, prevT2, before, row.key, "in_force"), table: "表二（上年）" },
          ref(s, curT2, repealed, row.key, "repealed"),
          ref(s, curT2, made, row.key, "made"),
          ref(s, curT2, now, row.key, "in_force"),
        ],
      });
    }
  }
  return out;
}

/** All checks of one report: every table's own rules, then the narrative against the tables. */
export function reportChecks(tables: ExtractedTable[], facts: NarrativeFact[]): CheckResult[] {
  return [...tables.flatMap(tableChecks), ...narrativeChecks(facts, tables)];
}
