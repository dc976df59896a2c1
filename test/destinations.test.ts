import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDestination } from '../src/delivery/destinations.js';
import { type RecordedRequest, type StandIn, startStandIn } from '../src/delivery/stand-in.js';
import { type DeliveryWorker, startDeliveryWorker } from '../src/delivery/worker.js';
import { sha256Hex } from '../src/destinations/normalize.js';
import { accept } from '../src/ingest/accept.js';
import { BACKENDS, bearer, createTestApp, type TestApp } from './support/backends.js';

/** Each platform's stand-in checks its own auth headers, as the real API would (specs §1-5). */
const AUTH: Record<string, (r: RecordedRequest) => string | undefined> = {
  meta: (r) =>
    (r.body as { access_token?: string } | null)?.access_token === 'meta-token' ? undefined : 'bad access_token',
  'google-ads': (r) => (r.headers.authorization === 'Bearer google-token' ? undefined : 'bad bearer'),
  linkedin: (r) =>
    r.headers.authorization === 'Bearer li-token' &&
    r.headers['linkedin-version'] === '202611' &&
    r.headers['x-restli-protocol-version'] === '2.0.0'
      ? undefined
      : 'bad LinkedIn headers',
  tiktok: (r) => (r.headers['access-token'] === 'tt-token' ? undefined : 'bad Access-Token'),
  microsoft: (r) =>
    r.headers.authorization === 'Bearer ms-token' && r.headers.developertoken === 'ms-dev'
      ? undefined
      : 'bad Microsoft headers',
  webhook: (r) => (String(r.headers['touchpoint-signature'] ?? '').startsWith('t=') ? undefined : 'unsigned'),
};

const RESPOND: Record<string, (r: RecordedRequest) => { status: number; body: unknown }> = {
  linkedin: (r) => ({
    status: 200,
    body: { elements: ((r.body as { elements: unknown[] }).elements ?? []).map(() => ({ status: 201 })) },
  }),
  tiktok: () => ({ status: 200, body: { code: 0, message: 'OK' } }),
  microsoft: () => ({ status: 200, body: { PartialErrors: null } }),
};

