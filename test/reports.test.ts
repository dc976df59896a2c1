import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BACKENDS,
  bearer,
  createTestApp,
  createTestWorkspace,
  type TestApp,
  type TestWorkspace,
} from './support/backends.js';
import { purchase, touch } from './support/journey-rows.js';

const DAY = 86_400_000;
const D = Date.parse('2026-10-15T15:00:00Z');
const LATE = Date.parse('2026-10-16T03:30:00Z'); // 2026-10-15 23:30 in New York (EDT)

interface Row {
  key: string;
  conversions: number;
  revenue: number;
  spend: number;
  roas: number | null;
  cpa: number | null;
}
interface Report {
  timezone: string;
  rows: Row[];
  totals: Record<string, number | null>;
}

describe.each(BACKENDS)('%s backend: attribution reports, spend and results API', (backend) => {
  let t: TestApp;
  let other: TestWorkspace;

  beforeAll(async () => {
    t = await createTestApp(backend);
    other = await createTestWorkspace(t.ctx, { name: 'Other' });
    const ws = t.ws.workspace.id;
    const db = t.ctx.storage.db;
    await db
      .insertInto('touchpoints')
      .values([
        touch(ws, 'per_1', D - 10 * DAY, 'paid_social', 'meta', 'ad1'),
        touch(ws, 'per_1', D - 3 * DAY, 'organic_search', 'google'),
        touch(ws, 'per_1', D - 1 * DAY, 'paid_search', 'google', 'ad2'),
        touch(ws, 'per_2', LATE - 2 * DAY, 'email', 'other'),
        touch(ws, 'per_4', D - 5 * DAY, 'paid_social', 'meta', 'ad1'),
        touch(other.workspace.id, 'per_9', D - 1 * DAY, 'paid_social', 'meta', 'ad1'),
      ])
      .execute();
    await db
      .insertInto('events')
      .values([
        purchase(ws, 'per_1', D, 10_000),
        purchase(ws, 'per_2', D - 40 * DAY, 5_000),
        purchase(ws, 'per_2', LATE, 5_000),
        purchase(other.workspace.id, 'per_9', D, 99_900),
      ])
      .execute();
  });
  afterAll(async () => t?.close());

  const report = async (query: string, token = t.ws.read.token) => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/reports/attribution?${query}`,
      headers: bearer(token),
    });
    return { status: res.statusCode, body: res.json() as Report };
  };
  const byKey = (r: Report) => Object.fromEntries(r.rows.map((row) => [row.key, row]));

  it('credits last touch by channel, with new vs returning customers', async () => {
    const { status, body } = await report('from=2026-10-01&to=2026-10-20&model=last_touch&timezone=America/New_York');
    expect(status).toBe(200);
    expect(body.timezone).toBe('America/New_York');
    const rows = byKey(body);
    expect(rows.paid_search?.conversions).toBe(1);
    expect(rows.paid_search?.revenue).toBe(100);
    expect(rows.email?.conversions).toBe(1);
    expect(rows.email?.revenue).toBe(50);
    expect(body.totals).toMatchObject({ conversions: 2, revenue: 150, newCustomers: 1, unattributedConversions: 0 });
  });

  it('applies the lookback window and the source-specific variant', async () => {
    const lifetime = byKey((await report('from=2026-10-01&to=2026-10-20&model=first_touch')).body);
    expect(lifetime.paid_social?.conversions).toBe(1);
    const week = byKey((await report('from=2026-10-01&to=2026-10-20&model=first_touch&window=7d')).body);
    expect(week.paid_social).toBeUndefined();
    expect(week.organic_search?.conversions).toBe(1);
    const paid = await report('from=2026-10-01&to=2026-10-20&model=first_touch&sourceSpecific=true');
    expect(byKey(paid.body).paid_social?.conversions).toBe(1);
    expect(byKey(paid.body).unattributed?.conversions).toBe(1);
    expect(paid.body.totals.unattributedConversions).toBe(1);
    const linear = byKey((await report('from=2026-10-01&to=2026-10-20&model=linear&groupBy=ad')).body);
    expect(linear['meta:ad1']?.conversions).toBeCloseTo(1 / 3, 9);
    expect(linear['google:ad2']?.revenue).toBeCloseTo(100 / 3, 9);
  });

  it('buckets days in the requested timezone', async () => {
    const ny = await report('from=2026-10-01&to=2026-10-20&groupBy=day&timezone=America/New_York');
    expect(ny.body.rows.map((r) => [r.key, r.conversions])).toEqual([['2026-10-15', 2]]);
    const utc = await report('from=2026-10-01&to=2026-10-20&groupBy=day&timezone=UTC');
    expect(utc.body.timezone).toBe('UTC');
    expect(utc.body.rows.map((r) => [r.key, r.conversions])).toEqual([
      ['2026-10-15', 1],
      ['2026-10-16', 1],
    ]);
  });

  it('runs the data-driven models over all paths of the period', async () => {
    for (const model of ['markov', 'shapley']) {
      const { status, body } = await report(`from=2026-10-01&to=2026-10-20&model=${model}`);
      expect(status).toBe(200);
      const sum = body.rows.reduce((s, r) => s + r.conversions, 0);
      expect(sum).toBeCloseTo(2, 9);
    }
  });

  it('imports spend and reports CPA, ROAS and MER', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/spend',
      headers: bearer(t.ws.admin),
      payload: {
        rows: [
          {
            date: '2026-10-10',
            platform: 'meta',
            campaignId: 'ad1-campaign',
            adsetId: 'ad1-set',
            adId: 'ad1',
            spend: 20,
            impressions: 1000,
            clicks: 10,
          },
          {
            date: '2026-10-11',
            platform: 'google',
            campaignId: 'ad2-campaign',
            adsetId: 'ad2-set',
            adId: 'ad2',
            spend: 30,
          },
        ],
      },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ imported: 2 });
    const { body } = await report('from=2026-10-01&to=2026-10-20&model=first_touch&groupBy=ad');
    const ad1 = byKey(body)['meta:ad1'];
    expect(ad1).toMatchObject({ conversions: 1, revenue: 100, spend: 20, roas: 5, cpa: 20 });
    expect(body.totals.spend).toBe(50);
    expect(body.totals.mer).toBe(3);
    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/v1/spend',
      headers: bearer(t.ws.admin),
      payload: { rows: [{ date: '2026-13-01', platform: 'meta', spend: 1 }] },
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.field).toBe('date');
  });

  it('keeps workspaces apart and checks scopes and input', async () => {
    const mine = await report('from=2026-10-01&to=2026-10-20', other.read.token);
    expect(mine.body.totals.conversions).toBe(1);
    expect(mine.body.totals.revenue).toBe(999);
    expect((await report('from=2026-10-01&to=2026-10-20', t.ws.ingest.token)).status).toBe(403);
    const invalid = await report('from=2026-10-01&to=2026-10-20&timezone=Mars/Base');
    expect(invalid.status).toBe(422);
  });

  it('serves the results API with a stable cursor and updated_since', async () => {
    const events = await t.app.inject({
      method: 'GET',
      url: '/public-api/v1/results/events',
      headers: bearer(t.ws.read),
    });
    expect(events.statusCode).toBe(200);
    expect(events.json().data).toContainEqual({
      name: 'Purchase',
      displayName: 'Purchase',
      type: 'standard',
      count: 3,
    });
    const url =
      '/public-api/v1/results?from=2026-10-01&to=2026-10-20&model=linear&events[]=Purchase&groupBy=ad&timezone=UTC';
    const first = await t.app.inject({ method: 'GET', url: `${url}&limit=1`, headers: bearer(t.ws.read) });
    expect(first.statusCode).toBe(200);
    const page1 = first.json();
    expect(page1.timezone).toBe('UTC');
    expect(page1.data).toHaveLength(1);
    expect(page1.data[0]).toMatchObject({ date: '2026-10-15', adId: 'ad2', platform: 'google', event: 'Purchase' });
    expect(page1.nextCursor).toEqual(expect.any(String));
    const second = await t.app.inject({
      method: 'GET',
      url: `${url}&limit=1&cursor=${page1.nextCursor}`,
      headers: bearer(t.ws.read),
    });
    expect(second.json().data[0]).toMatchObject({ adId: 'ad1', platform: 'meta' });
    expect(second.json().data[0].conversions).toBeCloseTo(1 / 3, 9);
    expect(second.json().nextCursor).toBeNull();
    const none = await t.app.inject({
      method: 'GET',
      url: `${url}&updated_since=2030-01-01T00:00:00Z`,
      headers: bearer(t.ws.read),
    });
    expect(none.json().data).toEqual([]);
    const isolated = await t.app.inject({ method: 'GET', url, headers: bearer(other.read) });
    expect(isolated.json().data.map((r: { adId: string }) => r.adId)).toEqual(['ad1']);
    const denied = await t.app.inject({ method: 'GET', url, headers: bearer(t.ws.ingest) });
    expect(denied.statusCode).toBe(403);
  });

  it('reports cohorts by acquiring campaign with MRR movements', async () => {
    const ws = t.ws.workspace.id;
    const event = (name: string, at: number, value: number) => ({
      ...purchase(ws, 'per_1', at, value),
      name,
      original_name: name,
    });
    await t.ctx.storage.db
      .insertInto('events')
      .values([
        event('PlanUpgrade', D + DAY, 2_000),
        event('Refund', D + 2 * DAY, 12_000),
        event('SubscriptionRenew', D + 10 * DAY, 10_000),
      ])
      .execute();
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/reports/cohorts?from=2026-10-01&to=2026-10-20&groupBy=campaign&timezone=America/New_York',
      headers: bearer(t.ws.read),
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.timezone).toBe('America/New_York');
    expect(body.rows).toEqual([
      {
        key: 'meta:ad1-campaign',
        label: 'Campaign ad1',
        platform: 'meta',
        channel: 'paid_social',
        campaignId: 'ad1-campaign',
        adId: null,
        customers: 1,
        mrr: 100,
        newMrr: 100,
        expansionMrr: 20,
        churnedMrr: 120,
        reactivatedMrr: 100,
        netRevenue: 100,
      },
    ]);
  });
});
