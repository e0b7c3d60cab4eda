import pg from "pg";
import { inject } from "vitest";

/**
 * A fresh, empty database for one test file: a new database on the local PostgreSQL 15 (dropped by `drop`), or
 * PGlite's one database emptied (PGlite holds a single database; the pg files run one at a time).
 */
export async function freshLocalDatabase(name: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = inject("localPg").url;
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${name}`);
  } finally {
    await c.end();
  }
  const url = admin.replace(/\/postgres$/, `/${name}`);
  return {
    url,
    drop: async () => {
      const d = new pg.Client({ connectionString: admin });
      await d.connect().catch(() => {});
      await d.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
      await d.end().catch(() => {});
    },
  };
}

export async function freshPglite(): Promise<string> {
  const url = inject("pgliteUrl");
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public; CREATE EXTENSION IF NOT EXISTS vector");
  } finally {
    await c.end();
  }
  return url;
}
