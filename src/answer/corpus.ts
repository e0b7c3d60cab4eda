import type { IndexedDocument } from "../types.js";
import type { Chunk, Citation } from "../types.js";
import type { Coverage } from "./api.js";
import { SECTION_SEPARATOR } from "../ingest/chunk.js";
import { bareRegion, departmentNames, regionNames, type RegionEntry } from "../understand/query.js";
import type { Plan } from "../understand/types.js";

/**
 * What the index holds, seen as documents: regions and departments with the names users write for them,
 * coverage (regions × years), the top-level sections and section texts of each document. Built once per index.
 * Which chunks a search may return is a SearchFilter (src/search/types.ts), not a set of rows.
 */

/** A department issuing its own report (地方税务局), as opposed to the region's government (人民政府, 管委会). */
export function isDepartment(issuer: string): boolean {
  return /局$|委员会$|办公室$|厅$/.test(issuer) && !/管理委员会$/.test(issuer);
}

/** How a report's author is named in answers: the region, or the department when a department reported. */
export function displayName(m: { issuer: string | null; region: string | null; title: string }): string {
  if (m.issuer && isDepartment(m.issuer)) return m.issuer;
  return m.region ?? m.issuer ?? m.title;
}

export class CorpusView {
  readonly docs: IndexedDocument[];
  readonly regions: RegionEntry[];
  readonly departments: RegionEntry[];
  private readonly chunksByDoc = new Map<string, Chunk[]>();
  private readonly sectionsByDoc = new Map<string, Map<string, string[]>>();
  private readonly topsByDoc = new Map<string, Array<{ top: string; id: string }>>();
  private readonly chunkCount: number;

  /** The registry id of a document's issuing body (the one way bodies are identified). */
  readonly bodyOf: (d: IndexedDocument) => string;

  /** A body's level and parent by its id (the registry), for the coverage listing. */
  private readonly bodyInfo: (id: string) => { level: string; parent: string | null } | null;

  constructor(
    index: { manifest: { documents: IndexedDocument[] }; chunks: Chunk[] },
    bodyOf: (d: IndexedDocument) => string = (d) => d.issuer ?? d.region ?? d.title,
    bodyInfo: (id: string) => { level: string; parent: string | null } | null = () => null,
  ) {
    this.bodyOf = bodyOf;
    this.bodyInfo = bodyInfo;
    this.docs = index.manifest.documents;
    this.chunkCount = index.chunks.length;
    const byRegion = new Map<string, Set<string>>();
    for (const d of this.docs) {
      if (!d.region) continue;
      const set = byRegion.get(d.region) ?? new Set<string>();
      d.aliases.forEach((a) => set.add(a));
      byRegion.set(d.region, set);
    }
    this.regions = [...byRegion].map(([region, aliases]) => ({ region, names: regionNames(region, [...aliases]) }));
    // "平潭" alone names both 平潭县 and 平潭综合实验区: the bare name stays on both, and query understanding
    // takes it as naming both.
    const byBare = new Map<string, string[]>();
    for (const r of this.regions) {
      const bare = bareRegion(r.region);
      if (bare.length >= 2) byBare.set(bare, [...(byBare.get(bare) ?? []), r.region]);
    }
    for (const [bare, regions] of byBare) if (regions.length > 1) for (const r of this.regions) if (regions.includes(r.region) && !r.names.includes(bare)) r.names.push(bare);
    const depts = [...new Set(this.docs.filter((d) => d.kind === "report" && d.issuer && isDepartment(d.issuer)).map((d) => d.issuer!))];
    this.departments = depts.map((issuer) => ({ region: issuer, names: departmentNames(issuer, this.docs.find((d) => d.issuer === issuer)?.region ?? null) }));
    for (const c of index.chunks) {
      const own = this.chunksByDoc.get(c.meta.docId) ?? [];
      own.push(c);
      this.chunksByDoc.set(c.meta.docId, own);
      const top = c.meta.section.split(SECTION_SEPARATOR)[0];
      const tops = this.topsByDoc.get(c.meta.docId) ?? [];
      if (c.meta.block === "prose" && !tops.some((t) => t.top === top)) tops.push({ top, id: c.id });
      this.topsByDoc.set(c.meta.docId, tops);
      const secs = this.sectionsByDoc.get(c.meta.docId) ?? new Map<string, string[]>();
      const parts = secs.get(c.meta.section) ?? [];
      parts.push(c.text);
      secs.set(c.meta.section, parts);
      this.sectionsByDoc.set(c.meta.docId, secs);
    }
  }

  /** The first prose chunk (its id) of each top-level section of a document, in document order. */
  topSections(docId: string): Array<{ top: string; id: string }> {
    return this.topsByDoc.get(docId) ?? [];
  }

  /** The prose of a document (its chunks' text, tables left out), for reading a sentence that states a figure. */
  proseOf(docId: string): string {
    return (this.chunksByDoc.get(docId) ?? []).filter((c) => c.meta.block === "prose").map((c) => c.text).join("\n");
  }

  /** The section path of the first chunk of a document that holds a sentence (whitespace ignored), or null. */
  sectionHolding(docId: string, sentence: string): string | null {
    const want = sentence.replace(/\s+/g, "").slice(0, 60);
    for (const c of this.chunksByDoc.get(docId) ?? []) {
      if (c.text.replace(/\s+/g, "").includes(want)) return c.meta.section;
    }
    return null;
  }

