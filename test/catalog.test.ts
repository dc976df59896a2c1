import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALIASES } from '../src/events/aliases.js';
import { CATALOG } from '../src/events/catalog.js';
import {
  BACKENDS,
  bearer,
  createTestApp,
  createTestWorkspace,
  type TestApp,
  type TestWorkspace,
} from './support/backends.js';

interface Decision {
  send: boolean;
  platformEventName: string | null;
  reason: string;
}

describe.each(BACKENDS)('%s backend: catalog, custom events and routing API', (backend) => {
  let t: TestApp;
  let other: TestWorkspace;
  let clock = Date.UTC(2026, 10, 23, 10, 0, 0);

  beforeAll(async () => {
    t = await createTestApp(backend);
    other = await createTestWorkspace(t.ctx, { name: 'Other' });
    // a stepping clock: every change gets its own millisecond, so audit order is deterministic
    t.ctx.clock = { now: () => clock++ };
  });
  afterAll(async () => t?.close());

  const get = (url: string, token: { token: string }) => t.app.inject({ method: 'GET', url, headers: bearer(token) });
  const send = (method: 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, token: { token: string }, payload?: object) =>
    t.app.inject({ method, url, headers: bearer(token), ...(payload === undefined ? {} : { payload }) });

  it('serves the catalog to read tokens, with stages, aliases and default routes', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/catalog' })).statusCode).toBe(401);
    expect((await get('/api/v1/catalog', t.ws.ingest)).statusCode).toBe(403);
    const res = await get('/api/v1/catalog', t.ws.read);
    expect(res.statusCode).toBe(200);
    const body = res.json() as {
      stages: Array<{ stage: string; count: number; extensions: number }>;
      events: Array<{
        name: string;
        stage: string;
        extension: boolean;
        aliases: Array<{ alias: string }>;
        routing: Record<string, Decision>;
      }>;
    };
    expect(body.events).toHaveLength(CATALOG.length);
    expect(body.events.filter((e) => !e.extension)).toHaveLength(66);
    expect(body.stages.reduce((n, s) => n + s.count - s.extensions, 0)).toBe(66);
    const purchase = body.events.find((e) => e.name === 'Purchase');
    expect(purchase?.aliases.map((a) => a.alias)).toEqual(
      expect.arrayContaining(['purchase', 'sale', 'Order Completed']),
    );
    expect(purchase?.routing.meta).toMatchObject({ send: true, platformEventName: 'Purchase' });
    expect(body.events.find((e) => e.name === 'Refund')?.routing.meta?.send).toBe(false);
  });

  it('explains every alias', async () => {
    for (const alias of ALIASES) {
      const res = await get(
        `/api/v1/catalog/route?event=${encodeURIComponent(alias.alias)}&surface=segment`,
        t.ws.read,
      );
      expect(res.statusCode).toBe(200);
      const body = res.json() as { resolution: string; event: string; destinations: Record<string, Decision> };
      expect({ alias: alias.alias, resolution: body.resolution, event: body.event }).toEqual({
        alias: alias.alias,
        resolution: 'canonical',
        event: alias.canonical,
      });
      expect(Object.keys(body.destinations).sort()).toEqual(
        ['google-ads', 'linkedin', 'meta', 'microsoft', 'tiktok', 'warehouse', 'webhook'].sort(),
      );
    }
  });

  it('explains why a strict surface rejects a name', async () => {
    const res = await get('/api/v1/catalog/route?event=Order%20Completed&surface=cometly', t.ws.read);
    const body = res.json() as {
      resolution: string;
      message: string;
      surfaces: Record<string, { event: string | null }>;
    };
    expect(body.resolution).toBe('unknown');
    expect(body.message).toMatch(/purchase/);
    expect(body.surfaces.segment?.event).toBe('Purchase');
    const bad = await get('/api/v1/catalog/route?event=x&surface=carrier-pigeon', t.ws.read);
    expect(bad.statusCode).toBe(422);
  });

  it('creates, updates, lists and archives custom events (admin writes, read lists)', async () => {
    const body = {
      key: 'trial.activated',
      displayName: 'Trial activated',
      slot: 3,
      defaultValue: 49,
      defaultCurrency: 'usd',
      tags: ['plan:pro', 'revenue'],
      destinationNames: { meta: 'TrialActivated' },
    };
    expect((await send('POST', '/api/v1/custom-events', t.ws.read, body)).statusCode).toBe(403);
    const created = await send('POST', '/api/v1/custom-events', t.ws.admin, body);
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ key: 'trial.activated', slot: 3, defaultCurrency: 'USD', archived: false });

    const again = await send('POST', '/api/v1/custom-events', t.ws.admin, body);
    expect(again.statusCode).toBe(409);
    const slotTaken = await send('POST', '/api/v1/custom-events', t.ws.admin, { key: 'seat.added', slot: 3 });
    expect(slotTaken.statusCode).toBe(409);
    expect(slotTaken.json()).toMatchObject({ error: { code: 'conflict', field: 'slot' } });
    const reserved = await send('POST', '/api/v1/custom-events', t.ws.admin, { key: 'purchase' });
    expect(reserved.json()).toMatchObject({ error: { code: 'validation_failed', field: 'key' } });
    const badKey = await send('POST', '/api/v1/custom-events', t.ws.admin, { key: 'has spaces' });
    expect(badKey.statusCode).toBe(422);

    const patched = await send('PATCH', '/api/v1/custom-events/trial.activated', t.ws.admin, { tags: ['plan:team'] });
    expect(patched.json()).toMatchObject({ tags: ['plan:team'], slot: 3, displayName: 'Trial activated' });

    const listed = await get('/api/v1/custom-events', t.ws.read);
    expect((listed.json() as { data: Array<{ key: string }> }).data.map((d) => d.key)).toEqual(['trial.activated']);

    // a slot answers to its custom event; a Cometly slot name explains through it
    const explained = await get('/api/v1/catalog/route?event=custom_event_3&surface=cometly', t.ws.read);
    expect(explained.json()).toMatchObject({
      resolution: 'custom',
      event: 'trial.activated',
      destinations: { meta: { send: true, platformEventName: 'TrialActivated' }, 'google-ads': { send: false } },
    });

    const archived = await send('DELETE', '/api/v1/custom-events/trial.activated', t.ws.admin);
    expect(archived.json()).toMatchObject({ archived: true });
    expect((await get('/api/v1/custom-events', t.ws.read)).json()).toEqual({ data: [] });
    const all = (await get('/api/v1/custom-events?includeArchived=true', t.ws.read)).json() as { data: unknown[] };
    expect(all.data).toHaveLength(1);
    // archiving frees the slot
    expect((await send('POST', '/api/v1/custom-events', t.ws.admin, { key: 'seat.added', slot: 3 })).statusCode).toBe(
      201,
    );
    const restore = await send('PATCH', '/api/v1/custom-events/trial.activated', t.ws.admin, { archived: false });
    expect(restore.statusCode).toBe(409);
    expect((await send('PATCH', '/api/v1/custom-events/nope', t.ws.admin, { tags: [] })).statusCode).toBe(404);
  });

  it('keeps workspaces from seeing or changing each other’s definitions and routing', async () => {
    expect((await get('/api/v1/custom-events?includeArchived=true', other.read)).json()).toEqual({ data: [] });
    expect((await get('/api/v1/custom-events/seat.added', other.read)).statusCode).toBe(404);
    expect((await send('PATCH', '/api/v1/custom-events/seat.added', other.admin, { tags: ['x'] })).statusCode).toBe(
      404,
    );
    expect((await send('DELETE', '/api/v1/custom-events/seat.added', other.admin)).statusCode).toBe(404);
    // the other workspace can define the same key on its own
    expect((await send('POST', '/api/v1/custom-events', other.admin, { key: 'seat.added', slot: 3 })).statusCode).toBe(
      201,
    );
    const mine = await get('/api/v1/catalog/route?event=custom_event_3&surface=cometly', other.read);
    expect(mine.json()).toMatchObject({ resolution: 'custom', event: 'seat.added' });
    const catalog = (await get('/api/v1/catalog', other.read)).json() as { customEvents: Array<{ key: string }> };
    expect(catalog.customEvents.map((c) => c.key)).toEqual(['seat.added']);
  });

  it('changes routing per event and destination, audits every change, and overrides beat defaults', async () => {
    expect(
      (await send('PUT', '/api/v1/routing', t.ws.read, { event: 'Refund', destination: 'meta', enabled: true }))
        .statusCode,
    ).toBe(403);

    const enabled = await send('PUT', '/api/v1/routing', t.ws.admin, {
      event: 'Refund',
      destination: 'meta',
      enabled: true,
    });
    expect(enabled.statusCode).toBe(200);
    expect(enabled.json()).toMatchObject({
      event: 'Refund',
      enabled: true,
      decision: { send: true, platformEventName: 'Refund' },
    });

    // aliases name the canonical event
    const named = await send('PUT', '/api/v1/routing', t.ws.admin, {
      event: 'Order Completed',
      destination: 'google-ads',
      platformEventName: 'customers/123/conversionActions/456',
    });
    expect(named.json()).toMatchObject({
      event: 'Purchase',
      enabled: null,
      decision: { send: true, platformEventName: 'customers/123/conversionActions/456' },
    });
    const off = await send('PUT', '/api/v1/routing', t.ws.admin, {
      event: 'Purchase',
      destination: 'dst_abc123',
      enabled: false,
    });
    expect(off.json()).toMatchObject({ destination: 'dst_abc123', enabled: false, decision: null });

    const bad = await send('PUT', '/api/v1/routing', t.ws.admin, {
      event: 'Refund',
      destination: 'fax',
      enabled: true,
    });
    expect(bad.json()).toMatchObject({ error: { code: 'validation_failed', field: 'destination' } });

    const view = (await get('/api/v1/routing', t.ws.read)).json() as {
      overrides: Array<{ event: string; destination: string; enabled: boolean; updatedBy: string }>;
      platformNames: Array<{ event: string; platformName: string }>;
      matrix: Array<{ event: string; destinations: Record<string, Decision> }>;
    };
    expect(view.overrides).toEqual([
      expect.objectContaining({ event: 'Purchase', destination: 'dst_abc123', enabled: false }),
      expect.objectContaining({ event: 'Refund', destination: 'meta', enabled: true, updatedBy: t.ws.admin.id }),
    ]);
    expect(view.platformNames).toEqual([
      expect.objectContaining({ event: 'Purchase', platformName: 'customers/123/conversionActions/456' }),
    ]);
    const refund = view.matrix.find((m) => m.event === 'Refund');
    expect(refund?.destinations.meta?.reason).toMatch(/^override/);
    expect(refund?.destinations.tiktok?.send).toBe(false);

    // reset to the default
    const reset = await send('PUT', '/api/v1/routing', t.ws.admin, {
      event: 'Refund',
      destination: 'meta',
      enabled: null,
    });
    expect(reset.json()).toMatchObject({ enabled: null, decision: { send: false } });

    const audit = await get('/api/v1/routing/audit?event=Refund', t.ws.read);
    const entries = (
      audit.json() as { data: Array<{ subject: string; actor: string; before: unknown; after: unknown }> }
    ).data;
    expect(entries.map((e) => [e.subject, e.before, e.after])).toEqual([
      ['routing', { enabled: true }, null],
      ['routing', null, { enabled: true }],
    ]);
    expect(entries.every((e) => e.actor === t.ws.admin.id)).toBe(true);

    const paged = (await get('/api/v1/routing/audit?limit=2', t.ws.read)).json() as {
      data: unknown[];
      nextCursor: string;
    };
    expect(paged.data).toHaveLength(2);
    const next = (await get(`/api/v1/routing/audit?limit=100&before=${paged.nextCursor}`, t.ws.read)).json() as {
      data: Array<{ subject: string }>;
    };
    expect(next.data.length).toBeGreaterThan(2);
    expect(next.data.some((e) => e.subject === 'custom_event')).toBe(true);

    // the other workspace sees none of it
    const theirs = (await get('/api/v1/routing', other.read)).json() as {
      overrides: unknown[];
      platformNames: unknown[];
    };
    expect(theirs).toMatchObject({ overrides: [], platformNames: [] });
    const theirAudit = (await get('/api/v1/routing/audit', other.read)).json() as { data: Array<{ event: string }> };
    expect(theirAudit.data.map((e) => e.event)).toEqual(['seat.added']);
  });
  it('explains against the workspace’s configured destinations and their own overrides', async () => {
    const row = (id: string, kind: string, enabled: number, overrides: Record<string, string>) => ({
      workspace_id: t.ws.workspace.id,
      destination_id: id,
      kind,
      name: `${kind} main`,
      enabled,
      config_sealed: 'x',
      event_name_overrides: JSON.stringify(overrides),
      created_at: 1,
      updated_at: 1,
      deleted_at: null,
    });
    await t.ctx.storage.db
      .insertInto('destinations')
      .values([
        row('dst_gads1', 'google-ads', 1, { Purchase: 'customers/1/conversionActions/7' }),
        row('dst_meta1', 'meta', 0, {}),
      ])
      .execute();
    const res = await get('/api/v1/catalog/route?event=sale&surface=conversions', t.ws.read);
    const body = res.json() as { event: string; configured: Array<{ id: string; decision: Decision }> };
    expect(body.event).toBe('Purchase');
    expect(body.configured).toEqual([
      expect.objectContaining({
        id: 'dst_gads1',
        decision: expect.objectContaining({ send: true, platformEventName: 'customers/1/conversionActions/7' }),
      }),
      expect.objectContaining({ id: 'dst_meta1', decision: expect.objectContaining({ send: false }) }),
    ]);
    const off = await send('PUT', '/api/v1/routing', t.ws.admin, {
      event: 'Purchase',
      destination: 'dst_gads1',
      enabled: false,
    });
    expect(off.json()).toMatchObject({ decision: { send: false, reason: expect.stringMatching(/^override/) } });
    // another workspace's destinations are invisible
    const theirs = (await get('/api/v1/catalog/route?event=Purchase', other.read)).json() as { configured: unknown[] };
    expect(theirs.configured).toEqual([]);
    // these rows carry no real (sealed) configuration: remove them before anything ingests
    await t.ctx.storage.db
      .updateTable('destinations')
      .set({ deleted_at: 2 })
      .where('workspace_id', '=', t.ws.workspace.id)
      .execute();
  });
  it('ingestion resolves names through the workspace catalog', async () => {
    const defined = await send('POST', '/api/v1/custom-events', t.ws.admin, { key: 'onboarding.completed', slot: 5 });
    expect(defined.statusCode).toBe(201);
    const post = (payload: object) =>
      t.app.inject({ method: 'POST', url: '/public-api/v1/events', headers: bearer(t.ws.ingest), payload });
    expect((await post({ event_name: 'custom_event_5', email: 'slot@example.com' })).statusCode).toBe(202);
    expect((await post({ event_name: 'webinar_registration', email: 'web@example.com' })).statusCode).toBe(202);
    const rejected = await post({ event_name: 'Order Completed', email: 'x@example.com' });
    expect(rejected.statusCode).toBe(422);
    expect(rejected.json()).toMatchObject({ error: { code: 'unknown_event' } });
    await t.ctx.writes.flush();
    const rows = await t.ctx.storage.db
      .selectFrom('events')
      .select(['name', 'is_canonical', 'original_name'])
      .where('workspace_id', '=', t.ws.workspace.id)
      .orderBy('original_name')
      .execute();
    expect(rows.map((r) => [r.name, Number(r.is_canonical), r.original_name])).toEqual([
      ['onboarding.completed', 0, 'custom_event_5'],
      ['WebinarRegistration', 1, 'webinar_registration'],
    ]);
  });
  it('documents every catalog route in /docs', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs/json' });
    const paths = Object.keys((res.json() as { paths: Record<string, unknown> }).paths);
    for (const path of [
      '/api/v1/catalog',
      '/api/v1/catalog/route',
      '/api/v1/custom-events',
      '/api/v1/custom-events/{key}',
      '/api/v1/routing',
      '/api/v1/routing/audit',
    ]) {
      expect(paths).toContain(path);
    }
  });
});
