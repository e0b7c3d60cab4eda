import { describe, expect, it } from "vitest";
import { BodyRegistry, canonicalBody, levelOfPlace, shortNames, type BodySeed } from "../../src/domain/bodies.js";

describe("canonicalBody: the body an issuer name denotes", () => {
  it("a government named with its parent place is the place itself, the parent kept", () => {
    expect(canonicalBody("淮安市洪泽区人民政府", null)).toEqual({ id: "洪泽区", level: "区县", region: "洪泽区", parent: "淮安市" });
    expect(canonicalBody("江苏省沭阳县人民政府", null)).toMatchObject({ id: "沭阳县", parent: "江苏省" });
  });

  it("a 管委会 (with or without 党工委) is the government of its place", () => {
    expect(canonicalBody("平潭综合实验区党工委管委会", null).id).toBe("平潭综合实验区");
    expect(canonicalBody("平潭综合实验区管委会", null).id).toBe("平潭综合实验区");
    expect(canonicalBody("平潭综合实验区管理委员会", null).id).toBe("平潭综合实验区");
  });

  it("a department is a 部门 of its place, never the place", () => {
    expect(canonicalBody("上海市科委", null)).toEqual({ id: "上海市科委", level: "部门", region: "上海市", parent: "上海市" });
    expect(canonicalBody("平潭综合实验区财政金融局", null)).toEqual({ id: "平潭综合实验区财政金融局", level: "部门", region: "平潭综合实验区", parent: "平潭综合实验区" });
    expect(canonicalBody("平潭县公安局", null)).toMatchObject({ level: "部门", region: "平潭县" });
  });

  it("a 片区 is a body inside its place, named once, without 管委会", () => {
    // Was "平潭综合实验区金井片区金井片区" (the zone prepended twice); fixed in src/domain/bodies.ts.
    expect(canonicalBody("平潭综合实验区金井片区管委会", null)).toEqual({ id: "平潭综合实验区金井片区", level: "片区", region: "平潭综合实验区", parent: "平潭综合实验区" });
    expect(canonicalBody("平潭综合实验区金井片区", null).id).toBe("平潭综合实验区金井片区");
  });

  it("a 乡镇 government is a 乡镇 of its place", () => {
    expect(canonicalBody("平潭综合实验区苏澳镇人民政府", null)).toMatchObject({ id: "平潭综合实验区苏澳镇", level: "乡镇", region: "平潭综合实验区" });
  });

  it("without an issuer the region is the body; with neither, an explicit unknown", () => {
    expect(canonicalBody(null, "沈阳市")).toMatchObject({ id: "沈阳市", level: "市" });
    expect(canonicalBody(null, null).id).toBe("（未知机关）");
  });

  it("the level of a place comes from its last character(s)", () => {
    expect([levelOfPlace("辽宁省"), levelOfPlace("沈阳市"), levelOfPlace("沭阳县"), levelOfPlace("金井片区"), levelOfPlace("苏澳镇"), levelOfPlace("广西壮族自治区")]).toEqual(["省", "市", "区县", "片区", "乡镇", "省"]);
  });
});

describe("shortNames: names people use for a department", () => {
  it("the name without its place, and the initials of a four- or six-character core", () => {
    expect(shortNames("平潭综合实验区财政金融局", "平潭综合实验区")).toEqual(["财政金融局", "财金局"]);
    expect(shortNames("平潭综合实验区交通与建设局", "平潭综合实验区")).toContain("交建局");
    expect(shortNames("平潭综合实验区经济发展局", "平潭综合实验区")).toContain("经发局");
  });

  it("a core of other length gets no initials form, and the full name is never its own short name", () => {
    const s = shortNames("平潭县公安局", "平潭县");
    expect(s).toEqual(["公安局"]);
    expect(shortNames("平潭县公安局", null)).toEqual([]);
  });
});

