// Database targets for tests: every store test runs on SQLite and on PostgreSQL. PostgreSQL comes
// from HOOKLINE_TEST_POSTGRES_URL (default: the local server, database `test`); each call makes a
// throwaway database so test files never see each other's rows. When no server answers, the
// PostgreSQL cases are skipped and the reason is printed, never silently.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export const POSTGRES_ADMIN_URL = process.env.HOOKLINE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let availability: Promise<string | undefined> | undefined;

/** undefined when PostgreSQL is reachable, else the reason it is not. */
export function postgresUnavailable(): Promise<string | undefined> {
  availability ??= (async () => {
    const c = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 3000 });
    try {
      await c.connect();
      await c.query('select 1');
      return undefined;
    } catch (err) {
      return `PostgreSQL at ${POSTGRES_ADMIN_URL.replace(/\/\/[^@]*@/, '//')} is not reachable (${(err as Error).message}); set HOOKLINE_TEST_POSTGRES_URL`;
    } finally {
      await c.end().catch(() => {});
    }
  })();
  return availability;
}

/** Creates an empty PostgreSQL database and returns its URL and a function that drops it. */
export async function freshPostgres(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `hookline_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const u = new URL(POSTGRES_ADMIN_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export function freshSqliteUrl(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hookline-'));
  return `sqlite:${path.join(dir, 'hookline.db')}`;
}

export interface DbTarget {
  name: 'sqlite' | 'postgres';
  /** Why this target is skipped, if it is. */
  skip?: string;
  create(): Promise<{ url: string; drop: () => Promise<void> }>;
}

/** The targets a store-backed test runs on. Call with top-level await in the test file. */
export async function dbTargets(): Promise<DbTarget[]> {
  const reason = await postgresUnavailable();
  if (reason) console.warn(`[skip] PostgreSQL tests skipped: ${reason}`);
  return [
    { name: 'sqlite', create: async () => ({ url: freshSqliteUrl(), drop: async () => {} }) },
    { name: 'postgres', ...(reason ? { skip: reason } : {}), create: freshPostgres },
  ];
}
