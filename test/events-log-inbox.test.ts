import { afterEach, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../src/events/stored-event.js';
import { firstIdAt, newId } from '../src/ids/ids.js';
import { prepareEvent } from '../src/ingest/accept.js';
import { listEventsLog, tailEventsLog } from '../src/ingest/events-log.js';
import { inboxOf, settleInbox } from '../src/ingest/inbox.js';
import { inboxContent, writeToInbox } from '../src/ingest/inbox-rows.js';
import { rowWriterOf } from '../src/storage/row-writer.js';
import type { EventLogTable } from '../src/storage/tables/ingest.js';
import { BACKENDS, bearer, createTestApp, createTestWorkspace, type TestApp } from './support/backends.js';

interface Entry {
  id: string;
  requestId: string;
  status: string;
  httpStatus: number;
  eventName: string | null;
  eventId: string | null;
  payload: Record<string, unknown>;
}

/**
 * Under load, an acknowledgement through the inbox writes no events-log row per accepted event: its
 * inbox row carries the entries until the processor writes them (src/ingest/inbox-rows.ts). These
 * tests hold the processor back and check the log shows every such entry at once, through the list
 * (filters, pages) and the live stream, and shows each exactly once after processing.
 */
describe.each(BACKENDS)('%s backend: events log of unprocessed inbox rows', (backend) => {
  let t: TestApp;
  afterEach(async () => t?.close());

  /** Holds the processor: acknowledgements go to the inbox and stay there until release(). */
  const hold = () => {
    const inbox = inboxOf(t.ctx);
    inbox.kick = () => {};
    return async () => {
      Reflect.deleteProperty(inbox, 'kick');
      await settleInbox(t.ctx);
    };
  };
  const log = async (query: string) => {
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/events-log${query}`, headers: bearer(t.ws.read) });
    expect(res.statusCode).toBe(200);
    return res.json() as { data: Entry[]; nextCursor: string | null };
  };
  const burst = (count: number, prefix: string) =>
    Promise.all(
      Array.from({ length: count }, (_, i) =>
        t.app.inject({
          method: 'POST',
          url: '/api/v1/capture',
          headers: bearer(t.ws.ingest),
          payload: {
            event: i % 2 === 0 ? 'SignUp' : 'StartTrial',
            email: `${prefix}-${i}@example.com`,
            properties: { api_key: 'sk_live_hidden', n: i },
          },
        }),
      ),
    );
  const inboxRows = () =>
    t.ctx.storage.db.selectFrom('ingest_inbox').select(['workspace_id', 'logged', 'body']).execute();
  const acceptedLogRows = () =>
    t.ctx.storage.db
      .selectFrom('events_log')
      .selectAll()
      .where('workspace_id', '=', t.ws.workspace.id)
      .where('status', '=', 'accepted')
      .execute();

  it('lists, filters and pages entries still in the inbox, and each exactly once after processing', async () => {
    t = await createTestApp(backend);
    const release = hold();
    const answers = await burst(30, 'held');
    expect(answers.map((a) => a.statusCode)).toEqual(Array(30).fill(202));
    const rows = await inboxRows();
    const carried = rows.reduce((n, row) => n + Number(row.logged), 0);
    // The burst went through the inbox, and its accepted entries with it (not to events_log).
    expect(carried).toBeGreaterThan(0);
    expect((await acceptedLogRows()).length + carried).toBe(30);

    const expected = answers.map((a) => ({
      requestId: a.headers['request-id'] as string,
      eventId: (a.json() as { id: string }).id,
    }));
    const all = (await log('?limit=500')).data;
    expect(all.map((e) => ({ requestId: e.requestId, eventId: e.eventId })).sort(byEvent)).toEqual(
      [...expected].sort(byEvent),
    );
    expect(all.every((e) => e.status === 'accepted' && e.httpStatus === 202)).toBe(true);
    expect(all.map((e) => e.id)).toEqual([...all.map((e) => e.id)].sort().reverse());
    expect(all[0]?.payload).toMatchObject({ properties: { api_key: '[redacted]' } });
    expect(JSON.stringify(all)).not.toContain('sk_live_hidden');

    const one = expected[7] as { requestId: string; eventId: string };
    expect((await log(`?requestId=${one.requestId}`)).data.map((e) => e.eventId)).toEqual([one.eventId]);
    const trials = (await log('?event=StartTrial&limit=500')).data;
    expect(trials).toHaveLength(15);
    expect(trials.every((e) => e.eventName === 'StartTrial')).toBe(true);
    expect((await log('?status=rejected')).data).toEqual([]);
    expect((await log('?status=accepted&limit=500')).data).toHaveLength(30);

    const paged: Entry[] = [];
    let cursor: string | null = null;
    do {
      const page: { data: Entry[]; nextCursor: string | null } = await log(
        `?limit=4${cursor === null ? '' : `&cursor=${cursor}`}`,
      );
      expect(page.data.length).toBeLessThanOrEqual(4);
      paged.push(...page.data);
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(paged).toEqual(all);

    await release();
    expect(await inboxRows()).toEqual([]);
    expect(await acceptedLogRows()).toHaveLength(30);
    // The processor wrote the very entries the inbox showed: same ids, same content.
    expect((await log('?limit=500')).data).toEqual(all);
  });

  it('reads an entry once when the processor moves it between the inbox read and the table read', async () => {
    t = await createTestApp(backend);
    const release = hold();
    await burst(12, 'moving');
    const rows = await inboxRows();
    const carried = rows.flatMap((row) => inboxContent(row).log);
    expect(carried.length).toBeGreaterThan(0);
    // As the processor's commit would leave it, seen by a reader that read the inbox just before.
    await t.ctx.storage.db
      .transaction()
      .execute((trx) => rowWriterOf(t.ctx.storage.db).insert(trx, 'events_log', carried));
    const listed = (await log('?limit=500')).data;
    expect(listed).toHaveLength(12);
    expect(new Set(listed.map((e) => e.id)).size).toBe(12);
    const tailed = await tailEventsLog(t.ctx, t.ws.workspace.id, Date.now() - 60_000);
    expect(tailed).toHaveLength(12);
    expect(new Set(tailed.map((r) => r.log_id)).size).toBe(12);
    await t.ctx.storage.db.deleteFrom('events_log').where('status', '=', 'accepted').execute();
    await release();
    expect(await acceptedLogRows()).toHaveLength(carried.length);
  });

  it('streams entries still in the inbox over SSE', async () => {
    t = await createTestApp(backend);
    const base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const release = hold();
    const controller = new AbortController();
    const res = await fetch(`${base}/api/v1/events-log/stream`, {
      headers: bearer(t.ws.read),
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    const answers = await burst(6, 'live');
    expect(await inboxRows()).not.toEqual([]);
    const waiting = new Set(answers.map((a) => a.headers['request-id'] as string));
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    const seen: Entry[] = [];
    while (waiting.size > 0) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      const blocks = buffer.split('\n\n');
      buffer = blocks.pop() ?? '';
      for (const block of blocks) {
        const data = block.split('\n').find((line) => line.startsWith('data: '));
        if (data === undefined) continue;
        const entry = JSON.parse(data.slice(6)) as Entry;
        seen.push(entry);
        waiting.delete(entry.requestId);
      }
    }
    controller.abort();
    expect(waiting.size).toBe(0);
    expect(seen.every((e) => e.status === 'accepted')).toBe(true);
    await release();
  });

  it('ends live streams when the server closes, instead of holding the close open', async () => {
    t = await createTestApp(backend);
    const base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const res = await fetch(`${base}/api/v1/events-log/stream`, { headers: bearer(t.ws.read) });
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain(': connected');
    // The client stays connected; close() ends its stream instead of waiting for the client to leave.
    const closed = await Promise.race([
      t.app.close().then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2000)),
    ]);
    if (!closed) t.app.server.closeAllConnections();
    expect(closed).toBe(true);
    for (;;) if ((await reader.read()).done) break;
  });

  it('pages through many inbox rows in id order, rows of one millisecond and written rows included', async () => {
    t = await createTestApp(backend);
    hold();
    const other = await createTestWorkspace(t.ctx, { name: 'Other' });
    const base = Date.now() - 10_000;
    const writer = rowWriterOf(t.ctx.storage.db);
    const event = (workspaceId: string, requestId: string, at: number): StoredEvent =>
      prepareEvent(
        {
          surface: 'capture',
          source: 'capture',
          name: 'SignUp',
          userData: { email: `${requestId}@example.com` },
          clickIds: {},
          context: {},
          properties: {},
        },
        workspaceId === t.ws.workspace.id ? t.ws.workspace : other.workspace,
        [],
        requestId,
        at,
      );
    // 150 rows of 2 events, three rows per millisecond (as acknowledgements of one turn on several
    // processes), and every fifth row another workspace's.
    for (let i = 0; i < 150; i++) {
      const now = base + Math.floor(i / 3);
      const workspaceId = i % 5 === 4 ? other.workspace.id : t.ws.workspace.id;
      const events = [0, 1].map((k) => {
        const e = event(workspaceId, `req_page_${i}_${k}`, now);
        return { kind: 'event' as const, key: e, event: e, surface: 'capture', payload: `{"i":${i},"k":${k}}` };
      });
      await t.ctx.storage.db
        .transaction()
        .execute((trx) =>
          writeToInbox(trx, writer, [{ workspaceId, requestId: `req_page_${i}`, receivedAt: now, events }], now),
        );
    }
    // Rows the processor already wrote, at times between and around the inbox rows'.
    const written: EventLogTable[] = Array.from({ length: 40 }, (_, i) => {
      const at = base - 5 + Math.floor(i * 1.5);
      return {
        workspace_id: t.ws.workspace.id,
        log_id: newId('log', at),
        request_id: `req_written_${i}`,
        surface: 'capture',
        status: 'accepted',
        http_status: 202,
        event_name: 'SignUp',
        event_id: newId('evt', at),
        error_code: null,
        error_message: null,
        error_field: null,
        payload: '{}',
        received_at: at,
      };
    });
    await t.ctx.storage.db.transaction().execute((trx) => writer.insert(trx, 'events_log', written));

    const ours = (await inboxRows())
      .filter((row) => row.workspace_id === t.ws.workspace.id)
      .flatMap((row) => inboxContent(row).log);
    expect(ours).toHaveLength(240);
    const everything = [...ours, ...written].map((r) => r.log_id).sort();

    const paged: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await listEventsLog(t.ctx, t.ws.workspace.id, { limit: 7, cursor });
      paged.push(...page.data.map((e) => e.id));
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
    }
    expect(paged).toEqual([...everything].reverse());

    const since = base + 20;
    const fromSince = everything.filter((id) => id >= firstIdAt('log', since));
    const tailed = await tailEventsLog(t.ctx, t.ws.workspace.id, since, 25);
    expect(tailed.map((r) => r.log_id)).toEqual(fromSince.slice(0, 25));
    const listedSince = await listEventsLog(t.ctx, t.ws.workspace.id, { limit: 500, since });
    expect(listedSince.data.map((e) => e.id)).toEqual([...fromSince].reverse());

    const oneRequest = await listEventsLog(t.ctx, t.ws.workspace.id, { limit: 10, requestId: 'req_page_31_1' });
    expect(oneRequest.data.map((e) => e.payload)).toEqual([{ i: 31, k: 1 }]);
    expect((await listEventsLog(t.ctx, t.ws.workspace.id, { limit: 10, requestId: 'req_page_34_0' })).data).toEqual([]);
    const theirs = await listEventsLog(t.ctx, other.workspace.id, { limit: 500 });
    expect(theirs.data).toHaveLength(60);
    expect(theirs.data.every((e) => e.requestId.startsWith('req_page_'))).toBe(true);
  });
});

function byEvent(a: { eventId: string | null }, b: { eventId: string | null }): number {
  return String(a.eventId).localeCompare(String(b.eventId));
}
