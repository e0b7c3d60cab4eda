/**
 * What kind of answer a question wants, read from its wording. Rule questions differ in the evidence that answers
 * them: a duty is a clause with 应当/告知, a deadline one with 工作日/日内, whether one can sue an interpretation
 * article with 不予立案 or 应当受理, a classification a row of the report template. Report questions differ in
 * whether they ask how a named report handled something, or for examples from many reports.
 */
export const QUESTION_KINDS = [
  "actionable", // can I sue / will the court accept it
  "who", // who decides, whom to sue, to whom to report
  "classify", // which row/column of the report's tables
  "deadline", // by when, how many days, from which day
  "list", // which kinds/grounds are there
  "definition", // what counts as X
  "compare", // 2019 vs 2021 format, old vs new rules
  "handled", // how a named report handled a case
  "examples", // has any report written P (precedents)
  "duty", // what must / may the office do (default for rule questions)
] as const;
export type QuestionKind = (typeof QUESTION_KINDS)[number];

const COURT = /起诉|打官司|法院|诉讼|去告|能告|告他|告政府|告机关|告吗|状告|立案/;
const CAN = /能不能|能否|可不可以|可以.{0,12}吗|会不会|能.{0,12}吗|会受理|受理吗|立案吗|告吗|起诉吗|吗[？?]?$/;
const WHO = /谁|哪个(部门|机关|单位|机构)|哪一级|由哪|向哪|找哪|被告是|交给哪|报给/;
const CLASSIFY_WHERE = /(年报|年度报告|报告|表[二三四]|统计表|统计时|表里|表中|表格|模板|这一栏|栏目)/;
const CLASSIFY_ASK = /哪一类|哪类|哪一栏|哪栏|哪一行|哪行|哪一项|哪项|哪个(类|栏|项|行)|填哪|放哪|归哪|归类|怎么归|算哪|计入|统计到哪|统计在哪|怎么统计|如何统计|填在|怎么填报|算在|只计/;
const DEADLINE = /多少天|几天|多久|多长时间|期限|时限|几个工作日|多少个工作日|哪天|哪一天|什么时候|何时|最晚|截止|日期|起算|之前|以前要|最长/;
const LIST = /哪几种|哪几类|哪几项|哪些|几种|几类|包括哪|有哪些|都有什么/;
const DEFINITION = /什么是|是指|定义|含义|算不算|属不属于|什么意思|指什么|怎么理解|何为|何谓/;
const COMPARE = /(2019|2007|2011|试行|60号|旧|老|原来|以前|过去).{0,20}(2021|2025|30号|新|现行|现在)|(2021|2025|30号|新|现行|现在).{0,20}(2019|2007|2011|试行|60号|旧|老|原来|以前|过去)|新旧|两版|修订前后/;
const COMPARE_ASK = /不同|区别|差异|变化|对比|比较|比|多了|少了|改了|新增/;
/** How a named report handled something: "最后是怎么处理的", "采取了哪些措施". */
const HANDLED = /(怎么|如何|怎样)(处理|办理|答复|解决|整改|落实|办|改进|推进)的|最后(是)?(怎么|如何|怎样)|处理结果|结果如何|结果是什么|采取了(哪些|什么)|做了(哪些|什么)|怎么做的|如何做的|(因为|由于)什么|什么原因|为什么|原因是|什么理由|理由是/;
/** Examples from other reports: "有没有单位写过…", "给我原文", "举几个例子". */
const EXAMPLES = /有没有(单位|部门|报告|年报|机关|哪家|哪个|哪份|别的|其他).{0,30}(写过|写了|提到|提过|做法|段落|写法)|有没有.{0,20}(写过|提到过|提过)|(哪份|哪几份|哪些|哪家|哪个)(单位|部门|机关|年报|报告).{0,30}(写过|写了|提到|提过|做法|段落|写法)|(其他|别的|别人)(部门|单位|机关|报告|年报)?.{0,12}(怎么写|如何写|写法|是怎么写)|找(几|一些)?(个|份|段)?(原文|例子|范例|写法|段落)|举(几)?个例子|举例|给我(看看)?原文|有(哪些|什么)(单位|部门|报告|年报).{0,20}(写|做法)|范例|示例|样例|例子/;

export function questionKind(q: string): QuestionKind {
  if (EXAMPLES.test(q)) return "examples";
  if (HANDLED.test(q)) return "handled";
  if (COMPARE.test(q) && COMPARE_ASK.test(q)) return "compare";
  if (CLASSIFY_ASK.test(q) && CLASSIFY_WHERE.test(q)) return "classify";
  if (WHO.test(q)) return "who";
  if (COURT.test(q) && CAN.test(q)) return "actionable";
  if (DEADLINE.test(q)) return "deadline";
  if (LIST.test(q)) return "list";
  if (DEFINITION.test(q)) return "definition";
  return "duty";
}

/** Words that ask for the kind of answer rather than name its subject: left out when matching the subject. */
export const KIND_WORDS: Record<QuestionKind, RegExp> = {
  actionable: /^(起诉|打官司|法院|诉讼|行政诉讼|提起|直接|能|不能|可以|不服|立案|受理|去|告|状告)$/,
  who: /^(谁|哪个|部门|机关|单位)$/,
  classify: /^(年报|年度报告|报告|表|表里|表格|统计表|填|填报|栏|一栏|哪一类|一类|类|算|统计|归类|一行|一项|哪一项|哪一栏)$/,
  deadline: /^(天|哪天|一天|哪一天|时间|多久|什么时候|开始|重新|日期)$/,
  list: /^(几种|哪几种|一共|理由|情形|种类)$/,
  definition: /^(是指|定义|含义|意思)$/,
  compare: /^(不同|区别|差异|变化|对比|比较)$/,
  handled: /^(处理|最后|怎么|结果|办理)$/,
  examples: /^(例子|原文|写过|做法|单位|给我)$/,
  duty: /^$/,
};
