import { ServerSideUtils } from 'facebook-nodejs-business-sdk';
import { describe, expect, it } from 'vitest';
import {
  hashWith,
  normBirthDate,
  normCity,
  normCountry,
  normEmail,
  normGender,
  normName,
  normPhoneDigits,
  normZip,
  sha256Hex,
} from '../normalize.js';
import { item, mapCtx, NOW, storedEvent } from '../test-event.js';
import { buildFbc, isTooBroad, mapMetaEvent } from './map.js';
import { parseMetaConfig } from './settings.js';

const settings = parseMetaConfig({ pixelId: '123', accessToken: 'EAA' });

// Test vectors from specs/destinations.md §1.5 (Meta's docs).
describe.each([
  ['em', 'John_Smith@gmail.com', normEmail, '62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f'],
  [
    'ph',
    '(650)555-1212',
    (v: string) => normPhoneDigits(v, 'US'),
    'e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176',
  ],
  ['fn', 'Mary', normName, '6915771be1c5aa0c886870b6951b03d7eafc121fea0e80a5ea83beb7c449f4ec'],
  ['fn', 'Valéry', normName, '08e1996b5dd49e62a4b4c010d44e4345592a863bb9f8e3976219bac29417149c'],
  ['fn', '정', normName, '8fa8cd9c440be61d0151429310034083132b35975c4bea67fdd74158eb51db14'],
  ['db', '2/16/1997', normBirthDate, '01acdbf6ec7b4f478a225f1a246e5d6767eeab1a7ffa17f025265b5b94f40f0c'],
  ['country', 'United States', normCountry, '79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621'],
  ['ge', 'Female', normGender, '252f10c83610ebca1a059c0bae8255eba2f95be4d1d7bcfa89d7248a82d9f111'],
  ['ge', 'Male', normGender, '62c66a7a5dd70c3146618063c344e531e6d4b59e379808443ce962b3abd63c5a'],
  [
    'zp',
    '94035-1234',
    (v: string) => normZip(v, 'us'),
    '1794327a4d443904421f5ca1f3d72d0a62ba2f0770d80755ec2220fc0efb052e',
  ],
  ['ct', 'New York', normCity, '350c754ba4d38897693aa077ef43072a859d23f613443133fecbbd90a3512ca5'],
] as const)('Meta normalization %s %s', (_key, input, normalize, expected) => {
  it('hashes to the documented value', () => {
    expect(hashWith(input, normalize)).toBe(expected);
  });
});

// Our normalization must agree with Meta's own Business SDK helpers for the same inputs.
describe.each([
  ['em', '  John_Smith@Gmail.com ', normEmail],
  ['ph', '+1 (650) 555-1212', (v: string) => normPhoneDigits(v, 'US')],
  ['ph', '+44 20 7946 0958', (v: string) => normPhoneDigits(v, 'US')],
  ['fn', ' Mary ', normName],
  ['ln', 'Smith', normName],
  ['ct', 'New York', normCity],
  ['ct', 'San Francisco', normCity],
  ['st', 'CA', normName],
  ['zp', '94035-1234', (v: string) => normZip(v)],
  ['zp', 'M1 1AE', (v: string) => normZip(v)],
  ['country', 'US', normCountry],
  ['ge', 'Female', normGender],
] as const)('matches facebook-nodejs-business-sdk for %s %j', (field, input, normalize) => {
  it('produces the same hash', () => {
    expect(hashWith(input, normalize)).toBe(ServerSideUtils.normalizeAndHash(input, field));
  });
});

