import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openSqlite, type Storage } from '../src/storage/database.js';
import { migrateToLatest } from '../src/storage/migrate.js';
import { rowWriterOf } from '../src/storage/row-writer.js';

/** SQLite writes under load: checkpoints off the serving connection, and transactions beside other writers. */
describe('sqlite backend: write transactions and WAL checkpoints', () => {
  let storage: Storage;
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tp-sqlite-writes-'));
    storage = openSqlite(dir);
    await migrateToLatest(storage);
    file = join(dir, 'touchpoint.db');
  });
  afterEach(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('copies committed pages into the database file without the writing connection doing it', async () => {
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

  it('waits for another connection that holds the write lock instead of failing after its read', async () => {
    // Another process takes the write lock, writes, and commits 300 ms later.
    const other = spawn(
      process.execPath,
      [
        '-e',
        `const D = require(${JSON.stringify(createRequire(import.meta.url).resolve('better-sqlite3'))});
         const db = new D(${JSON.stringify(file)}); db.pragma('busy_timeout = 5000');
         db.exec('begin immediate'); db.prepare("insert into ingest_keys values ('ws_lock','other','evt_other')").run();
         process.stdout.write('locked\\n');
         setTimeout(() => { db.exec('commit'); db.close(); }, 300);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve) => other.stdout.once('data', () => resolve()));
    const db = storage.db;
    // Reads, then writes: with a deferred BEGIN the write fails (SQLITE_BUSY) once the other commits.
    await db.transaction().execute(async (trx) => {
      await trx.selectFrom('ingest_keys').select('dedup_key').execute();
      await trx
        .insertInto('ingest_keys')
        .values({ workspace_id: 'ws_lock', dedup_key: 'ours', event_id: 'evt_ours' })
        .execute();
    });
    await new Promise((resolve) => other.once('exit', resolve));
    const keys = await db.selectFrom('ingest_keys').select('dedup_key').orderBy('dedup_key').execute();
    expect(keys.map((k) => k.dedup_key)).toEqual(['other', 'ours']);
  });
});
