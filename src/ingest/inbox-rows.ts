import type { Transaction } from 'kysely';
import type { StoredEvent } from '../events/stored-event.js';
import { newId } from '../ids/ids.js';
import type { RowWriter } from '../storage/row-writer.js';
import type { Database } from '../storage/schema.js';
import type { IngestInboxTable } from '../storage/tables/ingest.js';

/** What an inbox row holds: the request's accepted events, prepared (normalized, named, with ids). */
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

/** One inbox row per request that has accepted events, written with the acknowledgement (its transaction or statement). */
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
  for (const request of requests) {
    if (request.events.length === 0) continue;
    // An InboxBody, written from the events' JSON texts.
    const parts = request.events.map((event) => (typeof event === 'string' ? event : JSON.stringify(event)));
    rows.push({
      workspace_id: request.workspaceId,
      inbox_id: newId('inb', request.receivedAt),
      request_id: request.requestId,
      received_at: request.receivedAt,
      events: request.events.length,
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
