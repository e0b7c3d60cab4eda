import { TABLE_IDS, type SectionKey, type TableId } from "../types.js";
import { TABLES, type FormatId } from "./tables.js";

/**
 * The report formats: which sections a report of each era has, which notice defines it, and how to tell
 * which one a report follows. Read by ingestion (format of a report), statistics and answers.
 */

export interface SectionDef {
  key: SectionKey;
  /** Heading as the format prescribes it. */
  heading: string;
  /** Headings other eras or bodies use for the same content. */
  aliases: string[];
  /** The table this section holds in the format, if any. */
  table?: TableId;
}

export interface FormatDef {
  id: FormatId;
  name: string;
  /** The notice that defines the format (null before 2019: free-form under the 2007 条例). */
  notice: { docNo: string; title: string; date: string } | null;
  sections: SectionDef[];
  tables: TableId[];
}

const SECTION_ALIASES = {
  overview: ["总体情况", "概述", "基本情况", "总体工作情况"],
  proactive: ["主动公开政府信息情况", "主动公开政府信息的情况", "主动公开情况", "主动公开"],
  requests: ["收到和处理政府信息公开申请情况", "依申请公开政府信息情况", "依申请公开情况", "依申请公开"],
  fees: ["政府信息公开的收费及减免情况", "收费及减免情况", "收费及减免"],
  review: ["政府信息公开行政复议、行政诉讼情况", "因政府信息公开申请行政复议、提起行政诉讼的情况", "行政复议和行政诉讼", "复议诉讼"],
  problems: ["存在的主要问题及改进情况", "政府信息公开工作存在的主要问题及改进情况", "存在的主要问题及改进措施", "存在问题及改进措施", "存在的问题和改进措施", "主要问题和改进措施", "问题与改进"],
  other: ["其他需要报告的事项", "其他需要报告事项", "其他事项"],
} as const satisfies Record<SectionDef["key"], readonly string[]>;

/** The six sections both the 2019 and 2021 formats prescribe. */
const MODERN_SECTIONS: SectionDef[] = [
  { key: "overview", heading: "一、总体情况", aliases: [...SECTION_ALIASES.overview] },
  { key: "proactive", heading: "二、主动公开政府信息情况", aliases: [...SECTION_ALIASES.proactive], table: "表二" },
  { key: "requests", heading: "三、收到和处理政府信息公开申请情况", aliases: [...SECTION_ALIASES.requests], table: "表三" },
  { key: "review", heading: "四、政府信息公开行政复议、行政诉讼情况", aliases: [...SECTION_ALIASES.review], table: "表四" },
  { key: "problems", heading: "五、存在的主要问题及改进情况", aliases: [...SECTION_ALIASES.problems] },
  { key: "other", heading: "六、其他需要报告的事项", aliases: [...SECTION_ALIASES.other] },
];

export const FORMATS: Record<FormatId, FormatDef> = {
  pre2019: {
    id: "pre2019",
    name: "2019年以前的格式（2007年条例，自由行文，统计表可选）",
    notice: null,
    sections: [
      { key: "overview", heading: "一、概述", aliases: [...SECTION_ALIASES.overview] },
      { key: "proactive", heading: "二、主动公开政府信息情况", aliases: [...SECTION_ALIASES.proactive] },
      { key: "requests", heading: "三、依申请公开政府信息情况", aliases: [...SECTION_ALIASES.requests] },
      { key: "fees", heading: "四、政府信息公开的收费及减免情况", aliases: [...SECTION_ALIASES.fees] },
      { key: "review", heading: "五、因政府信息公开申请行政复议、提起行政诉讼的情况", aliases: [...SECTION_ALIASES.review] },
      { key: "problems", heading: "六、政府信息公开工作存在的主要问题及改进措施", aliases: [...SECTION_ALIASES.problems] },
      { key: "other", heading: "七、其他需要报告的事项", aliases: [...SECTION_ALIASES.other] },
    ],
    tables: [],
  },
  "2019": {
    id: "2019",
    name: "2019年试行格式（国办公开办函〔2019〕60号）",
    notice: { docNo: "国办公开办函〔2019〕60号", title: "关于政府信息公开工作年度报告有关事项的通知", date: "2019-11-23" },
    sections: MODERN_SECTIONS,
    tables: [...TABLE_IDS],
  },
  "2021": {
    id: "2021",
    name: "2021年格式（国办公开办函〔2021〕30号）",
    notice: { docNo: "国办公开办函〔2021〕30号", title: "关于印发《中华人民共和国政府信息公开工作年度报告格式》的通知", date: "2021-09-26" },
    sections: MODERN_SECTIONS,
    tables: [...TABLE_IDS],
  },
};

/** Column labels that occur only in one era's 表二: the surest sign of the format a report follows. */
const MARKERS: Array<[FormatId, RegExp]> = [
  ["2021", new RegExp([TABLES["2021"].表二.columns[0].label, TABLES["2021"].表二.columns[2].label, TABLES["2021"].表三.rows.find((r) => r.key === "other.no_fee")!.label.slice(2, 14)].map(escape).join("|"))],
  ["2019", new RegExp([TABLES["2019"].表二.columns[0].label, TABLES["2019"].表二.columns[2].label, TABLES["2019"].表二.rows.find((r) => r.key === "procurement")!.label].map(escape).join("|"))],
];

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * The format a report follows: what its tables say first, then its year (reports for 2019 and 2020 used the
 * trial format; from 2021 the revised one; before 2019 there was none).
 */
export function detectFormat(year: number | null, text: string): FormatId {
  // Reports for 2018 and before predate both notices, whatever words they share with them.
  if (year !== null && year <= 2018) return "pre2019";
  for (const [id, re] of MARKERS) if (re.test(text)) return id;
  if (year === 2019 || year === 2020) return "2019";
  if (year !== null && year >= 2021) return "2021";
  return "pre2019";
}

/** Which section of a format a heading is, by the format's headings and their aliases (longest match wins). */
export function sectionKeyOf(heading: string): SectionDef["key"] | null {
  const h = heading.replace(/^[一二三四五六七八九十]+[、.．]\s*/, "");
  let best: SectionDef["key"] | null = null;
  let len = 0;
  for (const [key, names] of Object.entries(SECTION_ALIASES) as Array<[SectionDef["key"], readonly string[]]>)
    for (const n of names) if (h.includes(n) && n.length > len) { best = key; len = n.length; }
  return best;
}

export function sectionAliases(key: SectionDef["key"]): readonly string[] {
  return SECTION_ALIASES[key];
}
