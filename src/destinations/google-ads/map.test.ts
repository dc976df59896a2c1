import { describe, expect, it } from 'vitest';
import { hashWith, normEmailGoogle, normPhoneE164 } from '../normalize.js';
import { item, mapCtx, storedEvent } from '../test-event.js';
import { classifyGoogle } from './classify.js';
import { buildGoogleRequest } from './client.js';
import { googleAdsDateTime, mapGoogleEvent, pickClickId } from './map.js';
import { parseGoogleAdsConfig } from './settings.js';

const dm = parseGoogleAdsConfig({
  customerId: '123-456-7890',
  accessToken: 'ya29',
  conversionActionId: '555',
  loginCustomerId: '9876543210',
});
const ads = parseGoogleAdsConfig({
  api: 'google-ads',
  customerId: '1234567890',
  accessToken: 'ya29',
  developerToken: 'dev',
  conversionActionId: '555',
});

// specs/destinations.md §2.3 test vectors
describe.each([
  ['Jane.Doe@Gmail.com ', normEmailGoogle, 'd6117306485ed0e50afab3ac871e98f81699151f30281527d63ff5f233656c69'],
  ['jane.doe@example.com', normEmailGoogle, '86e0b9e56c17cc4d12387e1949b85053fbe73bc3ce5a1188713a9d300cc6133d'],
  [
    '(650) 555-1212',
    (v: string) => normPhoneE164(v, 'US'),
    '1e231c66011e7a2d867a9cfae267a6aff103cf4913640b6e71a99850fc0ffbc8',
  ],
] as const)('Google normalization %j', (input, normalize, expected) => {
  it('hashes to the documented value', () => expect(hashWith(input, normalize)).toBe(expected));
});

describe('Google mapping', () => {
  it('gclid, gbraid and wbraid are mutually exclusive', () => {
    expect(pickClickId({ gclid: 'G', gbraid: 'B', wbraid: 'W' })).toEqual({ gclid: 'G' });
    expect(pickClickId({ gbraid: 'B', wbraid: 'W' })).toEqual({ wbraid: 'W' });
    expect(pickClickId({ gbraid: 'B' })).toEqual({ gbraid: 'B' });
  });

  it('builds a Data Manager events:ingest request (§2.6)', () => {
    const event = storedEvent({
      occurredAt: Date.UTC(2026, 10, 20, 13, 5, 0),
      valueMinor: 49000,
      currency: 'EUR',
      context: { orderId: 'inv_2026_0042', pageUrl: 'https://x.test/' },
      clickIds: { gclid: 'Cj0KCQiA', wbraid: 'ignored' },
      userData: { email: 'Jane.Doe@Gmail.com', phone: '(650) 555-1212' },
    });
    const mapped = mapGoogleEvent(
      item(event),
      dm,
      mapCtx({ privacy: { limitedDataUse: false, ldpCountry: 0, ldpState: 0, stripIpUserAgent: true } }),
    );
    if (!mapped.ok) throw new Error(mapped.reason);
    const request = buildGoogleRequest([mapped.payload], dm);
    expect(request.url).toBe('https://datamanager.googleapis.com/v1/events:ingest');
    expect(request.headers?.authorization).toBe('Bearer ya29');
    expect(JSON.parse(request.body ?? '')).toEqual({
      destinations: [
        {
          reference: 'action_555',
          operatingAccount: { accountId: '1234567890', accountType: 'GOOGLE_ADS' },
          loginAccount: { accountId: '9876543210', accountType: 'GOOGLE_ADS' },
          productDestinationId: '555',
        },
      ],
      encoding: 'HEX',
      events: [
        {
          destinationReferences: ['action_555'],
          transactionId: 'inv_2026_0042',
          eventTimestamp: '2026-11-20T13:05:00Z',
          eventSource: 'WEB',
          adIdentifiers: { gclid: 'Cj0KCQiA' },
          conversionValue: 490,
          currency: 'EUR',
          userData: {
            userIdentifiers: [
              { emailAddress: 'd6117306485ed0e50afab3ac871e98f81699151f30281527d63ff5f233656c69' },
              { phoneNumber: '1e231c66011e7a2d867a9cfae267a6aff103cf4913640b6e71a99850fc0ffbc8' },
            ],
          },
        },
      ],
    });
  });

  it('builds an uploadClickConversions request with partialFailure and no identifiers beside a braid (§2.1-2.2)', () => {
    const event = storedEvent({
      occurredAt: Date.UTC(2026, 10, 20, 13, 5, 0),
      clickIds: { gbraid: 'GB' },
      userData: { email: 'a@b.co' },
    });
    const mapped = mapGoogleEvent(item(event), ads, mapCtx());
    if (!mapped.ok) throw new Error(mapped.reason);
    const request = buildGoogleRequest([mapped.payload], ads);
    expect(request.url).toBe('https://googleads.googleapis.com/v26/customers/1234567890:uploadClickConversions');
    expect(request.headers?.['developer-token']).toBe('dev');
    expect(JSON.parse(request.body ?? '')).toEqual({
      conversions: [
        {
          gbraid: 'GB',
          conversionAction: 'customers/1234567890/conversionActions/555',
          conversionDateTime: '2026-11-20 13:05:00+00:00',
          conversionValue: 49,
          currencyCode: 'USD',
          orderId: 'order_9876',
        },
      ],
      partialFailure: true,
    });
    expect(googleAdsDateTime(0)).toBe('1970-01-01 00:00:00+00:00');
  });

  it('maps partial failures back to rows by index', () => {
    const body = {
      results: [{}, {}, {}],
      partialFailureError: {
        details: [
          {
            errors: [
              {
                errorCode: { conversionUploadError: 'CLICK_NOT_FOUND' },
                location: { fieldPathElements: [{ fieldName: 'conversions', index: 0 }] },
              },
              {
                errorCode: { conversionUploadError: 'TOO_RECENT_EVENT' },
                location: { fieldPathElements: [{ fieldName: 'conversions', index: 1 }] },
              },
            ],
          },
        ],
      },
    };
    const result = classifyGoogle(
      { kind: 'response', status: 200, headers: {}, body: JSON.stringify(body), durationMs: 1 },
      3,
      0,
    );
    expect(result.items?.map((o) => o.kind)).toEqual(['skipped', 'retryable', 'delivered']);
  });
});
