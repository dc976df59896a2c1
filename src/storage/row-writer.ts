import type SqliteDatabase from 'better-sqlite3';
import { type Insertable, type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from './schema.js';

type Table = keyof Database & string;
type Row<T extends Table> = Insertable<Database[T]>;

/**
 * Hot-path row writes inside the caller's transaction, in the shape each backend is fastest at:
 * - SQLite (in process): one cached single-row statement run per row. A multi-row statement must be
 *   compiled for every row count, and compiling a few hundred placeholders costs more than running a
 *   cached statement a few hundred times;
 * - PostgreSQL (over the network): multi-row statements, so a batch is a few round trips.
 * better-sqlite3 has one connection, so the raw statements run inside the Kysely transaction that
 * holds it. Values must already be what the backend stores (numbers, strings, null).
 */
export interface RowWriter {
  insert<T extends Table>(trx: Transaction<Database>, table: T, rows: readonly Row<T>[]): Promise<void>;
  /**
   * Inserts rows whose primary key (or unique `conflict` columns) is not there yet; returns, per row,
   * whether it was inserted.
   */
  insertNew<T extends Table>(
    trx: Transaction<Database>,
    table: T,
    conflict: readonly string[],
    rows: readonly Row<T>[],
  ): Promise<boolean[]>;
  /** Inserts rows; where the `conflict` columns already exist, sets `update` columns to the new row's values. */
  upsert<T extends Table>(
    trx: Transaction<Database>,
    table: T,
    conflict: readonly string[],
    update: readonly string[],
    rows: readonly Row<T>[],
  ): Promise<void>;
}

const CHUNK = 200;
const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

function sqliteWriter(raw: SqliteDatabase.Database): RowWriter {
  const statements = new Map<string, SqliteDatabase.Statement>();
  const statement = (verb: string, table: string, columns: string[], suffix: string) => {
    const key = `${verb}\u0000${table}\u0000${columns.join(',')}\u0000${suffix}`;
    let found = statements.get(key);
    if (found === undefined) {
      found = raw.prepare(
        `${verb} into ${quote(table)} (${columns.map(quote).join(',')}) values (${columns.map(() => '?').join(',')})${suffix}`,
      );
      statements.set(key, found);
    }
    return found;
  };
  const run = (verb: string, table: string, rows: readonly object[], suffix = '') => {
    const out: boolean[] = [];
    if (rows.length === 0) return out;
    // Rows of one batch normally share a shape; a key missing from some rows is stored as null there.
    const seen = new Set<string>();
    for (const row of rows) for (const key in row) seen.add(key);
    const columns = [...seen];
    const st = statement(verb, table, columns, suffix);
    for (const row of rows) {
      const values = columns.map((c) => (row as Record<string, unknown>)[c] ?? null);
      out.push(st.run(values).changes > 0);
    }
    return out;
  };
  return {
    insert: async (_trx, table, rows) => {
      run('insert', table, rows);
    },
    insertNew: async (_trx, table, _conflict, rows) => run('insert or ignore', table, rows),
    upsert: async (_trx, table, conflict, update, rows) => {
      const set = update.map((c) => `${quote(c)} = excluded.${quote(c)}`).join(', ');
      run('insert', table, rows, ` on conflict (${conflict.map(quote).join(',')}) do update set ${set}`);
    },
  };
}

const postgresWriter: RowWriter = {
  async insert(trx, table, rows) {
    for (let i = 0; i < rows.length; i += CHUNK) {
      // biome-ignore lint/suspicious/noExplicitAny: the table is a type parameter Kysely cannot narrow here
      await (trx as Kysely<any>)
        .insertInto(table)
        .values(rows.slice(i, i + CHUNK))
        .execute();
    }
  },
  async insertNew(trx, table, conflict, rows) {
    const out: boolean[] = [];
    for (let i = 0; i < rows.length; i += CHUNK) {
      const part = rows.slice(i, i + CHUNK) as Array<Record<string, unknown>>;
      // biome-ignore lint/suspicious/noExplicitAny: as above
      const inserted: Array<Record<string, unknown>> = await (trx as Kysely<any>)
        .insertInto(table)
        .values(part)
        .onConflict((oc) => oc.columns(conflict as string[]).doNothing())
        .returning(conflict as string[])
        .execute();
      const key = (row: Record<string, unknown>) => conflict.map((c) => String(row[c])).join('\u0000');
      const won = new Set(inserted.map(key));
      // As on SQLite: of rows repeating one key, only the first counts as inserted.
      for (const row of part) out.push(won.delete(key(row)));
    }
    return out;
  },
  async upsert(trx, table, conflict, update, rows) {
    for (let i = 0; i < rows.length; i += CHUNK) {
      // biome-ignore lint/suspicious/noExplicitAny: as above
      await (trx as Kysely<any>)
        .insertInto(table)
        .values(rows.slice(i, i + CHUNK))
        .onConflict((oc) =>
          oc
            .columns(conflict as string[])
            // The excluded row's values (as Kysely's eb.ref('excluded.x') would write them).
            .doUpdateSet(Object.fromEntries(update.map((c) => [c, sql.ref(`excluded.${c}`)])) as never),
        )
        .execute();
    }
  },
};

const WRITERS = new WeakMap<Kysely<Database>, RowWriter>();

/** Called by openSqlite: rows of this handle are written with cached single-row statements. */
export function attachSqliteRowWriter(db: Kysely<Database>, raw: SqliteDatabase.Database): void {
  WRITERS.set(db, sqliteWriter(raw));
}

/** The row writer of a database handle (multi-row statements unless it is an in-process SQLite). */
export function rowWriterOf(db: Kysely<Database>): RowWriter {
  return WRITERS.get(db) ?? postgresWriter;
}
