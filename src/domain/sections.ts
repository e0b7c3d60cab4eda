import type { TableKind } from "./types.js";

/**
 * Section headings and table labels of the reports, across the eras of the national format (before 2019, the 2019
 * trial format, the 2021 format) and the wordings bodies use: ingestion reads them to find headings, inline
 * headings' ends and the standard tables; nothing else spells them out.
 */

/** How a standard statistical table is labelled as its own section. */
export const TABLE_LABELS: Record<TableKind, string> = {
  art20: "表：主动公开政府信息情况（第二十条）",
  applications: "表：收到和处理政府信息公开申请情况",
  review_litigation: "表：政府信息公开行政复议、行政诉讼情况",
  stats: "表：政府信息公开情况统计表",
};

/** Standard section titles across the eras of the national format; used to find where an inline heading ends. */
export const STANDARD_TITLES = [
  "概述", "总体情况", "基本情况",
  "主动公开政府信息情况", "主动公开政府信息的情况", "政府信息主动公开情况", "主动公开情况",
  "依申请公开政府信息情况", "政府信息依申请公开工作情况", "政府信息依申请公开情况", "依申请公开情况",
  "收到和处理政府信息公开申请情况",
  "政府信息公开收费及减免情况", "政府信息公开的收费及减免情况", "收费及减免情况",
  "因政府信息公开申请行政复议、提起行政诉讼的情况", "申请行政复议和提起行政诉讼情况",
  "政府信息公开行政复议、行政诉讼情况", "因政府信息公开申请行政复议、提起行政诉讼情况",
  // Wordings of department reports (incl. a source typo, 行政法复议).
  "政府信息公开行政复议与行政诉讼情况", "政府信息公开行政法复议、行政诉讼情况",
  "政府信息公开工作存在的主要问题及改进情况", "政府信息公开存在的主要问题及改进情况", "存在的主要问题及改进情况", "存在的主要问题和改进情况",
  "工作中存在的主要问题及改进情况", "存在的主要问题和改进措施", "主要问题和改进措施", "存在问题", "下步工作打算", "其他需要报告的事项", "其他情况",
  "政府信息公开情况统计表", "重点领域政府信息公开情况",
];

/** Row labels of the standard tables that are numbered like headings. */
export const TABLE_ROW_TITLE = /^(本年新收|上年结转|本年度办理结果|结转下年度|予以公开|部分公开|不予公开|无法提供|不予处理|其他处理|总计|属于|本机关不掌握|没有现成信息|补正后|信访举报|重复申请|要求提供|无正当理由|要求行政机关|申请人)/;

/** Headings whose words contain "公开" without asking about 公开 (removed before reading a question's cue words). */
export const TITLES_SAYING_PUBLIC = /主动公开政府信息情况|依申请公开/g;

/** Where the 表三 of a report ends: its last row, "四、结转下年度继续办理", with its figures. */
export const APPLICATIONS_TABLE_END = /结转下年度继续办理[\s\d]*/g;
