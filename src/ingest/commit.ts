import type { Transaction } from 'kysely';
import type { AppContext } from '../context/context.js';
import type { AppError } from '../errors/codes.js';
import { type StoredEvent, toEventRow } from '../events/stored-event.js';
import { newId } from '../ids/ids.js';
import type { Database } from '../storage/schema.js';
import type { EventLogTable } from '../storage/tables/ingest.js';
import { EVENT_HOOKS } from './event-hooks.js';
import { redactedJson, stripNul } from './redact.js';

export type CommitItem =
  | { kind: 'event'; event: StoredEvent; surface: string; raw: unknown }
  | { kind: 'rejected'; error: AppError; surface: string; name: string | undefined; raw: unknown };

export type CommitOutcome =
  | { status: 'accepted'; id: string }
  | { status: 'duplicate'; id: string }
  | { status: 'rejected'; error: AppError };

interface Call {
  workspaceId: string;
  requestId: string;
  receivedAt: number;
  items: CommitItem[];
  resolve: (outcomes: CommitOutcome[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Requests arriving in the same I/O turn are written by ONE job of the group-commit queue, so the
 * database sees a few multi-row statements per batch instead of several statements per event.
 * If that combined job fails (a hook threw for one event), each request is retried in its own job,
 * so one bad request never fails its neighbours.
 */
class Coalescer {
  private pending: Call[] = [];
  private scheduled = false;

  constructor(private readonly ctx: AppContext) {}

  add(call: Call): void {
    this.pending.push(call);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  private drain(): void {
    this.scheduled = false;
    const calls = this.pending;
    this.pending = [];
    if (calls.length === 0) return;
    this.ctx.writes
      .enqueue((trx) => writeCalls(trx, this.ctx, calls))
      .then(
        (results) => {
          for (const [i, call] of calls.entries()) call.resolve(results[i] ?? []);
        },
        (error: unknown) => {
          if (calls.length === 1) {
            calls[0]?.reject(error);
            return;
          }
          for (const call of calls) {
            this.ctx.writes
              .enqueue((trx) => writeCalls(trx, this.ctx, [call]))
              .then(
                (results) => call.resolve(results[0] ?? []),
                (err: unknown) => call.reject(err),
              );
          }
        },
      );
  }
}

/** Rejections already written to the events log with their request (the edge must not log them again). */
const LOGGED = new WeakSet<AppError>();

export function isLoggedRejection(error: unknown): boolean {
  return typeof error === 'object' && error !== null && LOGGED.has(error as AppError);
}

const COALESCERS = new WeakMap<AppContext, Coalescer>();

export function commitEvents(
  ctx: AppContext,
  workspaceId: string,
  requestId: string,
  receivedAt: number,
  items: CommitItem[],
): Promise<CommitOutcome[]> {
  let coalescer = COALESCERS.get(ctx);
  if (coalescer === undefined) {
    coalescer = new Coalescer(ctx);
    COALESCERS.set(ctx, coalescer);
  }
  const target = coalescer;
  return new Promise((resolve, reject) => target.add({ workspaceId, requestId, receivedAt, items, resolve, reject }));
}

const CHUNK = 200;

function chunks<T>(list: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

async function existingIds(
  trx: Transaction<Database>,
  workspaceId: string,
  keys: string[],
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const part of chunks(keys, 500)) {
    const rows = await trx
      .selectFrom('events')
      .select(['event_id', 'dedup_key'])
      .where('workspace_id', '=', workspaceId)
      .where('dedup_key', 'in', part)
      .execute();
    for (const row of rows) found.set(row.dedup_key, row.event_id);
  }
  return found;
}

/** Writes every call's events and log rows inside one transaction; returns each call's outcomes. */
async function writeCalls(trx: Transaction<Database>, ctx: AppContext, calls: Call[]): Promise<CommitOutcome[][]> {
  const outcomes: CommitOutcome[][] = calls.map((call) => new Array<CommitOutcome>(call.items.length));
  // Events per workspace, in arrival order, with where their outcome goes.
  const byWorkspace = new Map<string, Array<{ event: StoredEvent; call: number; item: number }>>();
  for (const [c, call] of calls.entries()) {
    for (const [i, item] of call.items.entries()) {
      const slot = outcomes[c] as CommitOutcome[];
      if (item.kind === 'rejected') {
        slot[i] = { status: 'rejected', error: item.error };
        continue;
      }
      let list = byWorkspace.get(item.event.workspaceId);
      if (list === undefined) {
        list = [];
        byWorkspace.set(item.event.workspaceId, list);
      }
      list.push({ event: item.event, call: c, item: i });
    }
  }

  for (const [workspaceId, entries] of byWorkspace) {
    // Keys the pipeline generated (the event's own new id) cannot exist yet: only caller keys are looked up.
    const keys = [...new Set(entries.filter((e) => e.event.dedupKey !== e.event.id).map((e) => e.event.dedupKey))];
    const known = keys.length === 0 ? new Map<string, string>() : await existingIds(trx, workspaceId, keys);
    const fresh: typeof entries = [];
    // Repeats of a key first seen in this batch: answered once the first one's fate is known.
    const repeats: typeof entries = [];
    const firstOfKey = new Set<string>();
    for (const entry of entries) {
      const slot = outcomes[entry.call] as CommitOutcome[];
      const existing = known.get(entry.event.dedupKey);
      if (existing !== undefined) {
        // Stored earlier: a duplicate runs no hooks.
        slot[entry.item] = { status: 'duplicate', id: existing };
      } else if (firstOfKey.has(entry.event.dedupKey)) {
        repeats.push(entry);
      } else {
        firstOfKey.add(entry.event.dedupKey);
        fresh.push(entry);
      }
    }
    if (EVENT_HOOKS.resolvePeople !== undefined && fresh.length > 0) {
      // One identifier lookup for the whole batch instead of several queries per event.
      const ids = await EVENT_HOOKS.resolvePeople(
        trx,
        ctx,
        fresh.map((e) => e.event),
      );
      for (const [i, entry] of fresh.entries()) entry.event.personId = ids[i] ?? null;
    } else if (EVENT_HOOKS.resolvePerson !== undefined) {
      for (const { event } of fresh) event.personId = await EVENT_HOOKS.resolvePerson(trx, ctx, event);
    }
    const inserted = new Set<string>();
    for (const part of chunks(fresh)) {
      const rows = await trx
        .insertInto('events')
        .values(part.map((e) => toEventRow(e.event)))
        .onConflict((oc) => oc.columns(['workspace_id', 'dedup_key']).doNothing())
        .returning('event_id')
        .execute();
      for (const row of rows) inserted.add(row.event_id);
    }
    const lost = fresh.filter((e) => !inserted.has(e.event.id));
    // Another process stored the same key between our check and our insert (PostgreSQL only).
    const winners =
      lost.length === 0
        ? new Map<string, string>()
        : await existingIds(
            trx,
            workspaceId,
            lost.map((e) => e.event.dedupKey),
          );
    const storedId = new Map<string, string>();
    const stored: StoredEvent[] = [];
    for (const entry of fresh) {
      const slot = outcomes[entry.call] as CommitOutcome[];
      if (inserted.has(entry.event.id)) {
        slot[entry.item] = { status: 'accepted', id: entry.event.id };
        storedId.set(entry.event.dedupKey, entry.event.id);
        stored.push(entry.event);
        for (const hook of EVENT_HOOKS.afterInsert) await hook(trx, ctx, entry.event);
      } else {
        const winner = winners.get(entry.event.dedupKey);
        // Unreachable unless the winner was deleted in between: fail the job so it is retried.
        if (winner === undefined) throw new Error(`dedup key conflict without a stored event (${workspaceId})`);
        slot[entry.item] = { status: 'duplicate', id: winner };
        storedId.set(entry.event.dedupKey, winner);
      }
    }
    if (stored.length > 0) for (const hook of EVENT_HOOKS.afterInsertBatch ?? []) await hook(trx, ctx, stored);
    for (const entry of repeats) {
      const id = storedId.get(entry.event.dedupKey);
      if (id === undefined) throw new Error('repeated dedup key without a first occurrence');
      (outcomes[entry.call] as CommitOutcome[])[entry.item] = { status: 'duplicate', id };
    }
  }

  const logRows: EventLogTable[] = [];
  for (const [c, call] of calls.entries()) {
    for (const [i, item] of call.items.entries()) {
      const outcome = (outcomes[c] as CommitOutcome[])[i] as CommitOutcome;
      logRows.push(logRow(call, item, outcome));
    }
  }
  for (const part of chunks(logRows)) await trx.insertInto('events_log').values(part).execute();
  for (const call of calls) for (const item of call.items) if (item.kind === 'rejected') LOGGED.add(item.error);
  return outcomes;
}

function logRow(call: Call, item: CommitItem, outcome: CommitOutcome): EventLogTable {
  const name = item.kind === 'event' ? item.event.originalName : (item.name ?? null);
  const base = {
    workspace_id: call.workspaceId,
    log_id: newId('log', call.receivedAt),
    request_id: call.requestId,
    surface: item.surface,
    event_name: name === null ? null : stripNul(name).slice(0, 256),
    payload: redactedJson(item.raw),
    received_at: call.receivedAt,
  };
  switch (outcome.status) {
    case 'accepted':
    case 'duplicate':
      return {
        ...base,
        status: outcome.status,
        http_status: outcome.status === 'accepted' ? 202 : 200,
        event_id: outcome.id,
        error_code: null,
        error_message: null,
        error_field: null,
      };
    case 'rejected':
      return {
        ...base,
        status: 'rejected',
        http_status: outcome.error.status,
        event_id: null,
        error_code: outcome.error.code,
        error_message: stripNul(outcome.error.message),
        error_field: outcome.error.field === undefined ? null : stripNul(outcome.error.field),
      };
  }
}
