import type { GoverningText } from "./types.js";

/**
 * The governing texts as versions: which kind of document each is, its year, whether it is in force and which
 * text replaced it. Answers lead with the text in force and name the superseded one as such.
 */

export type GoverningKind = "regulation" | "format_notice" | "judicial_interpretation";

export interface GoverningDef {
  id: GoverningText;
  kind: GoverningKind;
  /** The year a document of this kind carries in the index (promulgation or revision). */
  year: number;
  inForce: boolean;
  /** The text that replaced this one, when it is no longer in force. */
  supersededBy: GoverningText | null;
  /** How answers name it. */
  name: string;
  /** Its document number. */
  docNo: string;
  /** How an English answer names it. */
  english: string;
}

export const GOVERNING_TEXTS: Record<GoverningText, GoverningDef> = {
  "regulation-2019": {
    id: "regulation-2019",
    kind: "regulation",
    year: 2019,
    inForce: true,
    supersededBy: null,
    name: "《政府信息公开条例》（2019年修订）",
    docNo: "国务院令第711号",
    english: "the PRC Regulations on the Disclosure of Government Information (2019 revision, in force)",
  },
  "regulation-2007": {
    id: "regulation-2007",
    kind: "regulation",
    year: 2007,
    inForce: false,
    supersededBy: "regulation-2019",
    name: "《政府信息公开条例》（2007年，已被2019年修订版取代）",
    docNo: "国务院令第492号",
    english: "the 2007 Regulations on the Disclosure of Government Information (superseded by the 2019 revision)",
  },
  "format-2021": {
    id: "format-2021",
    kind: "format_notice",
    year: 2021,
    inForce: true,
    supersededBy: null,
    name: "2021年年度报告格式（国办公开办函〔2021〕30号）",
    docNo: "国办公开办函〔2021〕30号",
    english: "the 2021 annual-report format (Guobangongkaibanhan [2021] No. 30, in force)",
  },
  "format-2019": {
    id: "format-2019",
    kind: "format_notice",
    year: 2019,
    inForce: false,
    supersededBy: "format-2021",
    name: "2019年试行格式（国办公开办函〔2019〕60号，已被2021年格式取代）",
    docNo: "国办公开办函〔2019〕60号",
    english: "the 2019 trial annual-report format (superseded by the 2021 format)",
  },
  "judicial-2025": {
    id: "judicial-2025",
    kind: "judicial_interpretation",
    year: 2025,
    inForce: true,
    supersededBy: null,
    name: "最高人民法院《关于审理政府信息公开行政案件适用法律若干问题的解释》（法释〔2025〕8号）",
    docNo: "法释〔2025〕8号",
    english: "the Supreme People's Court interpretation on government information disclosure cases (Fashi [2025] No. 8, in force)",
  },
  "judicial-2011": {
    id: "judicial-2011",
    kind: "judicial_interpretation",
    year: 2011,
    inForce: false,
    supersededBy: "judicial-2025",
    name: "最高人民法院《关于审理政府信息公开行政案件若干问题的规定》（法释〔2011〕17号，已废止）",
    docNo: "法释〔2011〕17号",
    english: "the Supreme People's Court provisions of 2011 (Fashi [2011] No. 17, repealed)",
  },
};

/** The governing text a document is, by its kind and year (the newest version of that kind not after the year). */
export function governingOf(kind: string, year: number | null): GoverningText | null {
  const same = Object.values(GOVERNING_TEXTS)
    .filter((g) => g.kind === kind)
    .sort((a, b) => b.year - a.year);
  if (!same.length) return null;
  if (year === null) return same[0].id;
  return (same.find((g) => g.year <= year) ?? same[same.length - 1]).id;
}

/** The version of the same kind that replaced it, or that it replaced. */
export function otherVersion(id: GoverningText): GoverningText | null {
  const g = GOVERNING_TEXTS[id];
  if (g.supersededBy) return g.supersededBy;
  return (Object.values(GOVERNING_TEXTS).find((x) => x.supersededBy === id)?.id as GoverningText | undefined) ?? null;
}
