import { afterEach, describe, expect, it, vi } from 'vitest';
import { inboxOf, ingestThreadOf, settleInbox } from '../src/ingest/inbox.js';
import type { IngestThread } from '../src/ingest/ingest-thread.js';
import { bearer, createTestApp, type TestApp } from './support/backends.js';
import { postCometly, postOverSharedKeys, storedEventsOf } from './support/ingest.js';

/**
 * With `--ingest-thread` a SQLite server commits and processes ingestion in a worker thread with its
 * own connection. The answers, the stored rows and the events log must be exactly what the in-process
 * path gives.
 */
describe('ingest thread (SQLite)', () => {
  let t: TestApp;
  afterEach(async () => t?.close());

  const post = (payload: object) => postCometly(t, payload);
  const storedEvents = () => storedEventsOf(t);

  it('acknowledges, deduplicates, logs and processes every request exactly once', async () => {
    t = await createTestApp('sqlite', { ingestThread: true });
    const thread = ingestThreadOf(t.ctx) as IngestThread;
    expect(thread).toBeDefined();
    const handed = vi.spyOn(thread, 'commit');

    const accepted = await postOverSharedKeys(post, 'thread', 60, 40);
    // The thread committed them, not the event loop.
    expect(handed).toHaveBeenCalledTimes(60);
    expect(inboxOf(t.ctx).committed.deferred + inboxOf(t.ctx).committed.inline).toBe(40);

    // A later repeat, once the first is committed, is a duplicate too.
    const again = await post({ event_name: 'lead_generated', email: 'thread-0@example.com', idempotency_key: 'key-0' });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ status: 'duplicate', id: accepted[0] });

    // A batch with one bad item: the others are stored, the bad one is logged once with its request.
    const batch = await t.app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: bearer(t.ws.ingest),
      payload: {
        batch: [
          { type: 'track', messageId: 'm-1', userId: 'u-1', event: 'Signed Up' },
          { type: 'track', messageId: 'm-2', userId: 'u-2', event: 'Signed Up', timestamp: 'not a time' },
          { type: 'track', messageId: 'm-3', userId: 'u-3', event: 'Signed Up' },
        ],
      },
    });
    expect(batch.statusCode).toBe(200);
    expect(batch.json()).toMatchObject({ accepted: 2, rejected: 1 });
    const requestId = batch.headers['request-id'] as string;

    // Reads through the API wait for what the thread acknowledged.
    const one = await t.app.inject({
      method: 'GET',
      url: `/api/v1/events/${accepted[39]}`,
      headers: bearer(t.ws.read),
    });
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ id: accepted[39], name: 'LeadCaptured' });

    const log = await t.app.inject({
      method: 'GET',
      url: `/api/v1/events-log?requestId=${requestId}`,
      headers: bearer(t.ws.read),
    });
    const entries = (log.json() as { data: Array<{ status: string; errorField?: string | null }> }).data;
    expect(entries.map((e) => e.status).sort()).toEqual(['accepted', 'accepted', 'rejected']);

    await settleInbox(t.ctx);
    const rows = await storedEvents();
    const api = rows.filter((r) => r.source === 'api');
    expect(api.map((r) => r.event_id).sort()).toEqual([...accepted].sort());
    expect(api.every((r) => r.person_id !== null)).toBe(true);
    expect(
      rows
        .filter((r) => r.source === 'segment')
        .map((r) => r.dedup_key)
        .sort(),
    ).toEqual(['m-1', 'm-3']);
  });

  it('processes everything it acknowledged before the server finishes closing', async () => {
    t = await createTestApp('sqlite', { ingestThread: true });
    const responses = await Promise.all(
      Array.from({ length: 80 }, (_, i) => post({ event_name: 'lead_generated', email: `close-${i}@example.com` })),
    );
    const ids = responses.map((res) => (res.json() as { id: string }).id);
    expect(responses.every((res) => res.statusCode === 202)).toBe(true);
    await t.app.close();
    expect(ingestThreadOf(t.ctx)).toBeUndefined();
    const rows = await storedEvents();
    expect(rows.map((r) => r.event_id).sort()).toEqual([...ids].sort());
    const inbox = await t.ctx.storage.db.selectFrom('ingest_inbox').select('inbox_id').execute();
    expect(inbox).toEqual([]);
  });

  it('falls back to the event loop when the thread dies, losing nothing it acknowledged', async () => {
    t = await createTestApp('sqlite', { ingestThread: true });
    const first = await post({ event_name: 'lead_generated', email: 'before@example.com' });
    expect(first.statusCode).toBe(202);
    const thread = ingestThreadOf(t.ctx) as IngestThread;
    // Diagnostics only: end the worker as a crash would.
    await (thread as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ingestThreadOf(t.ctx)).toBeUndefined();

    const second = await post({ event_name: 'lead_generated', email: 'after@example.com' });
    expect(second.statusCode).toBe(202);
    await settleInbox(t.ctx);
    const ids = (await storedEvents()).map((r) => r.event_id).sort();
    expect(ids).toEqual([first.json().id, second.json().id].sort());
  });
});

describe('ingest thread on PostgreSQL', () => {
  let t: TestApp;
  afterEach(async () => t?.close());

  it('is not started: the pool already commits beside the event loop', async () => {
    t = await createTestApp('postgres', { ingestThread: true });
    expect(ingestThreadOf(t.ctx)).toBeUndefined();
    const res = await t.app.inject({
      method: 'POST',
      url: '/public-api/v1/events',
      headers: bearer(t.ws.ingest),
      payload: { event_name: 'lead_generated', email: 'pg@example.com' },
    });
    expect(res.statusCode).toBe(202);
  });
});
