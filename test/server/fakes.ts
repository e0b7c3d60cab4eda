import type { AnswerEngine, AskResult, ConversationState, Coverage } from "../../src/answer/api.js";
import type { Answer, Citation, SourceView } from "../../src/types.js";
import type { CellExportRow, CheckResult, DraftCheck, ReportInfo, StatsFilter, StatsService } from "../../src/stats/api.js";
import { settingsSchema, type Settings } from "../../src/config.js";

/**
 * A deterministic engine for server tests. It knows one place (沈阳) and a few question shapes:
 *  - "…受理…" → 249件, "…行政复议…" → 22件 (the region may come from the conversation state: follow-ups);
 *  - "…历年…" → a series with a table (年份 × 件数), operation "series";
 *  - "…增长…" → an answer with a computed value;
 *  - anything without a known region → not found.
 */
export const SHENYANG: Citation = {
  id: "chunk:沈阳-2013-年度报告.txt#0:3",
  title: "沈阳市2013年政府信息公开工作年度报告",
  region: "沈阳市",
  year: 2013,
  section: "一、政府信息公开情况 › （二）依申请公开政府信息",
  quote: "全年共受理政府信息公开申请249件，其中当面申请31件。",
  source: "沈阳-2013-年度报告.txt",
  body: "沈阳市人民政府",
  published: "2014-03-28",
  url: "http://www.shenyang.gov.cn/zwgk/2013nb.html",
};
export const FULL_SECTION = "（二）依申请公开政府信息\n全年共受理政府信息公开申请249件，其中当面申请31件。网上申请218件。";

const seriesCitations: Citation[] = [2019, 2020, 2021].map((y, i) => ({
  ...SHENYANG,
  title: `沈阳市${y}年政府信息公开工作年度报告`,
  year: y,
  quote: `本年新收政府信息公开申请数量${[120, 150, 180][i]}件。`,
  source: `沈阳-${y}-年度报告.txt`,
  published: null,
  url: null,
  cell: { table: "表三", row: "一、本年新收政府信息公开申请数量", column: "总计" },
}));

export class FakeEngine implements AnswerEngine {
  calls: Array<{ question: string; state: ConversationState | null }> = [];
  /** Set to make the next ask throw (to test 500s). */
  failWith: Error | null = null;
  delayMs = 0;

  async ask(question: string, state?: ConversationState | null): Promise<AskResult> {
    this.calls.push({ question, state: state ?? null });
    if (this.failWith) throw this.failWith;
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    const region = /沈阳/.test(question) ? "沈阳市" : state?.plan?.bodies[0] ?? null;
    const next: ConversationState = {
      plan: { operation: "value", bodies: region ? [region] : [], years: [2013], yearRange: null, metric: null, direction: null, section: null, table: null, governing: [], topic: "" },
      words: "",
      lastQuestion: question,
      updatedAt: 1,
    };
    const base = { question, mode: "extractive" as const };
    let answer: Answer;
    if (!region) {
      answer = { ...base, found: false, answer: "语料中没有找到能回答该问题的内容，请写明地区和年份。", citations: [] };
    } else if (/历年|趋势|系列/.test(question)) {
      answer = {
        ...base,
        found: true,
        answer: "沈阳市2019—2021年本年新收政府信息公开申请数量：2019年120件，2020年150件，2021年180件。",
        short: "120件 → 150件 → 180件",
        citations: seriesCitations,
        table: { columns: ["年份", "新收申请（件）"], rows: [[2019, 120], [2020, 150], [2021, 180]] },
        operation: "series",
      };
    } else if (/增长|多了/.test(question)) {
      answer = {
        ...base,
        found: true,
        answer: "沈阳市2021年比2019年多收申请60件（180 − 120）。",
        citations: [seriesCitations[0], seriesCitations[2]],
        computed: [{ expr: "180 - 120", value: 60, inputs: [1, 0] }],
        operation: "difference",
      };
    } else if (/复议/.test(question)) {
      answer = { ...base, found: true, answer: `${region}2013年行政复议22件。`, citations: [{ ...SHENYANG, quote: "因政府信息公开申请行政复议22件。", section: "三、行政复议和行政诉讼" }] };
    } else {
      answer = { ...base, found: true, answer: `${region}2013年共受理政府信息公开申请249件。`, short: "249件", citations: [SHENYANG, { ...SHENYANG, quote: "网上申请218件。", published: null, url: null }] };
    }
    return { answer, state: next };
  }

