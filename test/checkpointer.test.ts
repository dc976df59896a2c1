import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openSqlite, type Storage } from '../src/storage/database.js';
import { migrateToLatest } from '../src/storage/migrate.js';
import { rowWriterOf } from '../src/storage/row-writer.js';

describe('sqlite backend: WAL checkpoints in a worker thread', () => {
  let storage: Storage | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await storage?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('copies committed pages into the database file without the writing connection doing it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tp-ckpt-'));
    storage = openSqlite(dir);
    await migrateToLatest(storage);
    const file = join(dir, 'touchpoint.db');
    const before = statSync(file).size;
    const rows = Array.from({ length: 5000 }, (_, i) => ({
      workspace_id: 'ws_ckpt',
      dedup_key: `key-${i}-${'x'.repeat(400)}`,
      event_id: `evt_${i}`,
    }));
    const db = storage.db;
    await db.transaction().execute((trx) => rowWriterOf(db).insert(trx, 'ingest_keys', rows));
    // The serving connection never checkpoints (wal_autocheckpoint = 0): only the worker can grow the file.
    const autocheckpoint = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db);
    expect(autocheckpoint.rows[0]?.wal_autocheckpoint).toBe(0);
    await vi.waitFor(() => expect(statSync(file).size).toBeGreaterThan(before + 2_000_000), {
      timeout: 5000,
      interval: 50,
    });
  });
});
