/** One row per event a request carried (or per request when it failed before its events were read). */
export interface EventLogTable {
  workspace_id: string;
  /** `log_…`, time-sortable: the cursor of `GET /api/v1/events-log`. */
  log_id: string;
  request_id: string;
  /** cometly, capture, segment, conversions, dub, pixel, ... */
  surface: string;
  /** accepted | duplicate | rejected, or queued (a journaled request, until processed) */
  status: string;
  http_status: number;
  /** The event name as sent (null when the request could not be read). */
  event_name: string | null;
  /** The stored event (accepted) or the original (duplicate). */
  event_id: string | null;
  error_code: string | null;
  error_message: string | null;
  error_field: string | null;
  /** JSON: the payload as received, secrets redacted. */
  payload: string;
  received_at: number;
}

/** A caller-supplied dedup key and the event it was first acknowledged as. */
export interface IngestKeyTable {
  workspace_id: string;
  dedup_key: string;
  event_id: string;
}

/**
 * Acknowledged events not processed yet (src/ingest/inbox.ts): one row per workspace per acknowledging
 * commit (the requests it took), or one journaled request (src/ingest/journal.ts).
 */
export interface IngestInboxTable {
  workspace_id: string;
  /** `inb_…`, time-sortable: processing order. */
  inbox_id: string;
  /** The journaled request, or the first of the requests the row holds (each event names its own). */
  request_id: string;
  received_at: number;
  /** How many events the body holds (for the backlog gauge). */
  events: number;
  /** How many events-log entries the body carries (inbox-rows.ts; 0 for a journaled request). */
  logged: number;
  /** JSON: the prepared events and their events-log entries, or a journaled request (journal.ts). */
  body: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
}

/** How far an acknowledgement journal file is applied, per workspace (src/ingest/ack-journal.ts). */
export interface IngestJournalTable {
  workspace_id: string;
  /** The journal file's name. */
  journal_id: string;
  /** Bytes of the file applied (every record that ends at or before it is in the database). */
  position: number;
}

export interface IngestTables {
  events_log: EventLogTable;
  ingest_keys: IngestKeyTable;
  ingest_inbox: IngestInboxTable;
  ingest_journal: IngestJournalTable;
}
