import { type Kysely, sql } from 'kysely';

/**
 * The ingest gateway/processor split (see src/ingest/inbox.ts):
 * - ingest_keys: every caller-supplied dedup key, claimed when the request is acknowledged, so a repeat
 *   is answered "duplicate" with the original id even before the original is fully processed.
 * - ingest_inbox: acknowledged requests whose events are not processed yet (identity, event rows,
 *   touchpoints, outbox, events log). A row is deleted in the transaction that processes it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('ingest_keys')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('dedup_key', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('ingest_keys_pk', ['workspace_id', 'dedup_key'])
    .execute();
  // Keys stored before this table existed (events whose key is not their own id).
  await sql`insert into ingest_keys (workspace_id, dedup_key, event_id)
    select workspace_id, dedup_key, event_id from events where dedup_key <> event_id`.execute(db);

  await db.schema
    .createTable('ingest_inbox')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('inbox_id', 'text', (c) => c.notNull())
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('events', 'integer', (c) => c.notNull())
    /** JSON: the request's prepared items and the outcome each was acknowledged with. */
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addPrimaryKeyConstraint('ingest_inbox_pk', ['workspace_id', 'inbox_id'])
    .execute();
  // The processor takes the oldest due rows of every workspace.
  await db.schema.createIndex('ingest_inbox_due').on('ingest_inbox').columns(['next_attempt_at', 'inbox_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('ingest_inbox').execute();
  await db.schema.dropTable('ingest_keys').execute();
}
