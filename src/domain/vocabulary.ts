import type { GoverningText } from "./types.js";

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

// ---------------------------------------------------------------- thesaurus: everyday ↔ statutory wording

/**
 * Everyday wording ↔ the statutory phrase it means, keyed by the statutory phrase as the governing text writes it
 * (a test checks that every key occurs in the clause `source` names). A question using an everyday word is
 * expanded with the statutory phrase for retrieval, and a clause holding the phrase is preferred when choosing the
 * clause that answers. The words share no characters with the phrase as often as not (平信 ↔ 平常信函), which is
 * why a word-matching retriever cannot bridge them on its own.
 *
 * To add an entry: find the phrase in corpus/ (the clause path as the clause model names it: "第三十一条（二）",
 * "一、（二）" for a notice item, "表三 （六）其他处理 2." for a template row), put it as `statutory`, and list the
 * words people write for it. An everyday word should not be a part of unrelated words ("告" is in 告知: write 告他,
 * 去告 instead).
 */
export interface ThesaurusEntry {
  /** The phrase as the governing text writes it (the key). */
  statutory: string;
  /** What clerks, citizens and drafters write for it. */
  everyday: string[];
  /** Where the phrase is written: the governing text and the clause path. */
  source: { text: GoverningText; clause: string };
}

const R19 = "regulation-2019" as const;
const J25 = "judicial-2025" as const;
const F21 = "format-2021" as const;

