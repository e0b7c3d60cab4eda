import pg from "pg";
import { describe, expect, inject, it } from "vitest";

describe("test databases", () => {
  it("Debian PostgreSQL 15 answers, with pg_trgm and without pgvector", async () => {
    const c = new pg.Client({ connectionString: inject("localPg").url });
    await c.connect();
    try {
      expect((await c.query("SHOW server_version_num")).rows[0].server_version_num).toMatch(/^15/);
      const ext = (await c.query("SELECT name FROM pg_available_extensions")).rows.map((r) => r.name);
      expect(ext).toContain("pg_trgm");
      expect(ext).not.toContain("vector");
    } finally {
      await c.end();
    }
  });

  it("PGlite serves pgvector over its socket", async () => {
    const c = new pg.Client({ connectionString: inject("pgliteUrl") });
    await c.connect();
    try {
      await c.query("CREATE EXTENSION IF NOT EXISTS vector");
      const r = await c.query("SELECT ('[1,0]'::vector <=> '[0,1]'::vector) AS d");
      expect(r.rows[0].d).toBeCloseTo(1, 6);
    } finally {
      await c.end();
    }
  });
});
