import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openStorage } from '../src/storage/database.js';
import { migrateToLatest } from '../src/storage/migrate.js';
import { MIGRATIONS } from '../src/storage/migrations/index.js';
import { WriteQueue } from '../src/storage/write-queue.js';
import { BACKENDS, createTestDatabase, type TestDatabase, testConfig } from './support/backends.js';

async function primaryKeys(storage: ReturnType<typeof openStorage>): Promise<Map<string, string[]>> {
  const keys = new Map<string, string[]>();
  if (storage.dialect === 'sqlite') {
    const tables = await sql<{
      name: string;
    }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(storage.db);
    for (const { name } of tables.rows) {
      const cols = await sql<{ name: string; pk: number }>`select name, pk from pragma_table_info(${name})`.execute(
        storage.db,
      );
      keys.set(
        name,
        cols.rows
          .filter((c) => c.pk > 0)
          .sort((a, b) => a.pk - b.pk)
          .map((c) => c.name),
      );
    }
  } else {
    const rows = await sql<{ table_name: string; column_name: string; ordinal_position: number }>`
      select kcu.table_name, kcu.column_name, kcu.ordinal_position
      from information_schema.table_constraints tc
      join information_schema.key_column_usage kcu on tc.constraint_name = kcu.constraint_name and tc.table_schema = kcu.table_schema
      where tc.constraint_type = 'PRIMARY KEY' and tc.table_schema = 'public'
      order by kcu.table_name, kcu.ordinal_position`.execute(storage.db);
    for (const row of rows.rows) keys.set(row.table_name, [...(keys.get(row.table_name) ?? []), row.column_name]);
  }
  return keys;
}

describe.each(BACKENDS)('%s backend: storage', (backend) => {
  let database: TestDatabase;
  afterEach(async () => database?.drop());

  it('migrates up from empty, and a second run is a no-op', async () => {
    database = await createTestDatabase(backend);
    const storage = openStorage(testConfig(database).storage);
    try {
      const first = await migrateToLatest(storage);
      expect(first.applied).toEqual(Object.keys(MIGRATIONS));
      const second = await migrateToLatest(storage);
      expect(second.applied).toEqual([]);
    } finally {
      await storage.close();
    }
  });

  it('keys every table by workspace_id first', async () => {
    database = await createTestDatabase(backend);
    const storage = openStorage(testConfig(database).storage);
    try {
      await migrateToLatest(storage);
      const keys = await primaryKeys(storage);
      const ours = [...keys.entries()].filter(([table]) => !table.startsWith('kysely_'));
      expect(ours.length).toBeGreaterThanOrEqual(8);
      for (const [table, columns] of ours) {
        // workspaces itself is keyed by its id, which is the workspace_id
        expect({ table, first: columns[0] }).toEqual({ table, first: 'workspace_id' });
      }
    } finally {
      await storage.close();
    }
  });

  it('group-commits concurrent writes and isolates a failing one', async () => {
    database = await createTestDatabase(backend);
    const storage = openStorage(testConfig(database).storage);
    try {
      await migrateToLatest(storage);
      const queue = new WriteQueue(storage.db, {
        maxBatch: 64,
        concurrency: storage.capabilities.concurrentWriters ? 4 : 1,
      });
      const jobs = Array.from({ length: 300 }, (_, i) =>
        queue.enqueue(async (trx) => {
          if (i === 123) throw new Error('bad write');
          await trx
            .insertInto('settings')
            .values({ workspace_id: 'ws_test', key: `k${i}`, value: String(i), updated_at: i })
            .execute();
          return i;
        }),
      );
      const results = await Promise.allSettled(jobs);
      expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
      expect((results[123] as PromiseRejectedResult).reason).toBeInstanceOf(Error);
      await queue.close();
      const count = await storage.db
        .selectFrom('settings')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      expect(Number(count.n)).toBe(299);
      await expect(queue.enqueue(async () => 1)).rejects.toThrow(/closed/);
      await expect(queue.enqueueStatement(async () => 1)).rejects.toThrow(/closed/);
    } finally {
      await storage.close();
    }
  });

  it('starts a gathered job in the same tick; others wait a macrotask for their turn to join', async () => {
    database = await createTestDatabase(backend);
    const storage = openStorage(testConfig(database).storage);
    try {
      await migrateToLatest(storage);
      const queue = new WriteQueue(storage.db, { maxBatch: 64, concurrency: 1 });
      // Whether a statement job had started by the time a macrotask scheduled just before it ran.
      const startedBeforeNextMacrotask = async (options?: { gathered: boolean }) => {
        let started = false;
        const seen = new Promise<boolean>((resolve) => setImmediate(() => resolve(started)));
        const job = queue.enqueueStatement(async () => {
          started = true;
          return 'done';
        }, options);
        expect(await job).toBe('done');
        return seen;
      };
      expect(await startedBeforeNextMacrotask({ gathered: true })).toBe(true);
      expect(await startedBeforeNextMacrotask()).toBe(false);

      // Jobs enqueued in the same tick as a gathered one still share its transaction.
      const transactions: unknown[] = [];
      const batch = [
        queue.enqueue(async (trx) => transactions.push(trx), { gathered: true }),
        queue.enqueue(async (trx) => transactions.push(trx)),
      ];
      await Promise.all(batch);
      expect(transactions).toHaveLength(2);
      expect(transactions[0]).toBe(transactions[1]);
      await queue.close();
    } finally {
      await storage.close();
    }
  });

  it('runs a statement job alone, outside a transaction, between batches of transaction jobs', async () => {
    database = await createTestDatabase(backend);
    const storage = openStorage(testConfig(database).storage);
    try {
      await migrateToLatest(storage);
      const queue = new WriteQueue(storage.db, { maxBatch: 64, concurrency: 1 });
      const order: string[] = [];
      const inTransaction = (name: string) =>
        queue.enqueue(async (trx) => {
          order.push(`${name}:${trx.isTransaction}`);
          return name;
        });
      const results = await Promise.all(
        [
          inTransaction('a'),
          inTransaction('b'),
          queue.enqueueStatement(async (db) => {
            order.push(`statement:${db.isTransaction}`);
            return 'statement';
          }),
          inTransaction('c'),
          queue.enqueueStatement(async () => {
            throw new Error('statement failed');
          }),
          inTransaction('d'),
        ].map((job) => job.catch((error: Error) => error.message)),
      );
      expect(results).toEqual(['a', 'b', 'statement', 'c', 'statement failed', 'd']);
      // In enqueue order; a failing statement fails only itself.
      expect(order).toEqual(['a:true', 'b:true', 'statement:false', 'c:true', 'd:true']);
      await queue.close();
    } finally {
      await storage.close();
    }
  });
});
