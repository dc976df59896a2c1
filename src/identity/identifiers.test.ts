import { describe, expect, it } from 'vitest';
import { identifiersOf, normalizeEmail, normalizePhone } from './identifiers.js';
import { emailsConflict } from './merge.js';

describe('identifiersOf', () => {
  it('normalizes strong identifiers and lists them before weak ones', () => {
    const ids = identifiersOf({
      email: '  Jane@Example.COM ',
      phone: '+1 (650) 555-1212',
      visitorId: 'tpv_abc',
      externalId: 'user-7',
      fingerprint: 'fp1',
      ip: '203.0.113.9',
      userAgent: 'UA',
    });
    expect(ids.map((i) => [i.kind, i.strength])).toEqual([
      ['email', 'strong'],
      ['phone', 'strong'],
      ['external_id', 'strong'],
      ['visitor_id', 'strong'],
      ['fingerprint', 'weak'],
      ['fingerprint_ip', 'weak'],
      ['ip_ua', 'weak'],
    ]);
    expect(ids[0]?.value).toBe('jane@example.com');
    expect(ids[1]?.value).toBe('16505551212');
  });

  it('hashes weak identifiers and never stores the raw IP', () => {
    const ids = identifiersOf({ fingerprint: 'fp1', ip: '203.0.113.9', userAgent: 'UA' });
    for (const id of ids) {
      expect(id.value).toMatch(/^[0-9a-f]{40}$/);
      expect(id.value.includes('203.0.113.9')).toBe(false);
    }
    // The same inputs give the same keys; a different IP a different fingerprint_ip key.
    const again = identifiersOf({ fingerprint: 'fp1', ip: '203.0.113.9', userAgent: 'UA' });
    expect(again).toEqual(ids);
    const otherIp = identifiersOf({ fingerprint: 'fp1', ip: '198.51.100.1', userAgent: 'UA' });
    expect(otherIp.find((i) => i.kind === 'fingerprint_ip')?.value).not.toBe(
      ids.find((i) => i.kind === 'fingerprint_ip')?.value,
    );
    expect(otherIp.find((i) => i.kind === 'fingerprint')?.value).toBe(ids.find((i) => i.kind === 'fingerprint')?.value);
  });

  it('needs both halves of a combined weak identifier', () => {
    expect(identifiersOf({ ip: '203.0.113.9' })).toEqual([]);
    expect(identifiersOf({ fingerprint: 'fp' }).map((i) => i.kind)).toEqual(['fingerprint']);
    expect(identifiersOf({})).toEqual([]);
  });

  it('drops values that cannot identify anyone', () => {
    expect(normalizeEmail('not-an-email')).toBeUndefined();
    expect(normalizeEmail('   ')).toBeUndefined();
    expect(normalizePhone('12')).toBeUndefined();
    expect(normalizePhone('0049 30 1234567')).toBe('49301234567');
  });
});

describe('emailsConflict', () => {
  it.each([
    [[], [], false],
    [['a@x.com'], [], false],
    [[], ['b@x.com'], false],
    [['a@x.com'], ['a@x.com', 'c@x.com'], false],
    [['a@x.com'], ['b@x.com'], true],
  ])('%j vs %j -> %s', (a, b, expected) => {
    expect(emailsConflict(a, b)).toBe(expected);
  });
});
