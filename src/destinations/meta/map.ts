import type { ClickIds, StoredEvent } from '../../events/stored-event.js';
import {
  compact,
  eventValue,
  hashWith,
  normCity,
  normCountry,
  normEmail,
  normExternalId,
  normName,
  normPhoneDigits,
  normState,
  normZip,
  unixSeconds,
} from '../normalize.js';
import type { DeliveryItem, MapContext, MapResult } from '../types.js';
import type { MetaSettings } from './settings.js';

/** Meta CAPI server event (specs/destinations.md §1.3-1.8). */
export interface MetaServerEvent {
  event_name: string;
  event_time: number;
  event_id: string;
  action_source: string;
  event_source_url?: string;
  referrer_url?: string;
  user_data: Record<string, string | string[]>;
  custom_data?: Record<string, unknown>;
  data_processing_options?: string[];
  data_processing_options_country?: number;
  data_processing_options_state?: number;
}

/** Sources that are billing/CRM systems rather than a browser. */
const SYSTEM_SOURCES = new Set(['stripe', 'hubspot', 'salesforce', 'pipedrive', 'crm', 'conversions', 'dub']);

/**
 * `fbc` = `fb.1.<ms the fbclid was first seen>.<fbclid>` (§1.7): a value the browser already built is
 * passed through verbatim; otherwise it is minted from the fbclid with its first-seen time, never "now".
 */
export function buildFbc(
  userFbc: string | undefined,
  clickIds: ClickIds,
  fbclidFirstSeenAt: number | undefined,
): string | undefined {
  if (userFbc !== undefined && userFbc.split('.').length >= 4) return userFbc;
  if (clickIds.fbclid === undefined || clickIds.fbclid === '') return undefined;
  if (fbclidFirstSeenAt === undefined) return undefined;
  return `fb.1.${fbclidFirstSeenAt}.${clickIds.fbclid}`;
}

// A request whose customer parameters are only a subset of one of these is rejected as too broad (§1.4).
const TOO_BROAD = [
  ['ct', 'country', 'st', 'zp', 'ge', 'client_user_agent'],
  ['db', 'client_user_agent'],
  ['fn', 'ge'],
  ['ln', 'ge'],
];

export function isTooBroad(userData: Record<string, unknown>): boolean {
  const keys = Object.keys(userData);
  if (keys.length === 0) return true;
  return TOO_BROAD.some((set) => keys.every((k) => set.includes(k)));
}

const CUSTOM_KEYS = [
  'content_ids',
  'contents',
  'content_type',
  'content_name',
  'content_category',
  'num_items',
  'predicted_ltv',
  'net_revenue',
  'search_string',
  'status',
  'delivery_category',
];

function list(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : [value];
}

export function metaUserData(
  event: StoredEvent,
  ctx: MapContext,
  fbclidFirstSeenAt: number | undefined,
): Record<string, string | string[]> {
  const u = event.userData;
  const country = u.country === undefined ? undefined : normCountry(u.country);
  const strip = ctx.privacy.stripIpUserAgent;
  return compact({
    em: list(hashWith(u.email, normEmail)),
    ph: list(hashWith(u.phone, (raw) => normPhoneDigits(raw, u.country ?? ctx.defaultCountry))),
    fn: list(hashWith(u.firstName, normName)),
    ln: list(hashWith(u.lastName, normName)),
    ct: list(hashWith(u.city, normCity)),
    st: list(hashWith(u.state, normState)),
    zp: list(hashWith(u.zip, (raw) => normZip(raw, country))),
    country: list(hashWith(u.country, normCountry)),
    external_id: list(hashWith(u.externalId, normExternalId)),
    client_ip_address: strip ? undefined : u.ip,
    client_user_agent: strip ? undefined : u.userAgent,
    fbc: buildFbc(u.fbc, event.clickIds, fbclidFirstSeenAt),
    fbp: u.fbp,
  }) as Record<string, string | string[]>;
}

export function mapMetaEvent(item: DeliveryItem, settings: MetaSettings, ctx: MapContext): MapResult<MetaServerEvent> {
  const { event } = item;
  const userData = metaUserData(event, ctx, item.fbclidFirstSeenAt);
  if (isTooBroad(userData)) {
    return {
      ok: false,
      reason: 'not enough customer information for Meta to match (send email, phone, fbc/fbp or IP + user agent)',
    };
  }
  const name = item.platformEventName ?? event.name;
  const money = eventValue(event);
  if (name === 'Purchase' && money === undefined)
    return { ok: false, reason: 'Meta requires value and currency on Purchase' };
  const customData: Record<string, unknown> = compact({
    value: money?.value,
    currency: money?.currency,
    order_id: event.context.orderId,
  });
  for (const key of CUSTOM_KEYS) if (event.properties[key] !== undefined) customData[key] = event.properties[key];
  const website = event.context.pageUrl !== undefined && userData.client_user_agent !== undefined;
  const actionSource =
    settings.actionSource ?? (website ? 'website' : SYSTEM_SOURCES.has(event.source) ? 'system_generated' : 'other');
  const out: MetaServerEvent = compact({
    event_name: name,
    event_time: unixSeconds(event.occurredAt),
    event_id: event.dedupKey,
    action_source: actionSource,
    event_source_url: event.context.pageUrl,
    referrer_url: event.context.referrer,
    user_data: userData,
    custom_data: Object.keys(customData).length > 0 ? customData : undefined,
  });
  if (ctx.privacy.limitedDataUse) {
    out.data_processing_options = ['LDU'];
    out.data_processing_options_country = ctx.privacy.ldpCountry;
    out.data_processing_options_state = ctx.privacy.ldpState;
  }
  return { ok: true, payload: out };
}
