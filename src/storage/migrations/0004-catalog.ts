import type { Kysely } from 'kysely';

// Custom events, routing overrides, per-destination platform names and the routing audit log.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('custom_events')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('custom_event_id', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('slot', 'integer')
    .addColumn('default_value', 'double precision')
    .addColumn('default_currency', 'text')
    .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('destination_names', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('archived', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('custom_events_pk', ['workspace_id', 'key'])
    .execute();

  await db.schema
    .createTable('routing_overrides')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('event_name', 'text', (c) => c.notNull())
    .addColumn('destination', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('routing_overrides_pk', ['workspace_id', 'event_name', 'destination'])
    .execute();

  await db.schema
    .createTable('platform_event_names')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('destination', 'text', (c) => c.notNull())
    .addColumn('event_name', 'text', (c) => c.notNull())
    .addColumn('platform_name', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('platform_event_names_pk', ['workspace_id', 'destination', 'event_name'])
    .execute();

  await db.schema
    .createTable('routing_audit')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('change_id', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('event_name', 'text', (c) => c.notNull())
    .addColumn('destination', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('before', 'text')
    .addColumn('after', 'text')
    .addPrimaryKeyConstraint('routing_audit_pk', ['workspace_id', 'change_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['routing_audit', 'platform_event_names', 'routing_overrides', 'custom_events']) {
    await db.schema.dropTable(table).execute();
  }
}
