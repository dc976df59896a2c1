import { compact, eventValue, hashWith, normEmail, normExternalId, normPhoneE164, unixSeconds } from '../normalize.js';
import type { DeliveryItem, MapContext, MapResult } from '../types.js';
import type { TikTokSettings } from './settings.js';

/** TikTok event (§4.2-4.3). */
export interface TikTokEvent {
  event: string;
  event_time: number;
  event_id: string;
  user: Record<string, string>;
  properties?: Record<string, unknown>;
  page?: { url?: string; referrer?: string };
  limited_data_use?: boolean;
}

// Our catalog names that TikTok calls differently (§6).
const TIKTOK_NAMES: Record<string, string> = {
  SignUp: 'CompleteRegistration',
  LeadCaptured: 'Lead',
  DemoBooked: 'Schedule',
};
const PROPERTY_KEYS = [
  'contents',
  'content_type',
  'content_ids',
  'num_items',
  'query',
  'search_string',
  'description',
  'predicted_ltv',
  'delivery_category',
];

export function mapTikTokEvent(item: DeliveryItem, _settings: TikTokSettings, ctx: MapContext): MapResult<TikTokEvent> {
  const { event } = item;
  const u = event.userData;
  const strip = ctx.privacy.stripIpUserAgent;
  const user = compact({
    email: hashWith(u.email, normEmail),
    phone: hashWith(u.phone, (raw) => normPhoneE164(raw, u.country ?? ctx.defaultCountry)),
    external_id: hashWith(u.externalId, normExternalId),
    ttclid: event.clickIds.ttclid,
    ttp: u.ttp,
    ip: strip ? undefined : u.ip,
    user_agent: strip ? undefined : u.userAgent,
  }) as Record<string, string>;
  if (Object.keys(user).length === 0)
    return { ok: false, reason: 'TikTok needs at least one identifier (email, phone, external id, ttclid, ttp or IP)' };
  const money = eventValue(event);
  const properties: Record<string, unknown> = compact({
    value: money?.value,
    currency: money?.currency,
    order_id: event.context.orderId,
  });
  for (const key of PROPERTY_KEYS) if (event.properties[key] !== undefined) properties[key] = event.properties[key];
  const page = compact({ url: event.context.pageUrl, referrer: event.context.referrer });
  return {
    ok: true,
    payload: compact({
      event: item.platformEventName ?? TIKTOK_NAMES[event.name] ?? event.name,
      event_time: unixSeconds(event.occurredAt),
      event_id: event.dedupKey,
      user,
      properties: Object.keys(properties).length > 0 ? properties : undefined,
      page: Object.keys(page).length > 0 ? page : undefined,
      limited_data_use: ctx.privacy.limitedDataUse ? true : undefined,
    }),
  };
}
