import { afterEach, describe, expect, it } from 'vitest';
import { BACKENDS, bearer, createTestApp, type TestApp } from './support/backends.js';

const LANDING =
  'https://shop.example.com/?fbclid=IwAR_Test123&utm_source=facebook&utm_medium=paid_social&utm_campaign=spring_sale';

interface BeaconOptions {
  name?: string;
  eventId: string;
  url?: string;
  referrer?: string;
  visitorId?: string;
  consent?: boolean;
  traits?: Record<string, string>;
  value?: number;
  currency?: string;
  clickIds?: Record<string, string>;
  utm?: Record<string, string>;
}

function beacon(t: TestApp, o: BeaconOptions) {
  return {
    pixelId: t.ws.workspace.pixelId,
    consent: o.consent ?? true,
    visitorId: o.visitorId ?? 'tpv_pixel_visitor',
    fingerprint: 'fp_pixel_test',
    traits: o.traits ?? {},
    cookies: { fbc: 'fb.1.1700000000000.IwAR_Test123', fbp: 'fb.1.1700000000000.1234567890' },
    clickIds: o.clickIds ?? { fbclid: 'IwAR_Test123' },
    utm: o.utm ?? { source: 'facebook', medium: 'paid_social', campaign: 'spring_sale' },
    events: [
      {
        eventId: o.eventId,
        name: o.name ?? 'PageView',
        url: o.url ?? LANDING,
        referrer: o.referrer ?? 'https://l.facebook.com/',
        ...(o.value === undefined ? {} : { value: o.value }),
        ...(o.currency === undefined ? {} : { currency: o.currency }),
        properties: {},
      },
    ],
  };
}

async function send(t: TestApp, body: unknown, origin = 'https://shop.example.com') {
  return t.app.inject({
    method: 'POST',
    url: `/collect?pixelId=${t.ws.workspace.pixelId}`,
    headers: { 'content-type': 'text/plain;charset=UTF-8', origin, 'user-agent': 'Mozilla/5.0 Test' },
    payload: JSON.stringify(body),
  });
}

async function allowDomains(t: TestApp, domains: string[]) {
  const res = await t.app.inject({
    method: 'PATCH',
    url: '/api/v1/workspace',
    headers: bearer(t.ws.admin),
    payload: { allowedDomains: domains },
  });
  expect(res.statusCode).toBe(200);
}

