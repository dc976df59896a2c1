import { afterEach, describe, expect, it, vi } from 'vitest';
import { prepareEvent } from '../src/ingest/accept.js';
import { inboxOf, settleInbox } from '../src/ingest/inbox.js';
import { writeToInbox } from '../src/ingest/inbox-rows.js';
import { journalRows } from '../src/ingest/journal.js';
import { rowWriterOf } from '../src/storage/row-writer.js';
import { BACKENDS, bearer, createTestApp, createTestWorkspace, type TestApp } from './support/backends.js';
import { postCometly, postOverSharedKeys, storedEventsOf } from './support/ingest.js';

/**
 * Under load, ingestion acknowledges a request once its dedup keys are claimed, its events-log rows
 * written and its events put in the durable inbox; the processor writes people, events, touchpoints
 * and outbox rows just after. These tests drive that path and check nothing is lost or doubled.
 */
describe.each(BACKENDS)('%s backend: ingest inbox', (backend) => {
  let t: TestApp;
  afterEach(async () => t?.close());

  const post = (payload: object) => postCometly(t, payload);
  const storedEvents = () => storedEventsOf(t);

  it('acknowledges concurrent requests through the inbox and stores each event exactly once', async () => {
    t = await createTestApp(backend);
    // Per key: one acceptance, and the repeat (if any) a duplicate naming the same event.
    const accepted = await postOverSharedKeys(post, 'inbox', 60, 40);
    expect(inboxOf(t.ctx).committed.deferred).toBeGreaterThan(0);

    // Reads through the API wait for what this process acknowledged.
    const one = await t.app.inject({
      method: 'GET',
      url: `/api/v1/events/${accepted[39]}`,
      headers: bearer(t.ws.read),
    });
    expect(one.statusCode).toBe(200);

    await settleInbox(t.ctx);
    const rows = await storedEvents();
    expect(rows.map((r) => r.event_id).sort()).toEqual([...accepted].sort());
    expect(rows.every((r) => r.person_id !== null)).toBe(true);
    const log = await t.ctx.storage.db
      .selectFrom('events_log')
      .select(['status'])
      .where('workspace_id', '=', t.ws.workspace.id)
      .execute();
    expect(log.filter((r) => r.status === 'accepted')).toHaveLength(40);
    expect(log.filter((r) => r.status === 'duplicate')).toHaveLength(20);
    const left = await t.ctx.storage.db.selectFrom('ingest_inbox').select('inbox_id').execute();
    expect(left).toHaveLength(0);

    // A key acknowledged through the inbox stays claimed for later requests, whatever path they take.
    const again = await post({ event_name: 'lead_generated', email: 'inbox-0@example.com', idempotency_key: 'key-0' });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ status: 'duplicate', id: accepted[0] });
  });

  it('groups requests that arrive while acknowledgements are in flight into few jobs (PostgreSQL)', async () => {
    t = await createTestApp(backend);
    // The processor's start-up pass is over and it then waits, so every job counted is an acknowledging one.
    await settleInbox(t.ctx);
    const inbox = inboxOf(t.ctx);
    inbox.kick = () => {};
    const enqueue = vi.spyOn(t.ctx.writes, 'enqueue');
    // 80 requests, each handed over in its own event-loop turn while earlier ones are being committed.
    const answers: Array<Promise<{ statusCode: number }>> = [];
    for (let i = 0; i < 80; i++) {
      answers.push(post({ event_name: 'lead_generated', email: `group-${i}@example.com`, idempotency_key: `g-${i}` }));
      await new Promise((resolve) => setImmediate(resolve));
    }
    const codes = (await Promise.all(answers)).map((a) => a.statusCode);
    expect(codes.every((code) => code === 202)).toBe(true);
    const jobs = enqueue.mock.calls.length;
    enqueue.mockRestore();
    Reflect.deleteProperty(inbox, 'kick');
    await settleInbox(t.ctx);
    expect(await storedEvents()).toHaveLength(80);
    if (backend === 'postgres') {
      // Every job is ~4 round trips whatever its size: at most two in flight, the rest wait and go together.
      // Without that, each request would be its own job (80); how many share one depends on the
      // database's round-trip time (typically 8–12 jobs, once 20 on a busy CI machine).
      expect(jobs).toBeLessThan(40);
    } else {
      // SQLite commits without yielding: nothing is held back (that would only add latency).
      expect(jobs).toBeGreaterThan(20);
    }
  });

  it('hands each gathered group to the write queue to start at once, not a turn later', async () => {
    t = await createTestApp(backend);
    // Only acknowledging jobs are counted: the processor's start-up pass is over, and it then waits.
    await settleInbox(t.ctx);
    const inbox = inboxOf(t.ctx);
    inbox.kick = () => {};
    const enqueue = vi.spyOn(t.ctx.writes, 'enqueue');
    const statement = vi.spyOn(t.ctx.writes, 'enqueueStatement');
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => post({ event_name: 'lead_generated', email: `now-${i}@example.com` })),
    );
    expect(answers.map((a) => a.statusCode)).toEqual(Array(12).fill(202));
    const options = [...enqueue.mock.calls, ...statement.mock.calls].map((call) => call[1]);
    enqueue.mockRestore();
    statement.mockRestore();
    // The coalescer already waited for its turn's requests; a second wait in the queue cost a turn of
    // latency per request, and with it half the requests answered per turn under load.
    expect(options.length).toBeGreaterThan(0);
    expect(options.every((o) => o?.gathered === true)).toBe(true);
    Reflect.deleteProperty(inbox, 'kick');
    await settleInbox(t.ctx);
    expect(await storedEvents()).toHaveLength(12);
  });

  it('puts the requests of one acknowledging commit in one inbox row per workspace, each event keeping its own request', async () => {
    t = await createTestApp(backend);
    const other = await createTestWorkspace(t.ctx, { name: 'Other' });
    const inbox = inboxOf(t.ctx);
    inbox.kick = () => {};
    const answers = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        t.app.inject({
          method: 'POST',
          url: '/public-api/v1/events',
          headers: bearer(i % 3 === 0 ? other.ingest : t.ws.ingest),
          payload: { event_name: 'lead_generated', email: `row-${i}@example.com` },
        }),
      ),
    );
    expect(answers.map((a) => a.statusCode)).toEqual(Array(24).fill(202));
    const rows = await t.ctx.storage.db
      .selectFrom('ingest_inbox')
      .select(['workspace_id', 'request_id', 'events'])
      .execute();
    // 24 requests, far fewer rows; no row mixes workspaces, and every event is in exactly one row.
    expect(rows.length).toBeLessThan(12);
    const eventsIn = (workspaceId: string) =>
      rows.filter((r) => r.workspace_id === workspaceId).reduce((n, r) => n + Number(r.events), 0);
    expect(eventsIn(t.ws.workspace.id)).toBe(16);
    expect(eventsIn(other.workspace.id)).toBe(8);

    Reflect.deleteProperty(inbox, 'kick');
    await settleInbox(t.ctx);
    const stored = await t.ctx.storage.db
      .selectFrom('events')
      .select(['workspace_id', 'event_id', 'request_id'])
      .execute();
    const expected = answers.map((a, i) => {
      const body = a.json() as { id: string; request_id: string };
      return {
        workspace_id: i % 3 === 0 ? other.workspace.id : t.ws.workspace.id,
        event_id: body.id,
        request_id: body.request_id,
      };
    });
    const byId = (a: { event_id: string }, b: { event_id: string }) => a.event_id.localeCompare(b.event_id);
    expect(stored.sort(byId)).toEqual(expected.sort(byId));
  });

  it('acknowledges requests without dedup keys in one statement per group on PostgreSQL', async () => {
    t = await createTestApp(backend);
    const inbox = inboxOf(t.ctx);
    inbox.kick = () => {};
    const statements = vi.spyOn(t.ctx.writes, 'enqueueStatement');
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => post({ event_name: 'lead_generated', email: `stmt-${i}@example.com` })),
    );
    expect(answers.map((a) => a.statusCode)).toEqual(Array.from({ length: 30 }, () => 202));
    const used = statements.mock.calls.length;
    statements.mockRestore();
    Reflect.deleteProperty(inbox, 'kick');
    if (backend === 'postgres') expect(used).toBeGreaterThan(0);
    else expect(used).toBe(0); // SQLite has no data-modifying CTEs and a transaction costs no round trip
    await settleInbox(t.ctx);
    const rows = await storedEvents();
    expect(rows.map((r) => r.event_id).sort()).toEqual(answers.map((a) => a.json().id).sort());
    const log = await t.ctx.storage.db
      .selectFrom('events_log')
      .select(['status', 'event_id'])
      .where('workspace_id', '=', t.ws.workspace.id)
      .execute();
    expect(log.filter((r) => r.status === 'accepted')).toHaveLength(30);
    expect(await t.ctx.storage.db.selectFrom('ingest_inbox').select('inbox_id').execute()).toHaveLength(0);
  });

  /** An inbox row as another process would have left it (not counted by this process's backlog). */
  const leaveInInbox = async (dedupKey: string) => {
    const now = Date.now();
    const event = prepareEvent(
      {
        surface: 'capture',
        source: 'capture',
        name: 'SignUp',
        dedupKey,
        userData: { email: `${dedupKey}@example.com` },
        clickIds: {},
        context: {},
        properties: {},
      },
      t.ws.workspace,
      [],
      `req_${dedupKey}`,
      now,
    );
    await t.ctx.storage.db.transaction().execute((trx) =>
      writeToInbox(
        trx,
        rowWriterOf(t.ctx.storage.db),
        [
          {
            workspaceId: t.ws.workspace.id,
            requestId: `req_${dedupKey}`,
            receivedAt: now,
            events: [{ kind: 'event', key: event, event, surface: 'capture', payload: '{}' }],
          },
        ],
        now,
      ),
    );
    return event;
  };

  it('processes requests another process acknowledged and left in the inbox', async () => {
    t = await createTestApp(backend);
    const event = await leaveInInbox('left-behind');
    // Not counted by this process: its poll finds the row.
    await vi.waitFor(async () => expect(await storedEvents()).toHaveLength(1), { timeout: 5000, interval: 100 });
    const [row] = await storedEvents();
    expect(row?.event_id).toBe(event.id);
    expect(row?.person_id).not.toBeNull();
  });

  it('keeps its rows, without an unhandled rejection, while the database is unreachable', async () => {
    t = await createTestApp(backend);
    const inbox = inboxOf(t.ctx);
    await inbox.flush();
    const gone = new Error('connection terminated');
    const enqueue = vi.spyOn(t.ctx.writes, 'enqueue').mockRejectedValue(gone);
    const select = vi.spyOn(t.ctx.storage.db, 'selectFrom').mockImplementation(() => {
      throw gone;
    });
    inbox.kick();
    await expect(inbox.flush()).resolves.toBeUndefined();
    expect(enqueue).toHaveBeenCalled();
    expect(select).toHaveBeenCalled();
    enqueue.mockRestore();
    select.mockRestore();
    const event = await leaveInInbox('while-down');
    await inbox.flush();
    expect((await storedEvents()).map((r) => r.event_id)).toEqual([event.id]);
  });

  it('stops processing when a stop’s drain time is up and leaves the rest for the next start', async () => {
    t = await createTestApp(backend);
    const inbox = inboxOf(t.ctx);
    await inbox.flush();
    const now = Date.now();
    // Six requests of 300 messages, as another process left them: one per pass and lane (PostgreSQL: 3 lanes).
    for (let r = 0; r < 6; r++) {
      const batch = Array.from({ length: 300 }, (_, i) => ({
        type: 'track',
        messageId: `stop-${r}-${i}`,
        userId: `u-${i}`,
        event: 'Signed Up',
      }));
      const [log, row] = journalRows(
        {
          workspaceId: t.ws.workspace.id,
          requestId: `req_stop_${r}`,
          receivedAt: now,
          text: JSON.stringify({ batch }),
          events: 300,
        },
        now,
      );
      await t.ctx.storage.db.insertInto('events_log').values(log.rows).execute();
      await t.ctx.storage.db.insertInto('ingest_inbox').values(row.rows).execute();
    }
    // Slow passes, so the stop's (zero) drain time is up while the first one runs.
    const enqueue = t.ctx.writes.enqueue.bind(t.ctx.writes);
    const slow = vi.spyOn(t.ctx.writes, 'enqueue').mockImplementation(async (job) => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      return enqueue(job);
    });
    await inbox.stop(0);
    slow.mockRestore();
    const left = await t.ctx.storage.db.selectFrom('ingest_inbox').select('events').execute();
    expect(left.length).toBeGreaterThanOrEqual(1);
    expect(left.length).toBeLessThanOrEqual(5);
    expect(await storedEvents()).toHaveLength(1800 - 300 * left.length);

    // The next start processes what was left, exactly once.
    inbox.start();
    await inbox.flush();
    const stored = await storedEvents();
    expect(stored).toHaveLength(1800);
    expect(new Set(stored.map((e) => e.dedup_key)).size).toBe(1800);
  });

  it('keeps a row that fails processing for a retry and processes the others', async () => {
    t = await createTestApp(backend);
    const now = Date.now();
    await t.ctx.storage.db
      .insertInto('ingest_inbox')
      .values({
        workspace_id: t.ws.workspace.id,
        inbox_id: 'inb_broken',
        request_id: 'req_broken',
        received_at: now,
        events: 1,
        logged: 0,
        body: '{"events": [',
        attempts: 0,
        next_attempt_at: now,
        last_error: null,
      })
      .execute();
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        post({ event_name: 'lead_generated', email: `after-broken-${i}@example.com` }),
      ),
    );
    expect(responses.every((r) => r.statusCode === 202)).toBe(true);
    await vi.waitFor(async () => expect(await storedEvents()).toHaveLength(10), { timeout: 8000, interval: 100 });
    const [broken] = await t.ctx.storage.db.selectFrom('ingest_inbox').selectAll().execute();
    expect(broken?.inbox_id).toBe('inb_broken');
    expect(Number(broken?.attempts)).toBeGreaterThanOrEqual(1);
    expect(broken?.last_error).toMatch(/JSON/);
    expect(Number(broken?.next_attempt_at)).toBeGreaterThan(now);
  });

  it('makes requests wait instead of growing the backlog past its limit', async () => {
    t = await createTestApp(backend, { ingestMaxBacklog: '1' });
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, i) => post({ event_name: 'lead_generated', email: `pressure-${i}@example.com` })),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(Array(30).fill(202));
    await settleInbox(t.ctx);
    const ids = responses.map((r) => (r.json() as { id: string }).id).sort();
    expect((await storedEvents()).map((r) => r.event_id).sort()).toEqual(ids);
  });
});
