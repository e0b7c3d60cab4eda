import { z } from "zod";
import { AREA_BODY, DROPPED_BEFORE_SUFFIX, SUFFIX_ABBREVIATIONS, TOWN_OFFICE, WORD_ABBREVIATIONS } from "./abbreviations.js";

/**
 * Issuing bodies as first-class entities: 平潭综合实验区财政金融局 is not 平潭综合实验区, 平潭县财政局 is the
 * predecessor of 平潭综合实验区财政金融局. Names, short names, levels and parents are derived from the names the
 * reports give themselves, for any region; `corpus/overrides.json` (its "bodies" part) adds only what text cannot
 * show (a predecessor, a level).
 */

export type BodyLevel = "国家" | "省" | "市" | "区县" | "部门" | "片区" | "乡镇";

export interface Body {
  /** Canonical name: the place for a government (平潭综合实验区, 沈阳市), the full name for a department. */
  id: string;
  /** Names a question may use, longest first (full name, without the place, short forms, bare place). */
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

const GOVERNMENT_SUFFIX = /(?:党工委)?(?:管委会|管理委员会|人民政府|政府)$/;
/** One place of a chain at the start of a name: 淮安市, 洪泽区, 平潭综合实验区, 浦东新区. */
const UNIT = /[^市县区省旗局委办]{1,8}?(?:综合实验区|新区|自治州|自治县|特别行政区|自治区|省|市|县|区|旗)/y;
/**
 * Words that end like a place but name none (城市管理局's 城市, 社区, 园区, a bare 新区): a chain of places stops
 * before them, so "福州市城市管理局" is a department of 福州市, not of a place "城市".
 */
const GENERIC_UNITS = new Set(
  "城市 都市 城区 市区 社区 园区 景区 辖区 郊区 山区 矿区 新区 开发区 高新区 保护区 实验区 试验区 综合实验区 片区 小区 街区 林区 牧区 港区 库区 校区 厂区 老区 灾区 本市 本县 本区 全市 全县 全区 我市 我县 我区 该市 该县 该区 各市 各县 各区".split(" "),
);

/** The places at the start of a name, outermost first: "淮安市洪泽区人民政府" → [淮安市, 洪泽区]. */
export function placeChain(name: string): string[] {
  const units: string[] = [];
  let at = 0;
  for (;;) {
    UNIT.lastIndex = at;
    const m = UNIT.exec(name);
    if (!m || GENERIC_UNITS.has(m[0])) break;
    // "沙县区": a 区 named after its former 县 (a unit cannot start with a place suffix, so the 区 is this one's).
    const unit = m[0].endsWith("县") && name[at + m[0].length] === "区" ? `${m[0]}区` : m[0];
    units.push(unit);
    at += unit.length;
  }
  // A 片区 is a body inside its place, not a place of its own.
  if (units.length && units[units.length - 1].endsWith("片区")) units.pop();
  return units;
}

export function levelOfPlace(place: string): BodyLevel {
  if (/省$|自治区$/.test(place)) return "省";
  if (/市$|自治州$/.test(place)) return "市";
  if (/片区$/.test(place)) return "片区";
  if (/[镇乡]$|街道$/.test(place)) return "乡镇";
  return "区县";
}

/**
 * The short forms officials use for a body's own name (without its place), generated from the word and ending
 * tables of abbreviations.ts: 国有资产管理局 → 国资局, 人力资源和社会保障局 → 人社局, 卫生健康委员会 → 卫健委,
 * 金井片区管理局 → 金井片区. A name none of whose words has a short form has none (公安局).
 */
export function abbreviations(own: string): string[] {
  const area = AREA_BODY.exec(own) ?? TOWN_OFFICE.exec(own);
  if (area) return [area[1]];
  let suffix: readonly [string, string] | null = null;
  for (const s of SUFFIX_ABBREVIATIONS) if (own.endsWith(s[0]) && own.length > s[0].length && (!suffix || s[0].length > suffix[0].length)) suffix = s;
  if (!suffix) return [];
  const end = suffix;
  const core = own.slice(0, own.length - end[0].length);
  const out = new Set<string>();
  // Every way to write the core with the table's short forms (a word may have more than one: 旅文体, 文体旅).
  const walk = (i: number, short: string, literal: string, changed: boolean) => {
    if (out.size >= 6) return;
    if (i === core.length) {
      // "国有资产管理局" → 国资局, "应急管理局" → 应急局: a trailing 管理 of the core's own words goes with the ending.
      if (literal.endsWith(DROPPED_BEFORE_SUFFIX) && short.length > DROPPED_BEFORE_SUFFIX.length + 1) out.add(short.slice(0, -DROPPED_BEFORE_SUFFIX.length) + end[1]);
      else if (changed || end[0] !== end[1]) out.add(short + end[1]);
      return;
    }
    const len = Math.max(0, ...WORD_ABBREVIATIONS.filter(([f]) => core.startsWith(f, i)).map(([f]) => f.length));
    if (len) for (const [f, a] of WORD_ABBREVIATIONS) if (f.length === len && core.startsWith(f, i)) walk(i + len, short + a, "", true);
    if (!len) walk(i + 1, short + core[i], literal + core[i], changed);
  };
  walk(0, "", "", false);
  return [...out].filter((n) => n !== own && n.length >= 2);
}

/**
 * A merged department is still called by its first part (交通与建设局 → 交通局, 旅游与文化体育局 → 旅游局): a name it
 * shares with the body it was merged from, so it never absorbs a report of that body (平潭综合实验区综合执法局 stays
 * itself beside 综合执法与应急管理局).
 */
export function firstPartName(own: string): string | null {
  const m = own.match(/^([\u4e00-\u9fff]{2,6}?)与[\u4e00-\u9fff]{2,}?(局|委员会|委|办公室|办|中心)$/);
  return m ? m[1] + m[2] : null;
}

/**
 * Names people use for a department or 片区: without its place and its short forms (abbreviations). Written after
 * the place's level word alone ("区财金局", "市财政局") they still name it: no place precedes them.
 */
export function shortNames(full: string, region: string | null): string[] {
  const names = new Set<string>();
  const own = region && full.startsWith(region) ? full.slice(region.length) : full;
  const forms = [own, ...abbreviations(own)];
  for (const f of forms) if (f.length >= 2) names.add(f);
  names.delete(full);
  return [...names];
}

/** The canonical body of an issuer as written in a report. */
export function canonicalBody(issuer: string | null, region: string | null): { id: string; level: BodyLevel; region: string | null; parent: string | null } {
  const name = (issuer ?? region ?? "").trim();
  if (!name) return { id: "（未知机关）", level: "区县", region: null, parent: null };
  const units = placeChain(name);
  const place = units.length ? units[units.length - 1] : region;
  const parentPlace = units.length > 1 ? units[units.length - 2] : null;
  const rest = units.length ? name.slice(units.join("").length) : name;
  if (!rest || GOVERNMENT_SUFFIX.exec(rest)?.index === 0) {
    const p = place ?? name;
    return { id: p, level: levelOfPlace(p), region: p, parent: parentPlace };
  }
  const full = (place ?? "") + rest;
  if (/片区(?:管委会|管理委员会)?$/.test(rest)) return { id: full.replace(/(?:管委会|管理委员会)$/, ""), level: "片区", region: place, parent: place };
  if (AREA_BODY.test(rest)) return { id: full, level: "片区", region: place, parent: place };
  if (/(?:[镇乡](?:人民政府)?|街道(?:办事处)?)$/.test(rest)) return { id: full.replace(/人民政府$/, ""), level: "乡镇", region: place, parent: place };
  return { id: full, level: "部门", region: place, parent: place };
}

export interface BodySeed {
  issuer: string | null;
  region: string | null;
  /** Other spellings of the report's region (corpus/overrides.json "aliases": the OCR'd 沐阳 for 沭阳). */
  aliases?: string[];
}

/**
 * A name the text uses that several held bodies carry (公安局: 平潭县公安局 and 平潭综合实验区公安局): the one the
 * registry prefers (the latest of a line of succession, the first place of a bare place name), or null when none is
 * (then which one is meant is asked, unless the years asked decide it).
 */
export interface AmbiguousName {
  name: string;
  candidates: Body[];
  preferred: Body | null;
}

/** A body-like name in a question: from a boundary (start, a non-CJK character, 年, a conjunction) to its ending. */
const UNHELD_BODY =
  /(?:^|[^\u4e00-\u9fff]|年|[和与、及跟同比或])(?![年和与、及跟同比或])([\u4e00-\u9fff]{1,16}?(?:片区管理局|管理局|局|委员会|委|办公室|办|中心|片区|镇|乡|街道))(?=$|[^\u4e00-\u9fff]|[的在收受共有是和与、比呢吗主依行公答全对])/g;
/** Words that end like a body but are none, or hold question words: 怎么办, 乡镇, 城乡, 公开办, 申请. */
const GENERIC_BODY_WORDS = /^(?:我|本|该|各|全|当|此|贵|哪个|哪些|什么|国务院|国家|中央|党中央|上级|有关|相关|主管|每个|所有|[一二三四五六七八九十两几]个)|怎么办|如何办|乡镇|城乡|城镇|村镇|公开办|申请|政府信息|信息公开|多少|几件|几条|报告|年度|情况|工作|条例|规定|办理|办结|承办|督办|交办|转办|代办/;

/** Levels whose names are derived as a department's (own name, short forms), not as a place's. */
const UNIT_LEVELS = new Set<BodyLevel>(["部门", "片区", "乡镇"]);

export class BodyRegistry {
  private readonly byId = new Map<string, Body>();
  /** Names a merged department is called by that are also its predecessor's own (`${id}\u0000${name}`). */
  private readonly colloquial = new Set<string>();
  /** Every body carrying a name, in registration order (full names first). */
  private readonly byName = new Map<string, Body[]>();