  coverage(): Coverage {
    const reports = new Map<string, { region: string; issuer: string | null; body: string; years: Set<number> }>();
    const governing: Coverage["governing"] = [];
    for (const d of this.docs) {
      if (d.kind === "report") {
        // One line per issuing body: a region's government, each department, 片区 or town its own.
        const body = this.bodyOf(d);
        const info = this.bodyInfo(body);
        const unit = info ? ["部门", "片区", "乡镇"].includes(info.level) : !!(d.issuer && isDepartment(d.issuer));
        const e = reports.get(body) ?? { region: d.region ?? "（未识别地区）", issuer: unit ? (info ? body : d.issuer) : null, body, years: new Set<number>() };
        if (d.year) e.years.add(d.year);
        reports.set(body, e);
      } else governing.push({ title: d.title, kind: d.kind, year: d.year, source: d.source });
    }
    return {
      reports: [...reports.values()]
        .map((r) => ({ region: r.region, issuer: r.issuer, body: r.body, level: this.bodyInfo(r.body)?.level ?? null, parent: this.bodyInfo(r.body)?.parent ?? null, years: [...r.years].sort((a, b) => a - b) }))
        .sort((a, b) => b.years.length - a.years.length || a.region.localeCompare(b.region, "zh")),
      governing: governing.sort((a, b) => (a.year ?? 0) - (b.year ?? 0)),
      documents: this.docs.length,
      chunks: this.chunkCount,
    };
  }

  /** A document by id. */
  doc(docId: string): IndexedDocument | null {
    return this.docs.find((d) => d.docId === docId) ?? null;
  }

  /** A chunk by id. */
  chunk(id: string): Chunk | null {
    for (const list of this.chunksByDoc.values()) {
      const c = list.find((x) => x.id === id);
      if (c) return c;
    }
    return null;
  }

  /** A section of a document with its subsections, in document order ("" = the whole document). */
  sectionText(docId: string, section: string): string | null {
    const secs = this.sectionsByDoc.get(docId);
    const parts: string[] = [];
    for (const [path, texts] of secs ?? []) if (!section || path === section || path.startsWith(section + SECTION_SEPARATOR)) parts.push(...texts);
    return parts.length ? parts.join("\n") : null;
  }

  fullSection(c: Citation): string | null {
    const doc = this.docs.find((d) => d.source === c.source && d.title === c.title) ?? this.docs.find((d) => d.source === c.source);
    // The cited section with its subsections, in document order (a citation always names its section).
    return doc && c.section ? this.sectionText(doc.docId, c.section) : null;
  }

  /**
   * The reports in a plan's scope: those of the planned bodies (by registry id) and years. Without a body named,
   * a region's own reports answer for it; a department's report only when the department is named.
   */
  targetDocs(plan: Pick<Plan, "scope">): IndexedDocument[] {
    const { bodies, years } = plan.scope;
    const docs = this.docs.filter(
      (d) => d.kind === "report" && (bodies.length === 0 || bodies.includes(this.bodyOf(d))) && (years.length === 0 || (d.year !== null && years.includes(d.year))),
    );
    if (bodies.length) return docs;
    const own = docs.filter((d) => !(d.issuer && isDepartment(d.issuer)));
    return own.length > 0 ? own : docs;
  }

  /** Whether a report of a body (and year) is held. */
  holds(body: string | null, year: number | null): boolean {
    return this.docs.some((d) => d.kind === "report" && (body === null || this.bodyOf(d) === body) && (year === null || d.year === year));
  }

  /** Years of the reports of a body, as "语料收录的X报告年份：…". */
  /** Years of a body's reports held, in one short line ("语料收录的X报告：2011–2025年（15份）。"). */
  coverageOfBody(body: string): string {
    const years = [...new Set(this.docs.filter((d) => d.kind === "report" && this.bodyOf(d) === body).map((d) => d.year).filter((y): y is number => !!y))].sort();
    return years.length ? `语料收录的${body}报告：${compactYears(years)}。` : "";
  }

  /** The held years of a body nearest to a year it lacks (at most two on each side). */
  nearbyYears(body: string | null, year: number): number[] {
    const years = [...new Set(this.docs.filter((d) => d.kind === "report" && (body === null || this.bodyOf(d) === body)).map((d) => d.year).filter((y): y is number => !!y))].sort();
    return [...years.filter((y) => y < year).slice(-2), ...years.filter((y) => y > year).slice(0, 2)];
  }

  coverageOf(region: string): string {
    const years = [...new Set(this.docs.filter((d) => d.region === region && d.kind === "report").map((d) => d.year).filter((y): y is number => !!y))].sort();
    return years.length ? `语料收录的${region}报告：${compactYears(years)}。` : "";
  }

  /** What the corpus holds, in one short line (a refusal stays one sentence, never a list of every body). */
  coverageSummary(): string {
    const c = this.coverage();
    const years = c.reports.flatMap((r) => r.years);
    if (!years.length) return "本库收录政府信息公开条例、年度报告格式通知和相关司法解释。";
    const regions = [...new Set(c.reports.map((r) => r.region))];
    const reports = this.docs.filter((d) => d.kind === "report").length;
    return `本库收录${regions.slice(0, 3).join("、")}等${c.reports.length}个机关${Math.min(...years)}–${Math.max(...years)}年的${reports}份年度报告，以及条例、格式通知和司法解释。`;
  }

}

/** "2011–2025年（15份）" for a run of years, "2013、2015、2019年" otherwise. */
export function compactYears(years: number[]): string {
  if (!years.length) return "";
  const contiguous = years.every((y, i) => i === 0 || y === years[i - 1] + 1);
  if (contiguous && years.length > 2) return `${years[0]}–${years[years.length - 1]}年（${years.length}份）`;
  return `${years.join("、")}年`;
}
