import type { Strategy } from "../strategy.js";
import { figureAnswer } from "./figureText.js";

const HELP =
  "请用一句话提问，例如：“平潭综合实验区2021年收到多少件政府信息公开申请？”“申请内容不明确怎么处理？”“财金局历年申请数”“表三怎么填？”。发送机关名称可查看收录的报告。";

/** Text with no question in it ("2021 2022 2023", punctuation): a short help reply, never a guessed answer. */
export const helpStrategy: Strategy<unknown> = {
  name: "help",
  operations: ["help"],
  answer(_ctx, { plan }) {
    return { answer: figureAnswer(plan.original, { short: "没有看到具体问题。", lines: [HELP], citations: [], found: false }), passages: [] };
  },
};

/** A question in English: what Nianbao covers, in English, and one Chinese example. */
export const englishStrategy: Strategy<unknown> = {
  name: "english",
  operations: ["english"],
  answer(_ctx, { plan }) {
    // One short paragraph, like every refusal (a rule question in English is answered by the rules strategy).
    const text = "Nianbao answers questions in Chinese on disclosure reports and their rules. Please ask in Chinese, e.g. “申请内容不明确怎么处理？”";
    return { answer: figureAnswer(plan.original, { short: text, lines: [], citations: [], found: false }), passages: [] };
  },
};
