import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('destinations')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('destination_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('config_sealed', 'text', (c) => c.notNull())
    .addColumn('event_name_overrides', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .addPrimaryKeyConstraint('destinations_pk', ['workspace_id', 'destination_id'])
    .execute();

  await db.schema
    .createTable('delivery_outbox')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('delivery_id', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('destination_id', 'text', (c) => c.notNull())
    .addColumn('event_name', 'text', (c) => c.notNull())
    .addColumn('platform_event_name', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('event_occurred_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('delivered_at', 'bigint')
    .addPrimaryKeyConstraint('delivery_outbox_pk', ['workspace_id', 'delivery_id'])
    .execute();
  // One row per (event, destination): the outbox can never hold the same send twice.
  await db.schema
    .createIndex('delivery_outbox_event_destination')
    .on('delivery_outbox')
    .columns(['workspace_id', 'event_id', 'destination_id'])
    .unique()
    .execute();
  // The worker's lease query: due rows of one destination, oldest first.
  await db.schema
    .createIndex('delivery_outbox_due')
    .on('delivery_outbox')
    .columns(['status', 'destination_id', 'next_attempt_at'])
    .execute();
  await db.schema
    .createIndex('delivery_outbox_destination_time')
    .on('delivery_outbox')
    .columns(['workspace_id', 'destination_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('delivery_attempts')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('attempt_id', 'text', (c) => c.notNull())
    .addColumn('delivery_id', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('destination_id', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('http_status', 'integer')
    .addColumn('request', 'text', (c) => c.notNull())
    .addColumn('response', 'text')
    .addColumn('error', 'text')
    .addPrimaryKeyConstraint('delivery_attempts_pk', ['workspace_id', 'attempt_id'])
    .execute();
  await db.schema
    .createIndex('delivery_attempts_event')
    .on('delivery_attempts')
    .columns(['workspace_id', 'event_id', 'started_at'])
    .execute();

  // When each click id was first seen: Meta's fbc is minted once with that time (specs §1.7).
  await db.schema
    .createTable('delivery_click_ids')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('click_type', 'text', (c) => c.notNull())
    .addColumn('click_id', 'text', (c) => c.notNull())
    .addColumn('first_seen_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('delivery_click_ids_pk', ['workspace_id', 'click_type', 'click_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['delivery_click_ids', 'delivery_attempts', 'delivery_outbox', 'destinations']) {
    await db.schema.dropTable(table).execute();
  }
}
