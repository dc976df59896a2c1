import type { Transaction } from 'kysely';
import type { AppContext } from '../context/context.js';
import { byWorkspace } from '../events/by-workspace.js';
import { type StoredEvent, toEventRow } from '../events/stored-event.js';
import { rowWriterOf } from '../storage/row-writer.js';
import type { Database } from '../storage/schema.js';
import type { ClaimedItem, LoggedCall } from './commit-items.js';
import { EVENT_HOOKS } from './event-hooks.js';
import { logRowsOf } from './log-rows.js';

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

/** One events-log row per item of every call, written with the acknowledgement (or the processing). */
export async function writeLogRows(
  trx: Transaction<Database>,
  ctx: AppContext,
  calls: readonly LoggedCall[],
  claimed: readonly ClaimedItem[][],
  except?: 'accepted',
): Promise<void> {
  await rowWriterOf(ctx.storage.db).insert(trx, 'events_log', logRowsOf(calls, claimed, except));
}
