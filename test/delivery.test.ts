import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../src/context/context.js';
import { closeContext, createContext } from '../src/context/create-context.js';
import { createDestination } from '../src/delivery/destinations.js';
import { metaRespond, type StandIn, startStandIn } from '../src/delivery/stand-in.js';
import { type DeliveryWorker, startDeliveryWorker } from '../src/delivery/worker.js';
import { sha256Hex } from '../src/destinations/normalize.js';
import { accept, type IngestInput } from '../src/ingest/accept.js';
import { createWorkspace, type Workspace } from '../src/workspaces/workspaces.js';
import { BACKENDS, bearer, createTestApp, type TestApp, testConfig } from './support/backends.js';

const FAST_RETRY = { baseMs: 20, maxMs: 200, maxAttempts: 8 };

function purchase(i: number, extra: Partial<IngestInput> = {}): IngestInput {
  return {
    surface: 'capture',
    source: 'api',
    name: 'Purchase',
    dedupKey: `order_${i}`,
    userData: { email: `Buyer${i}@Example.com`, ip: '203.0.113.7', userAgent: 'Mozilla/5.0' },
    clickIds: {},
    context: { pageUrl: 'https://app.example.com/checkout', orderId: `order_${i}` },
    properties: {},
    value: 49,
    currency: 'USD',
    ...extra,
  };
}

async function ingest(ctx: AppContext, workspace: Workspace, inputs: IngestInput[]): Promise<string[]> {
  const outcomes = await accept(ctx, workspace, inputs, { requestId: 'req_test' });
  return outcomes.map((o) => {
    if (o.status === 'rejected') throw o.error;
    return o.id;
  });
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('timed out waiting for deliveries');
}

async function statuses(ctx: AppContext, destinationId: string): Promise<Record<string, number>> {
  const rows = await ctx.storage.db
    .selectFrom('delivery_outbox')
    .select('status')
    .where('destination_id', '=', destinationId)
    .execute();
  const out: Record<string, number> = {};
  for (const r of rows) out[r.status] = (out[r.status] ?? 0) + 1;
  return out;
}

function metaEventIds(standIn: StandIn): string[] {
  return standIn
    .succeeded()
    .flatMap((r) => ((r.body as { data: Array<{ event_id: string }> }).data ?? []).map((e) => e.event_id));
}

