import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listSpend } from '../src/attribution/spend.js';
import { main } from '../src/cli/main.js';
import { BACKENDS, bearer, createTestApp, createTestWorkspace, type TestApp } from './support/backends.js';
import { purchase } from './support/journey-rows.js';

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) }, {});
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe.each(BACKENDS)('%s backend: touchpoint seed and spend import', (backend) => {
  let t: TestApp;
  afterEach(async () => t?.close());

  it('seeds deterministic journeys that the reports read', async () => {
    t = await createTestApp(backend);
    const second = await createTestWorkspace(t.ctx, { name: 'Second' });
    const flags = t.database.flags;
    const a = await cli([
      'seed',
      ...flags,
      '--workspace',
      t.ws.workspace.id,
      '--people',
      '300',
      '--seed',
      '42',
      '--json',
    ]);
    const b = await cli([
      'seed',
      ...flags,
      '--workspace',
      second.workspace.id,
      '--people',
      '300',
      '--seed',
      '42',
      '--json',
    ]);
    expect(a.code).toBe(0);
    expect(a.out).toBe(b.out);
    const summary = JSON.parse(a.out);
    expect(summary).toMatchObject({ people: 300, from: '2026-08-04', to: '2026-11-01' });
    expect(summary.touchpoints).toBeGreaterThan(300);
    expect(summary.conversions).toBeGreaterThan(100);
    const url = '/api/v1/reports/attribution?from=2026-08-04&to=2026-11-01&model=linear&groupBy=platform';
    const r1 = (await t.app.inject({ method: 'GET', url, headers: bearer(t.ws.read) })).json();
    const r2 = (await t.app.inject({ method: 'GET', url, headers: bearer(second.read) })).json();
    expect(r1.totals.conversions).toBe(summary.conversions);
    expect(r1.rows.map((r: { key: string; conversions: number }) => [r.key, r.conversions.toFixed(6)])).toEqual(
      r2.rows.map((r: { key: string; conversions: number }) => [r.key, r.conversions.toFixed(6)]),
    );
    expect(r1.totals.spend).toBeGreaterThan(0);
    expect(r1.totals.mer).toBeCloseTo(r1.totals.revenue / r1.totals.spend, 9);
    // The in-memory journey store notices new data: one more purchase shows up at once.
    const at = Date.parse('2026-10-20T12:00:00Z');
    await t.ctx.storage.db
      .insertInto('events')
      .values(purchase(t.ws.workspace.id, 'per_new', at, 1000))
      .execute();
    const r3 = (await t.app.inject({ method: 'GET', url, headers: bearer(t.ws.read) })).json();
    expect(r3.totals.conversions).toBe(summary.conversions + 1);
    expect(r3.totals.unattributedConversions).toBe(r1.totals.unattributedConversions + 1);
  });

  it('imports a spend CSV (`;` delimited, platform export headers) and rejects a bad file whole', async () => {
    t = await createTestApp(backend);
    const dir = mkdtempSync(join(tmpdir(), 'tp-spend-'));
    const good = join(dir, 'spend.csv');
    writeFileSync(
      good,
      'Date;Platform;Campaign ID;Campaign Name;Ad ID;Amount Spent;Impressions;Clicks\n' +
        '2026-10-01;meta;c1;Spring;a1;12.50;1000;20\n2026-10-01;google;g1;Brand;;7;300;9\n2026-10-02;meta;c1;Spring;a1;3;10;1\n',
    );
    const ok = await cli(['spend', 'import', good, ...t.database.flags, '--workspace', t.ws.workspace.id, '--json']);
    expect(ok).toMatchObject({ code: 0 });
    expect(JSON.parse(ok.out)).toEqual({ imported: 3 });
    const rows = await listSpend(t.ctx.storage.db, t.ws.workspace.id, '2026-10-01', '2026-10-31');
    expect(rows.map((r) => [r.date, r.platform, r.campaignId, r.adId, r.spend, r.impressions])).toEqual([
      ['2026-10-01', 'google', 'g1', null, 7, 300],
      ['2026-10-01', 'meta', 'c1', 'a1', 12.5, 1000],
      ['2026-10-02', 'meta', 'c1', 'a1', 3, 10],
    ]);
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'date,platform,spend\n2026-10-03,meta,5\n2026-10-04,myspace,5\n');
    const failed = await cli(['spend', 'import', bad, ...t.database.flags, '--workspace', t.ws.workspace.id]);
    expect(failed.code).toBe(2);
    expect(failed.err).toContain('line 3');
    expect(await listSpend(t.ctx.storage.db, t.ws.workspace.id, '2026-10-03', '2026-10-04')).toEqual([]);
  });
});