describe.each(BACKENDS)('%s backend: every adapter against its stand-in', (backend) => {
  let t: TestApp;
  const standIns: StandIn[] = [];
  let worker: DeliveryWorker | undefined;
  let dir: string;

  beforeEach(async () => {
    t = await createTestApp(backend);
    dir = mkdtempSync(join(tmpdir(), 'tp-wh-'));
  });
  afterEach(async () => {
    await worker?.stop();
    for (const s of standIns.splice(0)) await s.close();
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers one purchase to all seven destinations with each platform’s auth and payload', async () => {
    const stand = async (kind: string) => {
      const s = await startStandIn({ auth: AUTH[kind], respond: RESPOND[kind] });
      standIns.push(s);
      return s;
    };
    const meta = await stand('meta');
    const google = await stand('google-ads');
    const linkedin = await stand('linkedin');
    const tiktok = await stand('tiktok');
    const microsoft = await stand('microsoft');
    const webhook = await stand('webhook');
    const configs = [
      { type: 'meta', config: { pixelId: '1', accessToken: 'meta-token', baseUrl: meta.url } },
      {
        type: 'google-ads',
        config: {
          customerId: '1234567890',
          accessToken: 'google-token',
          conversionActionId: '555',
          baseUrl: google.url,
        },
      },
      { type: 'linkedin', config: { accessToken: 'li-token', conversionRuleId: '104012', baseUrl: linkedin.url } },
      { type: 'tiktok', config: { pixelCode: 'CPX', accessToken: 'tt-token', baseUrl: tiktok.url } },
      {
        type: 'microsoft',
        config: {
          accessToken: 'ms-token',
          developerToken: 'ms-dev',
          customerId: '1',
          customerAccountId: '2',
          conversionName: 'Won',
          baseUrl: microsoft.url,
        },
      },
      { type: 'webhook', config: { url: `${webhook.url}/hook`, secret: 'whsec_0123456789abcdef' } },
      { type: 'warehouse', config: { directory: dir } },
    ];
    for (const payload of configs) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/destinations',
        headers: bearer(t.ws.admin),
        payload,
      });
      expect(res.statusCode, res.body).toBe(201);
    }
    const [outcome] = await accept(
      t.ctx,
      t.ws.workspace,
      [
        {
          surface: 'capture',
          source: 'api',
          name: 'Purchase',
          dedupKey: 'order_1',
          userData: { email: 'jane.doe@example.com', ip: '203.0.113.7', userAgent: 'UA' },
          clickIds: { gclid: 'Cj0', li_fat_id: 'li-1', ttclid: 'E.C.P.1', msclkid: 'f894f652ea334e739002f7167ab8f8e3' },
          context: { pageUrl: 'https://app.example.com/', orderId: 'order_1' },
          properties: {},
          value: 49,
          currency: 'USD',
        },
      ],
      { requestId: 'req_1' },
    );
    if (outcome?.status !== 'accepted') throw new Error('not accepted');
    worker = startDeliveryWorker(t.ctx, { retry: { baseMs: 20, maxMs: 100, maxAttempts: 3 } });
    const deadline = Date.now() + 15_000;
    let rows: Array<{ status: string; last_error: string | null }> = [];
    while (Date.now() < deadline) {
      rows = await t.ctx.storage.db
        .selectFrom('delivery_outbox')
        .select(['status', 'last_error'])
        .where('event_id', '=', outcome.id)
        .execute();
      if (rows.length === 7 && rows.every((r) => r.status !== 'pending')) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(rows.map((r) => `${r.status}${r.last_error ? `: ${r.last_error}` : ''}`)).toEqual(
      Array(7).fill('delivered'),
    );
    const email = sha256Hex('jane.doe@example.com');
    expect(JSON.stringify(meta.succeeded()[0]?.body)).toContain(email);
    expect(google.succeeded()[0]?.path).toBe('/v1/events:ingest');
    expect(
      (google.succeeded()[0]?.body as { events: Array<{ adIdentifiers: unknown }> } | undefined)?.events[0]
        ?.adIdentifiers,
    ).toEqual({ gclid: 'Cj0' });
    expect(linkedin.succeeded()[0]?.headers['x-restli-method']).toBe('BATCH_CREATE');
    expect(tiktok.succeeded()[0]?.path).toBe('/open_api/v1.3/event/track/');
    expect(microsoft.succeeded()[0]?.path).toBe('/CampaignManagement/v13/OfflineConversions/Apply');
    expect((webhook.succeeded()[0]?.body as { events: Array<{ id: string }> } | undefined)?.events[0]?.id).toBe(
      outcome.id,
    );
    const files = readdirSync(dir);
    expect(files.length).toBe(1);
    expect(readFileSync(join(dir, files[0] ?? ''), 'utf8')).toContain(outcome.id);

    const quality = await t.app.inject({ url: `/api/v1/destinations`, headers: bearer(t.ws.read) });
    const metaId = (quality.json() as { data: Array<{ id: string; type: string }> }).data.find(
      (d) => d.type === 'meta',
    )?.id;
    const mq = await t.app.inject({ url: `/api/v1/destinations/${metaId}/match-quality`, headers: bearer(t.ws.read) });
    expect(mq.json()).toMatchObject({ type: 'meta', eventNames: [{ eventName: 'Purchase', events: 1 }] });
  });

  it('validates configs and tests connections', async () => {
    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/v1/destinations',
      headers: bearer(t.ws.admin),
      payload: { type: 'google-ads', config: { customerId: 'abc', accessToken: 'x', conversionActionId: '1' } },
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toMatchObject({ error: { code: 'validation_failed', field: 'config.customerId' } });
    const s = await startStandIn({ auth: AUTH.tiktok });
    standIns.push(s);
    const created = await createDestination(t.ctx, t.ws.workspace.id, {
      type: 'tiktok',
      config: { pixelCode: 'CPX', accessToken: 'wrong', baseUrl: s.url },
    });
    const failed = await t.app.inject({
      method: 'POST',
      url: `/api/v1/destinations/${created.id}/test`,
      headers: bearer(t.ws.admin),
    });
    expect(failed.json()).toMatchObject({ ok: false, status: 401 });
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/destinations/${created.id}`,
      headers: bearer(t.ws.admin),
      payload: { config: { accessToken: 'tt-token' } },
    });
    expect(patched.statusCode).toBe(200);
    const ok = await t.app.inject({
      method: 'POST',
      url: `/api/v1/destinations/${created.id}/test`,
      headers: bearer(t.ws.admin),
    });
    expect(ok.json()).toMatchObject({ ok: true });
    const privacy = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/delivery/privacy',
      headers: bearer(t.ws.admin),
      payload: { stripIpUserAgent: true, limitedDataUse: true, ldpCountry: 1, ldpState: 1000 },
    });
    expect(privacy.json()).toEqual({ limitedDataUse: true, ldpCountry: 1, ldpState: 1000, stripIpUserAgent: true });
    const removed = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/destinations/${created.id}`,
      headers: bearer(t.ws.admin),
    });
    expect(removed.statusCode).toBe(200);
    expect(
      (await t.app.inject({ url: `/api/v1/destinations/${created.id}`, headers: bearer(t.ws.read) })).statusCode,
    ).toBe(404);
  });

  it('fetches OAuth access tokens from the refresh token and refreshes them after a 401', async () => {
    let issued = 0;
    const tokenEndpoint = await startStandIn({
      respond: (r) => {
        const form = new URLSearchParams(r.raw);
        if (form.get('grant_type') !== 'refresh_token' || form.get('refresh_token') !== 'refresh-1')
          return { status: 400, body: { error: 'invalid_grant' } };
        issued += 1;
        return { status: 200, body: { access_token: `access-${issued}`, expires_in: 3600 } };
      },
    });
    standIns.push(tokenEndpoint);
    const google = await startStandIn({
      auth: (r) => (r.headers.authorization === `Bearer access-${issued}` ? undefined : 'expired'),
    });
    standIns.push(google);
    google.script.push({ kind: 'status', status: 401, body: { error: { code: 401, status: 'UNAUTHENTICATED' } } });
    const destination = await createDestination(t.ctx, t.ws.workspace.id, {
      type: 'google-ads',
      config: {
        customerId: '1234567890',
        conversionActionId: '555',
        baseUrl: google.url,
        oauth: {
          clientId: 'cid',
          clientSecret: 'csecret',
          refreshToken: 'refresh-1',
          tokenUrl: `${tokenEndpoint.url}/token`,
        },
      },
    });
    expect(destination.config.oauth).toBe('••••');
    await accept(
      t.ctx,
      t.ws.workspace,
      [
        {
          surface: 'capture',
          source: 'api',
          name: 'Purchase',
          userData: {},
          clickIds: { gclid: 'G1' },
          context: {},
          properties: {},
          value: 5,
          currency: 'USD',
        },
      ],
      { requestId: 'req_oauth' },
    );
    worker = startDeliveryWorker(t.ctx, { retry: { baseMs: 20, maxMs: 100, maxAttempts: 4 } });
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && google.succeeded().length === 0) await new Promise((r) => setTimeout(r, 25));
    expect(google.succeeded()[0]?.headers.authorization).toBe('Bearer access-2');
    expect(issued).toBe(2);
  });
});