describe.each(BACKENDS)('%s backend: pixel', (backend) => {
  let t: TestApp;
  afterEach(async () => t?.close());

  it('serves the pixel script with an ETag and answers 304 when unchanged', async () => {
    t = await createTestApp(backend);
    const url = `/p/${t.ws.workspace.pixelId}.js`;
    const res = await t.app.inject({ url });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/javascript/);
    expect(res.headers['cache-control']).toMatch(/max-age=\d+/);
    expect(res.body).toContain(`"pixelId":"${t.ws.workspace.pixelId}"`);
    expect(res.body).toContain('/collect?pixelId=');
    const etag = String(res.headers.etag);
    expect(etag).toMatch(/^".+"$/);
    const again = await t.app.inject({ url, headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    expect((await t.app.inject({ url: '/p/px_unknown.js' })).statusCode).toBe(404);
    expect((await t.app.inject({ url: `/p/${t.ws.workspace.pixelId}.css` })).statusCode).toBe(404);

    const snippet = await t.app.inject({ url: '/api/v1/pixel', headers: bearer(t.ws.read) });
    expect(snippet.statusCode).toBe(200);
    expect(snippet.json()).toMatchObject({ pixelId: t.ws.workspace.pixelId });
    expect((snippet.json() as { snippet: string }).snippet).toContain(`/p/${t.ws.workspace.pixelId}.js`);
  });

  it('stores beacons (204), records the ad click once, and builds the journey', async () => {
    t = await createTestApp(backend);
    const landing = await send(t, beacon(t, { eventId: 'tpe_view_1' }));
    expect(landing.statusCode, landing.body).toBe(204);
    // An SPA view resends the last-touch click id and UTMs: the click is not recorded twice.
    const spa = await send(
      t,
      beacon(t, { eventId: 'tpe_view_2', url: 'https://shop.example.com/pricing', referrer: LANDING }),
    );
    expect(spa.statusCode).toBe(204);
    const form = await send(
      t,
      beacon(t, {
        eventId: 'tpe_lead_1',
        name: 'LeadCaptured',
        url: 'https://shop.example.com/pricing',
        traits: { email: 'Buyer@Example.com', firstName: 'Bea' },
      }),
    );
    expect(form.statusCode, form.body).toBe(204);

    const touchpoints = await t.ctx.storage.db.selectFrom('touchpoints').selectAll().execute();
    expect(touchpoints).toHaveLength(1);
    expect(touchpoints[0]).toMatchObject({
      kind: 'click',
      channel: 'paid_social',
      platform: 'meta',
      click_id_type: 'fbclid',
      click_id: 'IwAR_Test123',
      utm_campaign: 'spring_sale',
      campaign_name: 'spring_sale',
      visitor_id: 'tpv_pixel_visitor',
    });

    const stored = await t.ctx.storage.db
      .selectFrom('events')
      .selectAll()
      .where('dedup_key', '=', 'tpe_view_1')
      .executeTakeFirstOrThrow();
    expect(stored.source).toBe('pixel');
    const userData = JSON.parse(stored.user_data) as Record<string, string>;
    expect(userData).toMatchObject({ visitorId: 'tpv_pixel_visitor', fbc: 'fb.1.1700000000000.IwAR_Test123' });
    expect(userData.ip).toBeDefined();

    // A server-side purchase carrying only the email belongs to the same person.
    const purchase = await t.app.inject({
      method: 'POST',
      url: '/public-api/v1/events',
      headers: bearer(t.ws.ingest),
      payload: { event_name: 'purchase', email: 'buyer@example.com', amount: 99.5 },
    });
    expect(purchase.statusCode, purchase.body).toBe(202);
    const [person] = (
      (await t.app.inject({ url: '/api/v1/people?email=buyer@example.com', headers: bearer(t.ws.read) })).json() as {
        data: Array<{ id: string }>;
      }
    ).data;
    expect(person?.id).toBe(stored.person_id);
    const journey = await t.app.inject({ url: `/api/v1/people/${person?.id}/journey`, headers: bearer(t.ws.read) });
    expect(journey.statusCode, journey.body).toBe(200);
    const body = journey.json() as {
      touchpoints: Array<{ platform: string; channel: string; campaign: { name: string } }>;
      pageViews: unknown[];
      events: Array<{ name: string }>;
      revenue: Array<{ currency: string; valueMinor: number }>;
      timeline: Array<{ type: string }>;
    };
    expect(body.touchpoints).toHaveLength(1);
    expect(body.touchpoints[0]).toMatchObject({
      platform: 'meta',
      channel: 'paid_social',
      campaign: { name: 'spring_sale' },
    });
    expect(body.pageViews).toHaveLength(2);
    expect(body.events.map((e) => e.name)).toEqual(['LeadCaptured', 'Purchase']);
    expect(body.revenue).toEqual([{ currency: 'USD', valueMinor: 9950, conversions: 1 }]);
    expect(body.timeline[0]?.type).toBe('touchpoint');
  });

  it('counts a browser Purchase and a server purchase with the same event id once', async () => {
    t = await createTestApp(backend);
    const browser = await send(
      t,
      beacon(t, {
        eventId: 'order-1001',
        name: 'Purchase',
        value: 120,
        currency: 'EUR',
        traits: { email: 'x@example.com' },
      }),
    );
    expect(browser.statusCode, browser.body).toBe(204);
    const server = await t.app.inject({
      method: 'POST',
      url: '/public-api/v1/events',
      headers: bearer(t.ws.ingest),
      payload: { event_name: 'purchase', email: 'x@example.com', amount: 120, idempotency_key: 'order-1001' },
    });
    expect(server.statusCode, server.body).toBe(200);
    expect(server.json()).toMatchObject({ status: 'duplicate' });
    const purchases = await t.ctx.storage.db.selectFrom('events').selectAll().where('name', '=', 'Purchase').execute();
    expect(purchases).toHaveLength(1);
    // The pixel resending the same beacon is a duplicate too, and still answers 204.
    expect((await send(t, beacon(t, { eventId: 'order-1001', name: 'Purchase', value: 120 }))).statusCode).toBe(204);
    expect(await t.ctx.storage.db.selectFrom('events').select('event_id').execute()).toHaveLength(1);
  });

  it("accepts beacons only from the workspace's domains", async () => {
    t = await createTestApp(backend);
    await allowDomains(t, ['shop.example.com']);
    const ok = await send(t, beacon(t, { eventId: 'e1' }), 'https://www.shop.example.com');
    expect(ok.statusCode).toBe(204);
    expect(ok.headers['access-control-allow-origin']).toBe('https://www.shop.example.com');
    const evil = await send(t, beacon(t, { eventId: 'e2' }), 'https://evil.example');
    expect(evil.statusCode).toBe(403);
    expect(evil.json()).toMatchObject({ error: { code: 'forbidden', field: 'origin' } });
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();

    const preflight = (origin: string) =>
      t.app.inject({
        method: 'OPTIONS',
        url: `/collect?pixelId=${t.ws.workspace.pixelId}`,
        headers: { origin, 'access-control-request-method': 'POST' },
      });
    const good = await preflight('https://shop.example.com');
    expect(good.statusCode).toBe(204);
    expect(good.headers['access-control-allow-origin']).toBe('https://shop.example.com');
    expect((await preflight('https://evil.example')).statusCode).toBe(403);

    const unknownPixel = await send(t, { ...beacon(t, { eventId: 'e3' }), pixelId: 'px_nope' });
    expect(unknownPixel.statusCode).toBe(404);
    const malformed = await send(t, { pixelId: t.ws.workspace.pixelId, events: [] });
    expect(malformed.statusCode).toBe(422);
    const unknownEvent = await send(t, beacon(t, { eventId: 'e4', name: 'NotAnEvent' }));
    expect(unknownEvent.statusCode).toBe(422);
    expect(unknownEvent.json()).toMatchObject({ error: { code: 'unknown_event' } });
  });

  it('stores no identifiers and forwards nothing without consent', async () => {
    t = await createTestApp(backend);
    const res = await send(
      t,
      beacon(t, { eventId: 'no-consent-1', consent: false, traits: { email: 'q@example.com' } }),
    );
    expect(res.statusCode).toBe(204);
    const row = await t.ctx.storage.db.selectFrom('events').selectAll().executeTakeFirstOrThrow();
    expect(row.person_id).toBeNull();
    expect(row.do_not_forward).toBe(1);
    expect(JSON.parse(row.user_data)).toEqual({});
    expect(await t.ctx.storage.db.selectFrom('person_identifiers').selectAll().execute()).toEqual([]);
  });
});
