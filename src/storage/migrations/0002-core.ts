import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('events')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('is_canonical', 'integer', (c) => c.notNull())
    .addColumn('original_name', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('occurred_at', 'bigint', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('person_id', 'text')
    .addColumn('dedup_key', 'text', (c) => c.notNull())
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('value_minor', 'bigint')
    .addColumn('currency', 'text')
    .addColumn('user_data', 'text', (c) => c.notNull())
    .addColumn('click_ids', 'text', (c) => c.notNull())
    .addColumn('context', 'text', (c) => c.notNull())
    .addColumn('properties', 'text', (c) => c.notNull())
    .addColumn('do_not_forward', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('events_pk', ['workspace_id', 'event_id'])
    .execute();
  // Dedup is enforced by the database, so concurrent API processes can never store one event twice.
  await db.schema.createIndex('events_dedup').on('events').columns(['workspace_id', 'dedup_key']).unique().execute();
  await db.schema.createIndex('events_time').on('events').columns(['workspace_id', 'occurred_at']).execute();
  await db.schema
    .createIndex('events_person')
    .on('events')
    .columns(['workspace_id', 'person_id', 'occurred_at'])
    .execute();
  await db.schema.createIndex('events_name').on('events').columns(['workspace_id', 'name', 'occurred_at']).execute();

  await db.schema
    .createTable('people')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('merged_into', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('people_pk', ['workspace_id', 'person_id'])
    .execute();

  await db.schema
    .createTable('person_identifiers')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('strength', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('first_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('person_identifiers_pk', ['workspace_id', 'kind', 'value'])
    .execute();
  await db.schema
    .createIndex('person_identifiers_person')
    .on('person_identifiers')
    .columns(['workspace_id', 'person_id'])
    .execute();

  await db.schema
    .createTable('person_merges')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('merge_id', 'text', (c) => c.notNull())
    .addColumn('from_person_id', 'text', (c) => c.notNull())
    .addColumn('into_person_id', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('person_merges_pk', ['workspace_id', 'merge_id'])
    .execute();

  await db.schema
    .createTable('touchpoints')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('touchpoint_id', 'text', (c) => c.notNull())
    .addColumn('person_id', 'text')
    .addColumn('visitor_id', 'text')
    .addColumn('occurred_at', 'bigint', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('campaign_id', 'text')
    .addColumn('campaign_name', 'text')
    .addColumn('adset_id', 'text')
    .addColumn('adset_name', 'text')
    .addColumn('ad_id', 'text')
    .addColumn('ad_name', 'text')
    .addColumn('utm_source', 'text')
    .addColumn('utm_medium', 'text')
    .addColumn('utm_campaign', 'text')
    .addColumn('utm_content', 'text')
    .addColumn('utm_term', 'text')
    .addColumn('click_id_type', 'text')
    .addColumn('click_id', 'text')
    .addColumn('referrer', 'text')
    .addColumn('landing_url', 'text')
    .addColumn('event_id', 'text')
    .addPrimaryKeyConstraint('touchpoints_pk', ['workspace_id', 'touchpoint_id'])
    .execute();
  await db.schema
    .createIndex('touchpoints_person')
    .on('touchpoints')
    .columns(['workspace_id', 'person_id', 'occurred_at'])
    .execute();
  await db.schema
    .createIndex('touchpoints_visitor')
    .on('touchpoints')
    .columns(['workspace_id', 'visitor_id', 'occurred_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['touchpoints', 'person_merges', 'person_identifiers', 'people', 'events']) {
    await db.schema.dropTable(table).execute();
  }
}
