import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { storedEvent } from '../destinations/test-event.js';
import { DEFAULT_PRIVACY } from '../destinations/types.js';
import { matchQuality } from './match-quality.js';
import { TokenBucket } from './rate-limit.js';
import { redactHeaders, redactUrl, redactValue } from './redact.js';
import { sealerFromKey } from './secrets.js';

describe('credential sealing (AES-256-GCM)', () => {
  it('round-trips and detects tampering', () => {
    const sealer = sealerFromKey(randomBytes(32));
    const sealed = sealer.seal('{"accessToken":"EAAsecret"}');
    expect(sealed).not.toContain('EAAsecret');
    expect(sealer.open(sealed)).toBe('{"accessToken":"EAAsecret"}');
    const parts = sealed.split('.');
    const tampered = [parts[0], parts[1], parts[2], Buffer.from('x').toString('base64url')].join('.');
    expect(() => sealer.open(tampered)).toThrow();
    expect(() => sealerFromKey(randomBytes(32)).open(sealed)).toThrow();
  });
});

describe('delivery log redaction', () => {
  it('removes credentials and raw PII but keeps hashes', () => {
    expect(
      redactHeaders({ Authorization: 'Bearer x', 'access-token': 't', 'content-type': 'application/json' }),
    ).toEqual({
      Authorization: '[redacted]',
      'access-token': '[redacted]',
      'content-type': 'application/json',
    });
    expect(
      redactValue({
        access_token: 'EAA',
        user_data: { em: ['abc'], client_ip_address: '1.2.3.4' },
        userData: { email: 'a@b.co' },
      }),
    ).toEqual({
      access_token: '[redacted]',
      user_data: { em: ['abc'], client_ip_address: '[redacted]' },
      userData: { email: '[redacted]' },
    });
    expect(redactUrl('https://x/y?access_token=abc&z=1')).toBe('https://x/y?access_token=[redacted]&z=1');
  });
});

describe('match quality', () => {
  it('scores 0-10 from the identifiers present, with hints for the missing ones', () => {
    const rich = storedEvent({
      userData: {
        email: 'a@b.co',
        phone: '+1',
        externalId: 'u',
        fbp: 'fb',
        ip: '1.2.3.4',
        userAgent: 'UA',
        firstName: 'a',
        lastName: 'b',
        country: 'us',
      },
      clickIds: { fbclid: 'x' },
    });
    expect(matchQuality('meta', rich, DEFAULT_PRIVACY)?.score).toBe(10);
    const thin = matchQuality('meta', storedEvent({ userData: { email: 'a@b.co' } }), DEFAULT_PRIVACY);
    expect(thin?.score).toBe(3);
    expect(thin?.hints[0]).toContain('phone');
    const stripped = matchQuality('meta', rich, { ...DEFAULT_PRIVACY, stripIpUserAgent: true });
    expect(stripped?.present).not.toContain('ip');
    expect(matchQuality('google-ads', storedEvent({ clickIds: { gclid: 'g' } }), DEFAULT_PRIVACY)?.score).toBe(5);
    expect(matchQuality('webhook', rich, DEFAULT_PRIVACY)).toBeNull();
  });
});

describe('per-destination rate limit', () => {
  it('allows a burst of one second, then spaces requests by 1/rate', () => {
    let now = 0;
    const bucket = new TokenBucket(2, () => now);
    expect(bucket.tryTake()).toBe(0);
    expect(bucket.tryTake()).toBe(0);
    expect(bucket.tryTake()).toBe(500);
    now = 500;
    expect(bucket.tryTake()).toBe(0);
  });
});

describe('age limits before sending', () => {
  it('dead-letters a Meta event older than 7 days instead of letting it fail the batch', async () => {
    const { prepareItems } = await import('./prepare.js');
    const { ADAPTERS } = await import('../destinations/registry.js');
    const { mapCtx, NOW } = await import('../destinations/test-event.js');
    const settings = ADAPTERS.meta.parseConfig({ pixelId: '1', accessToken: 'x' });
    const destination = {
      workspaceId: 'ws_1',
      id: 'dst_1',
      kind: 'meta' as const,
      name: 'Meta',
      enabled: true,
      settings,
      config: {},
      eventNameOverrides: {},
      ratePerSecond: 10,
      timeoutMs: 1000,
      oauth: undefined,
    };
    const fresh = storedEvent({ userData: { email: 'a@b.co' } });
    const stale = storedEvent({ id: 'evt_2', occurredAt: NOW - 8 * 86_400_000, userData: { email: 'a@b.co' } });
    const out = prepareItems(
      destination,
      [
        { key: 1, deliveryId: 'd1', event: fresh, platformEventName: 'Purchase' },
        { key: 2, deliveryId: 'd2', event: stale, platformEventName: 'Purchase' },
        { key: 3, deliveryId: 'd3', event: undefined, platformEventName: 'Purchase' },
      ],
      new Map(),
      mapCtx(),
    );
    expect(out.map((p) => p.ok)).toEqual([true, false, false]);
    expect(out[1]?.ok === false && out[1].reason).toContain('7-day');
  });
});
