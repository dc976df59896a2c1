import { gzipSync } from 'node:zlib';
import RudderAnalytics from '@rudderstack/rudder-sdk-node';
import { Analytics } from '@segment/analytics-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createTestApp, type TestApp } from './support/backends.js';

async function eventsWhere(t: TestApp, source: string) {
  return t.ctx.storage.db
    .selectFrom('events')
    .selectAll()
    .where('workspace_id', '=', t.ws.workspace.id)
    .where('source', '=', source)
    .orderBy('event_id')
    .execute();
}

describe.each(BACKENDS)('%s backend: Segment-compatible API', (backend) => {
  let t: TestApp;
  let base: string;
  beforeAll(async () => {
    t = await createTestApp(backend);
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => t?.close());

  const basic = (token: string) => `Basic ${Buffer.from(`${token}:`).toString('base64')}`;

  it('the real @segment/analytics-node client lands track, identify and page calls', async () => {
    const analytics = new Analytics({ writeKey: t.ws.ingest.token, host: base, flushAt: 3, maxRetries: 1 });
    const errors: unknown[] = [];
    analytics.on('error', (error) => errors.push(error));
    analytics.track({
      userId: 'seg-user-1',
      event: 'Order Completed',
      properties: { revenue: 49.5, currency: 'EUR', order_id: 'so-1' },
      context: {
        ip: '203.0.113.9',
        userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0 Safari/537.36',
        traits: { email: 'Seg@Example.com' },
        campaign: { source: 'google', medium: 'cpc', name: 'spring' },
        page: { url: 'https://shop.test/checkout?gclid=SEG-G1', referrer: 'https://google.com/' },
      },
    });
    analytics.identify({ userId: 'seg-user-1', traits: { email: 'seg@example.com', phone: '+1 650 555 1212' } });
    analytics.page({ anonymousId: 'anon-seg', name: 'Pricing', properties: { url: 'https://shop.test/pricing' } });
    await analytics.closeAndFlush({ timeout: 10_000 });
    expect(errors).toEqual([]);

    const rows = await eventsWhere(t, 'segment');
    expect(rows.map((r) => r.name).sort()).toEqual(['Identify', 'PageView', 'Purchase'].sort());
    const purchase = rows.find((r) => r.name === 'Purchase');
    expect(purchase).toMatchObject({ original_name: 'Order Completed', currency: 'EUR' });
    expect(Number(purchase?.value_minor)).toBe(4950);
    expect(JSON.parse(purchase?.user_data ?? '{}')).toMatchObject({
      email: 'seg@example.com',
      externalId: 'seg-user-1',
      ip: '203.0.113.9',
    });
    expect(JSON.parse(purchase?.click_ids ?? '{}')).toEqual({ gclid: 'SEG-G1' });
    expect(JSON.parse(purchase?.context ?? '{}').utm).toMatchObject({
      source: 'google',
      medium: 'cpc',
      campaign: 'spring',
    });
    const identify = rows.find((r) => r.name === 'Identify');
    expect(JSON.parse(identify?.user_data ?? '{}').phone).toBe('16505551212');
    expect(Number(identify?.do_not_forward)).toBe(1);
  });

  it('the real @rudderstack/rudder-sdk-node client (gzip on) lands its batch', async () => {
    const client = new RudderAnalytics(t.ws.ingest.token, {
      dataPlaneUrl: base,
      gzip: true,
      flushAt: 50,
      flushInterval: 100_000,
      logLevel: 'error',
    });
    for (let i = 0; i < 5; i++) {
      client.track({
        userId: `rs-${i}`,
        event: 'Signed Up',
        properties: { plan: 'pro' },
        context: { traits: { email: `rs${i}@example.com` } },
      });
    }
    await client.flush();
    const rows = await t.ctx.storage.db
      .selectFrom('events')
      .select(['name', 'original_name', 'user_data'])
      .where('workspace_id', '=', t.ws.workspace.id)
      .where('original_name', '=', 'Signed Up')
      .execute();
    expect(rows).toHaveLength(5);
    expect(rows.every((r) => r.name === 'SignUp')).toBe(true);
  });

  it('accepts gzip bodies, writeKey in the body, and dedups by messageId', async () => {
    const message = {
      type: 'track',
      messageId: 'm-1',
      userId: 'u-gz',
      event: 'Trial Started',
      writeKey: t.ws.ingest.token,
    };
    const send = (payload: unknown) =>
      fetch(`${base}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: gzipSync(JSON.stringify(payload)),
      });
    const first = await send({ batch: [message], writeKey: t.ws.ingest.token });
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ success: true, accepted: 1 });
    const again = await send({ batch: [message], writeKey: t.ws.ingest.token });
    expect(await again.json()).toMatchObject({ success: true, accepted: 0, duplicates: 1 });
    const rows = await t.ctx.storage.db
      .selectFrom('events')
      .select(['name'])
      .where('workspace_id', '=', t.ws.workspace.id)
      .where('dedup_key', '=', 'm-1')
      .execute();
    expect(rows).toEqual([{ name: 'StartTrial' }]);
  });

  it('single calls: track, screen, group and alias, with basic auth', async () => {
    const call = (type: string, body: Record<string, unknown>) =>
      fetch(`${base}/v1/${type}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: basic(t.ws.ingest.token) },
        body: JSON.stringify(body),
      });
    const track = await call('track', { userId: 'single-1', event: 'Signed Up' });
    expect(track.status).toBe(200);
    expect(await track.json()).toMatchObject({ success: true, status: 'accepted' });
    expect((await call('screen', { anonymousId: 'a-1', name: 'Home' })).status).toBe(200);
    expect((await call('group', { userId: 'single-1', groupId: 'g-1' })).status).toBe(200);
    expect((await call('alias', { userId: 'single-1', previousId: 'a-1' })).status).toBe(200);
    const noIdentity = await call('track', { event: 'Signed Up' });
    expect(noIdentity.status).toBe(422);
    expect((await noIdentity.json()).error).toMatchObject({ code: 'missing_identity', field: 'userId' });
  });

  it('rejects a missing or wrong write key and a read-scope key', async () => {
    const post = (headers: Record<string, string>, body: unknown) =>
      fetch(`${base}/v1/track`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    expect((await post({}, { userId: 'x', event: 'Signed Up' })).status).toBe(401);
    expect((await post({ authorization: basic('tp_ingest_wrong') }, { userId: 'x', event: 'Signed Up' })).status).toBe(
      401,
    );
    expect((await post({}, { userId: 'x', event: 'Signed Up', writeKey: 'nope' })).status).toBe(401);
    expect((await post({ authorization: basic(t.ws.read.token) }, { userId: 'x', event: 'Signed Up' })).status).toBe(
      403,
    );
  });
});
