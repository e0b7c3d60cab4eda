import type { TableId } from "../types.js";
import { TABLES, columnLabel, rowLabel, type FormatId } from "./tables.js";

/**
 * The metric vocabulary: what a question can ask for, in the words people use, and where each era of
 * report states it — a table cell (2019 and 2021 formats) or a sentence (any era, the only place before 2019).
 */

export interface CellRef {
  table: TableId;
  row: string;
  column: string;
}

export interface Metric {
  /** "表三:new:total" for a cell metric; "narr:applications" for a narrative one. */
  id: string;
  /** Display name in Chinese, e.g. "本年新收政府信息公开申请数量（总计）". */
  label: string;
  unit: string;
  /** Words that name it in a question, longest first when matching. */
  aliases: string[];
  /** Where 2019- and 2021-format reports state it (by format; absent = not in that format's tables). */
  cells: Partial<Record<"2019" | "2021", CellRef>>;
  /** Narrative metric stated in sentences (all eras), with the patterns that read it. */
  narrative?: NarrativeMetric;
  /** A metric no single cell states: the sum of these cells (a row group such as （三）不予公开). */
  sumOf?: Partial<Record<"2019" | "2021", CellRef[]>>;
}

export interface NarrativeMetric {
  id: string;
  /**
   * The figure is a total (e.g. all applications): a count whose clause names a channel (网上申请23件,
   * 通过…栏目收到23件) or starts with 其中 is a part of it and is not read.
   */
  totalOnly?: boolean;
  /** Each pattern captures the number in group 1 and may capture the unit in group 2. */
  patterns: RegExp[];
  unit: string;
  /** Words of the sentence before the figure that make it another count (历年累计, 颁布以来: a running total). */
  notAfter?: RegExp;
  /** Sentences saying there were none ("2023年未收到依申请公开事宜"): the figure 0. */
  zero?: RegExp[];
}

/**
 * Metrics stated in sentences (numbers may be set off by spaces, as OCR'd and PDF text has them). Patterns match inside one sentence; a count is read only right after the
 * words that say what is counted, so "2013年" or "第3项" never pass for it.
 */
export const NARRATIVE: NarrativeMetric[] = [
  {
    id: "applications",
    unit: "件",
    totalOnly: true,
    patterns: [
      /(?:共|累计|全年|总计|合计)?(?:受理|收到|接收|接到|办理)(?:了)?(?:有关|各类|各种)?(?:的)?(?:政府)?信息公开(?:的)?(?:申请|申请件)(?:共|总计|合计|计)?\s*(\d+)\s*(件|份|个|条|宗)/,
      /(?:共|总计|合计|累计)(?:受理|收到|接收|接到)(?:了)?(?:政府信息公开)?(?:申请)?\s*(\d+)\s*(件|份|个|条|宗)(?:政府)?(?:信息公开)?申请/,
      /(?:依申请公开|信息公开申请|公开申请)(?:共|总计|合计)?\s*(\d+)\s*(件|份)/,
      // "通过信函收到书面申请20件": an application count named by how it arrived (the form word is required:
      // a bare "受理申请136437件" is an approval window's business, not disclosure).
      /(?:收到|受理|接到|接收)(?:了)?(?:书面|电子|口头|网上)申请(?:共)?\s*(\d+)\s*(件|份)/,
    ],
    // Not "未收到有关政府信息公开行政复议申请": the words right after 信息公开 must be the application itself.
    zero: [
      /(?:未|没有)(?:收到|受理|接到|接收)(?:过)?(?:任何)?(?:公民|群众|有关|相关)?(?:提出)?(?:的)?(?:(?:政府)?信息公开|依申请公开|公开政府信息)(?:的)?(?:申请|事宜|事项|信息)/,
      /(?:未|没有)(?:收到|受理)(?:过)?申请公开政府信息/,
    ],
  },
  // "主动公开我区各级单位政府信息2645条": a few words may name whose information it is.
  // Not a category of the breakdown ("其他应主动公开的政府信息14条", "主动公开的其他政府信息2条").
  {
    id: "proactive_items",
    unit: "条",
    patterns: [
      /(?<!应)主动公开(?![^，。；、\d]{0,4}其他)(?:[^，。；、\d]{0,10}?)(?:政府)?信息(?:更新)?(?:数|数量)?(?:共|累计|总计|合计|共计)?(?:为)?\s*(\d+)\s*余?\s*(条|件|项)/,
      // "在“…”门户网站公开政府信息159条", "全年公开公文类政府信息共152条": the year's total on the portal, written
      // without 主动 (not a channel's share such as a WeChat account's "及时公开各类政府信息756条").
      /(?:网站|网|专栏|我局|我办|全年|共)(?:共|累计)?公开(?:了)?(?:公文类)?政府信息(?:共计|共|合计)?\s*(\d+)\s*余?\s*(条)/,
      /政府信息主动公开(?:共|累计)?\s*(\d+)\s*余?\s*(条)/,
    ],
    // A running total since the regulation ("颁布以来累计…"), not the year's ("2019年9月以来" is the year of a new body).
    notAfter: /(?:颁布|施行|实施|公布)以来|历年|至今/,
  },
  {
    id: "review",
    unit: "件",
    patterns: [/行政复议(?:申请|案件)?(?:共)?\s*(\d+)\s*(件|起|宗|份)/, /(?:收到|受理|办理)\s*(\d+)\s*(件|起|宗|份)(?:有关)?(?:政府信息公开)?(?:的)?行政复议/],
  },
  { id: "litigation", unit: "件", patterns: [/行政诉讼(?:案件)?(?:共)?\s*(\d+)\s*(件|起|宗)/] },
  { id: "fees", unit: "元", patterns: [/收取(?:费用|信息处理费|检索费|复制费)(?:共)?\s*(\d+(?:\.\d+)?)\s*(元|万元)/] },
];

