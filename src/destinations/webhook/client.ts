import type { HttpClient, HttpRequest } from '../../http/client.js';
import { testRequest } from '../classify-http.js';
import type { MapContext, TestResult } from '../types.js';
import { type WebhookEvent, webhookSignature } from './map.js';
import type { WebhookSettings } from './settings.js';

export function buildWebhookRequest(events: WebhookEvent[], settings: WebhookSettings, ctx: MapContext): HttpRequest {
  const body = JSON.stringify({ events });
  return {
    method: 'POST',
    url: settings.url,
    headers: {
      ...settings.headers,
      'content-type': 'application/json',
      'touchpoint-signature': webhookSignature(settings.secret, body, ctx.now),
    },
    body,
  };
}

export function testWebhook(settings: WebhookSettings, http: HttpClient): Promise<TestResult> {
  return testRequest(() =>
    http.send({ ...buildWebhookRequest([], settings, { now: Date.now() } as MapContext), timeoutMs: 5000 }),
  );
}
