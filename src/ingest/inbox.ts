import { performance } from 'node:perf_hooks';
import type { Transaction } from 'kysely';
import { Counter, Gauge } from 'prom-client';
import type { AppContext } from '../context/context.js';
import { byWorkspace } from '../events/by-workspace.js';
import type { StoredEvent } from '../events/stored-event.js';
import { rowWriterOf } from '../storage/row-writer.js';
import type { Database } from '../storage/schema.js';
import type { EventLogTable } from '../storage/tables/ingest.js';
import { journalDirOf, replayOrphans } from './ack-journal.js';
import { inboxContent } from './inbox-rows.js';
import { IngestThread } from './ingest-thread.js';
import { isJournaled, processJournaled } from './journal.js';
import { persistEvents } from './persist.js';
import { mayProcessNow, PROBE_MS } from './processing-share.js';

/** Events one processing transaction takes at most (keeps each commit, and the acks behind it, short). */
const EVENTS_PER_PASS = 500;
/**
 * While requests are arriving, passes are shorter: on SQLite a pass holds the only writer (and the
 * event loop), so a long one stalls every connection at once and their requests then arrive in one
 * burst, leaving the server idle between bursts.
 */
const EVENTS_PER_PASS_UNDER_LOAD = 100;
/** Rows read per pass before counting their events. */
const ROWS_PER_PASS = 500;
/** How often a process looks for rows it did not write (another process's, or left by a crash). */
const POLL_MS = 1000;
/** Requests acknowledged within this long mean "requests are arriving". */
const HOT_MS = 100;
const RETRY_BASE_MS = 1000;
/** Passes run side by side on PostgreSQL (the write queue runs up to 4 transactions at once). */
const PG_LANES = 3;
const RETRY_MAX_MS = 5 * 60_000;
/**
 * How long a graceful stop keeps processing. A burst may leave minutes of work in the inbox; it is
 * durable, so what is left waits for the next start (or another process) instead of holding the
 * shutdown past what a supervisor allows (Kubernetes: 30 s).
 */
const STOP_DRAIN_MS = 20_000;

export interface InboxOptions {
  /** Acknowledged-but-unprocessed events past which new requests wait (backpressure). */
  maxBacklog: number;
}

/**
 * The processor side of the ingest inbox: takes acknowledged requests in arrival order and writes
 * what they mean (people, events, touchpoints, outbox, events log) with the same code as the inline
 * path, deleting each inbox row in the transaction that processed it, so a request is processed
 * exactly once whatever crashes. Several processes may share the inbox: on PostgreSQL each pass
 * locks its rows with SKIP LOCKED. A row that fails alone (with every request of the acknowledging
 * commit that wrote it) is kept and retried with backoff (never dropped: it was acknowledged).
 */
export class IngestInbox {
  /** True once a server started the processor: only then may ingest defer work to it. */
  enabled = false;
  /** Events this process put in the inbox and has not seen processed (drives deferral and backpressure). */
  backlog = 0;
  private draining: Promise<void> | undefined;
  private again = false;
  /** A stop's drain time is up: passes end and no new one starts. */
  private stopping = false;
  private timer: NodeJS.Timeout | undefined;
  private waiters: Array<() => void> = [];
  /** When an acknowledgement last put events in the inbox (performance.now()). */
  private lastAck = 0;

  /** Accepted events committed inline and through the inbox since start (metrics, benchmark). */
  readonly committed = { inline: 0, deferred: 0 };
  /** Passes that failed and had their rows processed one by one (metrics, benchmark). */
  failedPasses = 0;
  /** The ingest thread that commits and processes for this process (SQLite), while one runs. */
  thread: IngestThread | undefined;
  /**
   * The utilization (0..1) of the event loop that acknowledges, when it is not this one's (the
   * ingest thread's processor yields to the main thread's load).
   */
  acknowledgingLoad: (() => number) | undefined;

  constructor(
    private readonly ctx: AppContext,
    private readonly options: InboxOptions,
  ) {
    const inbox = this;
    new Gauge({
      name: 'touchpoint_ingest_inbox_backlog_events',
      help: 'Acknowledged events waiting in the ingest inbox (this process)',
      registers: [ctx.metrics.registry],
      collect() {
        this.set(inbox.backlog);
      },
    });
    new Counter({
      name: 'touchpoint_ingest_inbox_failed_passes_total',
      help: 'Inbox processing passes that failed and were redone one row at a time',
      registers: [ctx.metrics.registry],
      collect() {
        this.reset();
        this.inc(inbox.failedPasses);
      },
    });
    new Counter({
      name: 'touchpoint_ingest_events_committed_total',
      help: 'Accepted events committed, inline or through the ingest inbox',
      labelNames: ['path'],
      registers: [ctx.metrics.registry],
      collect() {
        this.reset();
        this.inc({ path: 'inline' }, inbox.committed.inline);
        this.inc({ path: 'deferred' }, inbox.committed.deferred);
      },
    });
  }

