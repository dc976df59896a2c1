import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  PostgresDialect,
  SqliteAdapter,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
  sql,
} from 'kysely';
import pg from 'pg';
import type { StorageConfig } from '../config/config.js';
import { startCheckpointer } from './checkpointer.js';
import { attachRawRows, postgresRawRows, sqliteRawRows } from './raw-rows.js';
import { attachSqliteRowWriter } from './row-writer.js';
import type { Database } from './schema.js';
import { withStatementCache } from './statement-cache.js';

export type DialectName = 'sqlite' | 'postgres';

/**
 * What differs between the backends, named once here so the rest of the code asks for a capability
 * instead of testing the dialect.
 */
export interface Capabilities {
  /** `SELECT ... FOR UPDATE SKIP LOCKED` lets several workers lease rows without blocking each other. */
  skipLocked: boolean;
  /** More than one transaction may run at once (SQLite has a single writer). */
  concurrentWriters: boolean;
}

/**
 * Whether queries on this handle (or a transaction of it) may use LATERAL joins: PostgreSQL can, SQLite
 * cannot. For code that only holds a Kysely handle, not the Storage and its capabilities.
 */
export function hasLateralJoins(db: Kysely<Database>): boolean {
  return !(db.getExecutor().adapter instanceof SqliteAdapter);
}

export interface Storage {
  db: Kysely<Database>;
  dialect: DialectName;
  capabilities: Capabilities;
  /** Where the SQLite file lives (undefined on PostgreSQL). */
  file: string | undefined;
  close(): Promise<void>;
}

export const SQLITE_FILE = 'touchpoint.db';

// int8 (bigint, used for millisecond timestamps and minor-unit amounts) and numeric arrive from pg as
// strings; every value we store fits a JS number exactly, so parse them here once.
const PG_INT8 = 20;
const PG_NUMERIC = 1700;
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === PG_INT8 || oid === PG_NUMERIC) return (value: string) => Number(value);
    // biome-ignore lint/suspicious/noExplicitAny: pg's overloads are not expressible here
    return (pg.types.getTypeParser as any)(oid, format);
  },
};

export interface OpenOptions {
  /**
   * SQLite: run the WAL checkpointer thread (default). A second connection of the same process (the
   * ingest thread's) leaves it to the first.
   */
  checkpointer?: boolean;
}

export function openStorage(config: StorageConfig, options: OpenOptions = {}): Storage {
  if (config.databaseUrl !== undefined) return openPostgres(config.databaseUrl);
  return openSqlite(config.dataDir, config.sync, options);
}

export function openPostgres(url: string, poolSize = 10): Storage {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, types: pgTypes });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  attachRawRows(db, postgresRawRows(pool));
  return {
    db,
    dialect: 'postgres',
    capabilities: { skipLocked: true, concurrentWriters: true },
    file: undefined,
    close: () => db.destroy(),
  };
}

/**
 * Kysely opens SQLite transactions with a deferred BEGIN: a transaction that reads before it writes
 * then fails at once (SQLITE_BUSY, no busy wait) if another connection wrote in between. IMMEDIATE
 * takes the write lock at BEGIN, where busy_timeout waits for it.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: SqliteDialectConfig) {
    super(settings);
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.settings);
  }
}

export function openSqlite(dataDir: string, sync: 'normal' | 'full' = 'normal', options: OpenOptions = {}): Storage {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, SQLITE_FILE);
  const raw = new SqliteDatabase(file);
  // WAL: readers never block the writer, and a commit is one append. synchronous=NORMAL keeps every
  // committed transaction through a process crash; FULL also fsyncs each commit for power loss.
  raw.pragma('journal_mode = WAL');
  raw.pragma(`synchronous = ${sync === 'full' ? 'FULL' : 'NORMAL'}`);
  // The CLI may write while a server holds the same file: wait for the lock instead of failing.
  raw.pragma('busy_timeout = 10000');
  raw.pragma('foreign_keys = ON');
  // Identity resolution writes under a savepoint: each page it changes that its transaction had already
  // changed is first copied to a statement journal, which spills to a temp file past 64 KiB (two
  // write() calls per page while the processor holds the write lock). Temp data stays in memory.
  raw.pragma('temp_store = MEMORY');
  // Checkpoints run in a worker thread (see checkpointer.ts), not inside our commits.
  raw.pragma('wal_autocheckpoint = 0');
  raw.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
  const checkpointer = options.checkpointer === false ? undefined : startCheckpointer(file, raw);
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(raw) }) });
  attachRawRows(db, sqliteRawRows(raw));
  attachSqliteRowWriter(db, raw);
  return {
    db,
    dialect: 'sqlite',
    capabilities: { skipLocked: false, concurrentWriters: false },
    file,
    close: async () => {
      await checkpointer?.close();
      // The last connection to close checkpoints the WAL into the database file.
      await db.destroy();
    },
  };
}

export async function isReachable(storage: Storage): Promise<boolean> {
  try {
    await sql`select 1`.execute(storage.db);
    return true;
  } catch {
    return false;
  }
}
