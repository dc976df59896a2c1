import type { Transaction } from 'kysely';
import { byWorkspace } from '../events/by-workspace.js';
import type { StoredEvent } from '../events/stored-event.js';
import { newId } from '../ids/ids.js';
import type { RowWriter } from '../storage/row-writer.js';
import type { Database } from '../storage/schema.js';
import type { EventLogTable, IngestInboxTable } from '../storage/tables/ingest.js';
import { type EventItem, inboxEntry } from './commit-items.js';
import { acceptedLogRow } from './log-rows.js';

/**
 * What the events log shows of an accepted event until the processor writes its row: the log id
 * (minted at acknowledgement, so the row keeps it), the surface and the redacted payload; the rest
 * of the row is the event's.
 */
type InboxLogEntry = [logId: string, surface: string, payload: string];

/**
 * What an inbox row holds: its requests' accepted events, prepared (normalized, named, with ids), and
 * their events-log entries in the same order (`log`, absent from rows written before it existed,
 * whose log rows were written with the acknowledgement).
 */
interface InboxBody {
  events: StoredEvent[];
  log?: InboxLogEntry[];
}

export type InboxRequests = ReadonlyArray<{
  workspaceId: string;
  requestId: string;
  receivedAt: number;
  /** The accepted event items (each event, or its JSON when it arrived as JSON: the ingest thread's). */
  events: readonly EventItem[];
}>;

/**
 * One inbox row per workspace for all the requests an acknowledging commit takes, written with the
 * acknowledgement (its transaction or statement): under load a commit takes a few dozen requests, and
 * one row instead of one per request is one insert through the table's three b-trees instead of dozens
 * (about 5 of 30 µs of CPU per acknowledged event, `bench/support/profile-ack.ts`).
 *
 * The row also carries its events' events-log entries instead of one events_log row per event: the
 * processor writes those rows with the events, and until then the log's readers read them here
 * (events-log.ts). Why: the per-event log row was a third of what an acknowledgement inserted
 * (docs/durability.md).
 */
export async function writeToInbox(
  trx: Transaction<Database>,
  writer: RowWriter,
  requests: InboxRequests,
  now: number,
): Promise<void> {
  await writer.insert(trx, 'ingest_inbox', inboxRowsOf(requests, now));
}

/**
 * The rows, with `inbox_id` and every log id of a row minted at `now`: a row's log entries all carry
 * its id's millisecond, so readers find the entries of a time range through the inbox's primary key.
 */
export function inboxRowsOf(requests: InboxRequests, now: number): IngestInboxTable[] {
  const rows: IngestInboxTable[] = [];
  for (const [workspaceId, taken] of byWorkspace(requests, (request) => request.workspaceId)) {
    // An InboxBody, written from the events' JSON texts, in arrival order. Each event keeps its own
    // request id; the row names the first request.
    const events: string[] = [];
    const log: string[] = [];
    let first: InboxRequests[number] | undefined;
    for (const request of taken) {
      if (request.events.length === 0) continue;
      first ??= request;
      for (const item of request.events) {
        const event = inboxEntry(item);
        events.push(typeof event === 'string' ? event : JSON.stringify(event));
        log.push(JSON.stringify([newId('log', now), item.surface, item.payload] satisfies InboxLogEntry));
      }
    }
    if (first === undefined) continue;
    rows.push({
      workspace_id: workspaceId,
      inbox_id: newId('inb', now),
      request_id: first.requestId,
      received_at: first.receivedAt,
      events: events.length,
      logged: log.length,
      body: `{"events":[${events.join(',')}],"log":[${log.join(',')}]}`,
      attempts: 0,
      next_attempt_at: now,
      last_error: null,
    });
  }
  return rows;
}

/** The events an inbox row holds, and the events-log rows it carries for them. */
export function inboxContent(row: Pick<IngestInboxTable, 'workspace_id' | 'body'>): {
  events: StoredEvent[];
  log: EventLogTable[];
} {
  const body = JSON.parse(row.body) as InboxBody;
  const log: EventLogTable[] = [];
  for (const [i, [logId, surface, payload]] of (body.log ?? []).entries()) {
    const event = body.events[i];
    if (event !== undefined) log.push(acceptedLogRow(row.workspace_id, logId, surface, payload, event));
  }
  return { events: body.events, log };
}
