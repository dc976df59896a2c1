import {
  compact,
  eventValue,
  hashWith,
  normEmail,
  normEmailUet,
  normExternalId,
  normPhoneE164,
  unixSeconds,
} from '../normalize.js';
import type { DeliveryItem, MapContext, MapResult } from '../types.js';
import type { MicrosoftSettings } from './settings.js';

/** `OfflineConversion` (§5.2). */
export interface OfflineConversion {
  MicrosoftClickId: string;
  ConversionName: string;
  ConversionTime: string;
  ConversionValue?: number;
  ConversionCurrencyCode?: string;
  HashedEmailAddress?: string;
  HashedPhoneNumber?: string;
}

/** UET CAPI event (§5.5). */
export interface UetEvent {
  eventType: 'pageLoad' | 'custom';
  eventName?: string;
  eventId: string;
  eventTime: number;
  eventSourceUrl?: string;
  referrerUrl?: string;
  userData: Record<string, string>;
  customData?: Record<string, unknown>;
}

export type MicrosoftPayload = { api: 'offline'; conversion: OfflineConversion } | { api: 'uet'; event: UetEvent };

const UET_NAMES: Record<string, string> = {
  Purchase: 'purchase',
  AddToCart: 'add_to_cart',
  InitiateCheckout: 'begin_checkout',
  ViewContent: 'view_item',
};

function snake(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toLowerCase();
}

export function mapMicrosoftEvent(
  item: DeliveryItem,
  settings: MicrosoftSettings,
  ctx: MapContext,
): MapResult<MicrosoftPayload> {
  const { event } = item;
  const u = event.userData;
  const money = eventValue(event);
  const country = u.country ?? ctx.defaultCountry;
  const phone = hashWith(u.phone, (raw) => normPhoneE164(raw, country));
  if (settings.api === 'offline') {
    const msclkid = event.clickIds.msclkid;
    if (!msclkid) return { ok: false, reason: 'Microsoft offline conversions need an msclkid' };
    const name = settings.conversionNames[event.name] ?? settings.conversionName;
    if (name === undefined) return { ok: false, reason: `no Microsoft offline goal mapped for ${event.name}` };
    return {
      ok: true,
      payload: {
        api: 'offline',
        conversion: compact({
          MicrosoftClickId: msclkid.replace(/^_uet/, ''),
          ConversionName: name,
          ConversionTime: new Date(event.occurredAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          ConversionValue: money?.value,
          ConversionCurrencyCode: money?.currency,
          HashedEmailAddress: hashWith(u.email, normEmail),
          HashedPhoneNumber: phone,
        }),
      },
    };
  }
  const strip = ctx.privacy.stripIpUserAgent;
  const userData = compact({
    em: hashWith(u.email, normEmailUet),
    ph: phone,
    msclkid: event.clickIds.msclkid,
    anonymousId: u.visitorId,
    externalId: u.externalId === undefined ? undefined : normExternalId(u.externalId),
    clientIpAddress: strip ? undefined : u.ip,
    clientUserAgent: strip ? undefined : u.userAgent,
  }) as Record<string, string>;
  if (Object.keys(userData).length === 0) return { ok: false, reason: 'UET needs at least one user identifier' };
  const pageLoad = event.name === 'PageView';
  const customData = compact({ value: money?.value, currency: money?.currency, transactionId: event.context.orderId });
  return {
    ok: true,
    payload: {
      api: 'uet',
      event: compact({
        eventType: (pageLoad ? 'pageLoad' : 'custom') as UetEvent['eventType'],
        eventName: pageLoad
          ? undefined
          : (settings.eventNames[event.name] ?? item.platformEventName ?? UET_NAMES[event.name] ?? snake(event.name)),
        eventId: event.dedupKey,
        eventTime: unixSeconds(event.occurredAt),
        eventSourceUrl: event.context.pageUrl,
        referrerUrl: event.context.referrer,
        userData,
        customData: Object.keys(customData).length > 0 ? customData : undefined,
      }),
    },
  };
}
