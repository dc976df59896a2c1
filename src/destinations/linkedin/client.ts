import type { HttpClient, HttpRequest } from '../../http/client.js';
import { testRequest } from '../classify-http.js';
import type { TestResult } from '../types.js';
import type { LinkedInEvent } from './map.js';
import type { LinkedInSettings } from './settings.js';

function headers(settings: LinkedInSettings): Record<string, string> {
  return {
    authorization: `Bearer ${settings.accessToken}`,
    'linkedin-version': settings.version,
    'x-restli-protocol-version': '2.0.0',
    'content-type': 'application/json',
  };
}

/** Always BATCH_CREATE (even for one event) so the per-element statuses come back the same way. */
export function buildLinkedInRequest(events: LinkedInEvent[], settings: LinkedInSettings): HttpRequest {
  return {
    method: 'POST',
    url: `${settings.baseUrl}/rest/conversionEvents`,
    headers: { ...headers(settings), 'x-restli-method': 'BATCH_CREATE' },
    body: JSON.stringify({ elements: events }),
  };
}

export function testLinkedIn(settings: LinkedInSettings, http: HttpClient): Promise<TestResult> {
  const rule = settings.conversionRuleId ?? Object.values(settings.conversionRules)[0] ?? '';
  return testRequest(() =>
    http.send({
      method: 'GET',
      url: `${settings.baseUrl}/rest/conversions/${rule}`,
      headers: headers(settings),
      timeoutMs: 5000,
    }),
  );
}
