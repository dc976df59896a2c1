import { afterEach, describe, expect, it } from 'vitest';
import { insertInOneStatement, rowWriterOf } from '../src/storage/row-writer.js';
import { BACKENDS, createTestContext, type TestContext } from './support/backends.js';

describe.each(BACKENDS)('%s backend: row writer (hot-path inserts)', (backend) => {
  let t: TestContext;
  afterEach(async () => t?.close());

  const key = (dedup_key: string, event_id: string) => ({ workspace_id: 'ws_rw', dedup_key, event_id });

  it('inserts, reports which new rows went in, and upserts, inside the caller transaction', async () => {
    t = await createTestContext(backend);
    const db = t.ctx.storage.db;
    const writer = rowWriterOf(db);
    await db.transaction().execute(async (trx) => {
      await writer.insert(trx, 'ingest_keys', [key('a', 'evt_1'), key('b', 'evt_2')]);
      // Already there, new, and a key repeated within the call: only the first of a repeat goes in.
      const inserted = await writer.insertNew(
        trx,
        'ingest_keys',
        ['workspace_id', 'dedup_key'],
        [key('a', 'evt_9'), key('c', 'evt_3'), key('c', 'evt_4')],
      );
      expect(inserted).toEqual([false, true, false]);
      await writer.upsert(trx, 'ingest_keys', ['workspace_id', 'dedup_key'], ['event_id'], [key('b', 'evt_5')]);
    });
    const rows = await db.selectFrom('ingest_keys').select(['dedup_key', 'event_id']).orderBy('dedup_key').execute();
    expect(rows).toEqual([
      { dedup_key: 'a', event_id: 'evt_1' },
      { dedup_key: 'b', event_id: 'evt_5' },
      { dedup_key: 'c', event_id: 'evt_3' },
    ]);
  });

  it('writes many rows in chunks and reports each one, in order', async () => {
    t = await createTestContext(backend);
    const db = t.ctx.storage.db;
    const writer = rowWriterOf(db);
    // Every third key exists already; 450 rows span several multi-row statements on PostgreSQL.
    await db.transaction().execute((trx) =>
      writer.insert(
        trx,
        'ingest_keys',
        Array.from({ length: 150 }, (_, i) => key(`k${i * 3}`, `evt_old_${i}`)),
      ),
    );
    const rows = Array.from({ length: 450 }, (_, i) => key(`k${i}`, `evt_new_${i}`));
    const inserted = await db
      .transaction()
      .execute((trx) => writer.insertNew(trx, 'ingest_keys', ['workspace_id', 'dedup_key'], rows));
    expect(inserted).toEqual(rows.map((_, i) => i % 3 !== 0));
    const stored = await db.selectFrom('ingest_keys').select(['dedup_key', 'event_id']).execute();
    expect(stored).toHaveLength(450);
    expect(stored.find((r) => r.dedup_key === 'k3')?.event_id).toBe('evt_old_1');
    expect(stored.find((r) => r.dedup_key === 'k4')?.event_id).toBe('evt_new_4');
    // Values that need quoting in SQL travel as parameters.
    await db
      .transaction()
      .execute((trx) =>
        writer.upsert(trx, 'ingest_keys', ['workspace_id', 'dedup_key'], ['event_id'], [key('k4', "evt_'); drop--")]),
      );
    const upserted = await db.selectFrom('ingest_keys').select('event_id').where('dedup_key', '=', 'k4').execute();
    expect(upserted).toEqual([{ event_id: "evt_'); drop--" }]);
  });

  it('writes nothing when the transaction rolls back', async () => {
    t = await createTestContext(backend);
    const db = t.ctx.storage.db;
    await expect(
      db.transaction().execute(async (trx) => {
        await rowWriterOf(db).insert(trx, 'ingest_keys', [key('x', 'evt_1')]);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await db.selectFrom('ingest_keys').selectAll().execute()).toEqual([]);
  });
});

describe('postgres backend: rows of several tables in one statement', () => {
  let t: TestContext;
  afterEach(async () => t?.close());

  const keyRow = (dedup_key: string) => ({ workspace_id: 'ws_one', dedup_key, event_id: `evt_${dedup_key}` });
  const person = (person_id: string) => ({
    workspace_id: 'ws_one',
    person_id,
    merged_into: null,
    created_at: 1,
    updated_at: 1,
  });

  it('writes every table, or none of them when one insert fails, without a transaction', async () => {
    t = await createTestContext('postgres');
    const db = t.ctx.storage.db;
    expect(
      await insertInOneStatement(db, [
        { table: 'ingest_keys', rows: [keyRow('a'), keyRow('b')] },
        { table: 'people', rows: [] },
        { table: 'people', rows: [person('per_1')] },
      ]),
    ).toBe(true);
    // The second table's row repeats a primary key: the first table's rows must not stay behind.
    await expect(
      insertInOneStatement(db, [
        { table: 'ingest_keys', rows: [keyRow('c')] },
        { table: 'people', rows: [person('per_1')] },
      ]),
    ).rejects.toThrow();
    const keys = await db.selectFrom('ingest_keys').select('dedup_key').orderBy('dedup_key').execute();
    expect(keys.map((k) => k.dedup_key)).toEqual(['a', 'b']);
    expect(await db.selectFrom('people').select('person_id').execute()).toEqual([{ person_id: 'per_1' }]);
  });

  it('declines, writing nothing, when the rows need more parameters than one statement takes', async () => {
    t = await createTestContext('postgres');
    const db = t.ctx.storage.db;
    // 3 parameters a row: 22,000 rows are 66,000 parameters, past PostgreSQL's 65,535.
    const rows = Array.from({ length: 22_000 }, (_, i) => keyRow(`k${i}`));
    expect(await insertInOneStatement(db, [{ table: 'ingest_keys', rows }])).toBe(false);
    expect(await insertInOneStatement(db, [{ table: 'ingest_keys', rows: rows.slice(0, 21_000) }])).toBe(true);
    const count = await db
      .selectFrom('ingest_keys')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst();
    expect(Number(count?.n)).toBe(21_000);
  });
});