  start(): void {
    if (this.enabled) return;
    this.enabled = true;
    this.stopping = false;
    this.timer = setInterval(() => this.kick(), POLL_MS);
    this.timer.unref();
    this.kick();
  }

  /**
   * Hands committing and processing to an ingest thread: this inbox then only mirrors the thread's
   * figures, and waits for it in flush() and stop(). If the thread dies, processing comes back here.
   */
  useThread(thread: IngestThread): void {
    this.thread = thread;
    thread.onReport = (report) => {
      this.backlog = report.backlog;
      this.committed.inline += report.inline;
      this.committed.deferred += report.deferred;
      this.failedPasses += report.failedPasses;
      this.settle(0);
    };
    thread.onExit = (error) => {
      this.ctx.log.error({ err: error }, 'ingest thread stopped; committing and processing in the event loop');
      this.thread = undefined;
      this.start();
      // What the thread had not applied of this process's acknowledgement journals.
      const file = this.ctx.storage.file;
      if (file === undefined) return;
      replayOrphans(this.ctx, journalDirOf(file), true).then(
        () => this.kick(),
        (failure: unknown) =>
          this.ctx.log.error({ err: failure }, 'acknowledgement journal replay failed; the next start replays it'),
      );
    };
  }

  /**
   * Stops deferring new work and processes what is due (what a graceful shutdown waits for), for at
   * most `drainMs`: rows still there after it stay in the inbox for the next start or another process.
   */
  async stop(drainMs = STOP_DRAIN_MS): Promise<void> {
    const thread = this.thread;
    if (thread !== undefined) {
      this.thread = undefined;
      await thread.stop();
      this.backlog = 0;
    }
    this.enabled = false;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    let deadline: NodeJS.Timeout | undefined;
    const timeUp = new Promise<void>((resolve) => {
      deadline = setTimeout(() => {
        this.stopping = true;
        resolve();
      }, drainMs);
    });
    await Promise.race([this.flush(), timeUp]);
    clearTimeout(deadline);
    if (!this.stopping) return;
    // The pass running now finishes (its rows commit or stay); none starts after it.
    while (this.draining !== undefined) await this.draining;
    const left = await this.ctx.storage.db
      .selectFrom('ingest_inbox')
      .select((eb) => eb.fn.sum<number>('events').as('events'))
      .executeTakeFirst();
    this.ctx.log.warn(
      { events: Number(left?.events ?? 0) },
      'stopped with events still in the ingest inbox; the next start (or another process) processes them',
    );
  }

  /** Called after an acknowledging commit put `events` in the inbox. */
  added(events: number): void {
    this.backlog += events;
    this.lastAck = performance.now();
    this.kick();
  }

  /** Requests are arriving (and none is waiting for the backlog to shrink). */
  private hot(): boolean {
    return this.enabled && this.waiters.length === 0 && performance.now() - this.lastAck < HOT_MS;
  }

  /** Under load, wait until the loop has spare time or the processor has had its minimum share. */
  private async yieldToAcks(passMs: number): Promise<void> {
    const started = performance.now();
    while (this.hot()) {
      const before = performance.eventLoopUtilization();
      await new Promise((resolve) => setTimeout(resolve, PROBE_MS));
      const utilization = this.acknowledgingLoad?.() ?? performance.eventLoopUtilization(before).utilization;
      if (mayProcessNow({ utilization, waitedMs: performance.now() - started, passMs })) return;
    }
  }

