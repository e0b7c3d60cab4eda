/**
 * The identifiers of the domain, declared once. Every other spelling is derived from these lists
 * (zod enums, type unions, loops over tables); a test fails when a table id or format id is spelled out elsewhere.
 */

/** The three standard tables of the 2019 and 2021 formats (表一 is the report's prose). */
export const TABLE_IDS = ["表二", "表三", "表四"] as const;
export type TableId = (typeof TABLE_IDS)[number];
/** The tables by what they hold: 表二 主动公开, 表三 收到和处理申请, 表四 行政复议和行政诉讼. */
export const PROACTIVE_TABLE = TABLE_IDS[0];
export const APPLICATIONS_TABLE = TABLE_IDS[1];
export const REVIEW_TABLE = TABLE_IDS[2];

/** The formats a report can follow: none before 2019, the trial format (2019, 2020), the revised one (2021–). */
export const FORMAT_IDS = ["pre2019", "2019", "2021"] as const;
export type FormatId = (typeof FORMAT_IDS)[number];

/** Sections of a report, by content (the headings of each format map onto these keys: format/formats.ts). */
export const SECTION_KEYS = ["overview", "proactive", "requests", "fees", "review", "problems", "other"] as const;
export type SectionKey = (typeof SECTION_KEYS)[number];

/** The governing texts: the two 条例, the two format notices, the two judicial interpretations. */
export const GOVERNING = ["regulation-2019", "regulation-2007", "format-2019", "format-2021", "judicial-2011", "judicial-2025"] as const;
export type GoverningText = (typeof GOVERNING)[number];

/** The standard statistical tables as sections: 第二十条 (主动公开), applications, review and litigation, the pre-2019 统计表. */
export type TableKind = "art20" | "applications" | "review_litigation" | "stats";

export const isTableId = (s: string): s is TableId => (TABLE_IDS as readonly string[]).includes(s);
