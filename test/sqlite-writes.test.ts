import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
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

  it('keeps the statement journal of a savepoint in memory, not in a temp file', async () => {
    const openTempFiles = () =>
      readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return basename(readlinkSync(`/proc/self/fd/${fd}`)).startsWith('etilqs_');
        } catch {
          return false; // the directory's own descriptor, closed by now
        }
      }).length;
    const person = (i: number) => ({
      workspace_id: 'ws_sj',
      person_id: `per_${(i * 7919) % 10_000}_${i}`,
      merged_into: null,
      created_at: i,
      updated_at: i,
    });
    const db = storage.db;
    const writer = rowWriterOf(db);
    await db.transaction().execute((trx) =>
      writer.insert(
        trx,
        'people',
        Array.from({ length: 6000 }, (_, i) => person(i)),
      ),
    );
    let during = -1;
    await db.transaction().execute(async (trx) => {
      // Pages this transaction changed, changed again under a savepoint (as identity resolution does),
      // are journaled: far more than the 64 KiB SQLite keeps in memory before spilling to a file.
      await writer.insert(
        trx,
        'people',
        Array.from({ length: 3000 }, (_, i) => person(10_000 + i)),
      );
      await sql`savepoint tp_test`.execute(trx);
      await writer.insert(
        trx,
        'people',
        Array.from({ length: 3000 }, (_, i) => person(20_000 + i)),
      );
      during = openTempFiles();
      await sql`release savepoint tp_test`.execute(trx);
    });
    expect(during).toBe(0);
    const count = await sql<{ n: number }>`select count(*) as n from people where workspace_id = 'ws_sj'`.execute(db);
    expect(Number(count.rows[0]?.n)).toBe(12_000);
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
