import type { AppContext } from '../context/context.js';
import type { AppError } from '../errors/codes.js';
import { insertInOneStatement, rowWriterOf } from '../storage/row-writer.js';
import {
  acceptedItems,
  type ClaimedItem,
  type CommitItem,
  type CommitOutcome,
  type EventItem,
  type LoggedCall,
} from './commit-items.js';
import { claimKeys, needsClaim, unclaimedOutcome } from './dedup-keys.js';
import { inboxOf, ingestThreadOf } from './inbox.js';
import { type InboxRequests, inboxRowsOf, writeToInbox } from './inbox-rows.js';
import { logRowsOf } from './log-rows.js';
import { persistEvents, writeLogRows } from './persist.js';

export type { CommitItem, CommitOutcome } from './commit-items.js';

/** A group is a whole I/O turn's requests already: the write queue need not wait for more. */
const GATHERED = { gathered: true } as const;

/** Acknowledging jobs in flight at once on PostgreSQL (of the write queue's 4 transactions). */
const PG_JOBS_IN_FLIGHT = 2;

interface Call extends LoggedCall {
  /** May be acknowledged once claimed and written to the inbox, and processed just after. */
  deferrable: boolean;
  resolve: (outcomes: CommitOutcome[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Requests arriving in the same I/O turn are written by ONE job of the group-commit queue, so the
 * database sees a few multi-row statements per batch instead of several statements per event.
 *
 * Two ways to commit a group, both acknowledged only after COMMIT:
 * - inline: claim dedup keys, write the events-log rows, resolve identity and write events,
 *   touchpoints and outbox rows;
 * - deferred (gateway/processor, as RudderStack's gateway does): claim dedup keys, write the
 *   events-log rows and put the accepted events in the durable inbox; the processor (inbox.ts) does
 *   the rest moments later. Chosen only
 *   under load (concurrent requests, or an inbox backlog), so a quiet system answers
 *   with everything written, and a busy one acknowledges at the speed of one small insert per request.
 *
 * On PostgreSQL a deferred group with no dedup key to claim is one statement instead of a transaction
 * (see asOneStatement).
 *
 * If a combined job fails, each request is retried in its own job, so one bad request never fails its
 * neighbours.
 */
class Coalescer {
  private pending: Call[] = [];
  private scheduled = false;
  private inFlight = 0;
  /**
   * PostgreSQL: at most this many acknowledging jobs in flight; later requests wait for one to finish
   * and then go as one job. Each job costs ~4 round trips whatever its size, and every round trip is
   * a write() on both sides: a new job per turn made each one small (a few requests) under load.
   * SQLite commits without yielding, so its jobs are never waited on.
   */
  private readonly maxInFlight: number;

  constructor(private readonly ctx: AppContext) {
    this.maxInFlight = ctx.storage.capabilities.concurrentWriters ? PG_JOBS_IN_FLIGHT : Number.POSITIVE_INFINITY;
  }

  /** Requests waiting for a job, or jobs not yet committed. */
  get busy(): boolean {
    return this.pending.length > 0 || this.inFlight > 0;
  }

  add(call: Call): void {
    this.pending.push(call);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  private drain(): void {
    this.scheduled = false;
    // The job that finishes first drains what is waiting (see run()).
    if (this.inFlight >= this.maxInFlight) return;
    const calls = this.pending;
    this.pending = [];
    if (calls.length === 0) return;
    const inbox = inboxOf(this.ctx);
    // Load: requests queued up behind each other (on SQLite a commit runs without yielding, so they
    // show up as several calls in one turn), a commit still in flight (PostgreSQL), or a backlog
    // (which later requests must not overtake).
    const defer = inbox.enabled && (calls.length > 1 || this.inFlight > 0 || inbox.backlog > 0);
    const deferred = defer ? calls.filter((c) => c.deferrable) : [];
    const inline = defer ? calls.filter((c) => !c.deferrable) : calls;
    if (inline.length > 0) this.run(inline, false);
    if (deferred.length > 0) {
      // Backpressure: past the backlog limit a request waits for the processor instead of growing it.
      void inbox.belowLimit().then(() => this.run(deferred, true));
    }
  }

  /**
   * PostgreSQL, deferred, no dedup key to claim: every item's outcome is known before writing, so the
   * log and inbox rows go in one statement outside a transaction (one round trip instead of four).
   * Too many rows for one statement: the transaction.
   */
  private asOneStatement(
    group: Call[],
    inTransaction: (group: Call[]) => Promise<{ claimed: ClaimedItem[][]; accepted: number }>,
  ): Promise<{ claimed: ClaimedItem[][]; accepted: number }> {
    const claimed = group.map((call) => call.items.map(unclaimedOutcome));
    const accepted = claimed.map(acceptedItems);
    const result = { claimed, accepted: accepted.reduce((n, list) => n + list.length, 0) };
    return this.ctx.writes
      .enqueueStatement(
        (db) =>
          insertInOneStatement(db, [
            { table: 'events_log', rows: logRowsOf(group, claimed, 'accepted') },
            { table: 'ingest_inbox', rows: inboxRowsOf(inboxRequests(group, accepted), this.ctx.clock.now()) },
          ]),
        GATHERED,
      )
      .then((written) => (written ? result : inTransaction(group)));
  }

  private run(calls: Call[], deferred: boolean): void {
    const inTransaction = (group: Call[]) =>
      this.ctx.writes.enqueue(async (trx) => {
        const writer = rowWriterOf(this.ctx.storage.db);
        const claimed = await claimKeys(trx, writer, group);
        // Through the inbox, the accepted events' log entries go in their inbox row (inbox-rows.ts).
        await writeLogRows(trx, this.ctx, group, claimed, deferred ? 'accepted' : undefined);
        const accepted = claimed.map(acceptedItems);
        if (deferred) {
          await writeToInbox(trx, writer, inboxRequests(group, accepted), this.ctx.clock.now());
        } else {
          await persistEvents(
            trx,
            this.ctx,
            accepted.flatMap((items) => items.map((item) => item.event)),
          );
        }
        return { claimed, accepted: accepted.reduce((n, list) => n + list.length, 0) };
      }, GATHERED);
    const job = (group: Call[]) =>
      deferred && this.ctx.storage.capabilities.concurrentWriters && !group.some(hasKeysToClaim)
        ? this.asOneStatement(group, inTransaction)
        : inTransaction(group);
    const settle = (group: Call[], { claimed, accepted }: { claimed: ClaimedItem[][]; accepted: number }) => {
      for (const [i, call] of group.entries()) {
        const items = claimed[i] ?? [];
        markLogged(items);
        call.resolve(items.map((c) => c.outcome));
      }
      const inbox = inboxOf(this.ctx);
      if (deferred) {
        inbox.committed.deferred += accepted;
        inbox.added(accepted);
      } else {
        inbox.committed.inline += accepted;
      }
    };
    this.inFlight++;
    job(calls)
      .then(
        (result) => settle(calls, result),
        (error: unknown) => {
          if (calls.length === 1) {
            calls[0]?.reject(error);
            return;
          }
          for (const call of calls) {
            job([call]).then(
              (result) => settle([call], result),
              (err: unknown) => call.reject(err),
            );
          }
        },
      )
      .finally(() => {
        this.inFlight--;
        if (this.pending.length > 0 && !this.scheduled) {
          this.scheduled = true;
          setImmediate(() => this.drain());
        }
      });
  }
}

/** A caller-supplied dedup key makes an item's outcome depend on its claim. */
function hasKeysToClaim(call: Call): boolean {
  return call.items.some((item) => item.kind === 'event' && needsClaim(item));
}

function inboxRequests(group: readonly Call[], accepted: ReadonlyArray<readonly EventItem[]>): InboxRequests {
  // The four fields named, not a spread of the call: a spread copies every field of every call in
  // the acknowledging commit's hot path.
  return group.map((call, i) => ({
    workspaceId: call.workspaceId,
    requestId: call.requestId,
    receivedAt: call.receivedAt,
    events: accepted[i] ?? [],
  }));
}

/** Rejections already written (or queued to be written) to the events log with their request. */
const LOGGED = new WeakSet<AppError>();

function markLogged(items: ClaimedItem[]): void {
  for (const { item } of items) if (item.kind === 'rejected') LOGGED.add(item.error);
}

export function isLoggedRejection(error: unknown): boolean {
  return typeof error === 'object' && error !== null && LOGGED.has(error as AppError);
}

const COALESCERS = new WeakMap<AppContext, Coalescer>();

/** Are acknowledgements waiting or in flight in this process (a sign of load)? */
export function commitsInFlight(ctx: AppContext): boolean {
  return COALESCERS.get(ctx)?.busy === true;
}

export function commitEvents(
  ctx: AppContext,
  workspaceId: string,
  requestId: string,
  receivedAt: number,
  items: CommitItem[],
  options: { deferrable?: boolean } = {},
): Promise<CommitOutcome[]> {
  const thread = ingestThreadOf(ctx);
  if (thread !== undefined) {
    const deferrable = options.deferrable === true;
    return new Promise((resolve, reject) =>
      thread.commit(
        { workspaceId, requestId, receivedAt, deferrable, items },
        (outcomes) => {
          // The thread wrote the rejections to the events log with their request.
          for (const item of items) if (item.kind === 'rejected') LOGGED.add(item.error);
          resolve(outcomes);
        },
        reject,
      ),
    );
  }
  let coalescer = COALESCERS.get(ctx);
  if (coalescer === undefined) {
    coalescer = new Coalescer(ctx);
    COALESCERS.set(ctx, coalescer);
  }
  const target = coalescer;
  const deferrable = options.deferrable === true;
  return new Promise((resolve, reject) =>
    target.add({ workspaceId, requestId, receivedAt, items, deferrable, resolve, reject }),
  );
}
