import type SqliteDatabase from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { Database } from './schema.js';

/**
 * Bulk paths that bypass Kysely's per-row objects: streaming a large select as value arrays, and
 * inserting many rows with few statements. Attribution reads millions of touchpoints and the seeder
 * writes them; through the query builder both spend most of their time building objects and SQL.
 * Only this module knows how each backend does it.
 */
export interface RawRows {
  /**
   * Calls `onRow` with the values of `selects` (portable SQL expressions over the table's columns)
   * for every row of a workspace, in storage order (no sort). `values[0]` is the row's position
   * (SQLite's rowid, 0 on PostgreSQL); the selected values follow from index 1. Rows are fetched in
   * pages, and the event loop gets a turn between pages.
   */
  scanWorkspace(
    table: string,
    selects: readonly string[],
    workspaceId: string,
    onRow: (values: unknown[]) => void,
    options?: { after?: number; people?: readonly string[]; upTo?: number },
  ): Promise<void>;
  /**
   * Whether rows have positions that only grow as rows are added (SQLite's rowid, with a single
   * writer and no deletes): then `scanWorkspace(..., { after })` reads just the rows added since a
   * scan that saw positions up to `after`, and `{ people, upTo }` the rows of those people (by index)
   * at positions up to `upTo`.
   */
  readonly positions: boolean;
  /** Inserts rows (value arrays in `columns` order) with multi-row statements, inside one transaction. */
  insertRows(table: string, columns: readonly string[], rows: readonly unknown[][]): Promise<void>;
  /**
   * After a bulk load: PostgreSQL vacuums and analyzes the tables, so the planner knows their size and
   * counts read only the index (its visibility map is set); SQLite needs nothing.
   */
  afterBulkLoad(tables: readonly string[]): Promise<void>;
  /**
   * A cheap value that changes whenever rows are added to `table` (an index lookup, not a count):
   * the largest rowid on SQLite; on PostgreSQL the row count, which it reads from an index-only scan.
   * Used to tell whether a cached copy of a workspace's rows is still current.
   */
  growthMarker(table: string, workspaceId: string): Promise<number>;
}

/** Raw access is attached to a database handle when it is opened (the handle owns it). */
const registry = new WeakMap<Kysely<Database>, RawRows>();

export function attachRawRows(db: Kysely<Database>, raw: RawRows): void {
  registry.set(db, raw);
}

