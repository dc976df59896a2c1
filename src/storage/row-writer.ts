import type SqliteDatabase from 'better-sqlite3';
import { CompiledQuery, type Insertable, type Kysely, type Transaction } from 'kysely';
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

/** Every key any of the rows has, in first-seen order. */
function columnsOf(rows: readonly object[]): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const key in row) seen.add(key);
  return [...seen];
}

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
    const columns = columnsOf(rows);
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

/**
 * `insert into "t" ("a","b") values ($1,$2),($3,default)…`, its values appended to `parameters`
 * (numbered after those already there). Built as text: building and compiling the same statement
 * through Kysely's query builder cost more CPU per row than the statement's round trip. A value that
 * is undefined (or a key a row lacks) takes the column default, as Kysely's insert would.
 */
function insertText(table: string, rows: readonly object[], parameters: unknown[]): string {
  const columns = columnsOf(rows);
  const tuples: string[] = [];
  for (const row of rows) {
    const cells: string[] = [];
    for (const column of columns) {
      const value = (row as Record<string, unknown>)[column];
      if (value === undefined) cells.push('default');
      else cells.push(`$${parameters.push(value)}`);
    }
    tuples.push(`(${cells.join(',')})`);
  }
  return `insert into ${quote(table)} (${columns.map(quote).join(',')}) values ${tuples.join(',')}`;
}

/** Bind parameters PostgreSQL takes in one statement (its protocol counts them in 16 bits). */
const MAX_PARAMETERS = 65_535;

export interface TableRows<T extends Table = Table> {
  table: T;
  rows: readonly Row<T>[];
}

/**
 * PostgreSQL: inserts rows into several tables as ONE statement (`with … as (insert …) insert …`),
 * which is atomic without a transaction: one round trip instead of begin, an insert per table and
 * commit. Returns false, writing nothing, when the rows need more parameters than one statement takes.
 */
export async function insertInOneStatement(db: Kysely<Database>, parts: readonly TableRows[]): Promise<boolean> {
  const filled = parts.filter((part) => part.rows.length > 0);
  if (filled.length === 0) return true;
  const parameters: unknown[] = [];
  const texts = filled.map((part) => insertText(part.table, part.rows, parameters));
  if (parameters.length > MAX_PARAMETERS) return false;
  const last = texts.pop() as string;
  const prefix = texts.length === 0 ? '' : `with ${texts.map((text, i) => `w${i} as (${text})`).join(', ')} `;
  await db.executeQuery(CompiledQuery.raw(prefix + last, parameters));
  return true;
}

/** Inserts `rows` CHUNK at a time (each statement's text ending in `suffix`); returns what they return. */
async function inChunks<R>(
  trx: Transaction<Database>,
  table: string,
  rows: readonly object[],
  suffix: string,
): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < rows.length; i += CHUNK) {
    const parameters: unknown[] = [];
    const text = insertText(table, rows.slice(i, i + CHUNK), parameters) + suffix;
    const result = await trx.executeQuery<R>(CompiledQuery.raw(text, parameters));
    out.push(...result.rows);
  }
  return out;
}

const postgresWriter: RowWriter = {
  async insert(trx, table, rows) {
    await inChunks(trx, table, rows, '');
  },
  async insertNew(trx, table, conflict, rows) {
    const columns = conflict.map(quote).join(',');
    const key = (row: Record<string, unknown>) => conflict.map((c) => String(row[c])).join('\u0000');
    const inserted = await inChunks<Record<string, unknown>>(
      trx,
      table,
      rows,
      ` on conflict (${columns}) do nothing returning ${columns}`,
    );
    const won = new Set(inserted.map(key));
    // As on SQLite: of rows repeating one key, only the first counts as inserted.
    return (rows as ReadonlyArray<Record<string, unknown>>).map((row) => won.delete(key(row)));
  },
  async upsert(trx, table, conflict, update, rows) {
    const set = update.map((c) => `${quote(c)} = excluded.${quote(c)}`).join(', ');
    await inChunks(trx, table, rows, ` on conflict (${conflict.map(quote).join(',')}) do update set ${set}`);
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
