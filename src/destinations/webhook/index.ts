import type { DestinationAdapter } from '../types.js';
import { classifyWebhook } from './classify.js';
import { buildWebhookRequest, testWebhook } from './client.js';
import { mapWebhookEvent, type WebhookEvent } from './map.js';
import { parseWebhookConfig, type WebhookSettings } from './settings.js';

/** HMAC-signed webhook: `POST {url}` with `{ "events": [...] }` and `Touchpoint-Signature`. */
export const webhookAdapter: DestinationAdapter<WebhookSettings, WebhookEvent> = {
  kind: 'webhook',
  label: 'Webhook (HMAC-signed)',
  parseConfig: parseWebhookConfig,
  secretKeys: ['secret', 'headers'],
  maxBatch: 100,
  maxAgeMs: null,
  timeoutMs: 10_000,
  ratePerSecond: 50,
  adPlatform: false,
  map: mapWebhookEvent,
  buildRequest: buildWebhookRequest,
  classify: classifyWebhook,
  testConnection: testWebhook,
};
