import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../src/workspaces/tokens.js';
import { createWorkspace } from '../src/workspaces/workspaces.js';
import { BACKENDS, bearer, createTestApp, type TestApp } from './support/backends.js';

interface LogEntry {
  id: string;
  requestId: string;
  surface: string;
  status: string;
  httpStatus: number;
  eventName: string | null;
  eventId: string | null;
  error: { code: string; message: string; field: string | null } | null;
  payload: Record<string, unknown>;
}

describe.each(BACKENDS)('%s backend: events log', (backend) => {
  let t: TestApp;
  let base: string;
  beforeAll(async () => {
    t = await createTestApp(backend);
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => t?.close());

  const send = (url: string, body: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', ...bearer(t.ws.ingest), ...headers },
      payload: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const log = async (query: string, token = t.ws.read.token) => {
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/events-log${query}`, headers: bearer(token) });
    expect(res.statusCode).toBe(200);
    return res.json() as { data: LogEntry[]; nextCursor: string | null };
  };

  it('records accepted, duplicate and rejected requests with a redacted payload', async () => {
    const ok = await send('/public-api/v1/events', {
      event_name: 'purchase',
      email: 'log@example.com',
      idempotency_key: 'log-1',
      api_key: 'sk_live_secret',
    });
    const dup = await send('/public-api/v1/events', {
      event_name: 'purchase',
      email: 'log@example.com',
      idempotency_key: 'log-1',
    });
    const bad = await send('/public-api/v1/events', { event_name: 'nope', email: 'log@example.com' });
    const broken = await send('/public-api/v1/events', '{"event_name": ');
    expect([ok.statusCode, dup.statusCode, bad.statusCode, broken.statusCode]).toEqual([202, 200, 422, 400]);

    const accepted = (await log(`?requestId=${ok.headers['request-id']}`)).data;
    expect(accepted).toHaveLength(1);
    expect(accepted[0]).toMatchObject({
      status: 'accepted',
      httpStatus: 202,
      eventName: 'purchase',
      eventId: ok.json().id,
      surface: 'cometly',
    });
    expect(accepted[0]?.payload).toMatchObject({ email: 'log@example.com', api_key: '[redacted]' });
    expect(JSON.stringify(accepted[0])).not.toContain('sk_live_secret');

    const duplicate = (await log(`?requestId=${dup.headers['request-id']}`)).data[0];
    expect(duplicate).toMatchObject({ status: 'duplicate', httpStatus: 200, eventId: ok.json().id });
    const rejectedRows = (await log(`?requestId=${bad.headers['request-id']}`)).data;
    expect(rejectedRows).toHaveLength(1);
    const rejected = rejectedRows[0];
    expect(rejected).toMatchObject({
      status: 'rejected',
      httpStatus: 422,
      error: { code: 'unknown_event', field: 'event_name' },
    });
    const unreadable = (await log(`?requestId=${broken.headers['request-id']}`)).data[0];
    expect(unreadable).toMatchObject({ status: 'rejected', httpStatus: 400, error: { code: 'invalid_json' } });
  });

  it('filters by status, event name and since; pages with a cursor; isolates workspaces', async () => {
    for (let i = 0; i < 5; i++) await send('/api/v1/capture', { event: 'SignUp', email: `page${i}@example.com` });
    const rejected = await log('?status=rejected');
    expect(rejected.data.length).toBeGreaterThanOrEqual(2);
    expect(rejected.data.every((e) => e.status === 'rejected')).toBe(true);
    const signups = await log('?event=SignUp&limit=2');
    expect(signups.data).toHaveLength(2);
    expect(signups.nextCursor).not.toBeNull();
    const next = await log(`?event=SignUp&limit=2&cursor=${signups.nextCursor}`);
    expect(next.data).toHaveLength(2);
    expect(next.data[0]?.id && signups.data[1]?.id && next.data[0].id < signups.data[1].id).toBe(true);
    expect((await log(`?since=${new Date(Date.now() + 60_000).toISOString()}`)).data).toEqual([]);
    // since splits the log at an entry's arrival time: that entry and later ones, none before.
    const all = (await log('?limit=500')).data as Array<LogEntry & { receivedAt: string }>;
    const times = [...new Set(all.map((e) => Date.parse(e.receivedAt)))].sort((a, b) => a - b);
    const split = times[Math.floor(times.length / 2)] as number;
    expect(times.length).toBeGreaterThan(1);
    const fromSplit = await log(`?limit=500&since=${split}`);
    expect(fromSplit.data.map((e) => e.id)).toEqual(
      all.filter((e) => Date.parse(e.receivedAt) >= split).map((e) => e.id),
    );
    const badStatus = await t.app.inject({
      method: 'GET',
      url: '/api/v1/events-log?status=maybe',
      headers: bearer(t.ws.read),
    });
    expect(badStatus.statusCode).toBe(422);

    const other = await createWorkspace(t.ctx.storage.db, { name: 'Elsewhere' });
    const otherRead = await createToken(t.ctx.storage.db, other.id, 'read');
    expect((await log('', otherRead.token)).data).toEqual([]);
    const ingestToken = await t.app.inject({ method: 'GET', url: '/api/v1/events-log', headers: bearer(t.ws.ingest) });
    expect(ingestToken.statusCode).toBe(403);
  });

  it('streams new entries over SSE (polled every 250 ms)', async () => {
    const controller = new AbortController();
    const res = await fetch(`${base}/api/v1/events-log/stream`, {
      headers: bearer(t.ws.read),
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    const sent = await send('/api/v1/capture', { event: 'StartTrial', email: 'live@example.com' });
    expect(sent.statusCode).toBe(202);
    const requestId = sent.headers['request-id'] as string;
    let found: LogEntry | undefined;
    while (found === undefined) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      for (const block of buffer.split('\n\n')) {
        const data = block.split('\n').find((line) => line.startsWith('data: '));
        if (data === undefined) continue;
        const entry = JSON.parse(data.slice(6)) as LogEntry;
        if (entry.requestId === requestId) found = entry;
      }
    }
    controller.abort();
    expect(found).toMatchObject({ status: 'accepted', eventName: 'StartTrial', eventId: sent.json().id });
  });
});