describe.each(BACKENDS)('%s backend: delivery engine', (backend) => {
  let t: TestApp;
  let standIn: StandIn;
  const workers: DeliveryWorker[] = [];

  beforeEach(async () => {
    t = await createTestApp(backend);
  });
  afterEach(async () => {
    for (const w of workers.splice(0)) await w.stop();
    await standIn?.close();
    await t.close();
  });

  const meta = async (respond = metaRespond()) => {
    standIn = await startStandIn({
      respond,
      auth: (r) =>
        (r.body as { access_token?: string } | null)?.access_token === 'EAAtoken' ? undefined : 'bad token',
    });
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/destinations',
      headers: bearer(t.ws.admin),
      payload: {
        type: 'meta',
        config: { pixelId: '123456', accessToken: 'EAAtoken', baseUrl: standIn.url, testEventCode: 'TEST1' },
      },
    });
    expect(created.statusCode).toBe(201);
    const body = created.json() as { id: string; config: Record<string, string> };
    expect(body.config.accessToken).not.toContain('EAAtoken'.slice(0, 6));
    return body.id;
  };

  it('delivers to Meta with the exact payload, and logs the attempt redacted', async () => {
    const destinationId = await meta();
    const [eventId] = await ingest(t.ctx, t.ws.workspace, [purchase(1, { clickIds: { fbclid: 'IwAR-Case' } })]);
    workers.push(startDeliveryWorker(t.ctx, { retry: FAST_RETRY }));
    await waitFor(async () => (await statuses(t.ctx, destinationId)).delivered === 1);
    const [request] = standIn.succeeded();
    expect(request?.path).toBe('/v25.0/123456/events');
    const body = request?.body as { data: Array<Record<string, unknown>>; test_event_code: string };
    expect(body.test_event_code).toBe('TEST1');
    const sent = body.data[0] as {
      event_time: number;
      user_data: Record<string, unknown>;
      custom_data: Record<string, unknown>;
    };
    expect(sent).toMatchObject({ event_name: 'Purchase', event_id: 'order_1', action_source: 'website' });
    expect(String(sent.event_time)).toMatch(/^\d{10}$/);
    expect(sent.user_data.em).toEqual([sha256Hex('buyer1@example.com')]);
    expect(sent.user_data.client_ip_address).toBe('203.0.113.7');
    expect(sent.user_data.fbc).toMatch(/^fb\.1\.\d{13}\.IwAR-Case$/);
    expect(sent.custom_data).toMatchObject({ value: 49, currency: 'USD', order_id: 'order_1' });

    const log = await t.app.inject({ url: `/api/v1/events/${eventId}/deliveries`, headers: bearer(t.ws.read) });
    expect(log.statusCode).toBe(200);
    const text = log.body;
    expect(text).not.toContain('EAAtoken');
    expect(text).not.toContain('203.0.113.7');
    const [delivery] = (
      log.json() as {
        data: Array<{ status: string; matchQuality: { score: number }; log: Array<{ httpStatus: number }> }>;
      }
    ).data;
    expect(delivery?.matchQuality.score).toBeGreaterThan(4);
    expect(delivery?.status).toBe('delivered');
    expect(delivery?.log[0]?.httpStatus).toBe(200);

    const preview = await t.app.inject({
      url: `/api/v1/events/${eventId}/deliveries/preview`,
      headers: bearer(t.ws.read),
    });
    const [p] = (
      preview.json() as { data: Array<{ send: boolean; request: { body: { data: unknown[]; access_token: string } } }> }
    ).data;
    expect(p?.send).toBe(true);
    expect(p?.request.body.access_token).toBe('[redacted]');
    expect(p?.request.body.data[0]).toMatchObject({ event_id: 'order_1' });
  });

  it('recovers from 500s, 429 + Retry-After, resets and timeouts: every event delivered exactly once', async () => {
    const destinationId = await meta();
    standIn.script.push(
      { kind: 'status', status: 500 },
      { kind: 'status', status: 429, headers: { 'retry-after': '0' } },
      { kind: 'reset' },
      { kind: 'hang' },
      { kind: 'status', status: 503 },
    );
    await ingest(
      t.ctx,
      t.ws.workspace,
      Array.from({ length: 30 }, (_, i) => purchase(i)),
    );
    workers.push(startDeliveryWorker(t.ctx, { retry: FAST_RETRY }));
    await waitFor(async () => (await statuses(t.ctx, destinationId)).delivered === 30, 25_000);
    const ids = metaEventIds(standIn);
    expect(ids.length).toBe(30);
    expect(new Set(ids).size).toBe(30);
    expect(standIn.requests.length).toBeGreaterThanOrEqual(6);
  });

  it('isolates one bad event in a Meta batch and delivers the rest', async () => {
    const destinationId = await meta(metaRespond((e) => e.event_id === 'order_3'));
    await ingest(
      t.ctx,
      t.ws.workspace,
      Array.from({ length: 8 }, (_, i) => purchase(i)),
    );
    workers.push(startDeliveryWorker(t.ctx, { retry: FAST_RETRY }));
    await waitFor(async () => {
      const s = await statuses(t.ctx, destinationId);
      return (s.delivered ?? 0) + (s.dead ?? 0) === 8;
    });
    expect(await statuses(t.ctx, destinationId)).toEqual({ delivered: 7, dead: 1 });
    expect(new Set(metaEventIds(standIn))).toEqual(new Set([0, 1, 2, 4, 5, 6, 7].map((i) => `order_${i}`)));
  });

  it('a hanging destination never delays another one', async () => {
    const destinationId = await meta();
    const slow = await startStandIn();
    slow.script.push(...Array.from({ length: 20 }, () => ({ kind: 'hang' as const })));
    try {
      const webhook = await createDestination(t.ctx, t.ws.workspace.id, {
        type: 'webhook',
        config: { url: `${slow.url}/hook`, secret: 'a-very-long-secret-123', timeoutMs: 3000 },
      });
      await ingest(t.ctx, t.ws.workspace, [purchase(1), purchase(2)]);
      workers.push(startDeliveryWorker(t.ctx, { retry: FAST_RETRY }));
      await waitFor(async () => (await statuses(t.ctx, destinationId)).delivered === 2, 5000);
      expect((await statuses(t.ctx, webhook.id)).delivered ?? 0).toBe(0);
    } finally {
      for (const w of workers.splice(0)) await w.stop();
      await slow.close();
    }
  });

  it('three workers (two of them in a second connection pool, as another process would be) never send a row twice', async () => {
    const destinationId = await meta((r) => metaRespond()(r));
    await ingest(
      t.ctx,
      t.ws.workspace,
      Array.from({ length: 120 }, (_, i) => purchase(i)),
    );
    // small batches so both workers lease concurrently
    const { metaAdapter } = await import('../src/destinations/meta/index.js');
    const saved = metaAdapter.maxBatch;
    metaAdapter.maxBatch = 7;
    const other = await createContext(testConfig(t.database));
    try {
      workers.push(
        startDeliveryWorker(t.ctx, { retry: FAST_RETRY }),
        startDeliveryWorker(other, { retry: FAST_RETRY }),
        startDeliveryWorker(other, { retry: FAST_RETRY }),
      );
      await waitFor(async () => (await statuses(t.ctx, destinationId)).delivered === 120, 25_000);
    } finally {
      metaAdapter.maxBatch = saved;
      for (const w of workers.splice(0)) await w.stop();
      await closeContext(other);
    }
    const attempts = await t.ctx.storage.db.selectFrom('delivery_attempts').select('request').execute();
    expect(attempts.length).toBe(120);
    const ids = metaEventIds(standIn);
    // a lease never hands out more rows than the batch limit
    expect(standIn.succeeded().every((r) => (r.body as { data: unknown[] }).data.length <= 7)).toBe(true);
    expect(ids.length).toBe(120);
    expect(new Set(ids).size).toBe(120);
  });

  it('dead-letters permanent failures and replays only those once fixed', async () => {
    const destinationId = await meta();
    standIn.script.push({ kind: 'status', status: 403, body: { error: { code: 200, message: 'Permissions error' } } });
    const [eventId] = await ingest(t.ctx, t.ws.workspace, [purchase(1)]);
    const worker = startDeliveryWorker(t.ctx, { retry: FAST_RETRY });
    workers.push(worker);
    await waitFor(async () => (await statuses(t.ctx, destinationId)).dead === 1);
    const replay = await t.app.inject({
      method: 'POST',
      url: '/api/v1/deliveries/replay',
      headers: bearer(t.ws.admin),
      payload: { destinationId, since: '2000-01-01T00:00:00Z' },
    });
    expect(replay.json()).toEqual({ replayed: 1 });
    await waitFor(async () => (await statuses(t.ctx, destinationId)).delivered === 1);
    const again = await t.app.inject({
      method: 'POST',
      url: '/api/v1/deliveries/replay',
      headers: bearer(t.ws.admin),
      payload: { destinationId },
    });
    expect(again.json()).toEqual({ replayed: 0 });
    expect(metaEventIds(standIn)).toEqual(['order_1']);
    const log = await t.app.inject({ url: `/api/v1/events/${eventId}/deliveries`, headers: bearer(t.ws.read) });
    expect((log.json() as { data: Array<{ log: unknown[] }> }).data[0]?.log.length).toBe(2);
  });

  it('skips do-not-forward events for ad platforms but not for webhooks', async () => {
    const destinationId = await meta();
    const hook = await startStandIn();
    try {
      const webhook = await createDestination(t.ctx, t.ws.workspace.id, {
        type: 'webhook',
        config: { url: hook.url, secret: 'a-very-long-secret-123' },
      });
      await ingest(t.ctx, t.ws.workspace, [purchase(1, { doNotForward: true })]);
      workers.push(startDeliveryWorker(t.ctx, { retry: FAST_RETRY }));
      await waitFor(async () => (await statuses(t.ctx, webhook.id)).delivered === 1);
      expect(await statuses(t.ctx, destinationId)).toEqual({ skipped: 1 });
      const [request] = hook.succeeded();
      expect(String(request?.headers['touchpoint-signature'])).toMatch(/^t=\d+,v1=[a-f0-9]{64}$/);
    } finally {
      for (const w of workers.splice(0)) await w.stop();
      await hook.close();
    }
  });

  it('keeps destinations, deliveries and replays inside their workspace', async () => {
    const destinationId = await meta();
    const [eventId] = await ingest(t.ctx, t.ws.workspace, [purchase(1)]);
    const other = await createWorkspace(t.ctx.storage.db, { name: 'Other' });
    const { createToken } = await import('../src/workspaces/tokens.js');
    const otherAdmin = await createToken(t.ctx.storage.db, other.id, 'admin');
    const get = await t.app.inject({ url: `/api/v1/destinations/${destinationId}`, headers: bearer(otherAdmin) });
    expect(get.statusCode).toBe(404);
    const list = await t.app.inject({ url: '/api/v1/destinations', headers: bearer(otherAdmin) });
    expect(list.json()).toEqual({ data: [] });
    const deliveries = await t.app.inject({ url: `/api/v1/events/${eventId}/deliveries`, headers: bearer(otherAdmin) });
    expect(deliveries.statusCode).toBe(404);
    const replay = await t.app.inject({
      method: 'POST',
      url: '/api/v1/deliveries/replay',
      headers: bearer(otherAdmin),
      payload: { destinationId },
    });
    expect(replay.statusCode).toBe(404);
    const patch = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/destinations/${destinationId}`,
      headers: bearer(otherAdmin),
      payload: { enabled: false },
    });
    expect(patch.statusCode).toBe(404);
  });
});
