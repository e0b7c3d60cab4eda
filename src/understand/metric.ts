import { METRICS, findMetric, type Metric } from "../domain/format/metrics.js";
import { TABLES } from "../domain/format/tables.js";

/**
 * Which metric a question asks for, from the format module's vocabulary: the longest row/metric alias found,
 * then a column word (自然人, 结果纠正, 现行有效…) narrows it to that column.
 */

interface AliasEntry {
  alias: string;
  metric: Metric;
}

const ALIASES: AliasEntry[] = METRICS.flatMap((m) => m.aliases.map((alias) => ({ alias, metric: m }))).sort((a, b) => b.alias.length - a.alias.length);

/** A count is asked for: 多少, 几件, 数量 … */
export const COUNT_WORDS = /多少|几件|几个|几起|几条|几项|几份|数量|数目|总数|人数|件数|个数|金额|几次/;

export interface MetricMatch {
  metric: Metric;
  /** The words of the question that named it. */
  words: string[];
}

function columnOf(metric: Metric, q: string, taken: string): { key: string; word: string } | null {
  const ref = metric.cells["2021"] ?? metric.cells["2019"] ?? metric.sumOf?.["2021"]?.[0] ?? metric.sumOf?.["2019"]?.[0];
  if (!ref) return null;
  const schema = TABLES["2021"][ref.table];
  let best: { key: string; word: string } | null = null;
  for (const c of schema.columns.concat(TABLES["2019"][ref.table].columns)) {
    if (c.key === "total") continue;
    for (const a of c.aliases) {
      if (a.length < 2 || taken.includes(a)) continue;
      if (q.includes(a) && (!best || a.length > best.word.length)) best = { key: c.key, word: a };
    }
  }
  return best;
}

export function resolveMetric(question: string): MetricMatch | null {
  // "主动公开的政府信息" names what "主动公开政府信息" does.
  const q = question.replace(/的/g, "");
  const hit = ALIASES.find((e) => q.includes(e.alias));
  let metric: Metric | null = hit?.metric ?? null;
  const words = hit ? [hit.alias] : [];
  // "收到多少件", "申请有几件": a count of applications without the table's words.
  // (A rate — 答复率, 比例 — is not a count of applications.)
  if (!metric && /申请/.test(q) && !/率|比例|百分|占比/.test(q) && (COUNT_WORDS.test(q) || /[多少]|最|排名|对比|比较|比|变化/.test(q))) {
    metric = findMetric("表三:new:total")!;
    words.push("申请");
  }
  if (!metric) {
    // A column word alone ("自然人申请了多少") asks for new applications by that applicant type.
    const col = columnOf(findMetric("表三:new:total")!, q, "");
    if (col && /申请/.test(q)) return { metric: findMetric(`表三:new:${col.key}`)!, words: [col.word, "申请"] };
    return null;
  }
  const col = columnOf(metric, q, words.join(""));
  if (col) {
    const narrowed = findMetric(metric.id.replace(/:[^:]+$/, `:${col.key}`));
    if (narrowed) return { metric: narrowed, words: [...words, col.word] };
  }
  return { metric, words };
}

/**
 * Every metric a question names, in order of appearance ("行政复议和行政诉讼各有多少件" names two): the longest
 * aliases first, a shorter one inside a longer match not counted again.
 */
export function resolveMetrics(question: string): Metric[] {
  const q = question.replace(/的/g, "");
  const taken: Array<[number, number]> = [];
  const found: Array<[number, Metric]> = [];
  for (const e of ALIASES) {
    const i = q.indexOf(e.alias);
    if (i < 0 || taken.some(([a, b]) => i < b && i + e.alias.length > a) || found.some(([, m]) => m.id === e.metric.id)) continue;
    taken.push([i, i + e.alias.length]);
    found.push([i, e.metric]);
  }
  return found.sort((a, b) => a[0] - b[0]).map(([, m]) => m);
}
