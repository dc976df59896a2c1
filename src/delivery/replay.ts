import type { AppContext } from '../context/context.js';
import { AppError } from '../errors/codes.js';
import { wakeWorkers } from './state.js';

export interface ReplayFilter {
  destinationId?: string | undefined;
  /** ms since epoch, on the event's time */
  since?: number | undefined;
  until?: number | undefined;
  eventName?: string | undefined;
  eventIds?: string[] | undefined;
  /** Also re-send rows that were skipped (e.g. routing changed since); delivered rows are never re-sent. */
  includeSkipped?: boolean | undefined;
}

/**
 * Re-queues deliveries that failed (dead-lettered), optionally skipped ones too, for the matching
 * destination/time/event filter. Delivered rows are never replayed: at most once after success.
 */
export async function replayDeliveries(
  ctx: AppContext,
  workspaceId: string,
  filter: ReplayFilter,
): Promise<{ replayed: number }> {
  if (filter.destinationId !== undefined) {
    const found = await ctx.storage.db
      .selectFrom('destinations')
      .select('destination_id')
      .where('workspace_id', '=', workspaceId)
      .where('destination_id', '=', filter.destinationId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (found === undefined)
      throw new AppError('not_found', `destination ${filter.destinationId} does not exist`, 'destinationId');
  }
  const now = ctx.clock.now();
  const statuses: Array<'dead' | 'skipped'> = filter.includeSkipped === true ? ['dead', 'skipped'] : ['dead'];
  let query = ctx.storage.db
    .updateTable('delivery_outbox')
    .set({
      status: 'pending',
      next_attempt_at: now,
      attempts: 0,
      lease_owner: null,
      lease_until: null,
      updated_at: now,
    })
    .where('workspace_id', '=', workspaceId)
    .where('status', 'in', statuses);
  if (filter.destinationId !== undefined) query = query.where('destination_id', '=', filter.destinationId);
  if (filter.since !== undefined) query = query.where('event_occurred_at', '>=', filter.since);
  if (filter.until !== undefined) query = query.where('event_occurred_at', '<', filter.until);
  if (filter.eventName !== undefined) query = query.where('event_name', '=', filter.eventName);
  if (filter.eventIds !== undefined && filter.eventIds.length > 0)
    query = query.where('event_id', 'in', filter.eventIds);
  const result = await query.executeTakeFirst();
  const replayed = Number(result.numUpdatedRows);
  if (replayed > 0) wakeWorkers(ctx.storage);
  return { replayed };
}
