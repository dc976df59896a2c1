import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attributionReport, parseReportQuery } from '../src/attribution/report.js';
import { seedWorkspace } from '../src/attribution/seed.js';
import { openStorage, type Storage } from '../src/storage/database.js';
import type { Workspace } from '../src/workspaces/workspaces.js';
import { BACKENDS, createTestContext, createTestWorkspace, type TestContext } from './support/backends.js';
import { purchase, touch } from './support/journey-rows.js';

const DAY = 86_400_000;
const AT = Date.parse('2026-10-20T12:00:00Z');

/**
 * The cached journey store follows new data (appended rows on SQLite, a re-read on PostgreSQL): after
 * each change, reports from the handle that cached it equal reports from a fresh handle.
 */
describe.each(BACKENDS)('%s backend: journey store freshness', (backend) => {
  let t: TestContext;
  let ws: Workspace;
  let person: string;
  beforeAll(async () => {
    t = await createTestContext(backend);
    ws = (await createTestWorkspace(t.ctx)).workspace;
    await seedWorkspace(t.ctx.storage.db, { workspaceId: ws.id, people: 200, seed: 7, until: '2026-11-01' });
    person = (
      await t.ctx.storage.db
        .selectFrom('people')
        .select('person_id')
        .where('workspace_id', '=', ws.id)
        .executeTakeFirstOrThrow()
    ).person_id;
  });
  afterAll(async () => t?.close());

  const reports = async (storage: Storage) => {
    const out = [];
    for (const model of ['linear', 'first_touch', 'markov'] as const) {
      const query = parseReportQuery({ from: '2026-08-04', to: '2026-11-01', model, groupBy: 'ad' }, ws);
      const report = await attributionReport(storage.db, ws, query);
      out.push(report.totals, report.rows.map((r) => [r.key, r.conversions.toFixed(9), r.revenue.toFixed(6)]).sort());
    }
    return out;
  };
  const expectSameAsFresh = async () => {
    const fresh = openStorage(t.ctx.config.storage);
    try {
      expect(await reports(t.ctx.storage)).toEqual(await reports(fresh));
    } finally {
      await fresh.close();
    }
  };

  it('adds new touches, events and people', async () => {
    await reports(t.ctx.storage);
    const db = t.ctx.storage.db;
    await db
      .insertInto('touchpoints')
      .values([
        touch(ws.id, 'per_new', AT - 2 * DAY, 'paid_social', 'meta', 'ad_new1'),
        touch(ws.id, person, AT - DAY, 'display', 'google', 'ad_new2'),
      ])
      .execute();
    await db
      .insertInto('events')
      .values([purchase(ws.id, 'per_new', AT, 4900), purchase(ws.id, person, AT, 4900)])
      .execute();
    await db
      .insertInto('people')
      .values({ workspace_id: ws.id, person_id: 'per_new', merged_into: null, created_at: AT, updated_at: AT })
      .execute();
    await expectSameAsFresh();
  });

  it('sees an anonymous click claimed by the person of a new event', async () => {
    const db = t.ctx.storage.db;
    const anonymous = touch(ws.id, null, AT - 3 * DAY, 'paid_search', 'google', 'ad_anon');
    await db.insertInto('touchpoints').values(anonymous).execute();
    await reports(t.ctx.storage);
    // What ingest does when an event brings the click id of an anonymous click (identity/touchpoints.ts).
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('touchpoints')
        .set({ person_id: person })
        .where('touchpoint_id', '=', anonymous.touchpoint_id)
        .execute();
      await trx
        .insertInto('events')
        .values(purchase(ws.id, person, AT + DAY, 4900))
        .execute();
    });
    await expectSameAsFresh();
  });

  it('reads everything again after people merge', async () => {
    const db = t.ctx.storage.db;
    await reports(t.ctx.storage);
    await db
      .updateTable('people')
      .set({ merged_into: person, updated_at: AT })
      .where('person_id', '=', 'per_new')
      .execute();
    await db.updateTable('touchpoints').set({ person_id: person }).where('person_id', '=', 'per_new').execute();
    await db.updateTable('events').set({ person_id: person }).where('person_id', '=', 'per_new').execute();
    await expectSameAsFresh();
  });
});
