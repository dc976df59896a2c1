import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../normalize.js';
import { item, mapCtx, storedEvent } from '../test-event.js';
import { classifyLinkedIn } from './classify.js';
import { buildLinkedInRequest } from './client.js';
import { mapLinkedInEvent } from './map.js';
import { parseLinkedInConfig } from './settings.js';

const settings = parseLinkedInConfig({ accessToken: 'AQX', conversionRuleId: '104012' });

describe('LinkedIn mapping (§3)', () => {
  it('builds a BATCH_CREATE request with ms time, decimal-string amount, hashed email and raw li_fat_id', () => {
    const event = storedEvent({
      occurredAt: 1763800000000,
      valueMinor: 150000,
      dedupKey: 'demo_7781',
      userData: { email: ' Jane.Doe@Example.com ', firstName: 'jane', lastName: 'doe', country: 'us' },
      clickIds: { li_fat_id: 'df5gf5-gh6t7-ph4j7h-fgf6n1' },
    });
    const mapped = mapLinkedInEvent(item(event), settings, mapCtx());
    if (!mapped.ok) throw new Error(mapped.reason);
    const request = buildLinkedInRequest([mapped.payload], settings);
    expect(request.headers).toMatchObject({
      'linkedin-version': '202611',
      'x-restli-protocol-version': '2.0.0',
      'x-restli-method': 'BATCH_CREATE',
    });
    expect(JSON.parse(request.body ?? '')).toEqual({
      elements: [
        {
          conversion: 'urn:lla:llaPartnerConversion:104012',
          conversionHappenedAt: 1763800000000,
          conversionValue: { currencyCode: 'USD', amount: '1500.00' },
          eventId: 'demo_7781',
          user: {
            userIds: [
              { idType: 'SHA256_EMAIL', idValue: sha256Hex('jane.doe@example.com') },
              { idType: 'LINKEDIN_FIRST_PARTY_ADS_TRACKING_UUID', idValue: 'df5gf5-gh6t7-ph4j7h-fgf6n1' },
            ],
            userInfo: { firstName: 'jane', lastName: 'doe', countryCode: 'US' },
          },
        },
      ],
    });
  });

  it('refuses events with nothing to match on', () => {
    expect(mapLinkedInEvent(item(storedEvent({ userData: { phone: '+16505551212' } })), settings, mapCtx()).ok).toBe(
      false,
    );
  });

  it('reads per-element statuses', () => {
    const body = JSON.stringify({ elements: [{ status: 201 }, { status: 400 }, { status: 500 }] });
    const result = classifyLinkedIn({ kind: 'response', status: 200, headers: {}, body, durationMs: 1 }, 3, 0);
    expect(result.items?.map((o) => o.kind)).toEqual(['delivered', 'permanent', 'retryable']);
  });
});
