import type { HttpClient, HttpRequest } from '../../http/client.js';
import { testRequest } from '../classify-http.js';
import type { TestResult } from '../types.js';
import type { MicrosoftPayload, OfflineConversion, UetEvent } from './map.js';
import type { MicrosoftSettings } from './settings.js';

export function buildMicrosoftRequest(payloads: MicrosoftPayload[], settings: MicrosoftSettings): HttpRequest {
  if (settings.api === 'uet') {
    const data = payloads.flatMap((p): UetEvent[] => (p.api === 'uet' ? [p.event] : []));
    return {
      method: 'POST',
      url: `${settings.baseUrl}/v1/${settings.tagId}/events`,
      headers: { authorization: `Bearer ${settings.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ data, dataProvider: settings.dataProvider, continueOnValidationError: false }),
    };
  }
  const conversions = payloads.flatMap((p): OfflineConversion[] => (p.api === 'offline' ? [p.conversion] : []));
  return {
    method: 'POST',
    url: `${settings.baseUrl}/CampaignManagement/v13/OfflineConversions/Apply`,
    headers: {
      authorization: `Bearer ${settings.accessToken}`,
      developertoken: settings.developerToken,
      customerid: settings.customerId,
      customeraccountid: settings.customerAccountId,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ OfflineConversions: conversions }),
  };
}

export function testMicrosoft(settings: MicrosoftSettings, http: HttpClient): Promise<TestResult> {
  return testRequest(() => http.send({ ...buildMicrosoftRequest([], settings), timeoutMs: 5000 }));
}
