import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../normalize.js';
import { item, mapCtx, storedEvent } from '../test-event.js';
import { classifyTikTok } from './classify.js';
import { buildTikTokRequest } from './client.js';
import { mapTikTokEvent } from './map.js';
import { parseTikTokConfig } from './settings.js';

const settings = parseTikTokConfig({ pixelCode: 'CXXXXXXXXXXXXXXXXX', accessToken: 'tt', testEventCode: 'TEST12345' });

describe('TikTok mapping (§4)', () => {
  it('builds the Events API 2.0 sample shape: seconds, E.164 phone hash, raw ttclid/ttp/ip/ua', () => {
    const event = storedEvent({
      name: 'StartTrial',
      occurredAt: 1763800000000,
      dedupKey: 'trial_5521',
      valueMinor: 0,
      userData: {
        email: 'jane.doe@example.com',
        phone: '(650) 555-1212',
        externalId: '123',
        ttp: '2F7h37YkS1j57AYSKTI7IHhJPYH',
        ip: '203.0.113.7',
        userAgent: 'Mozilla/5.0',
      },
      clickIds: { ttclid: 'E.C.P.Cr8BAbc' },
      context: { pageUrl: 'https://app.example.com/signup?plan=pro', referrer: 'https://www.example.com/pricing' },
      properties: { content_ids: ['plan_pro'], content_type: 'product' },
    });
    const mapped = mapTikTokEvent(item(event), settings, mapCtx());
    if (!mapped.ok) throw new Error(mapped.reason);
    const request = buildTikTokRequest([mapped.payload], settings);
    expect(request.url).toBe('https://business-api.tiktok.com/open_api/v1.3/event/track/');
    expect(request.headers?.['access-token']).toBe('tt');
    expect(JSON.parse(request.body ?? '')).toEqual({
      event_source: 'web',
      event_source_id: 'CXXXXXXXXXXXXXXXXX',
      test_event_code: 'TEST12345',
      data: [
        {
          event: 'StartTrial',
          event_time: 1763800000,
          event_id: 'trial_5521',
          user: {
            email: '86e0b9e56c17cc4d12387e1949b85053fbe73bc3ce5a1188713a9d300cc6133d',
            phone: '1e231c66011e7a2d867a9cfae267a6aff103cf4913640b6e71a99850fc0ffbc8',
            external_id: sha256Hex('123'),
            ttclid: 'E.C.P.Cr8BAbc',
            ttp: '2F7h37YkS1j57AYSKTI7IHhJPYH',
            ip: '203.0.113.7',
            user_agent: 'Mozilla/5.0',
          },
          properties: { value: 0, currency: 'USD', content_ids: ['plan_pro'], content_type: 'product' },
          page: { url: 'https://app.example.com/signup?plan=pro', referrer: 'https://www.example.com/pricing' },
        },
      ],
    });
  });

  it.each([
    [0, 'delivered'],
    [40002, 'permanent'],
    [40100, 'retryable'],
    [50001, 'retryable'],
    [40105, 'permanent'],
  ])('HTTP 200 with code %i is %s', (code, kind) => {
    const result = classifyTikTok(
      { kind: 'response', status: 200, headers: {}, body: JSON.stringify({ code, message: 'x' }), durationMs: 1 },
      1,
      0,
    );
    expect(result.batch.kind).toBe(kind);
  });
});