export const THESAURUS: ThesaurusEntry[] = [
  // —— applications: how they arrive, what they must say
  { statutory: "平常信函", everyday: ["平信", "普通信件", "普通信函", "普通邮件", "挂号信以外"], source: { text: R19, clause: "第三十一条（二）" } },
  { statutory: "以邮寄方式提交", everyday: ["寄过来", "寄来", "邮寄", "寄信", "快递"], source: { text: R19, clause: "第三十一条（二）" } },
  { statutory: "当面提交", everyday: ["当面递交", "窗口递交", "来窗口交", "当面交", "现场提交", "现场递交", "亲自送来", "当面来"], source: { text: R19, clause: "第三十一条（一）" } },
  { statutory: "互联网渠道", everyday: ["网上提交", "网上申请", "在线申请", "在线提交", "网上递交", "电子邮件", "网站提交", "网上"], source: { text: R19, clause: "第三十一条（三）" } },
  { statutory: "收到申请之日", everyday: ["收到日期", "收到时间", "哪天算收到", "算收到", "收件日期", "收到的日期"], source: { text: R19, clause: "第三十一条" } },
  { statutory: "口头提出", everyday: ["口头申请", "口头说", "嘴上说", "当面说"], source: { text: R19, clause: "第二十九条" } },
  { statutory: "书面形式确有困难", everyday: ["不会写字", "不识字", "写不了字", "不会写"], source: { text: R19, clause: "第二十九条" } },
  { statutory: "代为填写", everyday: ["帮忙填", "帮他填", "帮他写", "代填", "代写", "帮着写"], source: { text: R19, clause: "第二十九条" } },
  { statutory: "申请内容不明确", everyday: ["讲不清楚", "讲不清", "说不清楚", "说不清", "写不清楚", "写得不清楚", "没写清楚", "不清楚要什么", "不知道要什么", "太笼统", "笼统", "含糊", "模糊", "所有文件", "全部文件"], source: { text: R19, clause: "第三十条" } },
  { statutory: "作出补正", everyday: ["补材料", "补充材料", "补交材料", "补正材料", "补齐材料", "补一下"], source: { text: R19, clause: "第三十条" } },
  { statutory: "逾期不补正", everyday: ["不补正", "没补正", "没有补正", "还没补", "不来补", "超期不补", "过了补正期限", "没来补"], source: { text: R19, clause: "第三十条" } },
  { statutory: "收到补正的申请之日", everyday: ["补正以后", "补正后", "补正之后", "补完以后", "补齐以后"], source: { text: R19, clause: "第三十条" } },
  // —— answers
  { statutory: "不属于本行政机关负责公开", everyday: ["不归我们管", "不归我们单位管", "不归我们", "不归本单位", "不是我们管", "不是我们单位管", "不属于我们", "不归我们负责", "别的单位管", "其他单位管", "不是本单位的", "不归本机关"], source: { text: R19, clause: "第三十六条（五）" } },
  { statutory: "政府信息不存在", everyday: ["信息不存在", "不存在", "没有这个信息", "没有这份信息"], source: { text: R19, clause: "第三十六条（四）" } },
  { statutory: "经检索没有所申请公开信息", everyday: ["根本没有", "查不到", "找不到", "查了没有", "没有这个信息", "没有这份", "没有这些信息"], source: { text: R19, clause: "第三十六条（四）" } },
  { statutory: "重复申请公开相同政府信息", everyday: ["重复申请", "又来申请", "再次申请同样", "同样的申请", "反复申请同一"], source: { text: R19, clause: "第三十六条（六）" } },
  { statutory: "不动产登记资料", everyday: ["房产证", "房产登记", "房屋登记", "土地登记", "产权登记", "不动产登记"], source: { text: R19, clause: "第三十六条（七）" } },
  { statutory: "工作日内予以答复", everyday: ["答复期限", "答复时限", "多少天答复", "几天内答复", "多久答复", "回复期限", "多久回复", "几天答复", "多少天内答复", "最迟多少天"], source: { text: R19, clause: "第三十三条" } },
  { statutory: "当场予以答复", everyday: ["当场答复", "马上答复", "立即答复", "当时答复", "当场回复"], source: { text: R19, clause: "第三十三条" } },
  { statutory: "延长答复期限", everyday: ["延期", "延长", "推迟答复", "晚点答复", "往后延"], source: { text: R19, clause: "第三十三条" } },
  { statutory: "作区分处理", everyday: ["一部分不能公开", "部分不能公开", "部分能公开", "一部分能公开", "剩下的", "其余部分"], source: { text: R19, clause: "第三十七条" } },
  { statutory: "加工、分析", everyday: ["汇总分析", "汇总", "加工整理", "整理后", "统计分析", "做个统计", "重新整理", "分析以后", "分析后"], source: { text: R19, clause: "第三十八条" } },
  { statutory: "信访、投诉、举报", everyday: ["投诉举报", "上访", "信访", "举报", "投诉", "反映问题"], source: { text: R19, clause: "第三十九条" } },
  { statutory: "公开出版物", everyday: ["书和报纸", "报纸", "杂志", "出版的书", "公开出版的", "出版物"], source: { text: R19, clause: "第三十九条" } },
  { statutory: "书面征求第三方的意见", everyday: ["问问对方", "问一下对方", "问对方", "征求对方", "征求别人"], source: { text: R19, clause: "第三十二条" } },
  { statutory: "第三方", everyday: ["别人的", "涉及别人", "对方", "他人"], source: { text: R19, clause: "第三十二条" } },
  { statutory: "商业秘密", everyday: ["商业机密", "企业秘密", "企业机密"], source: { text: R19, clause: "第十五条" } },
  { statutory: "个人隐私", everyday: ["隐私", "个人信息", "私人信息"], source: { text: R19, clause: "第十五条" } },
  { statutory: "国家秘密", everyday: ["涉密", "机密文件", "保密文件"], source: { text: R19, clause: "第十四条" } },
  { statutory: "数量、频次明显超过合理范围", everyday: ["反反复复", "大量申请", "频繁申请", "申请很多", "海量申请", "没完没了"], source: { text: R19, clause: "第四十二条" } },
  { statutory: "信息处理费", everyday: ["收费", "要钱", "交钱", "收钱", "手续费", "工本费", "费用"], source: { text: R19, clause: "第四十二条" } },
  { statutory: "公民", everyday: ["老百姓", "群众", "市民", "居民"], source: { text: R19, clause: "第二十七条" } },
  { statutory: "更正", everyday: ["改正", "记录错了", "信息有误", "记录有误", "改一下"], source: { text: R19, clause: "第四十一条" } },
  { statutory: "阅读困难或者视听障碍", everyday: ["盲人", "聋哑", "看不见", "听不见", "残疾人", "眼睛不好"], source: { text: R19, clause: "第四十三条" } },
  { statutory: "依法申请行政复议或者提起行政诉讼", everyday: ["不服", "有意见", "想维权"], source: { text: R19, clause: "第五十一条" } },
  // —— courts
  { statutory: "提起行政诉讼", everyday: ["起诉", "打官司", "去法院", "上法院", "到法院", "状告", "去告", "能告", "告他", "告政府", "告机关", "告吗"], source: { text: J25, clause: "第一条" } },
  { statutory: "作出答复的行政机关", everyday: ["告谁", "起诉谁", "被告是谁", "告哪个"], source: { text: J25, clause: "第四条" } },
  { statutory: "程序性告知行为", everyday: ["补正通知", "延期通知", "延长通知", "告知书", "这个通知", "让我补正"], source: { text: J25, clause: "第十条（二）" } },
  { statutory: "同时废止", everyday: ["还能用", "还有效", "还适用", "是否有效", "失效了", "作废", "废止", "不能用了", "还管用"], source: { text: J25, clause: "第十五条" } },
  { statutory: "不予立案", everyday: ["不受理", "法院不收", "立不了案", "不立案"], source: { text: J25, clause: "第十条" } },
  { statutory: "举证", everyday: ["证明什么", "要证明", "拿出证据", "证据"], source: { text: J25, clause: "第五条" } },
  { statutory: "收取信息处理费决定", everyday: ["收费决定", "收费不服"], source: { text: J25, clause: "第十条（三）" } },
  // —— the report and its format
  { statutory: "核定时间点", everyday: ["时点", "截止日期", "统计截止", "按哪一天", "哪一天为准", "截至哪天"], source: { text: F21, clause: "一、（二）" } },
  { statutory: "年年雷同", everyday: ["差不多", "一样", "照抄", "跟去年", "和去年", "雷同", "重复去年", "套用去年", "抄去年"], source: { text: F21, clause: "一、（五）" } },
  { statutory: "篇幅", everyday: ["字数", "写多长", "多少字", "长度", "写多少"], source: { text: F21, clause: "一、（一）" } },
  { statutory: "乡镇人民政府", everyday: ["乡镇", "镇政府", "乡政府", "街道办"], source: { text: F21, clause: "二、（一）" } },
  { statutory: "统计口径", everyday: ["口径", "统计办法"], source: { text: F21, clause: "一、（六）" } },
  { statutory: "共同被告", everyday: ["一起被告", "一起被起诉", "一同被告"], source: { text: F21, clause: "一、（四）" } },
  { statutory: "缴纳费用", everyday: ["交钱", "缴费", "没交钱", "付费", "交费", "付钱"], source: { text: F21, clause: "表三 （六）其他处理 2." } },
  { statutory: "收费通知", everyday: ["缴费通知", "交费通知", "付费通知"], source: { text: F21, clause: "表三 （六）其他处理 2." } },
  { statutory: "另行制作", everyday: ["重新制作", "专门制作", "现做", "重新做"], source: { text: F21, clause: "表三 （四）无法提供 2." } },
  { statutory: "上年结转", everyday: ["上一年结转", "去年没办完", "从上一年", "上一年转过来", "去年转过来"], source: { text: F21, clause: "表三 二、" } },
  { statutory: "结转下年度继续办理", everyday: ["没办完", "年底没办结", "转到明年", "跨年"], source: { text: F21, clause: "表三 四、" } },
];

