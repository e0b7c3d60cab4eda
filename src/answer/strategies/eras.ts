import { PROACTIVE_TABLE } from "../../domain/types.js";
import type { Figure } from "../figures.js";

/** What is not comparable across the format eras, said once per answer. */
export function eraNotes(figs: Figure[]): string[] {
  const formats = new Set(figs.filter((f) => f.value !== null).map((f) => f.report.format));
  const notes: string[] = [];
  if (formats.has("pre2019") && (formats.has("2019") || formats.has("2021")))
    notes.push("说明：2018年及以前的报告没有统一统计表，数字取自正文叙述，口径与2019年以后的表格不完全相同。");
  const t2 = figs.some((f) => f.citations[0]?.cell?.table === PROACTIVE_TABLE);
  if (t2 && formats.has("2019") && formats.has("2021"))
    notes.push("说明：2019年试行格式与2021年格式的表二栏目不同（如“本年新制作数量”与“本年制发件数”），两者不宜直接比较。");
  if (figs.some((f) => f.value !== null && f.report.year === 2019 && f.report.format === "2019"))
    notes.push("说明：修订后的《条例》自2019年5月15日起施行，2019年度报告的部分统计只覆盖当年的一部分。");
  return notes;
}
