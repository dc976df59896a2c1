import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { item, mapCtx, NOW, storedEvent } from '../test-event.js';
import { buildWebhookRequest } from './client.js';
import { mapWebhookEvent, webhookSignature } from './map.js';
import { parseWebhookConfig } from './settings.js';

const settings = parseWebhookConfig({
  url: 'https://hooks.example.com/tp',
  secret: 'whsec_0123456789abcdef',
  headers: { 'x-team': 'growth' },
});

describe('webhook mapping', () => {
  it('signs the exact body with HMAC-SHA256 over "<t>.<body>"', () => {
    const mapped = mapWebhookEvent(
      item(storedEvent({ userData: { email: 'a@b.co' } }), 'Purchase'),
      settings,
      mapCtx(),
    );
    if (!mapped.ok) throw new Error('unmappable');
    const request = buildWebhookRequest([mapped.payload], settings, mapCtx());
    const t = Math.floor(NOW / 1000);
    const expected = createHmac('sha256', 'whsec_0123456789abcdef').update(`${t}.${request.body}`).digest('hex');
    expect(request.headers?.['touchpoint-signature']).toBe(`t=${t},v1=${expected}`);
    expect(request.headers?.['x-team']).toBe('growth');
    expect(JSON.parse(request.body ?? '').events[0]).toMatchObject({
      id: 'evt_1',
      name: 'Purchase',
      value: 4900,
      userData: { email: 'a@b.co' },
    });
    expect(webhookSignature('k', 'b', 1000)).toBe(`t=1,v1=${createHmac('sha256', 'k').update('1.b').digest('hex')}`);
  });

  it('drops IP and user agent under the privacy switch', () => {
    const event = storedEvent({ userData: { ip: '1.2.3.4', userAgent: 'UA', email: 'a@b.co' } });
    const ctx = mapCtx({ privacy: { limitedDataUse: false, ldpCountry: 0, ldpState: 0, stripIpUserAgent: true } });
    const mapped = mapWebhookEvent(item(event), settings, ctx);
    expect(mapped.ok && mapped.payload.userData).toEqual({ email: 'a@b.co' });
  });
});