  /** `seeds`: the issuer and region of every report; `overrides`: the "bodies" part of overrides.json. */
  constructor(seeds: BodySeed[], overrides: Record<string, BodyOverride> = {}) {
    const raw = seeds.map((s) => ({ seed: s, canon: canonicalBody(s.issuer, s.region) }));
    // Full names first, so a short form written by a report (财金局) resolves to the full one.
    raw.sort((a, b) => b.canon.id.length - a.canon.id.length);
    for (const { canon } of raw) {
      const same = this.byId.get(canon.id);
      // One report names its parent place ("淮安市洪泽区"), another does not: the parent is kept.
      if (same) {
        same.parent ??= canon.parent;
        continue;
      }
      const known = this.lookup(canon.id);
      // A short form of a held body written by a report (平潭综合实验区财金局) is that body; a body's own name that a
      // merged successor is also called by is not.
      if (known && !(known.region && this.colloquial.has(`${known.id}\u0000${canon.id.slice(known.region.length)}`))) continue;
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
    if (!UNIT_LEVELS.has(b.level)) {
      const bare = b.id.replace(/(综合实验区|自治州|自治县|新区|省|市|县|区)$/, "");
      if (bare.length >= 2 && bare !== b.id) this.alias(b, bare);
      if (b.id.endsWith("综合实验区")) this.alias(b, b.id.replace("综合实验区", "实验区"));
    } else {
      for (const n of shortNames(b.id, b.region)) this.alias(b, n);
      const first = firstPartName(b.region && b.id.startsWith(b.region) ? b.id.slice(b.region.length) : b.id);
      if (first) {
        this.alias(b, first);
        this.colloquial.add(`${b.id}\u0000${first}`);
      }
    }
    return b;
  }

  private alias(b: Body, name: string): void {
    if (!b.names.includes(name)) b.names.push(name);
    b.names.sort((x, y) => y.length - x.length);
    const list = this.byName.get(name) ?? [];
    if (!list.includes(b)) list.push(b);
    this.byName.set(name, list);
  }

  /**
   * The one body several carrying a name stand for, or null when the name is ambiguous: a bare place name shared
   * by governments goes to the first (longest full name: 平潭 → 平潭综合实验区); bodies that are one line of
   * succession (平潭县公安局 → 平潭综合实验区公安局) go to the latest; departments of different lines are ambiguous.
   */
  preferred(list: readonly Body[]): Body | null {
    if (list.length <= 1) return list[0] ?? null;
    if (list.every((b) => !UNIT_LEVELS.has(b.level))) return list[0];
    // The one every other carrier leads to by succession (平潭县综合执法局 → 平潭综合实验区综合执法局 → …).
    return list.find((c) => list.every((o) => o === c || this.successorsOf(o).includes(c))) ?? null;
  }

  /** A body's successors, transitively, nearest first. */
  private successorsOf(b: Body): Body[] {
    const out: Body[] = [];
    const queue = [b];
    while (queue.length) {
      const cur = queue.shift()!;
      for (const s of cur.successors) {
        const n = this.byId.get(s);
        if (n && n !== b && !out.includes(n)) {
          out.push(n);
          queue.push(n);
        }
      }
    }
    return out;
  }

  /** Every held body carrying a name (full, short or place name). */
  carrying(name: string): Body[] {
    return [...(this.byName.get(name) ?? [])];
  }

  /** The body an issuer name denotes, by its canonical form or one of its names (财金局 → 平潭综合实验区财政金融局); null when unknown or ambiguous. */
  lookup(name: string): Body | null {
    const direct = this.byId.get(name) ?? this.preferred(this.byName.get(name) ?? []);
    if (direct) return direct;
    const canon = canonicalBody(name, null);
    const c = this.byId.get(canon.id);
    if (c) return c;
    // "平潭综合实验区财金局": the place plus a short name.
    if (canon.region && name.startsWith(canon.region)) {
      const own = this.preferred((this.byName.get(name.slice(canon.region.length)) ?? []).filter((b) => b.region === canon.region));
      if (own) return own;
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
    return this.byId.get(canon.id)?.id ?? this.lookup(issuer ?? canon.id)?.id ?? this.lookup(canon.id)?.id ?? canon.id;
  }

  /** Every body named in a text, in the order named, without names inside a longer match; ambiguous names left out. */
  mentions(text: string): Body[] {
    return this.mentionsDetailed(text).bodies;
  }

  /**
   * The bodies a text names, and the names it uses that several bodies carry with none preferred (a short name two
   * held departments derive: "您是指…还是…？"). A short name after another place names that place's body, not ours.
   */
  mentionsDetailed(text: string): { bodies: Body[]; ambiguous: AmbiguousName[] } {
    const names = [...this.byName.keys()].filter((n) => n.length >= 2).sort((a, b) => b.length - a.length);
    const taken: Array<[number, number]> = [];
    const found: Body[] = [];
    const spans: Array<{ body: Body; start: number; end: number }> = [];
    const ambiguous: AmbiguousName[] = [];
    for (const n of names) {
      let from = 0;
      for (;;) {
        const i = text.indexOf(n, from);
        if (i < 0) break;
        from = i + 1;
        if (taken.some(([a, b]) => i < b && i + n.length > a)) continue;
        taken.push([i, i + n.length]);
        // "长沙市公安局", "云新县财政局": a department's short name after another place is that place's department.
        const cands = this.byName.get(n)!.filter((b) => !this.qualifiedElsewhere(text, i, n, b));
        if (!cands.length) continue;
        const b = this.preferred(cands);
        if (cands.length > 1 && !ambiguous.some((a) => a.name === n)) ambiguous.push({ name: n, candidates: cands, preferred: b });
        if (!b) continue;
        spans.push({ body: b, start: i, end: i + n.length });
        if (!found.includes(b)) found.push(b);
      }
    }
    // "平潭实验区财政金融局": the place written before its own department's short name names the department, not
    // itself as well (unless the text names the place elsewhere too).
    const ownPlace = (d: Body, name: string) => [d.region, d.parent].some((p) => p && (p === name || this.byId.get(p)?.names.includes(name)));
    const qualifier = (s: { start: number; end: number }) =>
      spans.some((d) => d.start === s.end && UNIT_LEVELS.has(d.body.level) && ownPlace(d.body, text.slice(s.start, s.end))) ||
      ambiguous.some((a) => !a.preferred && text.startsWith(a.name, s.end) && a.candidates.every((d) => ownPlace(d, text.slice(s.start, s.end))));
    // In the order the text names them ("沈阳市2013年和长沙市2011年": the years pair with the bodies in order).
    const first = (b: Body) => Math.min(...spans.filter((s) => s.body === b).map((s) => s.start));
    return { bodies: found.filter((b) => !spans.filter((s) => s.body === b).every(qualifier)).sort((a, b) => first(a) - first(b)), ambiguous };
  }

  /**
   * Whether the name at `at` is a department's short name (written without its place) that the text puts after a
   * place other than the department's own: the place written is the department's place, not the one the short
   * name was derived from.
   */
  private qualifiedElsewhere(text: string, at: number, name: string, b: Body): boolean {
    if (!UNIT_LEVELS.has(b.level) || !b.region || name.startsWith(b.region)) return false;
    const before = text.slice(Math.max(0, at - 12), at);
    // A place ends right before the name (two or more characters ending in a place suffix), not 本区/全县.
    if (!/[\u4e00-\u9fff][省市县区旗州]$/.test(before) || /(本|我|全|该|各|此|这个|那个)[省市县区旗州]$/.test(before)) return false;
    for (let k = 2; k <= before.length; k++) {
      const p = this.lookup(before.slice(-k));
      if (p && (p.id === b.region || p.id === b.parent)) return false;
    }
    return true;
  }

  /**
   * Bodies a text names that are not held: a department, 片区, town or 街道 written as a name ("平潭综合实验区气象局",
   * "澳前片区", "国资局" when no held body derives it), each with the held place written before it, if any. Only
   * whole names count: a word before a year, at the start, after a place or a conjunction, and followed by the end,
   * a year or the words a question continues with. `strong` when it cannot be another word.
   */
  unheldBodies(text: string): Array<{ name: string; place: Body | null; strong: boolean }> {
    const out: Array<{ name: string; place: Body | null; strong: boolean }> = [];
    for (const m of text.matchAll(UNHELD_BODY)) {
      let name = m[1].replace(/^[向对在从由经给把被将据按]/, "");
      // "国务院办公厅": 办 before 公 is the start of 办公室/办公厅, not an ending.
      if (name.endsWith("办") && text[(m.index ?? 0) + m[0].length] === "公") continue;
      if (name.length < 3 || GENERIC_BODY_WORDS.test(name) || this.lookup(name)) continue;
      // A held place written before it: the rest must not be a held body of that place either.
      let place: Body | null = null;
      let own = name;
      for (let k = name.length - 2; k >= 2; k--) {
        const p = this.lookup(name.slice(0, k));
        if (p && !UNIT_LEVELS.has(p.level)) {
          place = p;
          own = name.slice(k);
          break;
        }
      }
      if (own.length < 2 || GENERIC_BODY_WORDS.test(own) || /^(?:党工委|管委会|管理委员会|人民政府|政府|党委|[市县区]委)/.test(own)) continue;
      if (this.carrying(own).some((b) => !place || b.region === place.id || b.parent === place.id)) continue;
      // Strong: after a held place, or ending like a bureau, committee, 片区 or town (办 and 委 end many other words).
      const strong = place !== null || (/(?:局|委员会|片区|街道|镇|乡|中心)$/.test(name) && !/[想要用请问看查了吗呢的是]/.test(name));
      if (!out.some((o) => o.name === name)) out.push({ name, place, strong });
    }
    return out;
  }

  /** Names within one substituted character of a word in the text (沈杨 → 沈阳), for "您是否指…", longest first. */
  nearMisses(text: string, isWord: (w: string) => boolean = () => false): Array<{ body: Body; word: string; name: string }> {
    const out: Array<{ body: Body; word: string; name: string }> = [];
    const names = [...this.byName.keys()].sort((a, b) => b.length - a.length);
    for (const name of names) {
      const b = this.byName.get(name)![0];
      if (name.length < 2 || out.some((o) => o.body === b)) continue;
      // A department's short name one character off is another department's (国资局 is no misspelt 国土局).
      if (UNIT_LEVELS.has(b.level) && name.length < 5) continue;
      for (let i = 0; i + name.length <= text.length; i++) {
        const w = text.slice(i, i + name.length);
        // A two-character name is only missed where a name stands alone: before a year, or at the end ("沈杨2013年", "沈杨").
        const before = text.slice(0, i);
        const standsAlone =
          name.length > 2 || (/^(\s*(19|20)\d{2}|[？?。，,\s]*$)/.test(text.slice(i + name.length)) && (!before || /[^\u4e00-\u9fff]$|[和与、及跟同]$/.test(before)));
        // A department is named by its last character (局, 委, 办): "信访渠" is no misspelt 信访局.
        const keepsSuffix = !UNIT_LEVELS.has(b.level) || w[w.length - 1] === name[name.length - 1];
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
    for (const b of bodies) r.byId.set(b.id, b);
    for (const b of bodies) for (const n of b.names) {
      const list = r.byName.get(n) ?? [];
      list.push(b);
      r.byName.set(n, list);
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