const SEEDS: BodySeed[] = [
  { issuer: "淮安市洪泽区人民政府", region: "洪泽区" },
  { issuer: "沈阳市人民政府", region: "沈阳市" },
  { issuer: "平潭综合实验区管委会", region: "平潭综合实验区" },
  { issuer: "平潭综合实验区财政金融局", region: "平潭综合实验区" },
  { issuer: "平潭县财政局", region: "平潭县" },
  { issuer: "平潭综合实验区金井片区管委会", region: "平潭综合实验区" },
];
const registry = () => new BodyRegistry(SEEDS, { 平潭综合实验区财政金融局: { predecessors: ["平潭县财政局"] }, 平潭综合实验区: { level: "市" } });

describe("BodyRegistry on a few seeds", () => {
  it("lookup finds a body by full name, short name, place + short name and bare place name", () => {
    const r = registry();
    expect(r.lookup("财金局")?.id).toBe("平潭综合实验区财政金融局");
    expect(r.lookup("平潭综合实验区财金局")?.id).toBe("平潭综合实验区财政金融局");
    expect(r.lookup("洪泽")?.id).toBe("洪泽区");
    expect(r.lookup("淮安市洪泽区人民政府")?.id).toBe("洪泽区");
    expect(r.lookup("金井片区")?.id).toBe("平潭综合实验区金井片区");
    expect(r.lookup("北京市")).toBeNull();
  });

  it("an override sets a level the name cannot show", () => {
    expect(registry().get("平潭综合实验区")?.level).toBe("市");
    expect(new BodyRegistry(SEEDS).get("平潭综合实验区")?.level).toBe("区县");
  });

  it("predecessors from overrides link both ways", () => {
    const r = registry();
    expect(r.get("平潭综合实验区财政金融局")?.predecessors).toEqual(["平潭县财政局"]);
    expect(r.get("平潭县财政局")?.successors).toEqual(["平潭综合实验区财政金融局"]);
    expect(new BodyRegistry(SEEDS).get("平潭县财政局")?.successors).toEqual([]);
  });

  it("idOf maps a report's issuer to its own body, a department never to its place", () => {
    const r = registry();
    expect(r.idOf("平潭综合实验区财政金融局", "平潭综合实验区")).toBe("平潭综合实验区财政金融局");
    expect(r.idOf("平潭综合实验区党工委管委会", "平潭综合实验区")).toBe("平潭综合实验区");
    expect(r.idOf("财金局", "平潭综合实验区")).toBe("平潭综合实验区财政金融局");
  });

  it("mentions: the longest name wins and no body is found inside a longer match", () => {
    const r = registry();
    expect(r.mentions("平潭综合实验区财政金融局2024年收到多少申请").map((b) => b.id)).toEqual(["平潭综合实验区财政金融局"]);
    expect(r.mentions("沈阳和平潭综合实验区财政金融局比较").map((b) => b.id)).toEqual(["平潭综合实验区财政金融局", "沈阳市"]);
    expect(r.mentions("平潭综合实验区2024年").map((b) => b.id)).toEqual(["平潭综合实验区"]);
    expect(r.mentions("财金局和洪泽").map((b) => b.id).sort()).toEqual(["平潭综合实验区财政金融局", "洪泽区"].sort());
    expect(r.mentions("北京市2015年")).toEqual([]);
  });

  it("mentions lists a body once however often it is named", () => {
    expect(registry().mentions("沈阳沈阳市沈阳").map((b) => b.id)).toEqual(["沈阳市"]);
  });

  it("nearMisses: a name one CJK character off is suggested (沈杨 → 沈阳); an exact name or a digit is not", () => {
    const r = registry();
    expect(r.nearMisses("沈杨2013年受理了多少件申请").map((m) => [m.word, m.name, m.body.id])).toEqual([["沈杨", "沈阳", "沈阳市"]]);
    expect(r.nearMisses("沈阳2013年受理了多少件申请")).toEqual([]);
    expect(r.nearMisses("沈1年")).toEqual([]);
  });

  it("fromBodies rebuilds the same lookups from stored bodies", () => {
    const r = BodyRegistry.fromBodies(registry().all());
    expect(r.lookup("财金局")?.id).toBe("平潭综合实验区财政金融局");
    expect(r.get("平潭县财政局")?.successors).toEqual(["平潭综合实验区财政金融局"]);
  });
});
