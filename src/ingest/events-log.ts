import { sql } from 'kysely';
import type { AppContext } from '../context/context.js';
import { AppError } from '../errors/codes.js';
import { firstIdAt, newId, timeOfId } from '../ids/ids.js';
import type { EventLogTable } from '../storage/tables/ingest.js';
import { inboxContent } from './inbox-rows.js';
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

/**
 * Newest first; the cursor is the last entry's id of the previous page. Accepted events acknowledged
 * through the inbox are read from their inbox rows until the processor writes their log rows
 * (inbox-rows.ts). The inbox is read first: an entry the processor moves in between is then read
 * twice (and kept once), never missed.
 */
export async function listEventsLog(
  ctx: AppContext,
  workspaceId: string,
  filters: LogFilters,
): Promise<{ data: EventLogEntry[]; nextCursor: string | null }> {
  const want = filters.limit + 1;
  const queued =
    filters.status === undefined || filters.status === 'accepted'
      ? await inboxLog(ctx, workspaceId, 'desc', want, {
          since: filters.since,
          before: filters.cursor,
          eventName: filters.eventName,
          requestId: filters.requestId,
        })
      : [];
  let query = ctx.storage.db.selectFrom('events_log').selectAll().where('workspace_id', '=', workspaceId);
  if (filters.status !== undefined) query = query.where('status', '=', filters.status);
  if (filters.eventName !== undefined) query = query.where('event_name', '=', filters.eventName);
  if (filters.requestId !== undefined) query = query.where('request_id', '=', filters.requestId);
  // A log id encodes its row's arrival time (received_at): the primary key serves the time filter.
  if (filters.since !== undefined) query = query.where('log_id', '>=', firstIdAt('log', filters.since));
  if (filters.cursor !== undefined) query = query.where('log_id', '<', filters.cursor);
  const written = await query.orderBy('log_id', 'desc').limit(want).execute();
  const rows = union(queued, written, 'desc', want);
  const page = rows.slice(0, filters.limit);
  return {
    data: page.map(toLogEntry),
    nextCursor: rows.length > filters.limit ? (page[page.length - 1]?.log_id ?? null) : null,
  };
}

/**
 * Rows that arrived at or after `since` (ms), oldest first (log ids sort by arrival time), with the
 * entries inbox rows still carry: the live stream polls this with an overlap window and drops ids it
 * has already sent, so rows committed slightly out of order across processes are still delivered once.
 */
export async function tailEventsLog(
  ctx: AppContext,
  workspaceId: string,
  since: number,
  limit = 500,
): Promise<EventLogTable[]> {
  const queued = await inboxLog(ctx, workspaceId, 'asc', limit, { since });
  const written = await ctx.storage.db
    .selectFrom('events_log')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('log_id', '>=', firstIdAt('log', since))
    .orderBy('log_id')
    .limit(limit)
    .execute();
  return union(queued, written, 'asc', limit);
}

/** Both lists' rows, each id once, in `order`, the first `limit`. */
function union(
  queued: EventLogTable[],
  written: EventLogTable[],
  order: 'asc' | 'desc',
  limit: number,
): EventLogTable[] {
  if (queued.length === 0) return written;
  const byId = new Map<string, EventLogTable>();
  for (const row of queued) byId.set(row.log_id, row);
  for (const row of written) byId.set(row.log_id, row);
  const sign = order === 'asc' ? 1 : -1;
  return [...byId.values()].sort((a, b) => sign * (a.log_id < b.log_id ? -1 : 1)).slice(0, limit);
}

/** Inbox rows read per query while collecting entries. */
const INBOX_PAGE = 64;

/**
 * The first `want` (in `order` of log id) log entries that inbox rows of the workspace carry and that
 * match: logged at or after `since` (ms), id before `before`, with the event name and request id
 * given. Every entry of a row carries the row id's millisecond (inboxRowsOf), so rows are read in id
 * order, a page at a time, and reading stops past the millisecond in which `want` entries were
 * reached. A filter on the name or request id is first applied to the row's JSON by the database (a
 * substring test), so rows that cannot match are not sent or parsed.
 */
async function inboxLog(
  ctx: AppContext,
  workspaceId: string,
  order: 'asc' | 'desc',
  want: number,
  filter: {
    since?: number | undefined;
    before?: string | undefined;
    eventName?: string | undefined;
    requestId?: string | undefined;
  },
): Promise<EventLogTable[]> {
  const needles: string[] = [];
  if (filter.requestId !== undefined) needles.push(`"requestId":${JSON.stringify(filter.requestId)}`);
  // Log rows keep the first 256 characters of a name: a shorter filter names the whole original name.
  if (filter.eventName !== undefined && filter.eventName.length < 256) {
    needles.push(`"originalName":${JSON.stringify(filter.eventName)}`);
  }
  const contains = ctx.storage.dialect === 'postgres' ? 'strpos' : 'instr';
  const from = filter.since === undefined ? undefined : firstIdAt('log', filter.since);
  const beforeTime = filter.before === undefined ? undefined : timeOfId(filter.before);
  const out: EventLogTable[] = [];
  let lastTime: number | undefined;
  /** The previous page's last row: the next page starts past it. */
  let after: string | undefined;
  for (;;) {
    let query = ctx.storage.db
      .selectFrom('ingest_inbox')
      .select(['workspace_id', 'inbox_id', 'body'])
      .where('workspace_id', '=', workspaceId)
      .where('logged', '>', 0);
    if (filter.since !== undefined) query = query.where('inbox_id', '>=', firstIdAt('inb', filter.since));
    if (beforeTime !== undefined) query = query.where('inbox_id', '<', firstIdAt('inb', beforeTime + 1));
    if (after !== undefined) query = query.where('inbox_id', order === 'asc' ? '>' : '<', after);
    for (const needle of needles) query = query.where(sql<number>`${sql.raw(contains)}(body, ${needle})`, '>', 0);
    const rows = await query.orderBy('inbox_id', order).limit(INBOX_PAGE).execute();
    for (const row of rows) {
      const time = timeOfId(row.inbox_id);
      // Every entry of the rows left is later (asc) or earlier (desc) than those already taken.
      if (out.length >= want && time !== lastTime) return out;
      for (const entry of inboxContent(row).log) {
        if (from !== undefined && entry.log_id < from) continue;
        if (filter.before !== undefined && entry.log_id >= filter.before) continue;
        if (filter.eventName !== undefined && entry.event_name !== filter.eventName) continue;
        if (filter.requestId !== undefined && entry.request_id !== filter.requestId) continue;
        out.push(entry);
      }
      lastTime = time;
    }
    if (rows.length < INBOX_PAGE) return out;
    after = rows[rows.length - 1]?.inbox_id;
  }
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
