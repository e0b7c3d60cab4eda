import { NARRATIVE, NARRATIVE_CHANNEL_CLOSER, NARRATIVE_CHANNEL_WORDS, OLD_STATS_ROWS } from "../../domain/format/index.js";
import type { NarrativeFact } from "../types.js";

/**
 * Figures stated in sentences (any era) and in the old-style 统计表 (before 2019), each with the sentence
 * or row it comes from. Patterns live in the format module; here they are applied sentence by sentence.
 */

const COMPILED = NARRATIVE.map((n) => ({ metric: n, res: n.patterns.map((p) => new RegExp(p.source, p.flags.includes("g") ? p.flags : p.flags + "g")) }));
const SENTENCE_END = /[。！？；;\n]/g;
const CLAUSE_START = /[，,；;：:]/g;
const CHANNEL = new RegExp(NARRATIVE_CHANNEL_WORDS.join("|"));
const OLD_ROWS = OLD_STATS_ROWS.map((row) => ({
  row,
  // Label, optional unit column, then this year's figure as its own token (pipes or spaces around it).
  re: new RegExp(`(?:${row.labels.join("|")})[ \\t|]*(?:[（(]?(?:件|条|次|个|元|万元)[)）]?[ \\t|]+)?(\\d+(?:\\.\\d+)?)(?=[ \\t|]*(?:$|\\n)|[ \\t|]+\\d)`, "g"),
}));

function sentences(text: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let start = 0;
  SENTENCE_END.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = SENTENCE_END.exec(text))) {
    if (m.index > start) out.push([start, m.index + 1]);
    start = m.index + 1;
  }
  if (start < text.length) out.push([start, text.length]);
  return out;
}

/** The clause (text since the last comma-like mark) up to a position of a sentence. */
function clauseBefore(sentence: string, pos: number): string {
  let start = 0;
  CLAUSE_START.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = CLAUSE_START.exec(sentence)) && m.index < pos) start = m.index + 1;
  return sentence.slice(start, pos);
}

/** A count that is a part of the total: its clause starts with 其中 or names a channel not closed by "等…方式". */
function isPartCount(clause: string): boolean {
  const c = clause.trim();
  if (c.startsWith("其中")) return true;
  const ch = CHANNEL.exec(c);
  if (!ch) return false;
  return !NARRATIVE_CHANNEL_CLOSER.test(c.slice(ch.index));
}

/** Suffix of a narrative metric's per-channel parts ("applications.channel"). */
export const CHANNEL_SUFFIX = ".channel";

export function extractNarrative(text: string): NarrativeFact[] {
  const facts: NarrativeFact[] = [];
  const seen = new Set<string>();
  for (const [s, e] of sentences(text)) {
    const sentence = text.slice(s, e);
    if (!/\d/.test(sentence)) continue;
    for (const { metric, res } of COMPILED) {
      // "未收到依申请公开事宜": none, stated in words.
      for (const z of metric.zero ?? []) {
        const m = z.exec(sentence);
        if (!m || seen.has(`${metric.id}:zero:${s}`)) continue;
        seen.add(`${metric.id}:zero:${s}`);
        facts.push({ metric: metric.id, value: 0, unit: metric.unit, sentence: sentence.trim(), span: [s + m.index, s + m.index + m[0].length] });
      }
      for (const re of res) {
        re.lastIndex = 0;
        let m: RegExpExecArray | null;
        while ((m = re.exec(sentence))) {
          const numAt = m.index + m[0].indexOf(m[1]);
          const value = Number(m[1]);
          if (!Number.isFinite(value)) continue;
          if (metric.notAfter?.test(sentence.slice(0, numAt))) continue;
          // A count by channel ("通过网站收到23件") is not the total: it is kept as a part, under its own id.
          const id = metric.totalOnly && isPartCount(clauseBefore(sentence, numAt)) ? `${metric.id}${CHANNEL_SUFFIX}` : metric.id;
          const key = `${id}:${s + numAt}`;
          if (seen.has(key)) continue;
          seen.add(key);
          facts.push({ metric: id, value, unit: m[2] ?? metric.unit, sentence: sentence.trim(), span: [s + m.index, s + m.index + m[0].length] });
        }
      }
    }
  }
  facts.push(...extractOldStats(text));
  return facts;
}

/** Old-style 统计表 rows ("受理依申请公开信息总数 | 条 | 21 | 21"): the first separate number after the label. */
function extractOldStats(text: string): NarrativeFact[] {
  const out: NarrativeFact[] = [];
  if (!text.includes("统计表") && !text.includes("指标名称")) return out;
  for (const { row, re } of OLD_ROWS) {
    re.lastIndex = 0;
    const m = re.exec(text);
    if (!m) continue;
    const lineStart = text.lastIndexOf("\n", m.index) + 1;
    const lineEnd = text.indexOf("\n", m.index);
    out.push({ metric: row.metric, value: Number(m[1]), unit: row.unit, sentence: text.slice(lineStart, lineEnd < 0 ? text.length : lineEnd).trim(), span: [m.index, m.index + m[0].length] });
  }
  return out;
}
