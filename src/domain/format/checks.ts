/**
 * 勾稽关系 beyond one table's own sums (those are the tables' `rules`): the narrative against the tables,
 * and one year's report against the previous year's of the same body. Ids and Chinese labels as data.
 */
export interface CheckRuleDef {
  id: string;
  label: string;
}

export const CROSS_RULES = {
  narrativeApplications: { id: "narr.applications", label: "正文所述收到申请数等于表三本年新收（总计）" },
  narrativeReview: { id: "narr.review", label: "正文所述行政复议数等于表四行政复议总计" },
  carryOver: { id: "year.carry", label: "本年上年结转等于上年度报告的结转下年度继续办理" },
  inForce: { id: "year.in-force", label: "表二 现行有效件数延续：上年现行有效 − 本年废止 + 本年制发 = 本年现行有效" },
} as const satisfies Record<string, CheckRuleDef>;
