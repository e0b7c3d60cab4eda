import type { FormatId, TableId } from "../types.js";

export type { FormatId } from "../types.js";

/**
 * The statistical tables of the national report format, as the notices define them
 * (国办公开办函〔2019〕60号 and 〔2021〕30号). This file is the only place that spells out a row or column
 * label: ingestion, extraction, checks and answers all read from here.
 */


export interface RowDef {
  /** Stable key, e.g. "withheld.internal". */
  key: string;
  /** Official label as printed in the template, e.g. "5.属于三类内部事务信息". */
  label: string;
  /** Official group labels above it (outermost first), as used in exports: ["（三）不予公开"]. */
  group: string[];
  /** Words people use for it ("三类内部事务", "内部事务信息"). */
  aliases: string[];
  /** The 条例 (2019) article behind the row, e.g. "第十六条第一款". */
  article?: string;
}

export interface ColDef {
  key: string;
  label: string;
  group: string[];
  aliases: string[];
  unit: string;
}

/** Sums that hold inside one table, declared as data so decoding and checking share them. */
export type TableRule =
  /** For every row: sum of `parts` columns = `total` column. */
  | { kind: "row-sum"; id: string; label: string; parts: string[]; total: string }
  /** For every column: sum of `parts` rows = `total` row. */
  | { kind: "col-sum"; id: string; label: string; parts: string[]; total: string }
  /** For every column: sum of `left` rows = sum of `right` rows. */
  | { kind: "col-balance"; id: string; label: string; left: string[]; right: string[] };

/**
 * A bound one row's cells always keep, used to choose among the readings of a glued run (never reported as a check:
 * the notices do not state it). 表二: 现行有效 ≥ 本年制发 − 本年废止 (what was in force before is never negative).
 */
export interface RowBound {
  id: string;
  label: string;
  column: string;
  plus: string[];
  minus: string[];
}

export interface TableSchema {
  id: TableId;
  format: Exclude<FormatId, "pre2019">;
  /** Heading of the section that holds the table in the template. */
  section: string;
  rows: RowDef[];
  columns: ColDef[];
  /** Cells that exist as [row, column]; all rows × columns when absent. */
  cells?: Array<[string, string]>;
  rules: TableRule[];
  /** Bounds that choose among readings (表二). */
  bounds?: RowBound[];
  /** Reading order of the template's cells (row by row, left to right). */
  order(): Array<[RowDef, ColDef]>;
}

// ---------------------------------------------------------------- 表三

const APPLICANT_GROUP = "法人或其他组织";
const T3_COLUMNS: ColDef[] = [
  { key: "natural", label: "自然人", group: [], aliases: ["自然人", "个人", "公民", "群众"], unit: "件" },
  { key: "business", label: "商业企业", group: [APPLICANT_GROUP], aliases: ["商业企业", "企业"], unit: "件" },
  { key: "research", label: "科研机构", group: [APPLICANT_GROUP], aliases: ["科研机构"], unit: "件" },
  { key: "welfare", label: "社会公益组织", group: [APPLICANT_GROUP], aliases: ["社会公益组织", "公益组织"], unit: "件" },
  { key: "legal", label: "法律服务机构", group: [APPLICANT_GROUP], aliases: ["法律服务机构", "律师事务所", "律所"], unit: "件" },
  { key: "other", label: "其他", group: [APPLICANT_GROUP], aliases: ["其他组织"], unit: "件" },
  { key: "total", label: "总计", group: [], aliases: ["总计", "合计", "总数"], unit: "件" },
];

const RESULT = "三、本年度办理结果";
const WITHHELD = "（三）不予公开";
const UNABLE = "（四）无法提供";
const NOT_PROCESSED = "（五）不予处理";
const OTHER = "（六）其他处理";

