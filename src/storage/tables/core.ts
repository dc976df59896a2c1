/**
 * The core event model every domain shares (migration 0002-core). Domains that need more add their
 * own tables (and, rarely, columns) in their own migrations.
 */
export interface EventTable {
  workspace_id: string;
  event_id: string;
  /** Canonical catalog name (`Purchase`) or, for workspace custom events, the custom key (`trial.activated`). */
  name: string;
  /** 1 when `name` is a canonical catalog event, 0 for a workspace custom event. */
  is_canonical: number;
  /** The name exactly as the caller sent it (`purchase`, `Order Completed`, `custom_event_3`). */
  original_name: string;
  /** Which surface created it: api, capture, segment, conversions, dub, pixel, stripe, hubspot, ... */
  source: string;
  occurred_at: number;
  received_at: number;
  person_id: string | null;
  /** Unique per workspace: the idempotency key, event id, message id, invoice id, ... */
  dedup_key: string;
  request_id: string;
  /** Amount in minor units of `currency` (4500 = 45.00 USD; 4900 = 4900 JPY). */
  value_minor: number | null;
  currency: string | null;
  /** JSON: normalized identifiers and user data (email, phone, names, ip, userAgent, fingerprint, visitorId, externalId, fbp, fbc, ...). */
  user_data: string;
  /** JSON: click ids (fbclid, gclid, gbraid, wbraid, ttclid, li_fat_id, msclkid, tp_click_id). */
  click_ids: string;
  /** JSON: page url, referrer, UTMs, parsed user agent, order ids, tracking id. */
  context: string;
  /** JSON: free-form properties. */
  properties: string;
  /** 1 = store and attribute, but never forward to ad platforms (do_not_capi). */
  do_not_forward: number;
}

export interface PersonTable {
  workspace_id: string;
  person_id: string;
  /** Union-find parent: null for a root; set when this person was merged into another. */
  merged_into: string | null;
  created_at: number;
  updated_at: number;
}

export interface PersonIdentifierTable {
  workspace_id: string;
  /** email, phone, external_id, visitor_id, fingerprint, ip_ua, stripe_customer, hubspot_contact, ... */
  kind: string;
  value: string;
  person_id: string;
  /** strong identifiers (email, phone, external ids, visitor id) merge people; weak ones (ip_ua, fingerprint) only attach. */
  strength: 'strong' | 'weak';
  source: string;
  first_seen_at: number;
  last_seen_at: number;
}

/** Why two people became one: every merge is recorded with its evidence. */
export interface PersonMergeTable {
  workspace_id: string;
  merge_id: string;
  from_person_id: string;
  into_person_id: string;
  reason: string;
  created_at: number;
}

/** A visit or click that can take credit for a conversion. */
export interface TouchpointTable {
  workspace_id: string;
  touchpoint_id: string;
  person_id: string | null;
  visitor_id: string | null;
  occurred_at: number;
  /** click (carried a click id or tracked link) or visit (UTMs / referrer only) */
  kind: string;
  channel: string;
  platform: string;
  campaign_id: string | null;
  campaign_name: string | null;
  adset_id: string | null;
  adset_name: string | null;
  ad_id: string | null;
  ad_name: string | null;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  utm_content: string | null;
  utm_term: string | null;
  click_id_type: string | null;
  click_id: string | null;
  referrer: string | null;
  landing_url: string | null;
  /** The event that carried this touch (page view, lead, ...), if any. */
  event_id: string | null;
}

export interface CoreTables {
  events: EventTable;
  people: PersonTable;
  person_identifiers: PersonIdentifierTable;
  person_merges: PersonMergeTable;
  touchpoints: TouchpointTable;
}
