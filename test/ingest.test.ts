import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TOKEN_CACHE_TTL_MS } from '../src/server/plugins/auth.js';
import { createToken, revokeToken } from '../src/workspaces/tokens.js';
import { createWorkspace } from '../src/workspaces/workspaces.js';
import { BACKENDS, bearer, createTestApp, type TestApp } from './support/backends.js';

// The seed's two example payloads, verbatim (the minimum one has a trailing comma).
const SEED_EXAMPLE = `{
    "event_name" : "lead_generated",
    "email" : "developers@cometly.com",
    "comet_token" : "ddffd8d8338383883838484843838388d8df8f",
    "fingerprint" : "abcdef1234567890",
    "first_name" : "John",
    "last_name" : "Smith",
    "ip" : "123.123.123.123",
    "amount" : 34,
    "user_agent" : "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.1 Safari/605.1.15",
    "event_time" : 1677093110
}`;
const SEED_MINIMUM = `{
    "event_name" : "lead_generated",
    "email" : "developers@cometly.com",
}`;

describe.each(BACKENDS)('%s backend: ingestion pipeline', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(backend);
  });
  afterAll(async () => t?.close());

  const post = (url: string, body: unknown, token = t.ws.ingest.token, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', ...bearer(token), ...headers },
      payload: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const get = (url: string, token = t.ws.read.token) => t.app.inject({ method: 'GET', url, headers: bearer(token) });

  it('accepts both seed payloads as written, at both Cometly paths', async () => {
    const full = await post('/public-api/v1/events', SEED_EXAMPLE);
    expect(full.statusCode).toBe(202);
    const body = full.json();
    expect(body).toMatchObject({ status: 'accepted', request_id: full.headers['request-id'] });
    expect(body.id).toMatch(/^evt_/);
    const minimum = await post('/public-api/v1/events/track', SEED_MINIMUM);
    expect(minimum.statusCode).toBe(202);

    const stored = await get(`/api/v1/events/${body.id}`);
    expect(stored.statusCode).toBe(200);
    const event = stored.json();
    expect(event).toMatchObject({
      name: 'LeadCaptured',
      originalName: 'lead_generated',
      source: 'api',
      occurredAt: '2023-02-22T19:11:50.000Z',
      value: 34,
      currency: 'USD',
      requestId: full.headers['request-id'],
    });
    expect(event.userData).toMatchObject({
      email: 'developers@cometly.com',
      ip: '123.123.123.123',
      fingerprint: 'abcdef1234567890',
      visitorId: 'ddffd8d8338383883838484843838388d8df8f',
      firstName: 'John',
    });
    expect(event.context.userAgentParsed).toMatchObject({ browser: 'Safari', os: 'macOS' });
  });

  it('normalizes email, phone, time and amount', async () => {
    const res = await post('/public-api/v1/events', {
      event_name: 'purchase',
      email: '  Alex@Example.COM ',
      phone: '(650) 555-1212',
      event_time: '2026-04-10T12:34:56.000Z',
      amount: '45.00',
      order_id: 'ord-normalize',
    });
    expect(res.statusCode).toBe(202);
    const event = (await get(`/api/v1/events/${res.json().id}`)).json();
    expect(event.userData.email).toBe('alex@example.com');
    expect(event.userData.phone).toBe('16505551212');
    expect(event.occurredAt).toBe('2026-04-10T12:34:56.000Z');
    expect(event).toMatchObject({ name: 'Purchase', value: 45, currency: 'USD', dedupKey: 'order:ord-normalize' });
    const row = await t.ctx.storage.db
      .selectFrom('events')
      .select(['value_minor', 'occurred_at'])
      .where('event_id', '=', res.json().id)
      .executeTakeFirstOrThrow();
    expect(Number(row.value_minor)).toBe(4500);
    expect(Number(row.occurred_at)).toBe(Date.UTC(2026, 3, 10, 12, 34, 56));
  });

  it('reads event_time as seconds, milliseconds or ISO 8601', async () => {
    const expected = Date.UTC(2026, 0, 2, 3, 4, 5);
    for (const event_time of [expected / 1000, expected, '2026-01-02T03:04:05Z', '2026-01-02T04:04:05+01:00']) {
      const res = await post('/public-api/v1/events', { event_name: 'contact', email: 'time@example.com', event_time });
      expect(res.statusCode).toBe(202);
      expect((await get(`/api/v1/events/${res.json().id}`)).json().occurredAt).toBe(new Date(expected).toISOString());
    }
  });

  it('shows values in major units by the currency exponent (JPY has none)', async () => {
    const res = await post('/api/v1/capture', {
      event: 'Purchase',
      email: 'yen@example.com',
      value: 4900,
      currency: 'jpy',
    });
    expect(res.statusCode).toBe(202);
    const event = (await get(`/api/v1/events/${res.json().id}`)).json();
    expect(event).toMatchObject({ value: 4900, currency: 'JPY' });
  });

  it('deduplicates by idempotency_key: 200 duplicate with the original id, nothing new stored', async () => {
    const payload = { event_name: 'sign_up', email: 'dup@example.com', idempotency_key: 'idem-1' };
    const first = await post('/public-api/v1/events', payload);
    expect(first.statusCode).toBe(202);
    const again = await post('/public-api/v1/events', { ...payload, email: 'other@example.com' });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ status: 'duplicate', id: first.json().id });
    const rows = await t.ctx.storage.db
      .selectFrom('events')
      .select('event_id')
      .where('workspace_id', '=', t.ws.workspace.id)
      .where('dedup_key', '=', 'idem-1')
      .execute();
    expect(rows).toHaveLength(1);
  });

  it('shares one dedup key between the capture API eventId and a Cometly idempotency_key', async () => {
    const first = await post('/api/v1/capture', { event: 'Purchase', eventId: 'shared-77', email: 'px@example.com' });
    expect(first.statusCode).toBe(202);
    const server = await post('/public-api/v1/events', {
      event_name: 'purchase',
      email: 'px@example.com',
      idempotency_key: 'shared-77',
    });
    expect(server.json()).toMatchObject({ status: 'duplicate', id: first.json().id });
  });

  it('deduplicates purchases by order_id when no idempotency key is given', async () => {
    const payload = { event_name: 'purchase', email: 'order@example.com', order_id: 'A-1', amount: 10 };
    const first = await post('/public-api/v1/events', payload);
    const second = await post('/public-api/v1/events', payload);
    expect(first.statusCode).toBe(202);
    expect(second.statusCode).toBe(200);
    expect(second.json().id).toBe(first.json().id);
  });

  it('never double-stores one key sent concurrently', async () => {
    const payload = { event: 'SignUp', eventId: 'race-1', email: 'race@example.com' };
    const results = await Promise.all(Array.from({ length: 20 }, () => post('/api/v1/capture', payload)));
    const statuses = results.map((r) => r.statusCode).sort();
    if (process.env.DEBUG_RACE) console.log(results.map((r) => `${r.statusCode} ${r.body}`).join('\n'));
    expect(statuses.filter((s) => s === 202)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(19);
    expect(new Set(results.map((r) => r.json().id)).size).toBe(1);
  });

  it('enforces the identity rule and names what is missing', async () => {
    const none = await post('/public-api/v1/events', { event_name: 'lead_generated' });
    expect(none.statusCode).toBe(422);
    expect(none.json().error).toMatchObject({ code: 'missing_identity', field: 'email' });
    const noIp = await post('/public-api/v1/events', { event_name: 'lead_generated', fingerprint: 'fp' });
    expect(noIp.json().error).toMatchObject({ code: 'missing_identity', field: 'ip' });
    const noFp = await post('/public-api/v1/events', { event_name: 'lead_generated', ip: '1.2.3.4' });
    expect(noFp.json().error).toMatchObject({ code: 'missing_identity', field: 'fingerprint' });
    for (const ok of [{ fingerprint: 'fp', ip: '1.2.3.4' }, { comet_token: 'ct-1' }]) {
      const res = await post('/public-api/v1/events', { event_name: 'lead_generated', ...ok });
      expect(res.statusCode).toBe(202);
    }
  });

  it('rejects unknown Cometly event names, accepts custom_event slots', async () => {
    const unknown = await post('/public-api/v1/events', { event_name: 'made_up', email: 'a@example.com' });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().error).toMatchObject({ code: 'unknown_event', field: 'event_name' });
    const slot = await post('/public-api/v1/events', { event_name: 'custom_event_3', email: 'a@example.com' });
    expect(slot.statusCode).toBe(202);
    const event = (await get(`/api/v1/events/${slot.json().id}`)).json();
    expect(event).toMatchObject({ isCanonical: false, originalName: 'custom_event_3' });
  });

  it('stores do_not_capi and tracking_id', async () => {
    const res = await post('/public-api/v1/events', {
      event_name: 'purchase',
      email: 'dnc@example.com',
      do_not_capi: true,
      tracking_id: 'trk-9',
      amount: 5,
    });
    const event = (await get(`/api/v1/events/${res.json().id}`)).json();
    expect(event.doNotForward).toBe(true);
    expect(event.context.trackingId).toBe('trk-9');
  });

  it('capture batch: per-item outcomes, up to 1000 items', async () => {
    const batch = [
      { event: 'SignUp', email: 'b1@example.com', eventId: 'b-1' },
      { event: 'SignUp', email: 'b1@example.com', eventId: 'b-1' },
      { event: 'NoSuchEvent', email: 'b2@example.com' },
      { event: 'StartTrial', anonymousId: 'anon-1', pageUrl: 'https://x.test/?gclid=G1&utm_source=google' },
    ];
    const res = await post('/api/v1/capture/batch', { batch });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ accepted: 2, duplicates: 1, rejected: 1 });
    expect(body.results[1].id).toBe(body.results[0].id);
    expect(body.results[2].error.code).toBe('unknown_event');
    const trial = (await get(`/api/v1/events/${body.results[3].id}`)).json();
    expect(trial.clickIds).toEqual({ gclid: 'G1' });
    expect(trial.context.utm).toEqual({ source: 'google' });

    const tooMany = await post('/api/v1/capture/batch', {
      batch: Array.from({ length: 1001 }, (_, i) => ({ event: 'PageView', anonymousId: `a${i}` })),
    });
    expect([413, 422]).toContain(tooMany.statusCode);
  });

  it('answers 401 without a token, 403 for a read token, 415 for non-JSON, 413 over 32 KB', async () => {
    const noToken = await t.app.inject({
      method: 'POST',
      url: '/public-api/v1/events',
      headers: { 'content-type': 'application/json' },
      payload: SEED_MINIMUM,
    });
    expect(noToken.statusCode).toBe(401);
    expect((await post('/public-api/v1/events', SEED_MINIMUM, 'tp_ingest_nope')).statusCode).toBe(401);
    const read = await post('/public-api/v1/events', SEED_MINIMUM, t.ws.read.token);
    expect(read.statusCode).toBe(403);
    expect(read.json().error.code).toBe('forbidden');
    const text = await post('/public-api/v1/events', 'event_name=lead', t.ws.ingest.token, {
      'content-type': 'text/plain',
    });
    expect(text.statusCode).toBe(415);
    const huge = await post('/public-api/v1/events', {
      event_name: 'contact',
      email: 'big@example.com',
      note: 'x'.repeat(33 * 1024),
    });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().error.code).toBe('payload_too_large');
  });

  it('lists stored events with filters and cursor pagination', async () => {
    const first = await get('/api/v1/events?limit=2');
    expect(first.statusCode).toBe(200);
    const page1 = first.json();
    expect(page1.data).toHaveLength(2);
    expect(page1.nextCursor).toBe(page1.data[1].id);
    const page2 = (await get(`/api/v1/events?limit=2&cursor=${page1.nextCursor}`)).json();
    expect(page2.data[0].id < page1.data[1].id).toBe(true);
    const purchases = (await get('/api/v1/events?name=Purchase&limit=100')).json();
    expect(purchases.data.length).toBeGreaterThan(0);
    expect(purchases.data.every((e: { name: string }) => e.name === 'Purchase')).toBe(true);
    const capture = (await get('/api/v1/events?source=capture&limit=100')).json();
    expect(capture.data.every((e: { source: string }) => e.source === 'capture')).toBe(true);
    const old = (await get('/api/v1/events?until=2023-03-01T00:00:00Z&limit=100')).json();
    expect(old.data.map((e: { occurredAt: string }) => e.occurredAt)).toEqual(['2023-02-22T19:11:50.000Z']);
    const person = old.data[0].personId;
    if (person !== null) {
      const byPerson = (await get(`/api/v1/events?personId=${person}&limit=100`)).json();
      expect(byPerson.data.every((e: { personId: string }) => e.personId === person)).toBe(true);
    }
    expect((await get('/api/v1/events', t.ws.ingest.token)).statusCode).toBe(403);
  });

  it('isolates workspaces: another workspace sees none of these events and cannot dedup against them', async () => {
    const other = await createWorkspace(t.ctx.storage.db, { name: 'Other' });
    const otherIngest = await createToken(t.ctx.storage.db, other.id, 'ingest');
    const otherRead = await createToken(t.ctx.storage.db, other.id, 'read');
    const mine = (await get('/api/v1/events?limit=1')).json().data[0];
    expect((await get(`/api/v1/events/${mine.id}`, otherRead.token)).statusCode).toBe(404);
    expect((await get('/api/v1/events', otherRead.token)).json().data).toEqual([]);
    expect((await get('/api/v1/events-log', otherRead.token)).json().data).toEqual([]);
    const reuse = await post(
      '/public-api/v1/events',
      { event_name: 'sign_up', email: 'dup@example.com', idempotency_key: 'idem-1' },
      otherIngest.token,
    );
    expect(reuse.statusCode).toBe(202);
  });
});

