import type { Transaction } from 'kysely';
import type { AppContext } from '../context/context.js';
import { loadCustomEvents } from '../events/custom-events.js';
import { newId } from '../ids/ids.js';
import { insertInOneStatement, rowWriterOf } from '../storage/row-writer.js';
import type { Database } from '../storage/schema.js';
import type { EventLogTable, IngestInboxTable } from '../storage/tables/ingest.js';
import { getWorkspace } from '../workspaces/workspaces.js';
import { prepareItems } from './accept.js';
import { commitsInFlight } from './commit.js';
import { acceptedItems, type LoggedCall } from './commit-items.js';
import { claimKeys } from './dedup-keys.js';
import { inboxOf, ingestThreadOf } from './inbox.js';
import { parseJsonBody } from './json-text.js';
import { persistEvents, writeLogRows } from './persist.js';
import { type SegmentBatch, segmentBatchItems } from './surfaces/segment.js';

/**
 * The journal: under load, a Segment batch is acknowledged as soon as its body is durable, as
 * Segment's and RudderStack's gateways do. One inbox row holds the batch as received and one
 * events-log row (status `queued`) records the request; the processor later reads the items,
 * normalizes them, claims their `messageId`s and writes events and per-item log rows exactly as the
 * acknowledging path would have, replacing the `queued` row, all in one transaction.
 *
 * What the caller gives up: the per-item outcomes (accepted, duplicate, rejected) in the response, since
 * they are decided later; Segment's own API answers a batch with `{ "success": true }` and its
 * libraries read nothing more. What it keeps: a 200 still means committed, a repeated `messageId`
 * is still stored once, and every item's outcome is in the events log once processed.
 *
 * Why: an acknowledgement that claims and logs each item costs ~35 µs of the event loop per event,
 * this one ~1 insert per request.
 */

/** The inbox row body of a journaled request: the request's JSON text, wrapped. */
const PREFIX = '{"journal":{"surface":"segment","body":';

/** Journaled requests being written (a sign of load, like acknowledgements in flight). */
const WRITING = new WeakMap<AppContext, number>();

/**
 * Journal this request? Only under load (events waiting to be processed, or acknowledgements in
 * flight), so a quiet system answers with every item's outcome. With the ingest thread, only through
 * its acknowledgement journal (ack-journal.ts): this event loop does not write to SQLite then.
 */
export function journalable(ctx: AppContext): boolean {
  const inbox = inboxOf(ctx);
  const thread = ingestThreadOf(ctx);
  if (thread !== undefined) return thread.journaling && inbox.backlog > 0;
  if (!inbox.enabled) return false;
  return inbox.backlog > 0 || (WRITING.get(ctx) ?? 0) > 0 || commitsInFlight(ctx);
}

export interface JournalRequest {
  workspaceId: string;
  requestId: string;
  receivedAt: number;
  /** The batch as JSON text, without credentials (the body as received when it carried none). */
  text: string;
  /** How many messages it holds. */
  events: number;
}

/** Commits the request's inbox row and its `queued` events-log row; resolves after the commit. */
export async function journalRequest(ctx: AppContext, request: JournalRequest): Promise<void> {
  const inbox = inboxOf(ctx);
  WRITING.set(ctx, (WRITING.get(ctx) ?? 0) + 1);
  try {
    // Backpressure: past the backlog limit the request waits for the processor.
    await inbox.belowLimit();
    const parts = journalRows(request, ctx.clock.now());
    // With the ingest thread: one line of the acknowledgement journal, applied by the thread.
    const thread = ingestThreadOf(ctx);
    if (thread?.journalRecord({ log: parts[0].rows, inbox: parts[1].rows }, request.events)) return;
    // PostgreSQL: both rows in one statement, atomic without a transaction (one round trip).
    const written =
      ctx.storage.capabilities.concurrentWriters &&
      (await ctx.writes.enqueueStatement((db) => insertInOneStatement(db, parts)));
    if (!written) {
      const writer = rowWriterOf(ctx.storage.db);
      await ctx.writes.enqueue(async (trx) => {
        for (const part of parts) await writer.insert(trx, part.table, part.rows);
      });
    }
    inbox.committed.deferred += request.events;
    inbox.added(request.events);
  } finally {
    WRITING.set(ctx, (WRITING.get(ctx) ?? 1) - 1);
  }
}

/** The rows that journal a request: its `queued` events-log row and its inbox row. */
export function journalRows(
  request: JournalRequest,
  now: number,
): [{ table: 'events_log'; rows: EventLogTable[] }, { table: 'ingest_inbox'; rows: IngestInboxTable[] }] {
  const row: IngestInboxTable = {
    workspace_id: request.workspaceId,
    inbox_id: newId('inb', request.receivedAt),
    request_id: request.requestId,
    received_at: request.receivedAt,
    events: request.events,
    logged: 0,
    body: `${PREFIX}${request.text}}}`,
    attempts: 0,
    next_attempt_at: now,
    last_error: null,
  };
  return [
    { table: 'events_log', rows: [queuedLogRow(request)] },
    { table: 'ingest_inbox', rows: [row] },
  ];
}

function queuedLogRow(request: JournalRequest): EventLogTable {
  return {
    workspace_id: request.workspaceId,
    log_id: newId('log', request.receivedAt),
    request_id: request.requestId,
    surface: 'segment',
    status: 'queued',
    http_status: 200,
    event_name: null,
    event_id: null,
    error_code: null,
    error_message: null,
    error_field: null,
    // The items' own (redacted) payloads are logged when they are processed.
    payload: JSON.stringify({ queued: request.events }),
    received_at: request.receivedAt,
  };
}

export function isJournaled(body: string): boolean {
  return body.startsWith(PREFIX);
}

/**
 * Processes one journaled request inside the caller's transaction (the one that deletes its inbox
 * row): items prepared as the acknowledging path prepares them, keys claimed, items logged, events
 * persisted, and the `queued` log row removed.
 */
export async function processJournaled(
  trx: Transaction<Database>,
  ctx: AppContext,
  row: Pick<IngestInboxTable, 'workspace_id' | 'request_id' | 'received_at' | 'body'>,
): Promise<void> {
  const workspaceId = row.workspace_id;
  await trx
    .deleteFrom('events_log')
    .where('workspace_id', '=', workspaceId)
    .where('request_id', '=', row.request_id)
    .where('status', '=', 'queued')
    .execute();
  const workspace = await getWorkspace(trx, workspaceId);
  // The workspace was deleted since: its data is gone, and so are these events.
  if (workspace === undefined) return;
  // Parsed as the request was (the body may carry what the lenient parser forgave).
  const body = (parseJsonBody(row.body) as { journal: { body: SegmentBatch } }).journal.body;
  const receivedAt = Number(row.received_at);
  const items = prepareItems(
    segmentBatchItems(body),
    workspace,
    await loadCustomEvents(trx, workspaceId),
    row.request_id,
    receivedAt,
  );
  // Logged now: log ids are the live stream's cursor, so they carry the time the rows appear.
  const call: LoggedCall = { workspaceId, requestId: row.request_id, receivedAt, loggedAt: ctx.clock.now(), items };
  const claimed = await claimKeys(trx, rowWriterOf(ctx.storage.db), [call]);
  await writeLogRows(trx, ctx, [call], claimed);
  await persistEvents(
    trx,
    ctx,
    acceptedItems(claimed[0] ?? []).map((item) => item.event),
  );
}
