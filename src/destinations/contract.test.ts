import { describe, expect, it } from 'vitest';
import { ADAPTERS } from './registry.js';
import { item, mapCtx, storedEvent } from './test-event.js';
import { DESTINATION_KINDS } from './types.js';

/** One contract every adapter honours (architecture pattern 5). */
const CONFIGS: Record<string, Record<string, unknown>> = {
  meta: { pixelId: '123', accessToken: 'EAAsecret' },
  'google-ads': { customerId: '1234567890', accessToken: 'ya29secret', conversionActionId: '555' },
  linkedin: { accessToken: 'AQXsecret', conversionRuleId: '104012' },
  tiktok: { pixelCode: 'CXXX', accessToken: 'ttsecret' },
  microsoft: {
    accessToken: 'mssecret',
    developerToken: 'dev',
    customerId: '1',
    customerAccountId: '2',
    conversionName: 'Won',
  },
  webhook: { url: 'https://hooks.example.com/x', secret: 'whsec_0123456789abcdef' },
  warehouse: { directory: '/tmp/tp-contract' },
};

const RICH = storedEvent({
  userData: {
    email: 'Jane.Doe@Example.com',
    phone: '+1 650 555 1212',
    firstName: 'Jane',
    lastName: 'Doe',
    ip: '203.0.113.7',
    userAgent: 'UA',
    fbp: 'fb.1.1.2',
    ttp: 'ttp',
  },
  clickIds: { fbclid: 'IwAR', gclid: 'Cj0', ttclid: 'E.C.P.x', li_fat_id: 'li', msclkid: 'f894' },
  context: { pageUrl: 'https://app.example.com/', orderId: 'order_1' },
});

describe.each(DESTINATION_KINDS)('%s adapter contract', (kind) => {
  const adapter = ADAPTERS[kind];
  const settings = adapter.parseConfig(CONFIGS[kind]);

  it('is registered under its kind with sane limits', () => {
    expect(adapter.kind).toBe(kind);
    expect(adapter.maxBatch).toBeGreaterThanOrEqual(1);
    expect(adapter.timeoutMs).toBeGreaterThan(0);
  });

  it('rejects a config that is not an object', () => {
    expect(() => adapter.parseConfig('nope')).toThrow();
    expect(() => adapter.parseConfig({})).toThrow();
  });

  it('maps a rich event purely: same input, same payload, raw PII never in ad-platform payloads', () => {
    const a = adapter.map(item(RICH, null, 1), settings, mapCtx());
    const b = adapter.map(item(RICH, null, 1), settings, mapCtx());
    expect(a).toEqual(b);
    expect(a.ok).toBe(true);
    if (adapter.adPlatform) {
      const text = JSON.stringify(a);
      expect(text).not.toContain('Example.com');
      expect(text.toLowerCase()).not.toContain('jane.doe@example.com');
      expect(text).not.toContain('555 1212');
    }
  });

  it('builds a request that carries the credentials only in headers or body, never logs them in the URL', () => {
    const mapped = adapter.map(item(RICH, null, 1), settings, mapCtx());
    if (!mapped.ok) throw new Error(mapped.reason);
    const request = adapter.buildRequest([mapped.payload], settings, mapCtx());
    expect(request.url).not.toMatch(/secret/);
    expect(['POST', 'PUT']).toContain(request.method);
  });

  it('classifies transport errors and 5xx as retryable, 400 as permanent, 2xx as delivered', () => {
    if (adapter.send !== undefined) return; // not HTTP
    const r = (status: number, body = '{}') =>
      adapter.classify({ kind: 'response', status, headers: {}, body, durationMs: 1 }, 1, 0).batch.kind;
    expect(
      adapter.classify({ kind: 'transport_error', error: 'timeout', message: 't', durationMs: 1 }, 1, 0).batch.kind,
    ).toBe('retryable');
    expect(r(500)).toBe('retryable');
    expect(r(429)).toBe('retryable');
    expect(r(408)).toBe('retryable');
    expect(r(400)).toBe('permanent');
    expect(r(kind === 'tiktok' ? 200 : 200, kind === 'tiktok' ? '{"code":0}' : '{}')).toBe('delivered');
  });
});