/** Words naming a channel of application: a count in a clause with one of them is that channel's share. */
export const NARRATIVE_CHANNEL_WORDS = ["网上", "网站", "门户", "栏目", "当面", "现场", "信函", "信件", "邮寄", "电子邮件", "邮件", "传真", "电话", "平台"];
/** A channel enumeration closed by one of these ("采用信件、当面等方式共受理…") is followed by the total. */
export const NARRATIVE_CHANNEL_CLOSER = /等[^，,；;]{0,4}(?:方式|渠道|途径|形式)/;

/** Rows of the old-style 统计表 (before 2019) that state a narrative metric; the first number is this year's. */
export const OLD_STATS_ROWS: Array<{ metric: string; labels: string[]; unit: string }> = [
  { metric: "applications", labels: ["受理依申请公开信息总数", "依申请公开信息总数", "受理申请总数", "申请总数", "收到申请总数"], unit: "件" },
  { metric: "proactive_items", labels: ["主动公开信息数", "主动公开政府信息数"], unit: "条" },
  { metric: "review", labels: ["行政复议数", "申请行政复议数", "行政复议案件数"], unit: "件" },
  { metric: "litigation", labels: ["行政诉讼数", "提起行政诉讼数", "行政诉讼案件数"], unit: "件" },
];

const narrativeById = new Map(NARRATIVE.map((n) => [n.id, n]));

function buildMetrics(): Metric[] {
  const out: Metric[] = [];
  const seen = new Set<string>();
  // Every cell of every table is a metric; rows and columns lend their aliases.
  for (const f of ["2021", "2019"] as const) {
    for (const table of ["表三", "表四", "表二"] as TableId[]) {
      const s = TABLES[f][table];
      const rowsWithDefault = new Set<string>();
      for (const [r, c] of s.order()) {
        // A row of 表二 has no total: its first cell (本年制发, 处理决定数量, 收费金额) is what its name asks for.
        const isDefault = c.key === "total" || (table === "表二" && !rowsWithDefault.has(r.key));
        rowsWithDefault.add(r.key);
        const id = `${table}:${r.key}:${c.key}`;
        const existing = out.find((m) => m.id === id);
        if (existing) {
          existing.cells[f] = { table, row: r.key, column: c.key };
          continue;
        }
        if (seen.has(id)) continue;
        seen.add(id);
        const total = c.key === "total";
        out.push({
          id,
          label: total || s.columns.length === 1 ? rowLabel(r) : `${rowLabel(r)}（${columnLabel(c)}）`,
          unit: c.unit,
          aliases: isDefault ? r.aliases : [],
          cells: { [f]: { table, row: r.key, column: c.key } },
        });
      }
    }
  }
  // Row groups ((三)不予公开, 行政诉讼 …): their sum per column, a metric of its own.
  for (const f of ["2021", "2019"] as const) {
    for (const table of ["表三", "表四"] as TableId[]) {
      const s = TABLES[f][table];
      const groups = new Map<string, string[]>();
      for (const r of s.rows) if (r.group.length) groups.set(r.group[0], [...(groups.get(r.group[0]) ?? []), r.key]);
      for (const [g, rows] of groups) {
        for (const c of s.columns) {
          const id = `${table}:group:${g}:${c.key}`;
          let m = out.find((x) => x.id === id);
          if (!m) {
            const name = g.replace(/^（[一二三四五六七八九十]+）/, "");
            m = { id, label: c.key === "total" ? g : `${g}（${columnLabel(c)}）`, unit: c.unit, aliases: c.key === "total" ? [name] : [], cells: {}, sumOf: {} };
            out.push(m);
          }
          m.sumOf![f] = rows.map((row) => ({ table, row, column: c.key }));
        }
      }
    }
  }
  // Narrative equivalents.
  const attach = (id: string, narr: string) => {
    const m = out.find((x) => x.id === id);
    if (m) m.narrative = narrativeById.get(narr);
  };
  attach("表三:new:total", "applications");
  out.push({ id: "narr:proactive_items", label: "主动公开政府信息数量", unit: "条", aliases: ["主动公开信息", "主动公开政府信息", "主动公开了多少", "主动公开数量"], cells: {}, narrative: narrativeById.get("proactive_items") });
  attach("表四:review:total", "review");
  const suits = out.find((m) => m.id === "表四:group:行政诉讼:total")!;
  suits.aliases = ["行政诉讼", "诉讼案件", "被起诉", "诉讼"];
  suits.label = "行政诉讼案件数（未经复议直接起诉与复议后起诉之和）";
  suits.narrative = narrativeById.get("litigation");
  out.push({ id: "narr:fees", label: "收取的信息公开费用", unit: "元", aliases: ["收费", "收取费用", "信息处理费", "收了多少钱"], cells: {}, narrative: narrativeById.get("fees") });
  return out;
}

export const METRICS: Metric[] = buildMetrics();
const metricById = new Map(METRICS.map((m) => [m.id, m]));

export function findMetric(id: string): Metric | undefined {
  return metricById.get(id);
}

/** The cell that states a metric in a report of the given format, if its tables have one. */
export function cellFor(metric: Metric, format: FormatId | null): CellRef | null {
  if (format === "2019" || format === "2021") return metric.cells[format] ?? null;
  return null;
}
