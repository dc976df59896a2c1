import type { HttpClient, HttpRequest } from '../../http/client.js';
import { testRequest } from '../classify-http.js';
import type { TestResult } from '../types.js';
import type { ClickConversion, DataManagerEvent, GooglePayload } from './map.js';
import type { GoogleAdsSettings } from './settings.js';

export function buildGoogleRequest(payloads: GooglePayload[], settings: GoogleAdsSettings): HttpRequest {
  const headers: Record<string, string> = {
    authorization: `Bearer ${settings.accessToken}`,
    'content-type': 'application/json',
  };
  if (settings.api === 'google-ads') {
    if (settings.developerToken !== undefined) headers['developer-token'] = settings.developerToken;
    if (settings.loginCustomerId !== undefined) headers['login-customer-id'] = settings.loginCustomerId;
    const conversions = payloads.flatMap((p): ClickConversion[] => (p.api === 'google-ads' ? [p.conversion] : []));
    return {
      method: 'POST',
      url: `${settings.baseUrl}/${settings.apiVersion}/customers/${settings.customerId}:uploadClickConversions`,
      headers,
      body: JSON.stringify({ conversions, partialFailure: true }),
    };
  }
  const events = payloads.flatMap((p): DataManagerEvent[] => (p.api === 'data-manager' ? [p.event] : []));
  const references = [...new Set(events.flatMap((e) => e.destinationReferences))];
  const destinations = references.map((reference) => ({
    reference,
    operatingAccount: { accountId: settings.customerId, accountType: 'GOOGLE_ADS' },
    ...(settings.loginCustomerId === undefined
      ? {}
      : { loginAccount: { accountId: settings.loginCustomerId, accountType: 'GOOGLE_ADS' } }),
    productDestinationId: reference.replace(/^action_/, ''),
  }));
  return {
    method: 'POST',
    url: `${settings.baseUrl}/v1/events:ingest`,
    headers,
    body: JSON.stringify({ destinations, encoding: 'HEX', events }),
  };
}

export function testGoogle(settings: GoogleAdsSettings, http: HttpClient): Promise<TestResult> {
  // validateOnly with no events exercises auth and account access without importing anything.
  const request = buildGoogleRequest([], settings);
  const body = JSON.parse(request.body ?? '{}') as Record<string, unknown>;
  return testRequest(() =>
    http.send({ ...request, body: JSON.stringify({ ...body, validateOnly: true }), timeoutMs: 5000 }),
  );
}
