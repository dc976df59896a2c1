/** Destinations and the delivery outbox (migration 0006-delivery). */
export interface DestinationTable {
  workspace_id: string;
  destination_id: string;
  /** meta | google-ads | linkedin | tiktok | microsoft | webhook | warehouse */
  kind: string;
  name: string;
  enabled: number;
  /** AES-256-GCM sealed JSON of the whole config (credentials included). */
  config_sealed: string;
  /** JSON: our event name -> platform event name / conversion id, overriding the routing defaults. */
  event_name_overrides: string;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
}

/** pending (due at next_attempt_at unless leased), delivered, dead, skipped. */
export type DeliveryStatus = 'pending' | 'delivered' | 'dead' | 'skipped';

/** One row per (event, destination), written in the ingest transaction. */
export interface DeliveryOutboxTable {
  workspace_id: string;
  delivery_id: string;
  event_id: string;
  destination_id: string;
  event_name: string;
  platform_event_name: string | null;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: number;
  lease_owner: string | null;
  lease_until: number | null;
  last_error: string | null;
  event_occurred_at: number;
  created_at: number;
  updated_at: number;
  delivered_at: number | null;
}

/** The delivery log: one row per send attempt, request and response redacted. */
export interface DeliveryAttemptTable {
  workspace_id: string;
  attempt_id: string;
  delivery_id: string;
  event_id: string;
  destination_id: string;
  attempt: number;
  started_at: number;
  duration_ms: number;
  outcome: string;
  http_status: number | null;
  /** JSON: { method, url, headers, body } with secrets and raw PII removed. */
  request: string;
  response: string | null;
  error: string | null;
}

/** First sighting of a click id (Meta's fbc keeps the fbclid's first-seen time). */
export interface DeliveryClickIdTable {
  workspace_id: string;
  click_type: string;
  click_id: string;
  first_seen_at: number;
}

export interface DeliveryTables {
  delivery_click_ids: DeliveryClickIdTable;
  destinations: DestinationTable;
  delivery_outbox: DeliveryOutboxTable;
  delivery_attempts: DeliveryAttemptTable;
}
