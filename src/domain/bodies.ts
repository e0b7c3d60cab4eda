import { z } from "zod";

/**
 * Issuing bodies as first-class entities: 平潭综合实验区财政金融局 is not 平潭综合实验区, 平潭县财政局 is the
 * predecessor of 平潭综合实验区财政金融局. Names, short names and levels are derived from the text of the reports;
 * `corpus/overrides.json` (its "bodies" part) adds only what text cannot show (a predecessor, a level).
 */

export type BodyLevel = "国家" | "省" | "市" | "区县" | "部门" | "片区" | "乡镇";

export interface Body {
  /** Canonical name: the place for a government (平潭综合实验区, 沈阳市), the full name for a department. */
  id: string;
  /** Names a question may use, longest first (full name, without the place, initials form, bare place). */
  names: string[];
  level: BodyLevel;
  /** The place the body belongs to (平潭综合实验区 for its departments; the place itself for a government). */
  region: string | null;
  /** The body one level up (the government of the region for a department), when known. */
  parent: string | null;
  predecessors: string[];
  successors: string[];
}

export const bodyOverrideSchema = z.object({
  level: z.enum(["国家", "省", "市", "区县", "部门", "片区", "乡镇"]).optional(),
  parent: z.string().optional(),
  names: z.array(z.string()).optional(),
  predecessors: z.array(z.string()).optional(),
  note: z.string().optional(),
});
export type BodyOverride = z.infer<typeof bodyOverrideSchema>;

const GOVERNMENT_SUFFIX = /(?:党工委)?(?:管委会|管理委员会|人民政府)$/;
/** A chain of places at the start of a name: 淮安市洪泽区, 平潭综合实验区, 上海市. */
const PLACE = /^((?:[^市县区省旗局委办]{1,8}?(?:综合实验区|新区|自治州|自治县|特别行政区|自治区|省|市|县|区|旗))+)/;
const UNIT = /[^市县区省旗局委办]{1,8}?(?:综合实验区|新区|自治州|自治县|特别行政区|自治区|省|市|县|区|旗)/g;

export function levelOfPlace(place: string): BodyLevel {
  if (/省$|自治区$/.test(place)) return "省";
  if (/市$|自治州$/.test(place)) return "市";
  if (/片区$/.test(place)) return "片区";
  if (/[镇乡]$|街道$/.test(place)) return "乡镇";
  return "区县";
}

/** Names people use for a department: without its place, the initials of its two-character words, the last word. */
export function shortNames(full: string, region: string | null): string[] {
  const names = new Set<string>();
  const own = region && full.startsWith(region) ? full.slice(region.length) : full;
  if (own !== full && own.length >= 2) names.add(own);
  const m = own.match(/^(.+?)(局|办公室|办|委员会)$/);
  if (m) {
    const core = m[1].replace(/[与和及]/g, "");
    const suffix = m[2] === "办公室" ? "办" : m[2];
    if (core.length === 4 || core.length === 6) {
      let initials = "";
      for (let i = 0; i < core.length; i += 2) initials += core[i];
      names.add(initials + suffix);
    }
  }
  names.delete(full);
  return [...names];
}

/** The canonical body of an issuer as written in a report. */
export function canonicalBody(issuer: string | null, region: string | null): { id: string; level: BodyLevel; region: string | null; parent: string | null } {
  const name = (issuer ?? region ?? "").trim();
  if (!name) return { id: "（未知机关）", level: "区县", region: null, parent: null };
  const units = [...(name.match(PLACE)?.[1] ?? "").matchAll(UNIT)].map((m) => m[0]);
  // A 片区 is a body inside its place, not a place of its own.
  if (units.length > 1 && units[units.length - 1].endsWith("片区")) units.pop();
  const place = units.length ? units[units.length - 1] : region;
  const parentPlace = units.length > 1 ? units[units.length - 2] : null;
  const rest = units.length ? name.slice(units.join("").length) : name;
  if (!rest || GOVERNMENT_SUFFIX.exec(rest)?.index === 0) {
    const p = place ?? name;
    return { id: p, level: levelOfPlace(p), region: p, parent: parentPlace };
  }
  const full = (place ?? "") + rest;
  if (/片区(?:管委会|管理委员会)?$/.test(rest)) return { id: full.replace(/(?:管委会|管理委员会)$/, ""), level: "片区", region: place, parent: place };
  if (/[镇乡](?:人民政府)?$/.test(rest)) return { id: full.replace(/人民政府$/, ""), level: "乡镇", region: place, parent: place };
  return { id: full, level: "部门", region: place, parent: place };
}