/** The raw paths of a handle opened by `openSqlite` / `openPostgres` (undefined inside a transaction). */
export function rawRowsOf(db: Kysely<Database>): RawRows | undefined {
  return registry.get(db);
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

function insertSql(table: string, columns: readonly string[], rows: number, placeholder: (i: number) => string) {
  const tuples: string[] = [];
  let n = 0;
  for (let r = 0; r < rows; r++) tuples.push(`(${columns.map(() => placeholder(++n)).join(',')})`);
  return `insert into ${quote(table)} (${columns.map(quote).join(',')}) values ${tuples.join(',')}`;
}

export function sqliteRawRows(raw: SqliteDatabase.Database): RawRows {
  return {
    positions: true,
    async scanWorkspace(table, selects, workspaceId, onRow, options) {
      const columns = `select rowid, ${selects.join(',')} from ${quote(table)}`;
      const people = options?.people;
      if (people !== undefined) {
        // A few people: their rows through the (workspace_id, person_id, ...) index.
        for (let i = 0; i < people.length; i += 500) {
          const some = people.slice(i, i + 500);
          const list = some.map(() => '?').join(',');
          const statement = raw.prepare(
            `${columns} where workspace_id = ? and person_id in (${list}) and rowid <= ? order by rowid`,
          );
          const rows = statement.raw(true).all(workspaceId, ...some, options?.upTo ?? Number.MAX_SAFE_INTEGER);
          for (const row of rows as unknown[][]) onRow(row);
        }
        return;
      }
      // An open iterator makes the connection busy for every other statement, so the table is read
      // in pages keyed by rowid and other work may run between pages. `+workspace_id` keeps SQLite
      // off the workspace indexes: one sequential pass over the table beats millions of lookups.
      // Small pages let each page's row arrays die young (cheap minor GCs).
      const pageSize = 5_000;
      const statement = raw
        .prepare(`${columns} where +workspace_id = ? and rowid > ? order by rowid limit ${pageSize}`)
        .raw(true);
      let after = options?.after ?? -1;
      for (;;) {
        const rows = statement.all(workspaceId, after) as unknown[][];
        for (const row of rows) onRow(row);
        const last = rows[rows.length - 1];
        if (rows.length < pageSize || last === undefined) return;
        after = last[0] as number;
        await turn();
      }
    },
    async insertRows(table, columns, rows) {
      // SQLite binds at most 32766 parameters per statement; one prepared statement serves every full chunk.
      const per = Math.max(1, Math.min(500, Math.floor(32_000 / columns.length)));
      const full = raw.prepare(insertSql(table, columns, per, () => '?'));
      // Rows land at scattered places of every index; with SQLite's default 2 MB page cache those
      // pages are read again for every few rows. A bulk load gets a large cache while it runs.
      const cacheSize = raw.pragma('cache_size', { simple: true }) as number;
      raw.pragma('cache_size = -524288');
      raw.transaction(() => {
        let i = 0;
        for (; i + per <= rows.length; i += per) full.run(rows.slice(i, i + per).flat());
        if (i < rows.length) {
          const rest = rows.slice(i);
          raw.prepare(insertSql(table, columns, rest.length, () => '?')).run(rest.flat());
        }
      })();
      raw.pragma(`cache_size = ${cacheSize}`);
    },
    async afterBulkLoad() {},
    async growthMarker(table) {
      const row = raw.prepare(`select max(rowid) as m from ${quote(table)}`).get() as { m: number | null };
      return row.m ?? 0;
    },
  };
}

/** Runs `work` on one pooled client inside a transaction (`begin` is the opening statement). */
async function inTransaction(pool: pg.Pool, begin: string, work: (client: pg.PoolClient) => Promise<void>) {
  const client = await pool.connect();
  try {
    await client.query(begin);
    await work(client);
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

export function postgresRawRows(pool: pg.Pool): RawRows {
  return {
    positions: false,
    async scanWorkspace(table, selects, workspaceId, onRow, options) {
      if (options !== undefined) throw new Error('PostgreSQL rows have no positions to scan after');
      // A server-side cursor streams one scan in pages without holding the whole result in memory.
      const pageSize = 50_000;
      await inTransaction(pool, 'begin read only', async (client) => {
        await client.query({
          text: `declare raw_rows no scroll cursor for select 0, ${selects.join(',')} from ${quote(table)} where workspace_id = $1`,
          values: [workspaceId],
        });
        for (;;) {
          const page = await client.query({ text: `fetch ${pageSize} from raw_rows`, rowMode: 'array' });
          for (const row of page.rows as unknown[][]) onRow(row);
          if (page.rows.length < pageSize) break;
        }
      });
    },
    async insertRows(table, columns, rows) {
      // PostgreSQL binds at most 65535 parameters per statement.
      const per = Math.max(1, Math.min(1000, Math.floor(60_000 / columns.length)));
      await inTransaction(pool, 'begin', async (client) => {
        for (let i = 0; i < rows.length; i += per) {
          const chunk = rows.slice(i, i + per);
          await client.query({
            name: chunk.length === per ? `insert_rows_${table}_${per}` : undefined,
            text: insertSql(table, columns, chunk.length, (k) => `$${k}`),
            values: chunk.flat(),
          });
        }
      });
    },
    async afterBulkLoad(tables) {
      for (const table of tables) await pool.query(`vacuum (analyze) ${quote(table)}`);
    },
    async growthMarker(table, workspaceId) {
      const result = await pool.query({
        text: `select count(*) as n from ${quote(table)} where workspace_id = $1`,
        values: [workspaceId],
      });
      return Number((result.rows[0] as { n: string }).n);
    },
  };
}
