import type { Coverage } from "../answer/api.js";
import { escapeHtml } from "../present/telegram.js";

/**
 * Every user-facing string of the Telegram bot, in one place so that wording stays consistent (and Chinese).
 * Functions return Telegram HTML; anything that comes from the corpus or a user is escaped here.
 */

export const COMMANDS = [
  { command: "start", description: "开始使用并查看示例问题" },
  { command: "ask", description: "提问（群组中使用）：/ask 问题" },
  { command: "reports", description: "查看已收录的年度报告和法规" },
  { command: "export", description: "把上一个含数字的答案导出为 CSV 表格" },
  { command: "help", description: "使用说明" },
  { command: "about", description: "关于本机器人" },
] as const;

export function startHtml(cov: Coverage, botUsername: string): string {
  const years = cov.reports.flatMap((r) => r.years);
  const reportCount = years.length;
  const span = years.length ? `${Math.min(...years)}–${Math.max(...years)} 年` : "";
  // One region can have several issuers (管委会, 地方税务局…); the greeting names each region once.
  const unique = [...new Set(cov.reports.map((r) => r.region))];
  const regions = unique.slice(0, 10).join("、");
  const more = unique.length > 10 ? " 等" : "";
  return [
    "<b>您好！我是「年报」问答机器人。</b>",
    "我根据已收录的政府信息公开工作年度报告及相关法规回答问题，每个答案都注明原文出处。",
    "",
    `目前收录 ${unique.length} 个地区的年度报告共 ${reportCount} 份${span ? `（${escapeHtml(span)}）` : ""}，` +
      `包括${escapeHtml(regions)}${more}；另有《政府信息公开条例》等法规、通知与司法解释 ${cov.governing.length} 份。`,
    "",
    "私聊时直接发送问题即可，也可以点击下面的示例问题。",
    `在群组中请使用 /ask 问题，或在消息中 @${escapeHtml(botUsername)}，或回复我的消息。`,
    "发送 /help 查看使用说明，/reports 查看收录清单。",
  ].join("\n");
}

export function helpHtml(maxChars: number, botUsername: string): string {
  return [
    "<b>使用说明</b>",
    "• 私聊：直接发送问题，例如“沈阳2013年受理了多少件政府信息公开申请？”。",
    `• 群组：发送 /ask 问题，或在消息中 @${escapeHtml(botUsername)}，或回复我的消息。`,
    "• 追问：可以接着问“那行政复议呢？”或“2014年呢？”，我会沿用上一个问题的地区、年份和主题（30 分钟内有效）。",
    "• 点击答案下方的“📄 来源N”按钮，查看被引用章节的完整原文。",
    "• 历年数字、排名和比较以表格显示；发送 /export 可把上一个含数字的答案下载为 CSV 文件（Excel、WPS 可直接打开）。",
    `• 每个问题不超过 ${maxChars} 字。`,
    "",
    "<b>命令</b>",
    "/ask 问题 — 提问",
    "/reports — 查看已收录的年度报告和法规",
    "/export — 把上一个含数字的答案导出为 CSV 文件",
    "/about — 关于本机器人",
    "/help — 显示本说明",
  ].join("\n");
}

export function aboutHtml(cov: Coverage): string {
  return [
    "<b>关于「年报」</b>",
    "本机器人检索政府信息公开工作年度报告，以及《中华人民共和国政府信息公开条例》、年度报告格式通知和相关司法解释，" +
      "从原文中摘取答案并逐条注明出处（报告名称、地区、年份和章节）。",
    `当前资料库：${cov.documents} 份文件，${cov.chunks} 个段落。`,
    "",
    "答案仅供参考，请以政府机关正式发布的文本为准。",
  ].join("\n");
}

/** Three example questions built from what the corpus actually holds, so the buttons always lead somewhere. */
export function exampleQuestions(cov: Coverage): string[] {
  // Merge issuers of the same region: questions name regions, not issuers.
  const byRegion = new Map<string, number[]>();
  for (const r of cov.reports) byRegion.set(r.region, [...(byRegion.get(r.region) ?? []), ...r.years]);
  const reports = [...byRegion].map(([region, years]) => ({ region, years })).filter((r) => r.years.length > 0);
  // The region with the most reports first: it is the best-covered and the likeliest to answer well.
  reports.sort((a, b) => b.years.length - a.years.length || a.region.localeCompare(b.region, "zh"));
  const first = reports[0];
  const q1 = first
    ? `${first.region}${Math.max(...first.years)}年受理了多少件政府信息公开申请？`
    : "哪些政府信息应当主动公开？";
  // A regulation question and a format question: answerable whatever reports are loaded.
  const q2 = "行政机关收到政府信息公开申请后应当在多少个工作日内答复？";
  const q3 = "政府信息公开工作年度报告应当包括哪些内容？";
  return [q1, q2, q3];
}

export const T = {
  usagePrivate: "请直接输入您的问题，例如：沈阳2013年受理了多少件政府信息公开申请？",
  usageAsk: "请在 /ask 后面写上问题，例如：/ask 沈阳2013年受理了多少件政府信息公开申请？",
  tooLong: (len: number, max: number) => `问题太长了（${len} 字），请控制在 ${max} 字以内后再发送。`,
  rateLimited: (perMinute: number) => `您提问得有点快，请稍等片刻再试（每分钟最多 ${perMinute} 个问题）。`,
  notAllowed: "抱歉，本机器人仅在获得授权的会话中提供服务。如需使用，请联系管理员。",
  apology: "抱歉，处理您的请求时出现了问题，请稍后再试。",
  sourceExpired: "该来源已过期，请重新提问后再查看。",
  sourceMissing: "未能找到该章节的完整原文，以下为引用片段：",
  buttonExpired: "该按钮已失效，请重新发送 /start。",
  unknownCommand: "未识别的命令。发送 /help 查看可用命令，或直接输入问题。",
  examplesTitle: "示例问题：",
  sourceButton: (n: number) => `📄 来源${n}`,
  exportNone: "还没有可导出的数字答案。请先提一个涉及数字的问题（例如“平潭综合实验区历年收到多少件申请？”），再发送 /export。",
  exportCaption: (question: string) => `“${question.length > 200 ? question.slice(0, 200) + "…" : question}”的数字（CSV，UTF-8）`,
  askedQuestion: (q: string) => `<b>问：</b>${escapeHtml(q)}`,
};
