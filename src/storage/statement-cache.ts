import type SqliteDatabase from 'better-sqlite3';
import type { SqliteDatabase as KyselySqliteDatabase } from 'kysely';

/**
 * better-sqlite3 compiles SQL on every prepare(); Kysely prepares each query it runs. The hot paths
 * (ingestion, identity, outbox) repeat a few dozen distinct statements, so caching the compiled
 * statement by its SQL text removes most of that cost. A statement still iterating (a streamed
 * query) is busy and cannot be reused, so a fresh one is prepared then. Bounded to 200 statements of
 * at most 4 KB of SQL each, so memory stays flat.
 */
const MAX_CACHED_SQL = 4096;

export function withStatementCache(raw: SqliteDatabase.Database, max = 200): KyselySqliteDatabase {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => {
      cache.clear();
      raw.close();
    },
    prepare: (sql: string) => {
      const cached = cache.get(sql);
      if (cached !== undefined && !cached.busy) return cached;
      const statement = raw.prepare(sql);
      // Large multi-row statements vary with their row count and hold much memory: not cached.
      if (cached === undefined && sql.length <= MAX_CACHED_SQL) {
        if (cache.size >= max) {
          const oldest = cache.keys().next().value;
          if (oldest !== undefined) cache.delete(oldest);
        }
        cache.set(sql, statement);
      }
      return statement;
    },
  } as KyselySqliteDatabase;
}
