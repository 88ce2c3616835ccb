// Kysely cannot take node:sqlite's DatabaseSync directly (shared spike-deps.md §4): statements have
// no `reader` flag and parameters are varargs, not an array. This adapter is the better-sqlite3
// subset Kysely's SqliteDialect expects.
import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import type { SqliteDatabase } from 'kysely';

function bind(params: ReadonlyArray<unknown>): SQLInputValue[] {
  return params.map((v) => {
    if (v === undefined) return null;
    if (typeof v === 'boolean') return v ? 1 : 0;
    // A Date in first position would be read as a named-parameter map and silently shift columns.
    if (v instanceof Date) return v.toISOString();
    if (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v)) {
      throw new TypeError('sqlite: JSON.stringify objects before binding them');
    }
    return v as SQLInputValue;
  });
}

/** Prepared statements kept per SQL text: Kysely sends the same few dozen statements over and over. */
const STATEMENT_CACHE_SIZE = 256;

export function nodeSqlite(db: DatabaseSync): SqliteDatabase {
  // Preparing was the largest single cost of a button click (bench/slack-ack profile); a small LRU
  // of prepared statements removes it. StatementSync objects are reusable once a call returns.
  const cache = new Map<string, { stmt: ReturnType<DatabaseSync['prepare']>; reader: boolean }>();
  const prepared = (sql: string) => {
    let hit = cache.get(sql);
    if (hit) {
      cache.delete(sql);
    } else {
      const stmt = db.prepare(sql);
      hit = { stmt, reader: stmt.columns().length > 0 };
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
    }
    cache.set(sql, hit);
    return hit;
  };
  return {
    close: () => {
      cache.clear();
      db.close();
    },
    prepare(sql) {
      const { stmt, reader } = prepared(sql);
      return {
        reader,
        all: (p) => stmt.all(...bind(p)),
        run: (p) => stmt.run(...bind(p)) as { changes: number | bigint; lastInsertRowid: number | bigint },
        iterate: (p) => stmt.iterate(...bind(p)),
      };
    },
  };
}
