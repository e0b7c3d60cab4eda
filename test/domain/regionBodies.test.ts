import { describe, expect, it } from "vitest";
import { BodyRegistry, canonicalBody, placeChain } from "../../src/domain/bodies.js";

/**
 * Bodies of any region, from their names alone (issue 15): a department is never its place, a 片区管理局 is a 片区
 * of its place, short names come from the abbreviation tables and resolve only to the body they derive from.
 */

describe("canonicalBody for names of any region", () => {
  it("a department whose name holds a place-like word is a department of the place written first (城市管理局)", () => {
    expect(canonicalBody("福州市城市管理局", null)).toEqual({ id: "福州市城市管理局", level: "部门", region: "福州市", parent: "福州市" });
    expect(placeChain("宁德市社区矫正管理局")).toEqual(["宁德市"]);
  });

  it("a 片区管理局 is a 片区 of its place, named in full", () => {
    expect(canonicalBody("平潭综合实验区金井片区管理局", null)).toEqual({ id: "平潭综合实验区金井片区管理局", level: "片区", region: "平潭综合实验区", parent: "平潭综合实验区" });
  });

  it("a 区 named after its former 县 is one place (三明市沙县区), its bureau a department of it", () => {
    expect(canonicalBody("三明市沙县区农业农村局", null)).toMatchObject({ level: "部门", region: "沙县区", parent: "沙县区" });
  });

  it("a 街道办事处 is a town-level body of its place", () => {
    expect(canonicalBody("厦门市思明区中华街道办事处", null)).toMatchObject({ level: "乡镇", region: "思明区" });
  });
});

const registry = () =>
  new BodyRegistry(
    [
      { issuer: "平潭综合实验区管委会", region: "平潭综合实验区" },
      { issuer: "平潭县人民政府", region: "平潭县" },
      { issuer: "平潭县公安局", region: "平潭县" },
      { issuer: "平潭综合实验区公安局", region: "平潭综合实验区" },
      { issuer: "平潭县国土资源局", region: "平潭县" },
      { issuer: "平潭综合实验区国有资产管理局", region: "平潭综合实验区" },
      { issuer: "平潭综合实验区金井片区管理局", region: "平潭综合实验区" },
      { issuer: "福州市市场监督管理局", region: "福州市" },
      { issuer: "厦门市市场监督管理局", region: "厦门市" },
    ],
    { 平潭综合实验区公安局: { predecessors: ["平潭县公安局"] } },
  );

describe("short names resolve to the body they derive from, or ask", () => {
  it("片区 names its 片区管理局; 国资局 the 国有资产管理局, 国土局 the 国土资源局", () => {
    const r = registry();
    expect(r.lookup("金井片区")?.id).toBe("平潭综合实验区金井片区管理局");
    expect(r.lookup("国资局")?.id).toBe("平潭综合实验区国有资产管理局");
    expect(r.lookup("国土局")?.id).toBe("平潭县国土资源局");
    expect(r.mentions("金井片区2024年收到多少件申请").map((b) => b.id)).toEqual(["平潭综合实验区金井片区管理局"]);
  });

  it("a short name two unrelated bodies derive is ambiguous: no body is guessed", () => {
    const r = registry();
    const d = r.mentionsDetailed("市场监管局2024年收到多少件申请");
    expect(d.bodies).toEqual([]);
    expect(d.ambiguous.map((a) => [a.name, a.candidates.map((c) => c.id).sort(), a.preferred])).toEqual([["市场监管局", ["厦门市市场监督管理局", "福州市市场监督管理局"], null]]);
    expect(r.lookup("市场监管局")).toBeNull();
  });

  it("one line of succession prefers its latest body, and says the name is shared", () => {
    const d = registry().mentionsDetailed("公安局2022年收到多少件申请");
    expect(d.bodies.map((b) => b.id)).toEqual(["平潭综合实验区公安局"]);
    expect(d.ambiguous[0].preferred?.id).toBe("平潭综合实验区公安局");
  });

  it("a department, 片区 or town the registry does not hold is named as not held, with its held place", () => {
    const r = registry();
    expect(r.unheldBodies("平潭综合实验区气象局2023年收到多少件申请").map((u) => [u.name, u.place?.id])).toEqual([["平潭综合实验区气象局", "平潭综合实验区"]]);
    expect(r.unheldBodies("澳前片区2022年收到多少件申请").map((u) => u.name)).toEqual(["澳前片区"]);
    expect(r.unheldBodies("金井片区2018年收到多少件申请")).toEqual([]);
    expect(r.unheldBodies("申请人向档案局申请查阅怎么办")).toEqual([]);
    expect(r.unheldBodies("国务院办公厅的格式通知2021年版")).toEqual([]);
  });

  it("a merged department is also called by its first part; a shared name is then decided by succession or asked", () => {
    const r = new BodyRegistry(
      [
        { issuer: "平潭县旅游局", region: "平潭县" },
        { issuer: "平潭综合实验区旅游与文化体育局", region: "平潭综合实验区" },
      ],
      {},
    );
    expect(r.carrying("旅游局").map((b) => b.id)).toEqual(["平潭综合实验区旅游与文化体育局", "平潭县旅游局"]);
    expect(r.carrying("文体旅局").map((b) => b.id)).toEqual(["平潭综合实验区旅游与文化体育局"]);
    // Two lines, none leading to the other: ambiguous until a year decides (the planner's part).
    expect(r.mentionsDetailed("旅游局主动公开了多少条").ambiguous[0].preferred).toBeNull();
  });
});
