import { describe, expect, it } from 'vitest';
import { AppError } from '../errors/codes.js';
import {
  currencyExponent,
  normalizeEmail,
  normalizeIp,
  normalizePhone,
  normalizeTime,
  parseUserAgent,
  toMajorUnits,
  toMinorUnits,
} from './normalize.js';
import { redactedJson, redactPayload } from './redact.js';

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);

describe('normalization', () => {
  it.each([
    ['(650)555-1212', 'US', '16505551212'], // the seed's example
    ['650-555-1212', 'US', '16505551212'],
    ['+1 650 555 1212', 'DE', '16505551212'],
    ['16505551212', 'US', '16505551212'],
    ['030 1234567', 'DE', '49301234567'],
    ['+44 7911 123456', 'US', '447911123456'],
    ['0044 7911 123456', 'US', '447911123456'],
  ])('phone %s (default %s) -> %s', (input, country, expected) => {
    expect(normalizePhone(input, country, 'phone')).toBe(expected);
  });

  it('email is trimmed and lower-cased; junk is rejected naming the field', () => {
    expect(normalizeEmail('  Alex@Example.COM ', 'email')).toBe('alex@example.com');
    expect(() => normalizeEmail('nope', 'customerEmail')).toThrow(AppError);
    try {
      normalizeEmail('nope', 'customerEmail');
    } catch (error) {
      expect((error as AppError).field).toBe('customerEmail');
    }
  });

  it.each([
    ['1.2.3.4', '1.2.3.4'],
    ['2001:DB8::1', '2001:db8::1'],
  ])('ip %s', (input, expected) => expect(normalizeIp(input, 'ip')).toBe(expected));

  it.each(['1.2.3', '256.1.1.1', 'localhost', '::g'])('rejects ip %s', (input) => {
    expect(() => normalizeIp(input, 'ip')).toThrow(AppError);
  });

  it.each([
    [1677093110, Date.UTC(2023, 1, 22, 19, 11, 50)],
    [1677093110123, Date.UTC(2023, 1, 22, 19, 11, 50, 123)],
    ['1677093110', Date.UTC(2023, 1, 22, 19, 11, 50)],
    ['2026-04-10T12:34:56.000Z', Date.UTC(2026, 3, 10, 12, 34, 56)],
    ['2026-04-10T14:34:56+02:00', Date.UTC(2026, 3, 10, 12, 34, 56)],
    ['2026-04-10T12:34:56', Date.UTC(2026, 3, 10, 12, 34, 56)],
    ['2026-04-10', Date.UTC(2026, 3, 10)],
    [undefined, NOW],
  ])('time %s -> UTC ms', (input, expected) => {
    expect(normalizeTime(input, NOW, 'event_time')).toBe(expected);
  });

  it.each([-1, 0, 'last week', '2026-02-30T25:00:00Z', NOW + 2 * 86400_000, '1999-12-31'])(
    'rejects time %s',
    (input) => {
      expect(() => normalizeTime(input, NOW, 'event_time')).toThrow(AppError);
    },
  );

  it.each([
    [45, 'USD', 4500],
    [19.99, 'USD', 1999],
    ['45.5', 'EUR', 4550],
    [4900, 'JPY', 4900],
    [1.234, 'KWD', 1234],
  ])('amount %s %s -> %s minor units, and back', (amount, currency, minor) => {
    expect(toMinorUnits(amount, currency, 'amount')).toBe(minor);
    expect(toMajorUnits(minor, currency)).toBe(Number(amount));
  });

  it('knows the minor-unit exponent of each currency', () => {
    expect([currencyExponent('USD'), currencyExponent('JPY'), currencyExponent('KWD')]).toEqual([2, 0, 3]);
  });

  it('parses user agents', () => {
    expect(
      parseUserAgent('Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 Safari/604.1'),
    ).toMatchObject({
      os: 'iOS',
      device: 'mobile',
    });
  });

  it('redacts secrets but keeps identity tokens', () => {
    expect(
      redactPayload({
        writeKey: 'w',
        api_key: 'k',
        nested: { password: 'p', access_token: 'a' },
        comet_token: 'c',
        email: 'e',
      }),
    ).toEqual({
      writeKey: '[redacted]',
      api_key: '[redacted]',
      nested: { password: '[redacted]', access_token: '[redacted]' },
      comet_token: 'c',
      email: 'e',
    });
  });

  it.each([
    ['a clean payload as it is', { email: 'e', list: [1, { a: 'b' }] }, '{"email":"e","list":[1,{"a":"b"}]}'],
    [
      'a secret deep in an array',
      { batch: [{ ok: 1 }, { secret: 's' }] },
      '{"batch":[{"ok":1},{"secret":"[redacted]"}]}',
    ],
    ['a secret after clean keys', { a: 1, b: { c: 2, apiKey: 'k' } }, '{"a":1,"b":{"c":2,"apiKey":"[redacted]"}}'],
    [
      'nesting past 12 levels cut',
      JSON.parse(`${'{"n":'.repeat(14)}1${'}'.repeat(14)}`),
      `${'{"n":'.repeat(13)}"[truncated]"${'}'.repeat(13)}`,
    ],
  ])('writes the events-log JSON of %s', (_name, payload, expected) => {
    expect(redactedJson(payload)).toBe(expected);
    expect(JSON.parse(redactedJson(payload))).toEqual(redactPayload(payload));
  });
});
