import type { StoredEvent } from '../events/stored-event.js';
import { newId } from '../ids/ids.js';
import type { EventLogTable } from '../storage/tables/ingest.js';
import type { ClaimedItem, CommitItem, CommitOutcome, LoggedCall } from './commit-items.js';
import { stripNul } from './redact.js';

/**
 * The events-log rows of every item of every call. `except: 'accepted'` leaves out the accepted
 * events' rows: an acknowledgement through the inbox carries those in its inbox row (inbox-rows.ts).
 */
export function logRowsOf(
  calls: readonly LoggedCall[],
  claimed: readonly ClaimedItem[][],
  except?: 'accepted',
): EventLogTable[] {
  const rows: EventLogTable[] = [];
  for (const [c, call] of calls.entries()) {
    for (const { item, outcome } of claimed[c] ?? []) {
      if (outcome.status !== except) rows.push(logRow(call, item, outcome));
    }
  }
  return rows;
}

function logRow(call: LoggedCall, item: CommitItem, outcome: CommitOutcome): EventLogTable {
  const error = outcome.status === 'rejected' ? outcome.error : undefined;
  return row({
    workspaceId: call.workspaceId,
    logId: newId('log', call.loggedAt ?? call.receivedAt),
    requestId: call.requestId,
    surface: item.surface,
    status: outcome.status,
    httpStatus: error !== undefined ? error.status : outcome.status === 'accepted' ? 202 : 200,
    name: item.kind === 'event' ? item.key.originalName : (item.name ?? null),
    eventId: outcome.status === 'rejected' ? null : outcome.id,
    error: error ?? null,
    payload: item.payload,
    receivedAt: call.receivedAt,
  });
}

/** The row of an accepted event whose log entry an inbox row carried: the same row logRow writes. */
export function acceptedLogRow(
  workspaceId: string,
  logId: string,
  surface: string,
  payload: string,
  event: Pick<StoredEvent, 'id' | 'originalName' | 'requestId' | 'receivedAt'>,
): EventLogTable {
  return row({
    workspaceId,
    logId,
    requestId: event.requestId,
    surface,
    status: 'accepted',
    httpStatus: 202,
    name: event.originalName,
    eventId: event.id,
    error: null,
    payload,
    receivedAt: event.receivedAt,
  });
}

interface LogFields {
  workspaceId: string;
  logId: string;
  requestId: string;
  surface: string;
  status: CommitOutcome['status'];
  httpStatus: number;
  name: string | null;
  eventId: string | null;
  error: { code: string; message: string; field?: string | undefined } | null;
  payload: string;
  receivedAt: number;
}

/** What every log row stores of its fields: text without NUL (PostgreSQL), names cut to 256. */
function row(f: LogFields): EventLogTable {
  // One object literal of one shape for every row (hot path: one row per ingested event).
  return {
    workspace_id: f.workspaceId,
    log_id: f.logId,
    request_id: f.requestId,
    surface: f.surface,
    status: f.status,
    http_status: f.httpStatus,
    event_name: f.name === null ? null : stripNul(f.name).slice(0, 256),
    event_id: f.eventId,
    error_code: f.error !== null ? f.error.code : null,
    error_message: f.error !== null ? stripNul(f.error.message) : null,
    error_field: f.error?.field === undefined ? null : stripNul(f.error.field),
    payload: f.payload,
    received_at: f.receivedAt,
  };
}