function t3Rows(format: "2019" | "2021"): RowDef[] {
  const rows: RowDef[] = [
    { key: "new", label: "一、本年新收政府信息公开申请数量", group: [], aliases: ["申请数", "申请数量", "新收申请", "收到申请", "收到的申请", "受理申请", "申请量", "新收", "本年新收", "收到多少申请", "多少件申请", "依申请公开申请"], article: "第二十七条" },
    { key: "carried_in", label: "二、上年结转政府信息公开申请数量", group: [], aliases: ["上年结转", "结转上年", "上年度结转"] },
    { key: "open", label: "（一）予以公开", group: [], aliases: ["予以公开", "全部公开", "同意公开"], article: "第三十六条第（二）项" },
    { key: "partial", label: "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", group: [], aliases: ["部分公开", "区分处理"], article: "第三十七条" },
    { key: "withheld.secret", label: "1.属于国家秘密", group: [WITHHELD], aliases: ["国家秘密"], article: "第十四条" },
    { key: "withheld.prohibited", label: "2.其他法律行政法规禁止公开", group: [WITHHELD], aliases: ["法律行政法规禁止公开", "禁止公开"], article: "第十四条" },
    { key: "withheld.security", label: "3.危及“三安全一稳定”", group: [WITHHELD], aliases: ["三安全一稳定", "危及安全稳定"], article: "第十四条" },
    { key: "withheld.third_party", label: "4.保护第三方合法权益", group: [WITHHELD], aliases: ["第三方合法权益", "保护第三方", "商业秘密", "个人隐私"], article: "第十五条" },
    { key: "withheld.internal", label: "5.属于三类内部事务信息", group: [WITHHELD], aliases: ["三类内部事务信息", "内部事务信息", "内部事务"], article: "第十六条第一款" },
    { key: "withheld.process", label: "6.属于四类过程性信息", group: [WITHHELD], aliases: ["四类过程性信息", "过程性信息"], article: "第十六条第二款" },
    { key: "withheld.enforcement", label: "7.属于行政执法案卷", group: [WITHHELD], aliases: ["行政执法案卷", "执法案卷"], article: "第十六条第二款" },
    { key: "withheld.query", label: "8.属于行政查询事项", group: [WITHHELD], aliases: ["行政查询事项", "行政查询"], article: "第三十六条第（七）项" },
    { key: "unable.not_held", label: "1.本机关不掌握相关政府信息", group: [UNABLE], aliases: ["本机关不掌握", "不掌握相关政府信息", "信息不存在", "不掌握"], article: "第三十六条第（四）项" },
    { key: "unable.needs_making", label: "2.没有现成信息需要另行制作", group: [UNABLE], aliases: ["没有现成信息", "另行制作", "需要另行制作"], article: "第三十八条" },
    { key: "unable.unclear", label: "3.补正后申请内容仍不明确", group: [UNABLE], aliases: ["补正后申请内容仍不明确", "申请内容仍不明确", "内容不明确"], article: "第三十条" },
    { key: "refused.petition", label: "1.信访举报投诉类申请", group: [NOT_PROCESSED], aliases: ["信访举报投诉", "信访举报投诉类申请", "信访类申请", "投诉举报"], article: "第三十九条第一款" },
    { key: "refused.repeat", label: "2.重复申请", group: [NOT_PROCESSED], aliases: ["重复申请"], article: "第三十六条第（六）项" },
    { key: "refused.publication", label: "3.要求提供公开出版物", group: [NOT_PROCESSED], aliases: ["公开出版物", "要求提供公开出版物"], article: "第三十九条第二款" },
    { key: "refused.mass", label: "4.无正当理由大量反复申请", group: [NOT_PROCESSED], aliases: ["大量反复申请", "无正当理由大量反复申请"], article: "第三十五条" },
    { key: "refused.confirm", label: "5.要求行政机关确认或重新出具已获取信息", group: [NOT_PROCESSED], aliases: ["确认或重新出具", "重新出具已获取信息"], article: "第三十九条第二款" },
  ];
  if (format === "2021") {
    rows.push(
      { key: "other.no_correction", label: "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", group: [OTHER], aliases: ["逾期不补正", "无正当理由逾期不补正"], article: "第三十条" },
      { key: "other.no_fee", label: "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", group: [OTHER], aliases: ["逾期未缴纳费用", "未按收费通知缴费", "逾期未缴费"], article: "第四十二条" },
      { key: "other.other", label: "3.其他", group: [OTHER], aliases: [] },
    );
  } else {
    rows.push({ key: "other", label: "（六）其他处理", group: [], aliases: ["其他处理"] });
  }
  rows.push(
    { key: "total", label: "（七）总计", group: [], aliases: ["办理结果总计", "办结总数", "办理总数", "答复总数", "办结", "已办结"] },
    { key: "carried_out", label: "四、结转下年度继续办理", group: [], aliases: ["结转下年度", "结转下年", "继续办理", "结转"] },
  );
  return rows;
}

/** Labels of the group rows that carry no cells of their own, in the template's order (for locating rows in text). */
export const T3_GROUP_LABELS = [RESULT, WITHHELD, UNABLE, NOT_PROCESSED, OTHER] as const;

/** Row keys whose sum is （七）总计 (every result row). */
function resultKeys(rows: RowDef[]): string[] {
  const start = rows.findIndex((r) => r.key === "open");
  const end = rows.findIndex((r) => r.key === "total");
  return rows.slice(start, end).map((r) => r.key);
}