  /** Resolves when the backlog is under the limit (at once, normally). */
  belowLimit(): Promise<void> {
    if (this.backlog < this.options.maxBacklog) return Promise.resolve();
    this.kick();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Resolves when no due row is left (rows waiting for a retry excepted). */
  async flush(): Promise<void> {
    if (this.thread !== undefined) {
      await this.thread.flush();
      return;
    }
    // A pass already running may have looked before the latest commit; rows added since re-kick it.
    if (this.draining === undefined) this.kick();
    while (this.draining !== undefined) await this.draining;
  }

  kick(): void {
    // With a thread, the thread processes; its reports bring this mirror's backlog down (useThread).
    if (this.stopping || this.thread !== undefined) return;
    if (this.draining !== undefined) {
      this.again = true;
      return;
    }
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  private async drain(): Promise<void> {
    for (;;) {
      let pass: { rows: number; events: number };
      const started = performance.now();
      try {
        pass = await this.passes();
      } catch (error) {
        this.failedPasses++;
        this.ctx.log.warn({ err: error }, 'ingest inbox pass failed; processing its rows one by one');
        try {
          pass = await this.isolateFailures();
        } catch (unreachable) {
          // The database itself is failing (or closed): nothing is lost, the rows stay in the inbox
          // and the next poll (or another process) takes them. A rejection here would have no handler.
          this.ctx.log.error({ err: unreachable }, 'ingest inbox unavailable; the next poll retries');
          return;
        }
      }
      this.settle(pass.events);
      if (this.stopping) return;
      if (pass.rows === 0) {
        // Whatever this process counted is processed (or parked for a retry), by us or another process.
        this.settle(this.backlog);
        return;
      }
      await this.yieldToAcks(performance.now() - started);
    }
  }

  /**
   * One pass per lane, at once. On PostgreSQL a pass is mostly waiting for round trips, so lanes run
   * side by side, each on its own connection and rows (SKIP LOCKED); two lanes that collide on one new
   * identifier are sorted out by the identity race handling, and a deadlock fails a pass, whose rows
   * are then processed one by one. SQLite has one writer: one lane.
   */
  private async passes(): Promise<{ rows: number; events: number }> {
    const lanes = this.ctx.storage.capabilities.concurrentWriters ? PG_LANES : 1;
    const limit = this.hot() ? EVENTS_PER_PASS_UNDER_LOAD : EVENTS_PER_PASS;
    const results = await Promise.allSettled(
      Array.from({ length: lanes }, () => this.ctx.writes.enqueue((trx) => processDue(trx, this.ctx, limit))),
    );
    const total = { rows: 0, events: 0 };
    let failure: unknown;
    for (const result of results) {
      if (result.status === 'rejected') failure = result.reason;
      else {
        total.rows += result.value.rows;
        total.events += result.value.events;
      }
    }
    if (failure !== undefined) {
      this.settle(total.events);
      throw failure;
    }
    return total;
  }

  private settle(events: number): void {
    this.backlog = Math.max(0, this.backlog - events);
    if (this.backlog < this.options.maxBacklog && this.waiters.length > 0) {
      const waiters = this.waiters;
      this.waiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  /** A pass failed: process due rows one transaction each; a row that fails alone is parked for a retry. */
  private async isolateFailures(): Promise<{ rows: number; events: number }> {
    const now = this.ctx.clock.now();
    const due = await this.ctx.storage.db
      .selectFrom('ingest_inbox')
      .select(['workspace_id', 'inbox_id', 'events', 'attempts'])
      .where('next_attempt_at', '<=', now)
      .orderBy('next_attempt_at')
      .orderBy('inbox_id')
      .limit(ROWS_PER_PASS)
      .execute();
    let events = 0;
    for (const row of due) {
      try {
        await this.ctx.writes.enqueue((trx) => processDue(trx, this.ctx, EVENTS_PER_PASS, row));
      } catch (error) {
        const attempts = Number(row.attempts) + 1;
        const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.min(attempts, 20));
        this.ctx.log.error({ err: error, inboxId: row.inbox_id, attempts }, 'ingest inbox row failed; will retry');
        await this.ctx.storage.db
          .updateTable('ingest_inbox')
          .set({ attempts, next_attempt_at: now + delay, last_error: String(error).slice(0, 2000) })
          .where('workspace_id', '=', row.workspace_id)
          .where('inbox_id', '=', row.inbox_id)
          .execute();
      }
      events += Number(row.events);
    }
    return { rows: due.length, events };
  }
}

/**
 * One processing pass: the oldest due rows (or just `only`), up to `maxEvents` events, persisted
 * and deleted in the caller's transaction.
 */
async function processDue(
  trx: Transaction<Database>,
  ctx: AppContext,
  maxEvents: number,
  only?: { workspace_id: string; inbox_id: string },
): Promise<{ rows: number; events: number }> {
  let query = trx
    .selectFrom('ingest_inbox')
    .select(['workspace_id', 'inbox_id', 'events'])
    .where('next_attempt_at', '<=', ctx.clock.now())
    .orderBy('next_attempt_at')
    .orderBy('inbox_id')
    .limit(only === undefined ? ROWS_PER_PASS : 1);
  if (only !== undefined) {
    query = query.where('workspace_id', '=', only.workspace_id).where('inbox_id', '=', only.inbox_id);
  }
  if (ctx.storage.capabilities.skipLocked) query = query.forUpdate().skipLocked();
  const found = await query.execute();
  const rows: typeof found = [];
  let events = 0;
  for (const row of found) {
    if (rows.length > 0 && events + Number(row.events) > maxEvents) break;
    rows.push(row);
    events += Number(row.events);
  }
  if (rows.length === 0) return { rows: 0, events: 0 };
  // Bodies only of the rows this pass takes (a batch request's body is tens of kilobytes).
  let prepared: StoredEvent[] = [];
  // The accepted events' log entries the rows carried: written with the events (inbox-rows.ts).
  const log: EventLogTable[] = [];
  for (const [workspaceId, taken] of byWorkspace(rows, (row) => row.workspace_id)) {
    const ids = taken.map((row) => row.inbox_id);
    const bodies = await trx
      .selectFrom('ingest_inbox')
      .select(['workspace_id', 'inbox_id', 'request_id', 'received_at', 'body'])
      .where('workspace_id', '=', workspaceId)
      .where('inbox_id', 'in', ids)
      .orderBy('inbox_id')
      .execute();
    await trx.deleteFrom('ingest_inbox').where('workspace_id', '=', workspaceId).where('inbox_id', 'in', ids).execute();
    for (const body of bodies) {
      if (!isJournaled(body.body)) {
        const content = inboxContent(body);
        prepared.push(...content.events);
        log.push(...content.log);
        continue;
      }
      // In arrival order: what was acknowledged before a journaled request is written before it.
      await persistEvents(trx, ctx, prepared);
      prepared = [];
      await processJournaled(trx, ctx, body);
    }
  }
  await persistEvents(trx, ctx, prepared);
  await rowWriterOf(ctx.storage.db).insert(trx, 'events_log', log);
  return { rows: rows.length, events };
}

const INBOXES = new WeakMap<AppContext, IngestInbox>();

/**
 * Starts this process's ingest processing (what a server does when it is ready): on SQLite with
 * `ingestThread` on, in an ingest thread; otherwise, or if the thread cannot start, in the event loop.
 */
export async function startIngestProcessing(ctx: AppContext): Promise<void> {
  const inbox = inboxOf(ctx);
  // Acknowledgement journals an ingest thread left unapplied (a crash), whichever mode starts now.
  const file = ctx.storage.file;
  if (file !== undefined) {
    try {
      inbox.backlog += await replayOrphans(ctx, journalDirOf(file), true);
    } catch (error) {
      ctx.log.error({ err: error }, 'acknowledgement journal replay failed; the file stays for the next start');
    }
  }
  if (ctx.config.server.ingestThread && ctx.storage.dialect === 'sqlite') {
    try {
      inbox.useThread(await IngestThread.start(ctx));
      ctx.log.info('ingest thread started');
      return;
    } catch (error) {
      ctx.log.error({ err: error }, 'ingest thread did not start; committing and processing in the event loop');
    }
  }
  inbox.start();
}

/** The context's running ingest thread, if it has one (commitEvents hands its calls to it). */
export function ingestThreadOf(ctx: AppContext): IngestThread | undefined {
  return INBOXES.get(ctx)?.thread;
}

/** The context's inbox (created on first use; deferral is off until a server starts it). */
export function inboxOf(ctx: AppContext): IngestInbox {
  let inbox = INBOXES.get(ctx);
  if (inbox === undefined) {
    inbox = new IngestInbox(ctx, { maxBacklog: ctx.config.server.ingestMaxBacklog });
    INBOXES.set(ctx, inbox);
  }
  return inbox;
}

/**
 * Read-your-writes for reads served by this process: waits (at most `maxWaitMs`) until the events it
 * acknowledged so far are processed. Free when nothing is waiting.
 */
export async function readBarrier(ctx: AppContext, maxWaitMs = 2000): Promise<void> {
  const inbox = INBOXES.get(ctx);
  if (inbox === undefined || inbox.backlog === 0) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    inbox.flush(),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, maxWaitMs);
    }),
  ]);
  clearTimeout(timer);
}

/** Waits until this process's acknowledged events are processed (tests, shutdown, read-your-writes). */
export async function settleInbox(ctx: AppContext): Promise<void> {
  const inbox = INBOXES.get(ctx);
  if (inbox !== undefined) await inbox.flush();
}
