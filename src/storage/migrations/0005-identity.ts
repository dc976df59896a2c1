import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('links')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('link_id', 'text', (c) => c.notNull())
    .addColumn('slug', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('utm_source', 'text')
    .addColumn('utm_medium', 'text')
    .addColumn('utm_campaign', 'text')
    .addColumn('utm_content', 'text')
    .addColumn('utm_term', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('links_pk', ['workspace_id', 'link_id'])
    .execute();
  // The redirect looks a link up by slug alone, so slugs are unique across workspaces.
  await db.schema.createIndex('links_slug').on('links').column('slug').unique().execute();

  await db.schema
    .createTable('link_clicks')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('click_id', 'text', (c) => c.notNull())
    .addColumn('link_id', 'text', (c) => c.notNull())
    .addColumn('occurred_at', 'bigint', (c) => c.notNull())
    .addColumn('referrer', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('touchpoint_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('link_clicks_pk', ['workspace_id', 'click_id'])
    .execute();
  await db.schema
    .createIndex('link_clicks_link')
    .on('link_clicks')
    .columns(['workspace_id', 'link_id', 'occurred_at'])
    .execute();

  // Union-find upkeep: a merge re-points the children of the merged person, and a person's merge
  // history is read from either side.
  await db.schema.createIndex('people_merged_into').on('people').columns(['workspace_id', 'merged_into']).execute();
  await db.schema
    .createIndex('person_merges_into')
    .on('person_merges')
    .columns(['workspace_id', 'into_person_id'])
    .execute();
  await db.schema
    .createIndex('person_merges_from')
    .on('person_merges')
    .columns(['workspace_id', 'from_person_id'])
    .execute();

  // Touchpoints are looked up by click id to attach a tracked-link click (or an ad click seen
  // again on a later page view) to the person who converts with it.
  await db.schema
    .createIndex('touchpoints_click')
    .on('touchpoints')
    .columns(['workspace_id', 'click_id_type', 'click_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const index of ['touchpoints_click', 'person_merges_from', 'person_merges_into', 'people_merged_into']) {
    await db.schema.dropIndex(index).execute();
  }
  await db.schema.dropTable('link_clicks').execute();
  await db.schema.dropTable('links').execute();
}