function t3(format: "2019" | "2021"): TableSchema {
  const rows = t3Rows(format);
  const cols = T3_COLUMNS;
  return withOrder({
    id: "表三",
    format,
    section: "三、收到和处理政府信息公开申请情况",
    rows,
    columns: cols,
    rules: [
      { kind: "row-sum", id: "t3.row-sum", label: "表三 每行申请人各列之和等于总计", parts: cols.slice(0, 6).map((c) => c.key), total: "total" },
      { kind: "col-sum", id: "t3.col-sum", label: "表三 各办理结果之和等于（七）总计", parts: resultKeys(rows), total: "total" },
      { kind: "col-balance", id: "t3.balance", label: "表三 第一项加第二项之和等于第三项加第四项之和", left: ["new", "carried_in"], right: ["total", "carried_out"] },
    ],
  });
}

// ---------------------------------------------------------------- 表四

const T4_OUTCOMES: ColDef[] = [
  { key: "upheld", label: "结果维持", group: [], aliases: ["维持", "结果维持"], unit: "件" },
  { key: "corrected", label: "结果纠正", group: [], aliases: ["纠正", "结果纠正", "纠错", "被纠错", "被纠正"], unit: "件" },
  { key: "other", label: "其他结果", group: [], aliases: ["其他结果"], unit: "件" },
  { key: "pending", label: "尚未审结", group: [], aliases: ["尚未审结", "未审结", "未结"], unit: "件" },
  { key: "total", label: "总计", group: [], aliases: ["总计", "总数", "合计"], unit: "件" },
];

const T4: Omit<TableSchema, "format" | "order"> = {
  id: "表四",
  section: "四、政府信息公开行政复议、行政诉讼情况",
  rows: [
    { key: "review", label: "行政复议", group: [], aliases: ["行政复议", "复议"] },
    { key: "suit.direct", label: "未经复议直接起诉", group: ["行政诉讼"], aliases: ["直接起诉", "未经复议直接起诉"] },
    { key: "suit.after_review", label: "复议后起诉", group: ["行政诉讼"], aliases: ["复议后起诉"] },
  ],
  columns: T4_OUTCOMES,
  rules: [{ kind: "row-sum", id: "t4.row-sum", label: "表四 维持、纠正、其他、尚未审结之和等于总计", parts: ["upheld", "corrected", "other", "pending"], total: "total" }],
};

// ---------------------------------------------------------------- 表二

const A20_1 = "第二十条第（一）项";
const A20_5 = "第二十条第（五）项";
const A20_6 = "第二十条第（六）项";
const A20_8 = "第二十条第（八）项";
const A20_9 = "第二十条第（九）项";

/** 表二 rows both formats share, written once. */
const T2_RULES: RowDef = { key: "rules", label: "规章", group: [A20_1], aliases: ["规章"] };
const T2_LICENSING: RowDef = { key: "licensing", label: "行政许可", group: [A20_5], aliases: ["行政许可", "许可"] };
const T2_PENALTY: RowDef = { key: "penalty", label: "行政处罚", group: [A20_6], aliases: ["行政处罚", "处罚"] };
const T2_COERCION: RowDef = { key: "coercion", label: "行政强制", group: [A20_6], aliases: ["行政强制", "强制"] };