  coverage(): Coverage {
    return {
      reports: [{ region: "沈阳市", issuer: "沈阳市人民政府", years: [2013, 2019, 2020, 2021] }],
      governing: [{ title: "中华人民共和国政府信息公开条例", kind: "regulation", year: 2019, source: "条例.txt" }],
      documents: 5,
      chunks: 42,
    };
  }

  fullSection(c: Citation): string | null {
    return c.source.startsWith("沈阳-") ? FULL_SECTION : null;
  }

  source(id: string): SourceView | null {
    return id === SHENYANG.id
      ? { id, title: SHENYANG.title, section: SHENYANG.section, text: FULL_SECTION, source: SHENYANG.source, published: SHENYANG.published ?? null, url: SHENYANG.url ?? null, cell: null }
      : null;
  }
}

export const REPORTS: ReportInfo[] = [
  { docId: "沈阳-2021-年度报告.txt#0", source: "沈阳-2021-年度报告.txt", title: "沈阳市2021年政府信息公开工作年度报告", body: "沈阳市人民政府", level: "市", region: "沈阳市", year: 2021, format: "2021", published: "2022-01-20", url: "http://www.shenyang.gov.cn/2021nb.html" },
  { docId: "沈阳-2013-年度报告.txt#0", source: "沈阳-2013-年度报告.txt", title: "沈阳市2013年政府信息公开工作年度报告", body: "沈阳市人民政府", level: "市", region: "沈阳市", year: 2013, format: "pre2019", published: null, url: null },
];

export const CELLS: CellExportRow[] = [
  { source: "沈阳-2021-年度报告.txt", title: REPORTS[0].title, body: "沈阳市人民政府", year: 2021, table: "表三", row: "一、本年新收政府信息公开申请数量", column: "总计", value: 180, unit: "件", method: "html", quote: "一、本年新收政府信息公开申请数量 | 170 | 10 | 180" },
  { source: "沈阳-2021-年度报告.txt", title: REPORTS[0].title, body: "沈阳市人民政府", year: 2021, table: "表四", row: "行政复议 › 结果维持", column: "", value: 3, unit: "件", method: "html", quote: "=3, \"维持\"" },
  { source: "沈阳-2021-年度报告.txt", title: REPORTS[0].title, body: "沈阳市人民政府", year: 2021, table: "表二", row: "规章 › 本年制发件数", column: "", value: null, unit: "件", method: "pdf-layout", quote: "规章 2 3", candidates: [2, 3] },
];

export const CHECKS: CheckResult[] = [
  { rule: "t3.row-sum", label: "表三 申请人各列之和等于总计（本年新收）", ok: true, expr: "170+10 = 180", cells: [{ table: "表三", row: "一、本年新收政府信息公开申请数量", column: "总计", value: 180 }] },
  { rule: "t3.outcome-sum", label: "表三 办理结果之和等于本年新收加上年结转减结转下年", ok: false, expr: "150+20 = 170 ≠ 180", cells: [{ table: "表三", row: "三、本年度办理结果", column: "总计", value: 170 }, { table: "表三", row: "一、本年新收政府信息公开申请数量", column: "总计", value: 180 }] },
];

export class FakeStats implements StatsService {
  drafts: Array<{ bytes: Buffer; filename: string }> = [];
  reports(): ReportInfo[] {
    return REPORTS;
  }
  cells(filter: StatsFilter): CellExportRow[] {
    return CELLS.filter((c) => (!filter.body || c.body.includes(filter.body)) && (filter.year === undefined || c.year === filter.year) && (!filter.table || c.table === filter.table));
  }
  checks(_filter: StatsFilter): Array<CheckResult & { source: string }> {
    return CHECKS.map((c) => ({ ...c, source: CELLS[0].source }));
  }
  async checkDraft(bytes: Buffer, filename: string): Promise<DraftCheck> {
    this.drafts.push({ bytes, filename });
    if (bytes.toString("utf8").includes("损坏")) throw new Error(`cannot parse /srv/nianbao/src/stats/draft.ts: bad file`);
    return { filename, report: REPORTS[0], cells: CELLS.slice(0, 1), checks: CHECKS, ok: false };
  }
}

/** Settings from an empty environment plus `env` (a developer's shell cannot leak in). */
export function testSettings(env: Record<string, string> = {}): Settings {
  return settingsSchema.parse(env);
}
