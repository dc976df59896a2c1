import type { Kysely } from 'kysely';

/**
 * ingest_journal: how far each acknowledgement journal file (src/ingest/ack-journal.ts) has been
 * applied, per workspace, written in the transaction that applies it, so a replay after a crash skips
 * what is already in the database and every acknowledged request is written exactly once.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('ingest_journal')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('journal_id', 'text', (c) => c.notNull())
    .addColumn('position', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('ingest_journal_pk', ['workspace_id', 'journal_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('ingest_journal').execute();
}
