import type { HttpClient, HttpRequest } from '../../http/client.js';
import { testRequest } from '../classify-http.js';
import type { TestResult } from '../types.js';
import type { TikTokEvent } from './map.js';
import type { TikTokSettings } from './settings.js';

export function buildTikTokRequest(events: TikTokEvent[], settings: TikTokSettings): HttpRequest {
  const body: Record<string, unknown> = {
    event_source: settings.eventSource,
    event_source_id: settings.pixelCode,
    data: events,
  };
  if (settings.testEventCode !== undefined) body.test_event_code = settings.testEventCode;
  if (settings.partnerName !== undefined) body.partner_name = settings.partnerName;
  return {
    method: 'POST',
    url: `${settings.baseUrl}/open_api/v1.3/event/track/`,
    headers: { 'access-token': settings.accessToken, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  };
}

export function testTikTok(settings: TikTokSettings, http: HttpClient): Promise<TestResult> {
  return testRequest(() =>
    http.send({
      ...buildTikTokRequest([], { ...settings, testEventCode: settings.testEventCode ?? 'TEST_CONNECTION' }),
      timeoutMs: 5000,
    }),
  );
}
