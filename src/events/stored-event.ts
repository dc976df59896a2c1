import type { EventTable } from '../storage/tables/core.js';

/** Normalized identifiers and user data of one event (never hashed at rest; hashed on the way out). */
export interface UserData {
  email?: string;
  phone?: string;
  firstName?: string;
  lastName?: string;
  fullName?: string;
  externalId?: string;
  ip?: string;
  userAgent?: string;
  fingerprint?: string;
  /** First-party visitor id (the pixel's token(), Cometly's comet_token, Segment's anonymousId). */
  visitorId?: string;
  fbp?: string;
  fbc?: string;
  ttp?: string;
  city?: string;
  state?: string;
  zip?: string;
  country?: string;
  stripeCustomerId?: string;
  crmContactId?: string;
}

export interface ClickIds {
  fbclid?: string;
  gclid?: string;
  gbraid?: string;
  wbraid?: string;
  ttclid?: string;
  li_fat_id?: string;
  msclkid?: string;
  /** Touchpoint's own tracked-link click id (`tp_click_id`, the lead/sale seed's clickId). */
  tp_click_id?: string;
}

export interface Utm {
  source?: string;
  medium?: string;
  campaign?: string;
  content?: string;
  term?: string;
  id?: string;
}

export interface EventContext {
  pageUrl?: string;
  referrer?: string;
  utm?: Utm;
  orderId?: string;
  orderName?: string;
  checkoutToken?: string;
  /** Groups events of one contact (Cometly's tracking_id). */
  trackingId?: string;
  userAgentParsed?: { browser?: string; os?: string; device?: string };
  /** The Stripe invoice / CRM deal etc. the event came from. */
  sourceObjectId?: string;
}

/** One stored event as the domains see it (the `events` row, parsed). */
export interface StoredEvent {
  workspaceId: string;
  id: string;
  name: string;
  isCanonical: boolean;
  originalName: string;
  source: string;
  occurredAt: number;
  receivedAt: number;
  personId: string | null;
  dedupKey: string;
  requestId: string;
  valueMinor: number | null;
  currency: string | null;
  userData: UserData;
  clickIds: ClickIds;
  context: EventContext;
  properties: Record<string, unknown>;
  doNotForward: boolean;
}

export function toStoredEvent(row: EventTable): StoredEvent {
  return {
    workspaceId: row.workspace_id,
    id: row.event_id,
    name: row.name,
    isCanonical: Number(row.is_canonical) === 1,
    originalName: row.original_name,
    source: row.source,
    occurredAt: Number(row.occurred_at),
    receivedAt: Number(row.received_at),
    personId: row.person_id,
    dedupKey: row.dedup_key,
    requestId: row.request_id,
    valueMinor: row.value_minor === null ? null : Number(row.value_minor),
    currency: row.currency,
    userData: JSON.parse(row.user_data) as UserData,
    clickIds: JSON.parse(row.click_ids) as ClickIds,
    context: JSON.parse(row.context) as EventContext,
    properties: JSON.parse(row.properties) as Record<string, unknown>,
    doNotForward: Number(row.do_not_forward) === 1,
  };
}

export function toEventRow(event: StoredEvent): EventTable {
  return {
    workspace_id: event.workspaceId,
    event_id: event.id,
    name: event.name,
    is_canonical: event.isCanonical ? 1 : 0,
    original_name: event.originalName,
    source: event.source,
    occurred_at: event.occurredAt,
    received_at: event.receivedAt,
    person_id: event.personId,
    dedup_key: event.dedupKey,
    request_id: event.requestId,
    value_minor: event.valueMinor,
    currency: event.currency,
    user_data: JSON.stringify(event.userData),
    click_ids: JSON.stringify(event.clickIds),
    context: JSON.stringify(event.context),
    properties: JSON.stringify(event.properties),
    do_not_forward: event.doNotForward ? 1 : 0,
  };
}
