import type { AppContext } from '../context/context.js';
import { AppError } from '../errors/codes.js';
import { type StoredEvent, toStoredEvent } from '../events/stored-event.js';
import { toMajorUnits } from './normalize.js';

/** A stored event as the read API shows it: value in decimal major units (45.00 USD -> 45, 4900 JPY -> 4900). */
export interface EventView {
  id: string;
  name: string;
  isCanonical: boolean;
  originalName: string;
  source: string;
  occurredAt: string;
  receivedAt: string;
  value: number | null;
  currency: string | null;
  personId: string | null;
  dedupKey: string;
  requestId: string;
  doNotForward: boolean;
  userData: StoredEvent['userData'];
  clickIds: StoredEvent['clickIds'];
  context: StoredEvent['context'];
  properties: Record<string, unknown>;
}

export function toEventView(event: StoredEvent): EventView {
  return {
    id: event.id,
    name: event.name,
    isCanonical: event.isCanonical,
    originalName: event.originalName,
    source: event.source,
    occurredAt: new Date(event.occurredAt).toISOString(),
    receivedAt: new Date(event.receivedAt).toISOString(),
    value: event.valueMinor === null || event.currency === null ? null : toMajorUnits(event.valueMinor, event.currency),
    currency: event.currency,
    personId: event.personId,
    dedupKey: event.dedupKey,
    requestId: event.requestId,
    doNotForward: event.doNotForward,
    userData: event.userData,
    clickIds: event.clickIds,
    context: event.context,
    properties: event.properties,
  };
}

export interface EventFilters {
  name?: string | undefined;
  source?: string | undefined;
  personId?: string | undefined;
  since?: number | undefined;
  until?: number | undefined;
  cursor?: string | undefined;
  limit: number;
}

/** Newest first by event id (ids sort by creation time); the cursor is the previous page's last id. */
export async function listEvents(
  ctx: AppContext,
  workspaceId: string,
  filters: EventFilters,
): Promise<{ data: EventView[]; nextCursor: string | null }> {
  let query = ctx.storage.db.selectFrom('events').selectAll().where('workspace_id', '=', workspaceId);
  if (filters.name !== undefined) query = query.where('name', '=', filters.name);
  if (filters.source !== undefined) query = query.where('source', '=', filters.source);
  if (filters.personId !== undefined) query = query.where('person_id', '=', filters.personId);
  if (filters.since !== undefined) query = query.where('occurred_at', '>=', filters.since);
  if (filters.until !== undefined) query = query.where('occurred_at', '<', filters.until);
  if (filters.cursor !== undefined) query = query.where('event_id', '<', filters.cursor);
  const rows = await query
    .orderBy('event_id', 'desc')
    .limit(filters.limit + 1)
    .execute();
  const page = rows.slice(0, filters.limit);
  return {
    data: page.map((row) => toEventView(toStoredEvent(row))),
    nextCursor: rows.length > filters.limit ? (page[page.length - 1]?.event_id ?? null) : null,
  };
}

export async function getEvent(ctx: AppContext, workspaceId: string, eventId: string): Promise<EventView> {
  const row = await ctx.storage.db
    .selectFrom('events')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('event_id', '=', eventId)
    .executeTakeFirst();
  if (row === undefined) throw new AppError('not_found', `event ${eventId} does not exist in this workspace`, 'id');
  return toEventView(toStoredEvent(row));
}