function t2(format: "2019" | "2021"): TableSchema {
  if (format === "2021") {
    return withOrder({
      id: "表二",
      format,
      section: "二、主动公开政府信息情况",
      rows: [
        T2_RULES,
        { key: "normative", label: "行政规范性文件", group: [A20_1], aliases: ["行政规范性文件", "规范性文件"] },
        T2_LICENSING,
        T2_PENALTY,
        T2_COERCION,
        { key: "fees", label: "行政事业性收费", group: [A20_8], aliases: ["行政事业性收费", "收费金额"] },
      ],
      columns: [
        { key: "made", label: "本年制发件数", group: [], aliases: ["制发", "本年制发", "新制发", "印发"], unit: "件" },
        { key: "repealed", label: "本年废止件数", group: [], aliases: ["废止", "本年废止"], unit: "件" },
        { key: "in_force", label: "现行有效件数", group: [], aliases: ["现行有效", "有效"], unit: "件" },
        { key: "decisions", label: "本年处理决定数量", group: [], aliases: ["处理决定", "决定数量", "多少件", "数量"], unit: "件" },
        { key: "amount", label: "本年收费金额（单位：万元）", group: [], aliases: ["收费金额", "金额", "收了多少"], unit: "万元" },
      ],
      cells: [
        ["rules", "made"], ["rules", "repealed"], ["rules", "in_force"],
        ["normative", "made"], ["normative", "repealed"], ["normative", "in_force"],
        ["licensing", "decisions"], ["penalty", "decisions"], ["coercion", "decisions"], ["fees", "amount"],
      ],
      rules: [],
      bounds: [{ id: "t2.in-force", label: "表二 现行有效件数不少于本年制发件数减本年废止件数", column: "in_force", plus: ["made"], minus: ["repealed"] }],
    });
  }
  return withOrder({
    id: "表二",
    format,
    section: "二、主动公开政府信息情况",
    rows: [
      T2_RULES,
      { key: "normative", label: "规范性文件", group: [A20_1], aliases: ["规范性文件", "行政规范性文件"] },
      T2_LICENSING,
      { key: "services", label: "其他对外管理服务事项", group: [A20_5], aliases: ["其他对外管理服务事项", "对外管理服务事项"] },
      T2_PENALTY,
      T2_COERCION,
      { key: "fees", label: "行政事业性收费", group: [A20_8], aliases: ["行政事业性收费"] },
      { key: "procurement", label: "政府集中采购", group: [A20_9], aliases: ["政府集中采购", "集中采购", "采购"] },
    ],
    columns: [
      { key: "made", label: "本年新制作数量", group: [], aliases: ["新制作", "本年新制作"], unit: "件" },
      { key: "published", label: "本年新公开数量", group: [], aliases: ["新公开", "本年新公开"], unit: "件" },
      { key: "public_total", label: "对外公开总数量", group: [], aliases: ["对外公开总数", "公开总数"], unit: "件" },
      { key: "last_year_items", label: "上一年项目数量", group: [], aliases: ["上一年项目数量", "上年项目"], unit: "项" },
      { key: "change", label: "本年增/减", group: [], aliases: ["增减", "本年增/减", "增/减"], unit: "项" },
      { key: "decisions", label: "处理决定数量", group: [], aliases: ["处理决定", "决定数量", "多少件", "数量"], unit: "件" },
      { key: "procured_items", label: "采购项目数量", group: [], aliases: ["采购项目数量", "采购项目"], unit: "项" },
      { key: "procured_amount", label: "采购总金额", group: [], aliases: ["采购总金额", "采购金额"], unit: "万元" },
    ],
    cells: [
      ["rules", "made"], ["rules", "published"], ["rules", "public_total"],
      ["normative", "made"], ["normative", "published"], ["normative", "public_total"],
      ["licensing", "last_year_items"], ["licensing", "change"], ["licensing", "decisions"],
      ["services", "last_year_items"], ["services", "change"], ["services", "decisions"],
      ["penalty", "last_year_items"], ["penalty", "change"], ["penalty", "decisions"],
      ["coercion", "last_year_items"], ["coercion", "change"], ["coercion", "decisions"],
      ["fees", "last_year_items"], ["fees", "change"],
      ["procurement", "procured_items"], ["procurement", "procured_amount"],
    ],
    rules: [],
    bounds: [{ id: "t2.public-total", label: "表二 对外公开总数量不少于本年新公开数量", column: "public_total", plus: ["published"], minus: [] }],
  });
}

function withOrder(s: Omit<TableSchema, "order">): TableSchema {
  const rowByKey = new Map(s.rows.map((r) => [r.key, r]));
  const colByKey = new Map(s.columns.map((c) => [c.key, c]));
  const order: Array<[RowDef, ColDef]> = s.cells
    ? s.cells.map(([r, c]) => [rowByKey.get(r)!, colByKey.get(c)!])
    : s.rows.flatMap((r) => s.columns.map((c) => [r, c] as [RowDef, ColDef]));
  return { ...s, order: () => order };
}

export const TABLES: Record<"2019" | "2021", Record<TableId, TableSchema>> = {
  "2019": { 表二: t2("2019"), 表三: t3("2019"), 表四: withOrder({ ...T4, format: "2019" }) },
  "2021": { 表二: t2("2021"), 表三: t3("2021"), 表四: withOrder({ ...T4, format: "2021" }) },
};

export function tableSchema(format: FormatId | null, table: TableId): TableSchema | null {
  if (format !== "2019" && format !== "2021") return null;
  return TABLES[format][table];
}

/** Official label of a row as exported: its groups and label joined with " › ". */
export function rowLabel(r: RowDef): string {
  return [...r.group, r.label].join(" › ");
}

export function columnLabel(c: ColDef): string {
  return [...c.group, c.label].join(" › ");
}

export function cellExists(s: TableSchema, row: string, column: string): boolean {
  return s.order().some(([r, c]) => r.key === row && c.key === column);
}