describe.each(BACKENDS)('%s backend: ingestion rate limit', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(backend, { rateLimit: '3' });
  });
  afterAll(async () => t?.close());

  it('answers 429 with Retry-After past the per-minute budget', async () => {
    const statuses: number[] = [];
    let retryAfter: string | string[] | undefined;
    for (let i = 0; i < 5; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/capture',
        headers: { 'content-type': 'application/json', ...bearer(t.ws.ingest) },
        payload: { event: 'SignUp', email: `rl${i}@example.com` },
      });
      statuses.push(res.statusCode);
      if (res.statusCode === 429) {
        retryAfter = res.headers['retry-after'];
        expect(res.json().error.code).toBe('rate_limited');
      }
    }
    expect(statuses).toEqual([202, 202, 202, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);
  });
});

describe.each(BACKENDS)('%s backend: cached token lookups', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(backend);
  });
  afterAll(async () => {
    vi.useRealTimers();
    await t?.close();
  });

  const capture = (token: string) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/capture',
      headers: { 'content-type': 'application/json', ...bearer(token) },
      payload: { event: 'SignUp', email: 'cache@example.com' },
    });

  it('a token revoked through this process stops working at once', async () => {
    const token = await createToken(t.ctx.storage.db, t.ws.workspace.id, 'ingest');
    expect((await capture(token.token)).statusCode).toBe(202);
    const revoke = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/tokens/${token.id}`,
      headers: bearer(t.ws.admin),
    });
    expect(revoke.statusCode).toBe(200);
    expect((await capture(token.token)).statusCode).toBe(401);
  });

  it('a token revoked by another process stops working once the cache entry expires', async () => {
    const token = await createToken(t.ctx.storage.db, t.ws.workspace.id, 'ingest');
    vi.useFakeTimers({ toFake: ['Date'] });
    expect((await capture(token.token)).statusCode).toBe(202);
    // Another process (the CLI) revokes it directly in the database.
    await revokeToken(t.ctx.storage.db, t.ws.workspace.id, token.id);
    vi.setSystemTime(Date.now() + TOKEN_CACHE_TTL_MS + 1);
    expect((await capture(token.token)).statusCode).toBe(401);
    vi.useRealTimers();
  });
});
