/**
 * Statistics for synthetic reports, as real reports carry them: the 2019/2021-format 表二, 表三 and 表四
 * flattened by a crawler into label-then-numbers runs (numbers glued into one digit run, or space-separated),
 * and, before 2019, the figures stated in sentences. Every label, heading and table shape comes from the format
 * module (src/domain/format): nothing here spells a row or column label. Generated 表三 are valid: each row's applicant
 * columns sum to 总计, each column's results sum to （七）总计, and 第一项 + 第二项 = 第三项 + 第四项.
 */
import { FORMATS, TABLES, T3_GROUP_LABELS, type ColDef, type RowDef, type TableSchema } from "../src/domain/format/index.js";

type Rand = () => number;
type Format = "2019" | "2021";

const int = (rand: Rand, lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
/** Mostly small counts with a long tail (up to `max`), as real tables have them. */
const skewed = (rand: Rand, max: number) => Math.floor(Math.exp(rand() * Math.log(max + 1))) - 1;

/** Splits `n` into `k` parts with the given weights (multinomial by repeated draws for small n, proportional for large). */
function distribute(rand: Rand, n: number, weights: number[]): number[] {
  const out = weights.map(() => 0);
  const total = weights.reduce((a, b) => a + b, 0);
  if (n <= 200) {
    for (let i = 0; i < n; i++) {
      let r = rand() * total;
      let j = 0;
      while (r >= weights[j] && j < weights.length - 1) r -= weights[j++];
      out[j]++;
    }
    return out;
  }
  let left = n;
  weights.forEach((w, j) => {
    if (j === weights.length - 1) return;
    const share = Math.min(left, Math.round((n * w * (0.7 + 0.6 * rand())) / total));
    out[j] = share;
    left -= share;
  });
  out[weights.length - 1] += left;
  return out;
}

/** Weight of a result row of 表三 by its key: most applications are answered 予以公开 or 不掌握. */
function resultWeight(key: string): number {
  if (key === "open") return 40;
  if (key === "partial") return 8;
  if (key === "unable.not_held") return 20;
  if (key.startsWith("withheld.")) return 1.2;
  if (key.startsWith("unable.")) return 2;
  if (key.startsWith("refused.")) return 1;
  return 1.5; // （六）其他处理 and its parts
}

/** Applicant mix per column (自然人 … 其他), as a share of a body's applications. */
const APPLICANT_WEIGHTS = [80, 8, 0.5, 0.5, 3, 3];

export type Values = Map<string, number>; // "row:column" → value

/** A valid random 表三: returns the cell values by "row:column". */
export function randomT3(schema: TableSchema, rand: Rand): Values {
  const rows = schema.rows;
  const cols = schema.columns;
  const rowSum = schema.rules.find((r) => r.kind === "row-sum")!;
  const colSum = schema.rules.find((r) => r.kind === "col-sum")!;
  const balance = schema.rules.find((r) => r.kind === "col-balance")!;
  if (rowSum.kind !== "row-sum" || colSum.kind !== "col-sum" || balance.kind !== "col-balance") throw new Error("表三 rules changed");
  const [newKey, carriedInKey] = balance.left;
  const [totalKey, carriedOutKey] = balance.right;
  const parts = rowSum.parts; // applicant columns
  const v: Values = new Map();
  const set = (r: string, c: string, x: number) => v.set(`${r}:${c}`, x);
  // A body's volume: from a handful to a few thousand applications a year.
  const volume = skewed(rand, rand() < 0.1 ? 5000 : 400);
  const newByCol = distribute(rand, volume, APPLICANT_WEIGHTS);
  const results = colSum.parts;
  const weights = results.map(resultWeight);
  parts.forEach((c, j) => {
    const carriedIn = rand() < 0.25 ? Math.min(skewed(rand, 30), 1 + Math.floor(newByCol[j] / 5)) : 0;
    const avail = newByCol[j] + carriedIn;
    const carriedOut = rand() < 0.3 ? Math.min(avail, skewed(rand, Math.max(1, Math.floor(avail / 4)))) : 0;
    const done = avail - carriedOut;
    set(newKey, c, newByCol[j]);
    set(carriedInKey, c, carriedIn);
    set(carriedOutKey, c, carriedOut);
    set(totalKey, c, done);
    distribute(rand, done, weights).forEach((x, i) => set(results[i], c, x));
  });
  for (const r of rows) set(r.key, rowSum.total, parts.reduce((a, c) => a + v.get(`${r.key}:${c}`)!, 0));
  if (cols.length !== parts.length + 1) throw new Error("表三 columns changed");
  return v;
}

function randomT2(schema: TableSchema, rand: Rand): Values {
  const v: Values = new Map();
  for (const [r, c] of schema.order()) {
    let x: number;
    if (c.unit === "万元") x = Math.round(skewed(rand, 20000) * 100 + int(rand, 0, 99)) / 100;
    else if (r.key === "rules") x = rand() < 0.85 ? 0 : int(rand, 1, 3);
    else if (c.key === "in_force" || c.key === "public_total") x = skewed(rand, 600);
    else if (c.key === "decisions") x = skewed(rand, 8000);
    else x = skewed(rand, 60);
    v.set(`${r.key}:${c.key}`, x);
  }
  return v;
}

function randomT4(schema: TableSchema, rand: Rand): Values {
  const v: Values = new Map();
  const rule = schema.rules.find((r) => r.kind === "row-sum")!;
  if (rule.kind !== "row-sum") throw new Error("表四 rules changed");
  for (const r of schema.rows) {
    const n = rand() < 0.5 ? 0 : skewed(rand, 40);
    const split = distribute(rand, n, [5, 1, 1, 2]);
    rule.parts.forEach((c, i) => v.set(`${r.key}:${c}`, split[i]));
    v.set(`${r.key}:${rule.total}`, n);
  }
  return v;
}

/** A row's numbers as a crawler leaves them: glued into one run, or separated by spaces. */
const nums = (xs: number[], glued: boolean) => (glued ? xs.join("") : ` ${xs.join(" ")} `);

const sectionHeading = (format: Format, key: "proactive" | "requests" | "review") => FORMATS[format].sections.find((s) => s.key === key)!.heading;

/** 表二 as flattened HTML reads: per 第二十条 group, its header (信息内容 + column labels), then each row and its numbers. */
function flatT2(schema: TableSchema, v: Values, glued: boolean): string {
  let out = "";
  let group = "";
  let header = "";
  for (const r of schema.rows) {
    const cols = schema.order().filter(([rr]) => rr.key === r.key).map(([, c]) => c);
    const h = cols.map((c) => c.label).join("");
    if (r.group[0] !== group || h !== header) {
      group = r.group[0];
      header = h;
      out += `${group}信息内容${h}`;
    }
    out += r.label + nums(cols.map((c) => v.get(`${r.key}:${c.key}`)!), glued);
  }
  return out;
}

/** 表三: the applicant header, then every row label (group labels before their first row) and its 7 numbers. */
function flatT3(schema: TableSchema, v: Values, glued: boolean): string {
  const cols = schema.columns;
  const group = cols.find((c) => c.group.length)!.group[0];
  // Header as a flattened two-level header reads: top-level cells first, then the group's sub-columns.
  const top = cols.filter((c) => !c.group.length);
  const header = [top[0].label, group, ...top.slice(1).map((c) => c.label), ...cols.filter((c) => c.group.length).map((c) => c.label)].join("");
  const colSum = schema.rules.find((r) => r.kind === "col-sum")!;
  const firstResult = colSum.kind === "col-sum" ? colSum.parts[0] : "";
  let out = `申请人情况${header}`;
  let lastGroup = "";
  for (const r of schema.rows) {
    if (r.key === firstResult) out += T3_GROUP_LABELS[0];
    const g = r.group[0] ?? "";
    if (g && g !== lastGroup) out += g;
    lastGroup = g;
    out += r.label + nums(cols.map((c) => v.get(`${r.key}:${c.key}`)!), glued);
  }
  return out;
}

/** 表四: the two-level header (行政复议 | 行政诉讼: 未经复议直接起诉, 复议后起诉) and all 15 numbers in one run. */
function flatT4(schema: TableSchema, v: Values, glued: boolean): string {
  const outcomes = schema.columns.map((c: ColDef) => c.label).join("");
  const [review, ...suits] = schema.rows as RowDef[];
  const header = `${review.label}${suits[0].group[0]}${outcomes}${suits.map((r) => r.label + outcomes).join("")}`;
  return header + nums(schema.order().map(([r, c]) => v.get(`${r.key}:${c.key}`)!), glued);
}

/**
 * Sections 二–四 of a 2019/2021-format report with random valid tables (one reading per report: glued digit
 * runs in most reports, space-separated numbers in about a quarter).
 */
export function tableSections(format: Format, rand: Rand): string {
  const glued = rand() < 0.75;
  const t = TABLES[format];
  return [
    sectionHeading(format, "proactive") + flatT2(t.表二, randomT2(t.表二, rand), glued),
    sectionHeading(format, "requests") + "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）" + flatT3(t.表三, randomT3(t.表三, rand), glued),
    sectionHeading(format, "review") + flatT4(t.表四, randomT4(t.表四, rand), glued),
  ].join("\n");
}

/** Sections 二–五 of a pre-2019 report: the figures in sentences, as reports of that era state them. */
export function proseSections(rand: Rand): string {
  const s = FORMATS.pre2019.sections;
  const h = (k: string) => s.find((x) => x.key === k)!.heading;
  const items = skewed(rand, 3000);
  const apps = skewed(rand, 400);
  const [online, inPerson, letter] = distribute(rand, apps, [6, 3, 1]);
  const [open, partial, refused, none] = distribute(rand, apps, [12, 2, 1, 4]);
  const review = rand() < 0.6 ? 0 : skewed(rand, 10);
  const suit = rand() < 0.7 ? 0 : skewed(rand, 6);
  return [
    `${h("proactive")}全年主动公开政府信息${items}条，其中通过政府网站公开${Math.floor(items * 0.8)}条。`,
    `${h("requests")}全年共受理政府信息公开申请${apps}件，其中网上申请${online}件、当面申请${inPerson}件、信函申请${letter}件。已答复的申请中，同意公开${open}件，同意部分公开${partial}件，不予公开${refused}件，信息不存在${none}件。`,
    `${h("fees")}全年未收取信息公开费用。`,
    `${h("review")}全年因政府信息公开申请提起行政复议${review}件、行政诉讼${suit}件。`,
  ].join("\n");
}
