import type { HttpClient, HttpRequest } from '../../http/client.js';
import { testRequest } from '../classify-http.js';
import type { TestResult } from '../types.js';
import type { MetaServerEvent } from './map.js';
import type { MetaSettings } from './settings.js';

/** `POST {base}/{version}/{pixelId}/events` with the token in the body (keeps it out of URLs and proxy logs). */
export function buildMetaRequest(events: MetaServerEvent[], settings: MetaSettings): HttpRequest {
  const body: Record<string, unknown> = { data: events, access_token: settings.accessToken };
  if (settings.testEventCode !== undefined) body.test_event_code = settings.testEventCode;
  if (settings.partnerAgent !== undefined) body.partner_agent = settings.partnerAgent;
  return {
    method: 'POST',
    url: `${settings.baseUrl}/${settings.apiVersion}/${settings.pixelId}/events`,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  };
}

export function testMeta(settings: MetaSettings, http: HttpClient): Promise<TestResult> {
  return testRequest(() =>
    http.send({
      method: 'GET',
      url: `${settings.baseUrl}/${settings.apiVersion}/${settings.pixelId}?fields=id,name`,
      headers: { authorization: `Bearer ${settings.accessToken}` },
      timeoutMs: 5000,
    }),
  );
}