export interface BodySeed {
  issuer: string | null;
  region: string | null;
  /** Other spellings of the report's region (corpus/overrides.json "aliases": the OCR'd 沐阳 for 沭阳). */
  aliases?: string[];
}

export class BodyRegistry {
  private readonly byId = new Map<string, Body>();
  private readonly byName = new Map<string, Body>();

  /** `seeds`: the issuer and region of every report; `overrides`: the "bodies" part of overrides.json. */
  constructor(seeds: BodySeed[], overrides: Record<string, BodyOverride> = {}) {
    const raw = seeds.map((s) => ({ seed: s, canon: canonicalBody(s.issuer, s.region) }));
    // Full names first, so a short form written by a report (财金局) resolves to the full one.
    raw.sort((a, b) => b.canon.id.length - a.canon.id.length);
    for (const { canon } of raw) {
      const known = this.lookup(canon.id);
      if (known) continue;
      this.add({ id: canon.id, names: [], level: canon.level, region: canon.region, parent: canon.parent, predecessors: [], successors: [] });
    }
    // A region's other spellings name its government as they name the region (沐阳县, 沐阳 → 沭阳县).
    for (const { seed, canon } of raw) {
      const b = canon.region && canon.id === canon.region ? this.byId.get(canon.id) : undefined;
      for (const a of b ? seed.aliases ?? [] : []) {
        this.alias(b!, a);
        const bare = a.replace(/(综合实验区|自治州|自治县|新区|省|市|县|区)$/, "");
        if (bare.length >= 2 && bare !== a) this.alias(b!, bare);
      }
    }
    for (const [id, o] of Object.entries(overrides)) {
      const b = this.lookup(id) ?? this.add({ id, names: [], level: o.level ?? canonicalBody(id, null).level, region: canonicalBody(id, null).region, parent: null, predecessors: [], successors: [] });
      if (o.level) b.level = o.level;
      if (o.parent) b.parent = o.parent;
      for (const n of o.names ?? []) this.alias(b, n);
      for (const p of o.predecessors ?? []) {
        b.predecessors.push(p);
        const pb = this.lookup(p);
        if (pb) pb.successors.push(b.id);
      }
    }
  }

  private add(b: Body): Body {
    this.byId.set(b.id, b);
    this.alias(b, b.id);
    if (b.level !== "部门" && b.level !== "片区") {
      const bare = b.id.replace(/(综合实验区|自治州|自治县|新区|省|市|县|区)$/, "");
      if (bare.length >= 2 && bare !== b.id) this.alias(b, bare);
      if (b.id.endsWith("综合实验区")) this.alias(b, b.id.replace("综合实验区", "实验区"));
    } else for (const n of shortNames(b.id, b.region)) this.alias(b, n);
    return b;
  }

  private alias(b: Body, name: string): void {
    if (!b.names.includes(name)) b.names.push(name);
    b.names.sort((x, y) => y.length - x.length);
    // A short name shared by two bodies of one place is ambiguous: the first (longest full name) keeps it.
    if (!this.byName.has(name)) this.byName.set(name, b);
  }

  /** The body an issuer name denotes, by its canonical form or one of its names (财金局 → 平潭综合实验区财政金融局). */
  lookup(name: string): Body | null {
    const direct = this.byName.get(name) ?? this.byId.get(name);
    if (direct) return direct;
    const canon = canonicalBody(name, null);
    const c = this.byId.get(canon.id);
    if (c) return c;
    // "平潭综合实验区财金局": the place plus a short name.
    if (canon.region && name.startsWith(canon.region)) {
      const own = this.byName.get(name.slice(canon.region.length));
      if (own && own.region === canon.region) return own;
    }
    return null;
  }

  get(id: string): Body | null {
    return this.byId.get(id) ?? null;
  }

  all(): Body[] {
    return [...this.byId.values()];
  }

  /** The canonical id of a report's issuer. */
  idOf(issuer: string | null, region: string | null): string {
    const canon = canonicalBody(issuer, region);
    return this.lookup(issuer ?? canon.id)?.id ?? this.lookup(canon.id)?.id ?? canon.id;
  }