describe('Meta mapping', () => {
  it('builds the spec example shape: seconds, event id, hashed PII, raw IP/UA/fbp', () => {
    const event = storedEvent({
      userData: {
        email: 'jane.doe@example.com',
        phone: '(650) 555-1212',
        externalId: 'user_123',
        ip: '203.0.113.7',
        userAgent: 'Mozilla/5.0',
        fbp: 'fb.1.1763700000000.1116446470',
      },
      context: { pageUrl: 'https://app.example.com/checkout/success', orderId: 'order_9876' },
      properties: { content_ids: ['plan_pro_monthly'], content_type: 'product' },
    });
    const mapped = mapMetaEvent(item(event), settings, mapCtx());
    expect(mapped).toEqual({
      ok: true,
      payload: {
        event_name: 'Purchase',
        event_time: 1763800000 - 60,
        event_id: 'order_9876',
        action_source: 'website',
        event_source_url: 'https://app.example.com/checkout/success',
        user_data: {
          em: [sha256Hex('jane.doe@example.com')],
          ph: ['e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176'],
          external_id: [sha256Hex('user_123')],
          client_ip_address: '203.0.113.7',
          client_user_agent: 'Mozilla/5.0',
          fbp: 'fb.1.1763700000000.1116446470',
        },
        custom_data: {
          value: 49,
          currency: 'USD',
          order_id: 'order_9876',
          content_ids: ['plan_pro_monthly'],
          content_type: 'product',
        },
      },
    });
  });

  it('never re-hashes a value that already is a SHA-256 hex digest', () => {
    const hashed = sha256Hex('jane@example.com');
    const mapped = mapMetaEvent(item(storedEvent({ userData: { email: hashed.toUpperCase() } })), settings, mapCtx());
    expect(mapped.ok && mapped.payload.user_data.em).toEqual([hashed]);
  });

  it('mints fbc once from the fbclid with its first-seen time, keeping the fbclid case', () => {
    const firstSeen = NOW - 86_400_000;
    const a = mapMetaEvent(
      item(storedEvent({ clickIds: { fbclid: 'IwAR2F4-AbC' }, userData: { email: 'a@b.co' } }), null, firstSeen),
      settings,
      mapCtx(),
    );
    const b = mapMetaEvent(
      item(
        storedEvent({ occurredAt: NOW, clickIds: { fbclid: 'IwAR2F4-AbC' }, userData: { email: 'a@b.co' } }),
        null,
        firstSeen,
      ),
      settings,
      mapCtx(),
    );
    expect(a.ok && a.payload.user_data.fbc).toBe(`fb.1.${firstSeen}.IwAR2F4-AbC`);
    expect(b.ok && b.payload.user_data.fbc).toBe(`fb.1.${firstSeen}.IwAR2F4-AbC`);
    // a browser-built fbc (even with a Parameter Builder suffix) passes through verbatim
    expect(buildFbc('fb.1.1554763741205.IwAR.AQ', { fbclid: 'other' }, firstSeen)).toBe('fb.1.1554763741205.IwAR.AQ');
  });

  it('rejects too-broad user data and Purchase without value', () => {
    expect(isTooBroad({ ge: ['x'], ct: ['y'], st: ['z'], country: ['w'] })).toBe(true);
    expect(isTooBroad({ em: ['x'], ge: ['y'] })).toBe(false);
    expect(mapMetaEvent(item(storedEvent({ userData: { city: 'Paris', country: 'FR' } })), settings, mapCtx()).ok).toBe(
      false,
    );
    expect(
      mapMetaEvent(
        item(storedEvent({ valueMinor: null, currency: null, userData: { email: 'a@b.co' } })),
        settings,
        mapCtx(),
      ).ok,
    ).toBe(false);
  });

  it('applies limited data use and strips IP / user agent when asked', () => {
    const event = storedEvent({ userData: { email: 'a@b.co', ip: '203.0.113.7', userAgent: 'UA' }, source: 'stripe' });
    const privacy = { limitedDataUse: true, ldpCountry: 1, ldpState: 1000, stripIpUserAgent: true };
    const mapped = mapMetaEvent(item(event), settings, mapCtx({ privacy }));
    expect(mapped.ok && mapped.payload).toMatchObject({
      action_source: 'system_generated',
      data_processing_options: ['LDU'],
      data_processing_options_country: 1,
      data_processing_options_state: 1000,
    });
    expect(mapped.ok && mapped.payload.user_data).toEqual({ em: [sha256Hex('a@b.co')] });
  });
});
