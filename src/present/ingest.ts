import { canonicalBody, type BodyOverride } from "../domain/bodies.js";
import { SECTION_SEPARATOR } from "../ingest/chunk.js";
import type { ParsedDocument } from "../ingest/document.js";
import { flattenSections } from "../ingest/structure.js";

const FORMAT_LABEL: Record<string, string> = { pre2019: "2019年前格式", "2019": "2019年格式（国办公开办函〔2019〕60号）", "2021": "2021年格式（国办公开办函〔2021〕30号）" };

/**
 * How a file is understood, as lines for `ingest --show`: per document its body (with level and parent), year,
 * format, 发布日期 and 原文链接 — each with how it was found — then the section tree and chunk counts.
 */
export function parsedFileText(source: string, docs: ParsedDocument[], bodyOverrides: Record<string, BodyOverride> = {}): string {
  const out = [`${source}: ${docs.length} document(s)`];
  for (const d of docs) {
    const m = d.meta;
    const how = d.detection;
    out.push("", `■ ${m.title}（标题：${how.title}）`);
    if (m.kind === "report") {
      const body = canonicalBody(m.issuer, m.region);
      // overrides.json "bodies" adds what the name cannot show (平潭综合实验区 is at 市 level).
      const o = bodyOverrides[body.id];
      const level = o?.level ? `${o.level}（overrides.json）` : `${body.level}（由名称）`;
      const parent = o?.parent ? `${o.parent}（overrides.json）` : body.parent ? `${body.parent}（由名称）` : "—";
      out.push(`  机关：${body.id}（${how.issuer}；写作“${m.issuer ?? "—"}”）`);
      out.push(`  层级：${level}　上级：${parent}　地区：${m.region ?? "—"}`);
      out.push(`  年度：${m.year ?? "—"}（${how.year}）　格式：${m.format ? FORMAT_LABEL[m.format] ?? m.format : "—"}`);
      out.push(`  发布日期：${m.published ?? "—"}（${how.published}）　原文链接：${m.url ?? "—"}（${how.url}）`);
      const t = d.statistics?.tables ?? [];
      if (t.length) out.push(`  统计表：${t.map((x) => `${x.table}（${x.method}，${x.status}）`).join("、")}`);
    } else out.push(`  类型：${m.kind}　发布机关：${m.issuer ?? "—"}　年份：${m.year ?? "—"}（${how.year}）`);
    if (d.aliases.length) out.push(`  别名：${d.aliases.join("、")}`);
    const perSection = new Map<string, number>();
    for (const c of d.chunks) perSection.set(c.meta.section, (perSection.get(c.meta.section) ?? 0) + 1);
    for (const s of flattenSections(d.sections)) {
      const n = perSection.get(s.path.join(SECTION_SEPARATOR)) ?? 0;
      out.push(`  ${"  ".repeat(s.level - 1)}${s.heading}${s.table ? " [表]" : ""}  (${s.body.length} 字, ${n} 块)`);
    }
    out.push(`  chunks: ${d.chunks.length}`);
  }
  return out.join("\n") + "\n";
}