  /** Every body named in a text, longest names first, without names inside a longer match. */
  mentions(text: string): Body[] {
    const names = [...this.byName.keys()].filter((n) => n.length >= 2).sort((a, b) => b.length - a.length);
    const taken: Array<[number, number]> = [];
    const found: Body[] = [];
    const spans: Array<{ body: Body; start: number; end: number }> = [];
    for (const n of names) {
      let from = 0;
      for (;;) {
        const i = text.indexOf(n, from);
        if (i < 0) break;
        from = i + 1;
        if (taken.some(([a, b]) => i < b && i + n.length > a)) continue;
        taken.push([i, i + n.length]);
        const b = this.byName.get(n)!;
        // "长沙市公安局", "云新县财政局": a department's short name after another place is that place's department.
        if (this.qualifiedElsewhere(text, i, n, b)) continue;
        spans.push({ body: b, start: i, end: i + n.length });
        if (!found.includes(b)) found.push(b);
      }
    }
    // "平潭实验区财政金融局": the place written before its own department's short name names the department, not
    // itself as well (unless the text names the place elsewhere too).
    const ownPlace = (d: Body, name: string) => [d.region, d.parent].some((p) => p && (p === name || this.byId.get(p)?.names.includes(name)));
    const qualifier = (s: { start: number; end: number }) =>
      spans.some((d) => d.start === s.end && d.body.level === "部门" && ownPlace(d.body, text.slice(s.start, s.end)));
    return found.filter((b) => !spans.filter((s) => s.body === b).every(qualifier));
  }

  /**
   * Whether the name at `at` is a department's short name (written without its place) that the text puts after a
   * place other than the department's own: the place written is the department's place, not the one the short
   * name was derived from.
   */
  private qualifiedElsewhere(text: string, at: number, name: string, b: Body): boolean {
    if (b.level !== "部门" || !b.region || name.startsWith(b.region)) return false;
    const before = text.slice(Math.max(0, at - 12), at);
    // A place ends right before the name (two or more characters ending in a place suffix), not 本区/全县.
    if (!/[\u4e00-\u9fff][省市县区旗州]$/.test(before) || /(本|我|全|该|各|此|这个|那个)[省市县区旗州]$/.test(before)) return false;
    for (let k = 2; k <= before.length; k++) {
      const p = this.lookup(before.slice(-k));
      if (p && (p.id === b.region || p.id === b.parent)) return false;
    }
    return true;
  }

  /** Names within one substituted character of a word in the text (沈杨 → 沈阳), for "您是否指…", longest first. */
  nearMisses(text: string, isWord: (w: string) => boolean = () => false): Array<{ body: Body; word: string; name: string }> {
    const out: Array<{ body: Body; word: string; name: string }> = [];
    const names = [...this.byName.keys()].sort((a, b) => b.length - a.length);
    for (const name of names) {
      const b = this.byName.get(name)!;
      if (name.length < 2 || out.some((o) => o.body === b)) continue;
      for (let i = 0; i + name.length <= text.length; i++) {
        const w = text.slice(i, i + name.length);
        // A two-character name is only missed where a name stands alone: before a year, or at the end ("沈杨2013年", "沈杨").
        const before = text.slice(0, i);
        const standsAlone =
          name.length > 2 || (/^(\s*(19|20)\d{2}|[？?。，,\s]*$)/.test(text.slice(i + name.length)) && (!before || /[^\u4e00-\u9fff]$|[和与、及跟同]$/.test(before)));
        // A department is named by its last character (局, 委, 办): "信访渠" is no misspelt 信访局.
        const keepsSuffix = (b.level !== "部门" && b.level !== "片区") || w[w.length - 1] === name[name.length - 1];
        if (w !== name && standsAlone && keepsSuffix && oneSubstitution(w, name) && !isWord(w) && !out.some((o) => o.word.includes(w))) {
          out.push({ body: b, word: w, name });
          break;
        }
      }
    }
    return out;
  }

  /** A registry from bodies already resolved (as stored in the statistics database). */
  static fromBodies(bodies: Body[]): BodyRegistry {
    const r = new BodyRegistry([]);
    for (const b of bodies) {
      r.byId.set(b.id, b);
      for (const n of b.names) if (!r.byName.has(n)) r.byName.set(n, b);
    }
    return r;
  }
}


function oneSubstitution(a: string, b: string): boolean {
  if (a.length !== b.length || a.length < 2) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && ++diff > 1) return false;
  // Both must be names of places or bodies: a one-character difference in a two-character word is only a
  // near miss when the other character is a CJK character (沈杨 vs 沈阳), never punctuation or digits.
  return diff === 1 && /^[\u4e00-\u9fff]+$/.test(a);
}