/** A thesaurus entry a text names, and the word that named it (the statutory phrase itself counts). */
export interface ThesaurusHit {
  entry: ThesaurusEntry;
  word: string;
}

/** The thesaurus entries a text names by an everyday word or by the statutory phrase itself, longest word first. */
export function thesaurusHits(text: string): ThesaurusHit[] {
  const out: ThesaurusHit[] = [];
  for (const entry of THESAURUS) {
    const word = [entry.statutory, ...entry.everyday].filter((w) => text.includes(w)).sort((a, b) => b.length - a.length)[0];
    if (word) out.push({ entry, word });
  }
  return out;
}

/** Statutory phrases a text names, by an everyday word or by writing the phrase itself. */
export function statutoryPhrases(text: string): string[] {
  return [...new Set(thesaurusHits(text).map((h) => h.entry.statutory))];
}

// ---------------------------------------------------------------- English key terms

/** English key terms → the Chinese words of the governing texts (for answering a question asked in English). */
export const ENGLISH_TERMS: Array<[RegExp, string]> = [
  [/working days?|business days?/i, "工作日"],
  [/how many (?:working |business )?days|how long|deadline|time limit|by when/i, "工作日内予以答复"],
  [/\b(?:reply|respond|response|answer)\b/i, "答复"],
  [/\brequests?\b|\bapplications?\b|\bapply\b/i, "政府信息公开申请"],
  [/unclear|not clear|vague|ambiguous/i, "申请内容不明确"],
  [/correct(?:ion)?s?\b|amend/i, "更正"],
  [/\bfees?\b|charge|cost/i, "信息处理费"],
  [/\bsue\b|lawsuit|court|litigation/i, "提起行政诉讼"],
  [/administrative review|reconsideration/i, "行政复议"],
  [/third part(?:y|ies)/i, "第三方"],
  [/trade secret|commercial secret/i, "商业秘密"],
  [/privacy|personal information/i, "个人隐私"],
  [/state secret/i, "国家秘密"],
  [/does(?:n't| not) exist|not exist|no such information/i, "不存在"],
  [/repeat(?:ed)? request/i, "重复申请"],
  [/annual reports?/i, "年度报告"],
  [/extend|extension/i, "延长"],
  [/in person/i, "当面提交"],
  [/\bmail\b|\bpost\b|letter/i, "邮寄"],
  [/online|internet|e-?mail/i, "互联网渠道"],
  [/withh[oe]ld|refuse to disclose|not disclose/i, "不予公开"],
  [/proactive(?:ly)?/i, "主动公开"],
  [/not responsible|another (?:agency|department)/i, "不属于本行政机关负责公开"],
  [/defendant|whom to sue|who (?:to|should) sue/i, "被告"],
  [/publish|made public/i, "向社会公布"],
  [/orally|oral/i, "口头提出"],
  [/\bcontain|\binclude|what .{0,20}(?:must|should) .{0,20}(?:say|state|write)/i, "应当包括下列内容"],
  [/supplement|incomplete|clarif/i, "补正"],
  [/\bappeal\b/i, "行政复议"],
  [/in writing|written/i, "书面形式"],
  [/date of receipt|received (?:date|on)|when .{0,30}(?:counts? as )?received/i, "收到申请之日"],
  [/ordinary (?:mail|letter)|regular (?:mail|post)/i, "平常信函"],
  [/process(?:ing|ed)? (?:further|any more)|stop processing|no longer (?:process|handle)/i, "不再处理"],
];

/** The Chinese terms an English question names. */
export function englishTerms(q: string): string[] {
  return [...new Set(ENGLISH_TERMS.filter(([re]) => re.test(q)).map(([, zh]) => zh))];
}

/** Words that name the annual report, its format, tables and sections: a question with them is about drafting a report. */
export const REPORT_WORDS = /年报|年度报告|表[二三四]|统计表|统计|格式|填报|报送|模板|篇幅|字数|时点|雷同|口径|总体情况|存在的主要问题|其他需要报告|主动公开政府信息情况|第二十条第/;
