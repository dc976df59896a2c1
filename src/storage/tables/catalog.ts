/** Workspace event definitions and routing policy (migration 0004-catalog, owned by src/events/). */

/** A workspace custom event (`trial.activated`), optionally answering to a `custom_event_N` slot. */
export interface CustomEventTable {
  workspace_id: string;
  /** The stable key product code sends (`trial.activated`). */
  key: string;
  custom_event_id: string;
  display_name: string;
  /** 1..25: the server events API's `custom_event_N` this event answers to; null when none. */
  slot: number | null;
  /** Default value in major units of `default_currency` when an event carries none. */
  default_value: number | null;
  default_currency: string | null;
  /** JSON array of strings (plan tier, revenue-bearing, ...). */
  tags: string;
  /** JSON object: destination kind or destination id -> platform event name. */
  destination_names: string;
  archived: number;
  created_at: number;
  updated_at: number;
}

/** Per workspace, per event, per destination (a kind like `meta` or one destination id): enabled or not. */
export interface RoutingOverrideTable {
  workspace_id: string;
  /** Canonical name or custom event key. */
  event_name: string;
  /** A destination kind (`meta`, `warehouse`, ...) or a destination id (`dst_…`). */
  destination: string;
  enabled: number;
  updated_at: number;
  updated_by: string;
}

/** Per workspace destination (kind or id): the platform event name / conversion action an event is sent as. */
export interface PlatformEventNameTable {
  workspace_id: string;
  destination: string;
  event_name: string;
  platform_name: string;
  updated_at: number;
  updated_by: string;
}

/** Every change to routing, platform names and custom events: who, when, before and after. */
export interface RoutingAuditTable {
  workspace_id: string;
  change_id: string;
  /** routing | platform_name | custom_event */
  subject: string;
  event_name: string;
  /** Destination kind or id; '' for custom event changes. */
  destination: string;
  /** `tok_…`, `ses_…` or `cli`. */
  actor: string;
  at: number;
  /** JSON of the previous state; null when there was none. */
  before: string | null;
  /** JSON of the new state; null when removed (back to the default). */
  after: string | null;
}

export interface CatalogTables {
  custom_events: CustomEventTable;
  routing_overrides: RoutingOverrideTable;
  platform_event_names: PlatformEventNameTable;
  routing_audit: RoutingAuditTable;
}
