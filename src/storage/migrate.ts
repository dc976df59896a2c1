import { type MigrationResultSet, Migrator } from 'kysely';
import type { Storage } from './database.js';
import { MIGRATIONS } from './migrations/index.js';

export interface MigrationOutcome {
  applied: string[];
}

/**
 * Brings the schema up to date. Kysely's migrator takes a lock (a lock table on SQLite, an advisory
 * lock on PostgreSQL), so several processes starting at once apply each migration exactly once,
 * and running it again is a no-op.
 */
export async function migrateToLatest(storage: Storage): Promise<MigrationOutcome> {
  const migrator = new Migrator({
    db: storage.db,
    provider: { getMigrations: async () => MIGRATIONS },
  });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error !== undefined) {
    const failed = result.results?.find((r) => r.status === 'Error');
    const reason = result.error instanceof Error ? result.error.message : String(result.error);
    throw new Error(`migration ${failed?.migrationName ?? '?'} failed: ${reason}`);
  }
  return { applied: (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
