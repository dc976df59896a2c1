import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CaptureEvent, Touchpoint } from '../src/client/index.js';
import { settleInbox } from '../src/ingest/inbox.js';
import { BACKENDS, createTestApp, type TestApp } from './support/backends.js';

describe.each(BACKENDS)('%s backend: client SDK against the real server', (backend) => {
  let t: TestApp;
  let base: string;
  beforeAll(async () => {
    t = await createTestApp(backend);
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => t?.close());

  it('batches captured events and flush() delivers them all, once', async () => {
    const requests: number[] = [];
    const tp = new Touchpoint({
      token: t.ws.ingest.token,
      host: base,
      batchSize: 2,
      flushInterval: 60_000,
      fetch: async (input, init) => {
        requests.push(1);
        return fetch(input, init);
      },
    });
    const ids = [
      tp.capture('SignUp', { email: 'sdk1@example.com' }),
      tp.capture('StartTrial', { email: 'sdk1@example.com', properties: { plan: 'pro' } }),
      tp.capture('Purchase', {
        email: 'sdk1@example.com',
        value: 49,
        currency: 'EUR',
        timestamp: new Date('2026-05-01T00:00:00Z'),
      }),
    ];
    await tp.flush();
    expect(requests).toHaveLength(2);
    // Concurrent requests may be acknowledged through the ingest inbox: wait until it is processed.
    await settleInbox(t.ctx);
    const rows = await t.ctx.storage.db
      .selectFrom('events')
      .select(['name', 'dedup_key', 'value_minor', 'currency', 'occurred_at'])
      .where('workspace_id', '=', t.ws.workspace.id)
      .where('source', '=', 'capture')
      .orderBy('event_id')
      .execute();
    // Ids of one millisecond are not ordered: match rows by their dedup key (the client's eventId).
    const byKey = new Map(rows.map((r) => [r.dedup_key, r]));
    expect(rows).toHaveLength(3);
    expect(ids.map((id) => byKey.get(id)?.name)).toEqual(['SignUp', 'StartTrial', 'Purchase']);
    const purchase = byKey.get(ids[2] as string);
    expect(Number(purchase?.value_minor)).toBe(4900);
    expect(purchase?.currency).toBe('EUR');
    expect(Number(purchase?.occurred_at)).toBe(Date.UTC(2026, 4, 1));
  });
});

describe('client SDK retries', () => {
  let server: Server;
  let base: string;
  let calls = 0;
  let mode: 'flaky' | 'bad' = 'flaky';
  beforeAll(async () => {
    server = createServer((req, res) => {
      calls++;
      req.resume();
      req.on('end', () => {
        if (mode === 'bad') {
          res.writeHead(422, { 'content-type': 'application/json' }).end('{"error":{"code":"validation_failed"}}');
        } else if (calls <= 2) {
          res.writeHead(503).end();
        } else {
          res.writeHead(200, { 'content-type': 'application/json' }).end(
            JSON.stringify({
              accepted: 1,
              duplicates: 0,
              rejected: 0,
              results: [{ status: 'accepted', id: 'evt_1' }],
            }),
          );
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('retries 5xx with backoff until delivered', async () => {
    calls = 0;
    mode = 'flaky';
    const errors: Error[] = [];
    const tp = new Touchpoint({ token: 'tp_ingest_x', host: base, retryBaseMs: 5, onError: (e) => errors.push(e) });
    tp.capture('SignUp', { email: 'r@example.com' });
    await tp.flush();
    expect(calls).toBe(3);
    expect(errors).toEqual([]);
  });

  it('does not retry a 4xx and reports the batch to onError', async () => {
    calls = 0;
    mode = 'bad';
    const failed: CaptureEvent[][] = [];
    const tp = new Touchpoint({
      token: 'tp_ingest_x',
      host: base,
      retryBaseMs: 5,
      onError: (_e, events) => failed.push(events),
    });
    tp.capture('SignUp', { email: 'r@example.com' });
    await tp.close();
    expect(calls).toBe(1);
    expect(failed).toHaveLength(1);
    expect(failed[0]?.[0]).toMatchObject({ event: 'SignUp', email: 'r@example.com' });
  });
});
