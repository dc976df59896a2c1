import type { Transaction } from 'kysely';
import type { AppContext } from '../context/context.js';
import { byWorkspace } from '../events/by-workspace.js';
import { type StoredEvent, toEventRow } from '../events/stored-event.js';
import { newId } from '../ids/ids.js';
import { rowWriterOf } from '../storage/row-writer.js';
import type { Database } from '../storage/schema.js';
import type { EventLogTable } from '../storage/tables/ingest.js';
import type { ClaimedItem, CommitItem, CommitOutcome, LoggedCall } from './commit-items.js';
import { EVENT_HOOKS } from './event-hooks.js';
import { stripNul } from './redact.js';

/**
 * Writes accepted events in one transaction: the person of each (one identifier lookup per batch),
 * its row, and the hooks' rows (touchpoints, outbox). Outcomes were decided by the key claims; nothing
 * here can turn an acknowledged event into a duplicate.
 */
export async function persistEvents(
  trx: Transaction<Database>,
  ctx: AppContext,
  events: readonly StoredEvent[],
): Promise<void> {
  for (const [workspaceId, fresh] of byWorkspace(events, (e) => e.workspaceId)) {
    if (EVENT_HOOKS.resolvePeople !== undefined) {
      // One identifier lookup for the whole batch instead of several queries per event.
      const ids = await EVENT_HOOKS.resolvePeople(trx, ctx, fresh);
      for (const [i, event] of fresh.entries()) event.personId = ids[i] ?? null;
    } else if (EVENT_HOOKS.resolvePerson !== undefined) {
      for (const event of fresh) event.personId = await EVENT_HOOKS.resolvePerson(trx, ctx, event);
    }
    const inserted = await rowWriterOf(ctx.storage.db).insertNew(
      trx,
      'events',
      ['workspace_id', 'dedup_key'],
      fresh.map(toEventRow),
    );
    // The claim made each key ours; a conflict here means the claim table and the events disagree.
    if (inserted.includes(false)) throw new Error(`event rows conflict with claimed keys (${workspaceId})`);
    for (const event of fresh) for (const hook of EVENT_HOOKS.afterInsert) await hook(trx, ctx, event);
    for (const hook of EVENT_HOOKS.afterInsertBatch ?? []) await hook(trx, ctx, fresh);
  }
}

/** One events-log row per item of every call, written with the acknowledgement. */
export async function writeLogRows(
  trx: Transaction<Database>,
  ctx: AppContext,
  calls: readonly LoggedCall[],
  claimed: readonly ClaimedItem[][],
): Promise<void> {
  await rowWriterOf(ctx.storage.db).insert(trx, 'events_log', logRowsOf(calls, claimed));
}

export function logRowsOf(calls: readonly LoggedCall[], claimed: readonly ClaimedItem[][]): EventLogTable[] {
  const rows: EventLogTable[] = [];
  for (const [c, call] of calls.entries()) {
    for (const { item, outcome } of claimed[c] ?? []) rows.push(logRow(call, item, outcome));
  }
  return rows;
}

function logRow(call: LoggedCall, item: CommitItem, outcome: CommitOutcome): EventLogTable {
  const name = item.kind === 'event' ? item.key.originalName : (item.name ?? null);
  // One object literal of one shape for every row (hot path: one row per ingested event).
  const error = outcome.status === 'rejected' ? outcome.error : undefined;
  return {
    workspace_id: call.workspaceId,
    log_id: newId('log', call.loggedAt ?? call.receivedAt),
    request_id: call.requestId,
    surface: item.surface,
    status: outcome.status,
    http_status: error !== undefined ? error.status : outcome.status === 'accepted' ? 202 : 200,
    event_name: name === null ? null : stripNul(name).slice(0, 256),
    event_id: outcome.status === 'rejected' ? null : outcome.id,
    error_code: error !== undefined ? error.code : null,
    error_message: error !== undefined ? stripNul(error.message) : null,
    error_field: error?.field === undefined ? null : stripNul(error.field),
    payload: item.payload,
    received_at: call.receivedAt,
  };
}
