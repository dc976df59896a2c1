import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('events_log')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('log_id', 'text', (c) => c.notNull())
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('surface', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('http_status', 'integer', (c) => c.notNull())
    .addColumn('event_name', 'text')
    .addColumn('event_id', 'text')
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('error_field', 'text')
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('events_log_pk', ['workspace_id', 'log_id'])
    .execute();
  // The live stream tails by arrival time; the log page filters by request id.
  await db.schema
    .createIndex('events_log_received')
    .on('events_log')
    .columns(['workspace_id', 'received_at'])
    .execute();
  await db.schema.createIndex('events_log_request').on('events_log').columns(['workspace_id', 'request_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('events_log').execute();
}
