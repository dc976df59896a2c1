import { createHmac } from 'node:crypto';
import type { DeliveryItem, MapContext, MapResult } from '../types.js';
import type { WebhookSettings } from './settings.js';

/** What a webhook receives per event: the stored event as Touchpoint knows it (the customer's own data). */
export interface WebhookEvent {
  id: string;
  name: string;
  platformEventName: string | null;
  originalName: string;
  source: string;
  occurredAt: string;
  receivedAt: string;
  personId: string | null;
  dedupKey: string;
  value: number | null;
  currency: string | null;
  userData: Record<string, unknown>;
  clickIds: Record<string, unknown>;
  context: Record<string, unknown>;
  properties: Record<string, unknown>;
}

export function mapWebhookEvent(
  item: DeliveryItem,
  _settings: WebhookSettings,
  ctx: MapContext,
): MapResult<WebhookEvent> {
  const e = item.event;
  const userData: Record<string, unknown> = { ...e.userData };
  if (ctx.privacy.stripIpUserAgent) {
    delete userData.ip;
    delete userData.userAgent;
  }
  return {
    ok: true,
    payload: {
      id: e.id,
      name: e.name,
      platformEventName: item.platformEventName,
      originalName: e.originalName,
      source: e.source,
      occurredAt: new Date(e.occurredAt).toISOString(),
      receivedAt: new Date(e.receivedAt).toISOString(),
      personId: e.personId,
      dedupKey: e.dedupKey,
      value: e.valueMinor,
      currency: e.currency,
      userData,
      clickIds: { ...e.clickIds },
      context: { ...e.context },
      properties: e.properties,
    },
  };
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (Stripe-style, so replays can be rejected by age). */
export function webhookSignature(secret: string, body: string, nowMs: number): string {
  const t = Math.floor(nowMs / 1000);
  const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return `t=${t},v1=${v1}`;
}
