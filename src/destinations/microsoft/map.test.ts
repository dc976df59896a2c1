import { describe, expect, it } from 'vitest';
import { hashWith, normEmailUet, sha256Hex } from '../normalize.js';
import { item, mapCtx, storedEvent } from '../test-event.js';
import { classifyMicrosoft } from './classify.js';
import { buildMicrosoftRequest } from './client.js';
import { mapMicrosoftEvent } from './map.js';
import { parseMicrosoftConfig } from './settings.js';

const offline = parseMicrosoftConfig({
  accessToken: 'tok',
  developerToken: 'dev',
  customerId: '111',
  customerAccountId: '222',
  conversionName: 'Closed Won',
});
const uet = parseMicrosoftConfig({ api: 'uet', tagId: '343000', accessToken: 'uet' });

describe('Microsoft mapping (§5)', () => {
  it('builds an OfflineConversions/Apply request (§5.2 example)', () => {
    const event = storedEvent({
      occurredAt: Date.UTC(2026, 10, 20, 13, 5, 0),
      valueMinor: 490000,
      clickIds: { msclkid: 'f894f652ea334e739002f7167ab8f8e3' },
      userData: { email: 'jane.doe@example.com' },
    });
    const mapped = mapMicrosoftEvent(item(event), offline, mapCtx());
    if (!mapped.ok) throw new Error(mapped.reason);
    const request = buildMicrosoftRequest([mapped.payload], offline);
    expect(request.url).toBe(
      'https://campaign.api.bingads.microsoft.com/CampaignManagement/v13/OfflineConversions/Apply',
    );
    expect(request.headers).toMatchObject({ developertoken: 'dev', customerid: '111', customeraccountid: '222' });
    expect(JSON.parse(request.body ?? '')).toEqual({
      OfflineConversions: [
        {
          MicrosoftClickId: 'f894f652ea334e739002f7167ab8f8e3',
          ConversionName: 'Closed Won',
          ConversionTime: '2026-11-20T13:05:00Z',
          ConversionValue: 4900,
          ConversionCurrencyCode: 'USD',
          HashedEmailAddress: '86e0b9e56c17cc4d12387e1949b85053fbe73bc3ce5a1188713a9d300cc6133d',
        },
      ],
    });
  });

  it('needs an msclkid for offline conversions', () => {
    expect(mapMicrosoftEvent(item(storedEvent({ userData: { email: 'a@b.co' } })), offline, mapCtx()).ok).toBe(false);
  });

  it('builds a UET CAPI event with the Microsoft email rule (no dots, no +alias)', () => {
    expect(hashWith('Jane.Doe+ads@Example.com', normEmailUet)).toBe(sha256Hex('janedoe@example.com'));
    const event = storedEvent({
      occurredAt: 1763800000000,
      dedupKey: 'order_9876',
      context: { orderId: 'order_9876' },
      clickIds: { msclkid: 'f894' },
      userData: { email: 'jane.doe@example.com' },
    });
    const mapped = mapMicrosoftEvent(item(event), uet, mapCtx());
    if (!mapped.ok) throw new Error(mapped.reason);
    const request = buildMicrosoftRequest([mapped.payload], uet);
    expect(request.url).toBe('https://capi.uet.microsoft.com/v1/343000/events');
    expect(JSON.parse(request.body ?? '')).toEqual({
      data: [
        {
          eventType: 'custom',
          eventName: 'purchase',
          eventId: 'order_9876',
          eventTime: 1763800000,
          userData: { em: sha256Hex('janedoe@example.com'), msclkid: 'f894' },
          customData: { value: 49, currency: 'USD', transactionId: 'order_9876' },
        },
      ],
      dataProvider: 'touchpoint',
      continueOnValidationError: false,
    });
  });

  it('maps PartialErrors to rows', () => {
    const body = JSON.stringify({
      PartialErrors: [{ Index: 1, ErrorCode: 'InvalidMicrosoftClickId', Message: 'bad' }],
    });
    const result = classifyMicrosoft({ kind: 'response', status: 200, headers: {}, body, durationMs: 1 }, 2, 0);
    expect(result.items?.map((o) => o.kind)).toEqual(['delivered', 'permanent']);
  });
});
