import { compact, eventValue, hashWith, normEmailNoSpaces } from '../normalize.js';
import type { DeliveryItem, MapContext, MapResult } from '../types.js';
import type { LinkedInSettings } from './settings.js';

/** LinkedIn conversion event (§3.3). */
export interface LinkedInEvent {
  conversion: string;
  conversionHappenedAt: number;
  conversionValue?: { currencyCode: string; amount: string };
  eventId: string;
  user: {
    userIds: Array<{ idType: string; idValue: string }>;
    userInfo?: { firstName: string; lastName: string; companyName?: string; title?: string; countryCode?: string };
  };
}

export function mapLinkedInEvent(
  item: DeliveryItem,
  settings: LinkedInSettings,
  _ctx: MapContext,
): MapResult<LinkedInEvent> {
  const { event } = item;
  const rule =
    settings.conversionRules[event.name] ??
    (item.platformEventName !== null && /^\d+$/.test(item.platformEventName)
      ? item.platformEventName
      : settings.conversionRuleId);
  if (rule === undefined) return { ok: false, reason: `no LinkedIn conversion rule mapped for ${event.name}` };
  const u = event.userData;
  const userIds: Array<{ idType: string; idValue: string }> = [];
  const email = hashWith(u.email, normEmailNoSpaces);
  if (email) userIds.push({ idType: 'SHA256_EMAIL', idValue: email });
  // li_fat_id is a click id: sent raw, never hashed.
  if (event.clickIds.li_fat_id)
    userIds.push({ idType: 'LINKEDIN_FIRST_PARTY_ADS_TRACKING_UUID', idValue: event.clickIds.li_fat_id });
  const userInfo =
    u.firstName && u.lastName
      ? compact({
          firstName: u.firstName,
          lastName: u.lastName,
          companyName: typeof event.properties.company === 'string' ? event.properties.company : undefined,
          title: typeof event.properties.title === 'string' ? event.properties.title : undefined,
          countryCode: u.country?.toUpperCase(),
        })
      : undefined;
  if (userIds.length === 0 && userInfo === undefined) {
    return { ok: false, reason: 'LinkedIn needs a hashed email, li_fat_id or first + last name' };
  }
  const money = eventValue(event);
  return {
    ok: true,
    payload: compact({
      conversion: `urn:lla:llaPartnerConversion:${rule}`,
      conversionHappenedAt: event.occurredAt,
      conversionValue: money && { currencyCode: money.currency, amount: money.value.toFixed(2) },
      eventId: event.dedupKey.slice(0, 64),
      user: compact({ userIds, userInfo }),
    }),
  };
}
