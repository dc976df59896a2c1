/** One row per event a request carried (or per request when it failed before its events were read). */
export interface EventLogTable {
  workspace_id: string;
  /** `log_…`, time-sortable: the cursor of `GET /api/v1/events-log`. */
  log_id: string;
  request_id: string;
  /** cometly, capture, segment, conversions, dub, pixel, ... */
  surface: string;
  /** accepted | duplicate | rejected */
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

export interface IngestTables {
  events_log: EventLogTable;
}
