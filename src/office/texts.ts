import type { Coverage } from "../answer/api.js";
import { T as BOT } from "../bot/texts.js";
import { PLATFORM_NAMES, type Platform } from "./types.js";

/**
 * What the office bots say besides answers, as simple markdown (**bold**, lists) that every renderer turns into its
 * platform's dialect. Refusals, limits and apologies are the Telegram bot's own wording (src/bot/texts.ts), so a user
 * reads the same sentence in every channel; only what names a command differs (no slash menu on these platforms:
 * a command is a word, with or without the slash).
 */

/** The commands, as words a user types (with or without a leading "/"). */
export const OFFICE_COMMANDS = {
  help: ["帮助", "help", "start", "开始"],
  reports: ["收录", "reports"],
  export: ["导出", "export"],
  source: ["原文", "查看原文", "来源", "source"],
} as const;

export type OfficeCommand = keyof typeof OFFICE_COMMANDS;

/** The command a message is, and its argument ("原文 2" → source, "2"), or null for a question. */
export function parseCommand(text: string): { command: OfficeCommand; arg: string } | null {
  const m = /^\/?\s*(\S+?)\s*([0-9０-９]*)\s*$/u.exec(text.trim());
  if (!m) return null;
  const word = m[1].toLowerCase();
  for (const [command, words] of Object.entries(OFFICE_COMMANDS) as Array<[OfficeCommand, readonly string[]]>) {
    if (words.includes(word)) {
      const arg = m[2].replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0));
      // "帮助 3" is not a command; "原文" alone asks which one.
      if (arg && command !== "source") return null;
      return { command, arg };
    }
  }
  return null;
}

export function helpMarkdown(platform: Platform, cov: Coverage, maxChars: number): string {
  const regions = [...new Set(cov.reports.map((r) => r.region))];
  return [
    "**您好！我是「年报」问答机器人。**",
    "我根据已收录的政府信息公开工作年度报告及相关法规回答问题，每个答案都注明原文出处。",
    `目前收录 ${regions.length} 个地区的年度报告和 ${cov.governing.length} 份法规、通知与司法解释。`,
    "",
    "**使用说明**",
    "- 私聊：直接发送问题，例如“沈阳2013年受理了多少件政府信息公开申请？”。",
    `- 群聊：请 @我 并写上问题（${PLATFORM_NAMES[platform]}群里只有 @我 的消息我才会回答）。`,
    "- 追问：可以接着问“那行政复议呢？”或“2014年呢？”，我会沿用上一个问题的地区、年份和主题（30 分钟内有效）。",
    "- 发送“原文 1”查看答案中第 1 条来源的完整原文。",
    "- 发送“导出”把上一个含数字的答案下载为 CSV 文件（Excel、WPS 可直接打开）。",
    "- 发送“收录”查看已收录的报告和法规。",
    "- 把年度报告草稿（docx、pdf 或 txt）发给我，我按勾稽关系核对其中的统计表。",
    `- 每个问题不超过 ${maxChars} 字。`,
  ].join("\n");
}

export const OT = {
  ...BOT,
  usage: "请直接输入您的问题，例如：沈阳2013年受理了多少件政府信息公开申请？",
  unsupported: "抱歉，我只能阅读文字消息和年度报告草稿文件（docx、pdf、txt）。请用文字提问。",
  unsupportedFile: "抱歉，这个文件我读不了：只核对 docx、pdf、txt 格式的年度报告草稿。",
  fileTooLarge: (mb: number) => `文件太大了，请发送不超过 ${mb} MB 的草稿。`,
  draftFailed: "抱歉，没能读出这份草稿，请确认文件完好后再发送，或在网页“报告核对”中上传。",
  sourceWhich: "请写上来源的编号，例如“原文 1”。",
  sourceNone: "还没有可查看的来源。请先提一个问题。",
  sourceOutOfRange: (n: number, count: number) => `上一个答案只有 ${count} 条来源，没有第 ${n} 条。`,
  exportNone: "还没有可导出的数字答案。请先提一个涉及数字的问题（例如“平潭综合实验区历年收到多少件申请？”），再发送“导出”。",
  exportCaption: (question: string) => `“${question.length > 200 ? question.slice(0, 200) + "…" : question}”的数字（CSV，UTF-8）`,
};
