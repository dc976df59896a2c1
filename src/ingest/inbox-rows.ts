import type { Transaction } from 'kysely';
import { byWorkspace } from '../events/by-workspace.js';
import type { StoredEvent } from '../events/stored-event.js';
import { newId } from '../ids/ids.js';
import type { RowWriter } from '../storage/row-writer.js';
import type { Database } from '../storage/schema.js';
import type { IngestInboxTable } from '../storage/tables/ingest.js';

/** What an inbox row holds: its requests' accepted events, prepared (normalized, named, with ids). */
interface InboxBody {
  events: StoredEvent[];
}

export type InboxRequests = ReadonlyArray<{
  workspaceId: string;
  requestId: string;
  receivedAt: number;
  /** Each event, or its JSON when it arrived as JSON (the ingest thread's). */
  events: ReadonlyArray<StoredEvent | string>;
}>;

/**
 * One inbox row per workspace for all the requests an acknowledging commit takes, written with the
 * acknowledgement (its transaction or statement): under load a commit takes a few dozen requests, and
 * one row instead of one per request is one insert through the table's three b-trees instead of dozens
 * (about 5 of 30 µs of CPU per acknowledged event, `bench/support/profile-ack.ts`).
 */
export async function writeToInbox(
  trx: Transaction<Database>,
  writer: RowWriter,
  requests: InboxRequests,
  now: number,
): Promise<void> {
  await writer.insert(trx, 'ingest_inbox', inboxRowsOf(requests, now));
}

export function inboxRowsOf(requests: InboxRequests, now: number): IngestInboxTable[] {
  const rows: IngestInboxTable[] = [];
  for (const [workspaceId, taken] of byWorkspace(requests, (request) => request.workspaceId)) {
    // An InboxBody, written from the events' JSON texts, in arrival order. Each event keeps its own
    // request id; the row names the first request.
    const parts: string[] = [];
    let first: InboxRequests[number] | undefined;
    for (const request of taken) {
      if (request.events.length === 0) continue;
      first ??= request;
      for (const event of request.events) parts.push(typeof event === 'string' ? event : JSON.stringify(event));
    }
    if (first === undefined) continue;
    rows.push({
      workspace_id: workspaceId,
      inbox_id: newId('inb', first.receivedAt),
      request_id: first.requestId,
      received_at: first.receivedAt,
      events: parts.length,
      body: `{"events":[${parts.join(',')}]}`,
      attempts: 0,
      next_attempt_at: now,
      last_error: null,
    });
  }
  return rows;
}

/** The events an inbox row holds. */
export function inboxEvents(row: Pick<IngestInboxTable, 'body'>): StoredEvent[] {
  return (JSON.parse(row.body) as InboxBody).events;
}
