import type { Kysely } from 'kysely';
import { sql } from 'kysely';

/**
 * ingest_inbox.logged: how many events-log entries a row's body carries. An acknowledgement through
 * the inbox no longer writes one events_log row per accepted event; its inbox row carries the entries
 * until the processor writes them, and the log's readers read the rows that carry some
 * (src/ingest/events-log.ts). Rows written before hold none (their log rows were written at once).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('ingest_inbox')
    .addColumn('logged', 'integer', (c) => c.notNull().defaultTo(sql`0`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('ingest_inbox').dropColumn('logged').execute();
}
