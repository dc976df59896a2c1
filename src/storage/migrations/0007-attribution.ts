import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('ad_spend')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('date', 'text', (c) => c.notNull())
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('adset_id', 'text', (c) => c.notNull())
    .addColumn('ad_id', 'text', (c) => c.notNull())
    .addColumn('campaign_name', 'text')
    .addColumn('adset_name', 'text')
    .addColumn('ad_name', 'text')
    .addColumn('spend_minor', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('impressions', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('clicks', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('ad_spend_pk', ['workspace_id', 'date', 'platform', 'campaign_id', 'adset_id', 'ad_id'])
    .execute();
  // Reports scan touchpoints by time (all people of a period), not only by person.
  await db.schema.createIndex('touchpoints_time').on('touchpoints').columns(['workspace_id', 'occurred_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('touchpoints_time').execute();
  await db.schema.dropTable('ad_spend').execute();
}
