import type { AppContext } from '../context/context.js';
import { AppError } from '../errors/codes.js';
import { firstIdAt, newId } from '../ids/ids.js';
import type { EventLogTable } from '../storage/tables/ingest.js';
import { redactedJson, stripNul } from './redact.js';

/** `queued`: a journaled request not processed yet (its items' rows replace it; see journal.ts). */
export type LogStatus = 'accepted' | 'duplicate' | 'rejected' | 'queued';

export interface EventLogEntry {
  id: string;
  requestId: string;
  surface: string;
  status: string;
  httpStatus: number;
  eventName: string | null;
  eventId: string | null;
  error: { code: string; message: string; field: string | null } | null;
  payload: unknown;
  receivedAt: string;
}

export function toLogEntry(row: EventLogTable): EventLogEntry {
  let payload: unknown;
  try {
    payload = JSON.parse(row.payload);
  } catch {
    payload = row.payload;
  }
  return {
    id: row.log_id,
    requestId: row.request_id,
    surface: row.surface,
    status: row.status,
    httpStatus: Number(row.http_status),
    eventName: row.event_name,
    eventId: row.event_id,
    error:
      row.error_code === null
        ? null
        : { code: row.error_code, message: row.error_message ?? '', field: row.error_field },
    payload,
    receivedAt: new Date(Number(row.received_at)).toISOString(),
  };
}

export interface LogFilters {
  status?: LogStatus | undefined;
  eventName?: string | undefined;
  requestId?: string | undefined;
  since?: number | undefined;
  cursor?: string | undefined;
  limit: number;
}

/** Newest first; the cursor is the last entry's id of the previous page. */
export async function listEventsLog(
  ctx: AppContext,
  workspaceId: string,
  filters: LogFilters,
): Promise<{ data: EventLogEntry[]; nextCursor: string | null }> {
  let query = ctx.storage.db.selectFrom('events_log').selectAll().where('workspace_id', '=', workspaceId);
  if (filters.status !== undefined) query = query.where('status', '=', filters.status);
  if (filters.eventName !== undefined) query = query.where('event_name', '=', filters.eventName);
  if (filters.requestId !== undefined) query = query.where('request_id', '=', filters.requestId);
  // A log id encodes its row's arrival time (received_at): the primary key serves the time filter.
  if (filters.since !== undefined) query = query.where('log_id', '>=', firstIdAt('log', filters.since));
  if (filters.cursor !== undefined) query = query.where('log_id', '<', filters.cursor);
  const rows = await query
    .orderBy('log_id', 'desc')
    .limit(filters.limit + 1)
    .execute();
  const page = rows.slice(0, filters.limit);
  return {
    data: page.map(toLogEntry),
    nextCursor: rows.length > filters.limit ? (page[page.length - 1]?.log_id ?? null) : null,
  };
}

/**
 * Rows that arrived at or after `since` (ms), oldest first (log ids sort by arrival time): the live
 * stream polls this with an overlap window and drops ids it has already sent, so rows committed
 * slightly out of order across processes are still delivered once.
 */
export async function tailEventsLog(
  ctx: AppContext,
  workspaceId: string,
  since: number,
  limit = 500,
): Promise<EventLogTable[]> {
  return ctx.storage.db
    .selectFrom('events_log')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('log_id', '>=', firstIdAt('log', since))
    .orderBy('log_id')
    .limit(limit)
    .execute();
}

/**
 * A request of a known workspace that failed before its events were read (bad JSON, schema, size):
 * recorded so the log shows every request, written through the group-commit queue.
 */
export async function recordRequestFailure(
  ctx: AppContext,
  entry: { workspaceId: string; requestId: string; surface: string; error: AppError; payload: unknown },
): Promise<void> {
  const now = ctx.clock.now();
  const row: EventLogTable = {
    workspace_id: entry.workspaceId,
    log_id: newId('log', now),
    request_id: entry.requestId,
    surface: entry.surface,
    status: 'rejected',
    http_status: entry.error.status,
    event_name: null,
    event_id: null,
    error_code: entry.error.code,
    error_message: stripNul(entry.error.message).slice(0, 1000),
    error_field: (entry.error.field === undefined ? undefined : stripNul(entry.error.field)) ?? null,
    payload: redactedJson(entry.payload ?? null, 8 * 1024),
    received_at: now,
  };
  await ctx.writes.enqueue(async (trx) => {
    await trx.insertInto('events_log').values(row).execute();
  });
}

export function assertLogStatus(value: string | undefined): LogStatus | undefined {
  if (value === undefined) return undefined;
  if (value === 'accepted' || value === 'duplicate' || value === 'rejected' || value === 'queued') return value;
  throw new AppError('validation_failed', 'status must be accepted, duplicate, rejected or queued', 'status');
}
