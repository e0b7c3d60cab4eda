import { METRICS, findMetric, type Metric } from "../format/metrics.js";
import { TABLES } from "../format/tables.js";

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
export const COUNT_WORDS = /多少|几件|几个|几起|几条|几项|数量|数目|总数|人数|件数|个数|金额|几次|多少钱/;

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

export function resolveMetric(q: string): MetricMatch | null {
  const hit = ALIASES.find((e) => q.includes(e.alias));
  let metric: Metric | null = hit?.metric ?? null;
  const words = hit ? [hit.alias] : [];
  // "收到多少件", "申请有几件": a count of applications without the table's words.
  if (!metric && /申请/.test(q) && COUNT_WORDS.test(q)) {
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
