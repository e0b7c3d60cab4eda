import { SECTION_SEPARATOR } from "../ingest/chunk.js";
import type { ParsedDocument } from "../ingest/document.js";
import { flattenSections } from "../ingest/structure.js";

/** `ingest --show FILE`: how a file is understood — its documents, their metadata, section tree and chunk counts. */
export function parsedFileText(source: string, docs: ParsedDocument[]): string {
  const out = [`${source}: ${docs.length} document(s)`];
  for (const d of docs) {
    const m = d.meta;
    out.push(`\n■ ${m.title}`);
    out.push(`  kind=${m.kind} issuer=${m.issuer ?? "-"} region=${m.region ?? "-"} year=${m.year ?? "-"}${d.aliases.length ? ` aliases=${d.aliases.join(",")}` : ""}`);
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
