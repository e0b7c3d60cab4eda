import { describe, expect, it } from "vitest";
import { abbreviations, BodyRegistry, canonicalBody, levelOfPlace, shortNames, type BodySeed } from "../../src/domain/bodies.js";

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

describe("shortNames: names people use for a department, generated from the abbreviation tables", () => {
  it("the name without its place and the short forms officials use", () => {
    expect(shortNames("平潭综合实验区财政金融局", "平潭综合实验区")).toEqual(["财政金融局", "财金局"]);
    expect(shortNames("平潭综合实验区交通与建设局", "平潭综合实验区")).toContain("交建局");
    expect(shortNames("平潭综合实验区经济发展局", "平潭综合实验区")).toContain("经发局");
  });

  it("a name none of whose words has a short form keeps its own name only, and the full name is never its own short name", () => {
    expect(shortNames("平潭县公安局", "平潭县")).toEqual(["公安局"]);
    expect(shortNames("平潭县公安局", null)).toEqual([]);
  });

  it("officials' abbreviations: 片区管理局 → 片区, 人社局, 市场监管局, 住建局, 卫健委, 国资局, 旅文体局", () => {
    const cases: Array<[string, string]> = [
      ["平潭综合实验区金井片区管理局", "金井片区"],
      ["福州市人力资源和社会保障局", "人社局"],
      ["福州市市场监督管理局", "市场监管局"],
      ["福州市住房和城乡建设局", "住建局"],
      ["福州市卫生健康委员会", "卫健委"],
      ["平潭综合实验区国有资产管理局", "国资局"],
      ["平潭综合实验区旅游与文化体育局", "旅文体局"],
      ["平潭综合实验区财政金融局", "财金局"],
      ["福州市应急管理局", "应急局"],
    ];
    for (const [full, short] of cases) expect(shortNames(full, canonicalBody(full, null).region), full).toContain(short);
  });

  it("a short name derives only from its own body's words: 国土资源局 is 国土局, never 国资局", () => {
    expect(abbreviations("国土资源局")).toEqual(["国土局"]);
    expect(abbreviations("国有资产管理局")).toEqual(["国资局"]);
    expect(abbreviations("公安局")).toEqual([]);
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

  it("mentions: the longest name wins, no body is found inside a longer match, bodies come in the order named", () => {
    const r = registry();
    expect(r.mentions("平潭综合实验区财政金融局2024年收到多少申请").map((b) => b.id)).toEqual(["平潭综合实验区财政金融局"]);
    expect(r.mentions("沈阳和平潭综合实验区财政金融局比较").map((b) => b.id)).toEqual(["沈阳市", "平潭综合实验区财政金融局"]);
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
