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
  const name = item.kind === 'event' ? item.key.originalName : (item.name ?? null);
  const error = outcome.status === 'rejected' ? outcome.error : undefined;
  return row(
    call.workspaceId,
    newId('log', call.loggedAt ?? call.receivedAt),
    call.requestId,
    item.surface,
    outcome.status,
    error !== undefined ? error.status : outcome.status === 'accepted' ? 202 : 200,
    name,
    outcome.status === 'rejected' ? null : outcome.id,
    error ?? null,
    item.payload,
    call.receivedAt,
  );
}

/** The row of an accepted event whose log entry an inbox row carried: the same row logRow writes. */
export function acceptedLogRow(
  workspaceId: string,
  logId: string,
  surface: string,
  payload: string,
  event: Pick<StoredEvent, 'id' | 'originalName' | 'requestId' | 'receivedAt'>,
): EventLogTable {
  return row(
    workspaceId,
    logId,
    event.requestId,
    surface,
    'accepted',
    202,
    event.originalName,
    event.id,
    null,
    payload,
    event.receivedAt,
  );
}

function row(
  workspaceId: string,
  logId: string,
  requestId: string,
  surface: string,
  status: CommitOutcome['status'],
  httpStatus: number,
  name: string | null,
  eventId: string | null,
  error: { code: string; message: string; field?: string | undefined } | null,
  payload: string,
  receivedAt: number,
): EventLogTable {
  // One object literal of one shape for every row (hot path: one row per ingested event).
  return {
    workspace_id: workspaceId,
    log_id: logId,
    request_id: requestId,
    surface,
    status,
    http_status: httpStatus,
    event_name: name === null ? null : stripNul(name).slice(0, 256),
    event_id: eventId,
    error_code: error !== null ? error.code : null,
    error_message: error !== null ? stripNul(error.message) : null,
    error_field: error?.field === undefined ? null : stripNul(error.field),
    payload,
    received_at: receivedAt,
  };
}
