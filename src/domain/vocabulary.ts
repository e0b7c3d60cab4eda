/**
 * Domain glossary: the same thing is named differently across the eras of the report format
 * (2008–2018 free form, the 2019 trial format, the 2021 format) and in users' own words.
 * Each group lists equivalent phrasings; a query mentioning one is expanded with the others.
 */
export interface GlossaryGroup {
  /** Stable key used by answer composition (e.g. to find the section a drafting question is about). */
  key: string;
  terms: string[];
  /** Heading fragments of the report section this group names, if it names one. */
  sectionHints?: string[];
}

export const GLOSSARY: GlossaryGroup[] = [
  { key: "overview", terms: ["概述", "总体情况", "基本情况", "总体", "概况"], sectionHints: ["概述", "总体情况", "基本情况"] },
  {
    key: "applications",
    terms: ["依申请公开", "收到和处理政府信息公开申请", "政府信息公开申请", "依申请", "申请公开", "受理", "新收", "收到", "办理"],
    sectionHints: ["依申请公开", "收到和处理政府信息公开申请", "申请情况"],
  },
  { key: "proactive", terms: ["主动公开", "主动公开政府信息", "发布信息", "公开信息", "主动发布"], sectionHints: ["主动公开"] },
  { key: "review", terms: ["行政复议", "复议"], sectionHints: ["复议"] },
  { key: "litigation", terms: ["行政诉讼", "诉讼", "起诉"], sectionHints: ["诉讼"] },
  { key: "fees", terms: ["信息处理费", "收费", "收费及减免", "费用", "减免", "收取"], sectionHints: ["收费"] },
  {
    key: "next_steps",
    terms: ["下步工作打算", "下一步工作", "工作安排", "改进措施", "改进情况", "工作计划", "下步", "打算", "下一步"],
    sectionHints: ["下步工作", "工作安排", "改进", "打算"],
  },
  { key: "problems", terms: ["存在的主要问题", "存在问题", "主要问题", "不足", "问题"], sectionHints: ["问题"] },
  { key: "withheld", terms: ["不予公开", "不公开", "免予公开"] },
  { key: "unavailable", terms: ["无法提供", "本机关不掌握", "没有现成信息", "不存在", "非本行政机关"] },
  { key: "application_form", terms: ["申请书", "申请表", "申请应当包括", "申请材料", "申请要写", "书面形式"] },
  { key: "unclear", terms: ["申请内容不明确", "内容不明确", "补正", "不明确"] },
  { key: "normative", terms: ["规范性文件", "行政规范性文件"] },
  { key: "other_matters", terms: ["其他需要报告的事项", "其他情况", "其他事项"], sectionHints: ["其他"] },
  { key: "deadline", terms: ["答复期限", "期限", "工作日", "延长答复", "答复"] },
  { key: "spending", terms: ["支出", "经费", "花费", "开支", "花了", "钱"] },
  { key: "evidence", terms: ["证明", "举证", "举证责任", "证据", "合理说明"] },
  { key: "annual_report", terms: ["年度报告", "年报", "工作年度报告", "报告格式"] },
];

/** Groups mentioned by a text. */
export function groupsIn(text: string): GlossaryGroup[] {
  return GLOSSARY.filter((g) => g.terms.some((t) => text.includes(t)));
}

/** Equivalent phrasings not already in the text. */
export function expansions(text: string): string[] {
  const out = new Set<string>();
  for (const g of groupsIn(text)) for (const t of g.terms) if (!text.includes(t)) out.add(t);
  return [...out];
}

/** The report section a question names: the glossary group of its longest matching term that names a section. */
export function sectionGroup(q: string): GlossaryGroup | null {
  let best: GlossaryGroup | null = null;
  let len = 0;
  for (const g of GLOSSARY) {
    if (!g.sectionHints) continue;
    for (const t of g.terms) if (q.includes(t) && t.length > len) { best = g; len = t.length; }
  }
  return best;
}
