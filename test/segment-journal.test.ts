import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type IngestInbox, inboxOf, settleInbox } from '../src/ingest/inbox.js';
import { journalRows } from '../src/ingest/journal.js';
import { BACKENDS, bearer, createTestApp, type TestApp } from './support/backends.js';

/**
 * Under load a Segment batch is journaled: acknowledged once its body and a `queued` events-log row
 * are committed, its items read, deduplicated, logged and stored by the processor. These tests hold
 * the processor back so the journaled state can be looked at, then let it run.
 */
describe.each(BACKENDS)('%s backend: Segment batch journal', (backend) => {
  let t: TestApp;
  afterEach(async () => t?.close());

  const basic = (token: string) => `Basic ${Buffer.from(`${token}:`).toString('base64')}`;

  /** Processing waits and the inbox looks busy (as under load) until `release`. */
  async function holdProcessing(inbox: IngestInbox): Promise<() => Promise<void>> {
    // A pass still running from the start would count the backlog as processed.
    await settleInbox(t.ctx);
    inbox.kick = () => {};
    inbox.backlog = 1;
    return async () => {
      Reflect.deleteProperty(inbox, 'kick');
      await settleInbox(t.ctx);
    };
  }

  const logOf = (requestId: string) =>
    t.ctx.storage.db
      .selectFrom('events_log')
      .select(['status', 'event_name', 'event_id', 'error_code', 'payload', 'log_id'])
      .where('workspace_id', '=', t.ws.workspace.id)
      .where('request_id', '=', requestId)
      .orderBy('log_id')
      .execute();

  const eventsWithKey = (key: string) =>
    t.ctx.storage.db
      .selectFrom('events')
      .select(['event_id', 'name', 'person_id'])
      .where('workspace_id', '=', t.ws.workspace.id)
      .where('dedup_key', '=', key)
      .execute();

  it('acknowledges a batch under load as queued, then processes it as the acknowledging path would', async () => {
    t = await createTestApp(backend);
    const auth = { authorization: basic(t.ws.ingest.token) };
    const earlier = await t.app.inject({
      method: 'POST',
      url: '/v1/track',
      headers: auth,
      payload: { messageId: 'seen-1', userId: 'u-0', event: 'Signed Up' },
    });
    expect(earlier.json()).toMatchObject({ status: 'accepted' });
    const earlierId = (earlier.json() as { id: string }).id;

    const release = await holdProcessing(inboxOf(t.ctx));
    const batch = await t.app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: auth,
      payload: {
        batch: [
          {
            type: 'track',
            messageId: 'j-1',
            userId: 'u-1',
            event: 'Order Completed',
            properties: { revenue: 19.99, currency: 'USD', password: 'hunter2' },
            context: { traits: { email: ' J1@Example.com ' } },
          },
          { type: 'track', messageId: 'seen-1', userId: 'u-0', event: 'Signed Up' },
          { type: 'track', messageId: 'j-1', userId: 'u-1', event: 'Order Completed' },
          { type: 'bogus', messageId: 'j-4', userId: 'u-4', event: 'Signed Up' },
          { type: 'track', messageId: 'j-5', event: 'Signed Up' },
          { type: 'identify', messageId: 'j-6', userId: 'u-1', traits: { email: 'j1@example.com' } },
        ],
      },
    });
    expect(batch.statusCode).toBe(200);
    expect(batch.json()).toMatchObject({ success: true, status: 'queued', queued: 6 });
    const requestId = batch.headers['request-id'] as string;

    // Acknowledged means committed: the request is in the inbox and in the events log, nothing stored yet.
    expect(await logOf(requestId)).toMatchObject([{ status: 'queued', event_id: null }]);
    const queued = await t.app.inject({
      method: 'GET',
      url: `/api/v1/events-log?status=queued&request_id=${requestId}`,
      headers: bearer(t.ws.read),
    });
    expect(queued.statusCode).toBe(200);
    expect(queued.json()).toMatchObject({ data: [{ status: 'queued', requestId }] });
    expect(await eventsWithKey('j-1')).toEqual([]);

    await release();
    const [order] = await eventsWithKey('j-1');
    expect(await eventsWithKey('j-1')).toHaveLength(1);
    expect(order).toMatchObject({ name: 'Purchase' });
    expect(order?.person_id).not.toBeNull();
    // The key claimed by an earlier request stays that request's event.
    expect(await eventsWithKey('seen-1')).toEqual([expect.objectContaining({ event_id: earlierId })]);
    expect(await eventsWithKey('j-6')).toHaveLength(1);

    const log = await logOf(requestId);
    // Sorted: rows logged in one millisecond have random-ordered ids.
    const outcomes = (rows: unknown[][]) => rows.map((row) => JSON.stringify(row)).sort();
    expect(outcomes(log.map((row) => [row.status, row.event_id ?? row.error_code]))).toEqual(
      outcomes([
        ['accepted', order?.event_id],
        ['duplicate', earlierId],
        ['duplicate', order?.event_id],
        ['rejected', 'validation_failed'],
        ['rejected', 'missing_identity'],
        ['accepted', (await eventsWithKey('j-6'))[0]?.event_id],
      ]),
    );
    const orderRow = log.find((row) => row.status === 'accepted' && row.event_id === order?.event_id);
    expect(JSON.parse(orderRow?.payload ?? '{}')).toMatchObject({ properties: { password: '[redacted]' } });
    expect(await t.ctx.storage.db.selectFrom('ingest_inbox').select('inbox_id').execute()).toEqual([]);

    // The event's person is the one its email names, as on the acknowledging path.
    const person = await t.ctx.storage.db
      .selectFrom('person_identifiers')
      .select('person_id')
      .where('workspace_id', '=', t.ws.workspace.id)
      .where('kind', '=', 'email')
      .where('value', '=', 'j1@example.com')
      .executeTakeFirst();
    expect(person?.person_id).toBe(order?.person_id);

    // Keys claimed by the processor deduplicate later requests on every path.
    const repeat = await t.app.inject({
      method: 'POST',
      url: '/v1/track',
      headers: auth,
      payload: { messageId: 'j-1', userId: 'u-1', event: 'Order Completed' },
    });
    expect(repeat.json()).toMatchObject({ status: 'duplicate', id: order?.event_id });
  });

  it('never stores a write key sent in the body, and reads gzip bodies', async () => {
    t = await createTestApp(backend);
    const release = await holdProcessing(inboxOf(t.ctx));
    const token = t.ws.ingest.token;
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      payload: gzipSync(
        JSON.stringify({
          writeKey: token,
          batch: [
            { type: 'track', messageId: 'w-1', userId: 'u-w', event: 'Trial Started', writeKey: token },
            { type: 'track', messageId: 'w-2', userId: 'u-w', event: 'Signed Up' },
          ],
        }),
      ),
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ status: 'queued', queued: 2 });
    const [row] = await t.ctx.storage.db.selectFrom('ingest_inbox').select('body').execute();
    expect(row?.body).toContain('"w-1"');
    expect(row?.body).not.toContain(token);

    await release();
    expect(await eventsWithKey('w-1')).toEqual([expect.objectContaining({ name: 'StartTrial' })]);
    expect(await eventsWithKey('w-2')).toEqual([expect.objectContaining({ name: 'SignUp' })]);
  });

  it('reads a journaled body as the request was read (trailing commas forgiven)', async () => {
    t = await createTestApp(backend);
    const release = await holdProcessing(inboxOf(t.ctx));
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { authorization: basic(t.ws.ingest.token), 'content-type': 'application/json' },
      payload: '{"batch": [{"type": "track", "messageId": "c-1", "userId": "u-c", "event": "Signed Up",},],}',
    });
    expect(response.json()).toMatchObject({ status: 'queued', queued: 1 });
    await release();
    expect(await eventsWithKey('c-1')).toEqual([expect.objectContaining({ name: 'SignUp' })]);
  });

  it('processes a journaled request another process acknowledged and left in the inbox', async () => {
    t = await createTestApp(backend);
    const now = Date.now();
    const [log, inbox] = journalRows(
      {
        workspaceId: t.ws.workspace.id,
        requestId: 'req_left',
        receivedAt: now,
        text: JSON.stringify({ batch: [{ type: 'track', messageId: 'left-1', userId: 'u-l', event: 'Signed Up' }] }),
        events: 1,
      },
      now,
    );
    await t.ctx.storage.db.insertInto('events_log').values(log.rows).execute();
    await t.ctx.storage.db.insertInto('ingest_inbox').values(inbox.rows).execute();
    // Not counted by this process: its poll finds the row.
    await vi.waitFor(async () => expect(await eventsWithKey('left-1')).toHaveLength(1), {
      timeout: 5000,
      interval: 100,
    });
    expect((await logOf('req_left')).map((row) => row.status)).toEqual(['accepted']);
  });

  it('answers with every item’s outcome when the system is quiet', async () => {
    t = await createTestApp(backend);
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { authorization: basic(t.ws.ingest.token) },
      payload: { batch: [{ type: 'track', messageId: 'q-1', userId: 'u-q', event: 'Signed Up' }] },
    });
    expect(response.json()).toMatchObject({ success: true, accepted: 1, results: [{ status: 'accepted' }] });
    expect(await t.ctx.storage.db.selectFrom('ingest_inbox').select('inbox_id').execute()).toEqual([]);
  });
});
