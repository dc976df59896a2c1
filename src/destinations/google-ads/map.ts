import type { ClickIds } from '../../events/stored-event.js';
import { compact, eventValue, hashWith, normEmailGoogle, normName, normPhoneE164 } from '../normalize.js';
import type { DeliveryItem, MapContext, MapResult } from '../types.js';
import type { GoogleAdsSettings } from './settings.js';

/** gclid, gbraid and wbraid are mutually exclusive (§2.2): gclid wins, then wbraid (web), then gbraid (app). */
export function pickClickId(
  clickIds: ClickIds,
): { gclid: string } | { wbraid: string } | { gbraid: string } | undefined {
  if (clickIds.gclid) return { gclid: clickIds.gclid };
  if (clickIds.wbraid) return { wbraid: clickIds.wbraid };
  if (clickIds.gbraid) return { gbraid: clickIds.gbraid };
  return undefined;
}

/** `yyyy-mm-dd hh:mm:ss+00:00` in UTC (the offset is required). */
export function googleAdsDateTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}+00:00`;
}

export function conversionActionFor(item: DeliveryItem, settings: GoogleAdsSettings): string | undefined {
  const mapped = settings.conversionActions[item.event.name];
  if (mapped !== undefined) return mapped;
  if (item.platformEventName !== null && /^\d+$/.test(item.platformEventName)) return item.platformEventName;
  return settings.conversionActionId;
}

/** Data Manager `Event` (§2.6), plus the action it goes to. */
export interface DataManagerEvent {
  destinationReferences: string[];
  transactionId: string;
  eventTimestamp: string;
  eventSource: 'WEB' | 'OTHER';
  adIdentifiers?: Record<string, unknown>;
  conversionValue?: number;
  currency?: string;
  userData?: { userIdentifiers: Array<Record<string, unknown>> };
  eventDeviceInfo?: { userAgent?: string; ipAddress?: string };
  consent?: { adUserData?: string; adPersonalization?: string };
}

/** Google Ads API `ClickConversion` (§2.2). */
export interface ClickConversion {
  gclid?: string;
  gbraid?: string;
  wbraid?: string;
  conversionAction: string;
  conversionDateTime: string;
  conversionValue?: number;
  currencyCode?: string;
  orderId?: string;
  userIdentifiers?: Array<Record<string, string>>;
  consent?: { adUserData?: string; adPersonalization?: string };
}

export type GooglePayload =
  | { api: 'data-manager'; event: DataManagerEvent }
  | { api: 'google-ads'; conversion: ClickConversion };

export function mapGoogleEvent(
  item: DeliveryItem,
  settings: GoogleAdsSettings,
  ctx: MapContext,
): MapResult<GooglePayload> {
  const { event } = item;
  const action = conversionActionFor(item, settings);
  if (action === undefined) return { ok: false, reason: `no Google conversion action mapped for ${event.name}` };
  const u = event.userData;
  const email = hashWith(u.email, normEmailGoogle);
  const phone = hashWith(u.phone, (raw) => normPhoneE164(raw, u.country ?? ctx.defaultCountry));
  const click = pickClickId(event.clickIds);
  const money = eventValue(event);
  const orderId = event.context.orderId ?? event.dedupKey;

  if (settings.api === 'google-ads') {
    // braids cannot be combined with user identifiers (VALUE_MUST_BE_UNSET).
    const braid = click !== undefined && !('gclid' in click);
    const identifiers: Array<Record<string, string>> = [];
    if (!braid && email) identifiers.push({ hashedEmail: email });
    if (!braid && phone) identifiers.push({ hashedPhoneNumber: phone });
    if (click === undefined && identifiers.length === 0)
      return { ok: false, reason: 'no gclid/gbraid/wbraid or hashed email/phone to match on' };
    const conversion: ClickConversion = compact({
      ...(click ?? {}),
      conversionAction: `customers/${settings.customerId}/conversionActions/${action}`,
      conversionDateTime: googleAdsDateTime(event.occurredAt),
      conversionValue: money?.value,
      currencyCode: money?.currency,
      orderId,
      userIdentifiers:
        identifiers.length > 0 ? identifiers.map((id) => ({ ...id, userIdentifierSource: 'FIRST_PARTY' })) : undefined,
      consent: consentOf(settings, ''),
    });
    return { ok: true, payload: { api: 'google-ads', conversion } };
  }

  const identifiers: Array<Record<string, unknown>> = [];
  if (email) identifiers.push({ emailAddress: email });
  if (phone) identifiers.push({ phoneNumber: phone });
  const given = hashWith(u.firstName, normName);
  const family = hashWith(u.lastName, normName);
  if (given && family && u.country) {
    identifiers.push({
      address: compact({
        givenName: given,
        familyName: family,
        regionCode: u.country.toUpperCase(),
        postalCode: u.zip,
      }),
    });
  }
  if (click === undefined && identifiers.length === 0)
    return { ok: false, reason: 'no gclid/gbraid/wbraid or hashed user data to match on' };
  const strip = ctx.privacy.stripIpUserAgent;
  const device = strip ? undefined : compact({ userAgent: u.userAgent, ipAddress: u.ip });
  const dmEvent: DataManagerEvent = compact({
    destinationReferences: [`action_${action}`],
    transactionId: orderId,
    eventTimestamp: new Date(event.occurredAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    eventSource: (event.context.pageUrl !== undefined ? 'WEB' : 'OTHER') as DataManagerEvent['eventSource'],
    adIdentifiers: click,
    conversionValue: money?.value,
    currency: money?.currency,
    userData: identifiers.length > 0 ? { userIdentifiers: identifiers } : undefined,
    eventDeviceInfo: device !== undefined && Object.keys(device).length > 0 ? device : undefined,
    consent: consentOf(settings, 'CONSENT_'),
  });
  return { ok: true, payload: { api: 'data-manager', event: dmEvent } };
}

function consentOf(
  settings: GoogleAdsSettings,
  prefix: string,
): { adUserData?: string; adPersonalization?: string } | undefined {
  if (settings.adUserDataConsent === undefined && settings.adPersonalizationConsent === undefined) return undefined;
  return compact({
    adUserData: settings.adUserDataConsent && prefix + settings.adUserDataConsent,
    adPersonalization: settings.adPersonalizationConsent && prefix + settings.adPersonalizationConsent,
  });
}
