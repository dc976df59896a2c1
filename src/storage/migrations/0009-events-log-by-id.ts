import type { Kysely } from 'kysely';

/**
 * The events log is read by time through its primary key: a log id encodes its row's arrival time
 * (see firstIdAt), so the (workspace_id, received_at) index only cost one more index insert per
 * ingested event, on the acknowledging path.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('events_log_received').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('events_log_received')
    .on('events_log')
    .columns(['workspace_id', 'received_at'])
    .execute();
}
