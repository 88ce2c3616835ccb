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

export function nodeSqlite(db: DatabaseSync): SqliteDatabase {
  return {
    close: () => db.close(),
    prepare(sql) {
      const stmt = db.prepare(sql);
      return {
        reader: stmt.columns().length > 0,
        all: (p) => stmt.all(...bind(p)),
        run: (p) => stmt.run(...bind(p)) as { changes: number | bigint; lastInsertRowid: number | bigint },
        iterate: (p) => stmt.iterate(...bind(p)),
      };
    },
  };
}
