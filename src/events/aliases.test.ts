import { describe, expect, it } from 'vitest';
import {
  ALIASES,
  normalizeEventName,
  reservedNameFor,
  resolveEventName,
  SERVER_API_STANDARD_NAMES,
} from './aliases.js';
import { CATALOG, isCanonicalName } from './catalog.js';
import { blankDefinition, type CustomEventDefinition } from './custom-events.js';

function def(key: string, patch: Partial<CustomEventDefinition> = {}): CustomEventDefinition {
  return { ...blankDefinition(key), ...patch };
}

const CUSTOM = [
  def('trial.activated', { displayName: 'Trial activated', slot: 3 }),
  def('onboarding.completed', { displayName: 'Onboarding completed' }),
  def('old.event', { slot: 4, archived: true }),
];

describe('aliases', () => {
  it('every alias names a catalog event', () => {
    for (const alias of ALIASES)
      expect({ alias: alias.alias, ok: isCanonicalName(alias.canonical) }).toEqual({ alias: alias.alias, ok: true });
  });

  it('no two aliases (or an alias and a canonical name) normalize to different events', () => {
    const seen = new Map<string, string>();
    for (const e of CATALOG) seen.set(normalizeEventName(e.name), e.name);
    for (const a of ALIASES) {
      const key = normalizeEventName(a.alias);
      const before = seen.get(key);
      if (before !== undefined) expect({ alias: a.alias, to: a.canonical }).toEqual({ alias: a.alias, to: before });
      seen.set(key, a.canonical);
    }
  });

  it('has the 14 standard names of the server events API', () => {
    expect(SERVER_API_STANDARD_NAMES).toHaveLength(14);
  });

  describe.each(ALIASES.map((a) => [a.alias, a.canonical, a.group] as const))(
    '%s -> %s (%s)',
    (alias, canonical, group) => {
      it('resolves on the lenient surfaces', () => {
        for (const surface of ['capture', 'pixel', 'segment', 'source'] as const) {
          expect(resolveEventName(alias, surface, CUSTOM)).toEqual({
            kind: 'canonical',
            name: canonical,
            originalName: alias,
          });
        }
      });
      if (group === 'server-api') {
        it('resolves on the server events API', () => {
          expect(resolveEventName(alias, 'cometly', CUSTOM)).toEqual({
            kind: 'canonical',
            name: canonical,
            originalName: alias,
          });
        });
      }
      if (group === 'conversions') {
        it('resolves on the lead/sale API', () => {
          expect(resolveEventName(alias, 'conversions', CUSTOM)).toMatchObject({ kind: 'canonical', name: canonical });
        });
      }
    },
  );

  it.each(CATALOG.map((e) => e.name))(
    'canonical name %s resolves to itself on capture, pixel, segment and source',
    (name) => {
      for (const surface of ['capture', 'pixel', 'segment', 'source'] as const) {
        expect(resolveEventName(name, surface, [])).toEqual({ kind: 'canonical', name, originalName: name });
      }
    },
  );

  it.each([
    ['Order Completed', 'Purchase'],
    ['order_completed', 'Purchase'],
    ['ORDER COMPLETED', 'Purchase'],
    ['Signed Up', 'SignUp'],
    ['Trial Started', 'StartTrial'],
    ['Product Added', 'AddToCart'],
    ['Checkout Started', 'CheckoutStarted'],
    ['Payment Info Entered', 'AddPaymentInfo'],
    ['Subscription Cancelled', 'Churned'],
    ['closedwon', 'ClosedWon'],
    ['marketingqualifiedlead', 'MQL'],
  ])('segment: %s -> %s', (name, canonical) => {
    expect(resolveEventName(name, 'segment', [])).toMatchObject({ kind: 'canonical', name: canonical });
  });
});

describe('surface strictness', () => {
  it('cometly accepts only standard names, slots and defined custom events', () => {
    expect(resolveEventName('purchase', 'cometly', CUSTOM)).toMatchObject({ kind: 'canonical', name: 'Purchase' });
    expect(resolveEventName('Order Completed', 'cometly', CUSTOM).kind).toBe('unknown');
    expect(resolveEventName('LeadCaptured', 'cometly', CUSTOM).kind).toBe('unknown');
    expect(resolveEventName('custom_event_3', 'cometly', CUSTOM)).toEqual({
      kind: 'custom',
      name: 'trial.activated',
      originalName: 'custom_event_3',
    });
    // undefined slot (and the slot of an archived event) stays custom under its slot name
    expect(resolveEventName('custom_event_7', 'cometly', CUSTOM)).toMatchObject({
      kind: 'custom',
      name: 'custom_event_7',
    });
    expect(resolveEventName('custom_event_4', 'cometly', CUSTOM)).toMatchObject({
      kind: 'custom',
      name: 'custom_event_4',
    });
    expect(resolveEventName('custom_event_26', 'cometly', CUSTOM).kind).toBe('unknown');
    expect(resolveEventName('trial.activated', 'cometly', CUSTOM)).toMatchObject({
      kind: 'custom',
      name: 'trial.activated',
    });
    expect(resolveEventName('Onboarding completed', 'cometly', CUSTOM)).toMatchObject({
      kind: 'custom',
      name: 'onboarding.completed',
    });
    expect(resolveEventName('old.event', 'cometly', CUSTOM).kind).toBe('unknown');
    const unknown = resolveEventName('whatever', 'cometly', CUSTOM);
    expect(unknown.kind === 'unknown' && unknown.message).toMatch(/lead_generated/);
  });

  it('capture and pixel reject names nothing defines', () => {
    for (const surface of ['capture', 'pixel'] as const) {
      expect(resolveEventName('Video Played', surface, CUSTOM).kind).toBe('unknown');
      expect(resolveEventName('custom_event_7', surface, CUSTOM).kind).toBe('unknown');
      expect(resolveEventName('custom_event_3', surface, CUSTOM)).toMatchObject({
        kind: 'custom',
        name: 'trial.activated',
      });
      expect(resolveEventName('trial.activated', surface, CUSTOM)).toMatchObject({
        kind: 'custom',
        name: 'trial.activated',
      });
    }
  });

  it('a defined custom key wins over a canonical name it normalizes to', () => {
    expect(resolveEventName('trial.activated', 'capture', CUSTOM)).toMatchObject({ kind: 'custom' });
    expect(resolveEventName('trial.activated', 'capture', [])).toMatchObject({
      kind: 'canonical',
      name: 'TrialActivated',
    });
  });

  it('segment and source keep unknown names as custom events named as sent', () => {
    for (const surface of ['segment', 'source'] as const) {
      expect(resolveEventName('Video Played', surface, [])).toEqual({
        kind: 'custom',
        name: 'Video Played',
        originalName: 'Video Played',
      });
    }
  });

  it('conversions accepts lead and sale only', () => {
    expect(resolveEventName('lead', 'conversions', [])).toMatchObject({ kind: 'canonical', name: 'LeadCaptured' });
    expect(resolveEventName('sale', 'conversions', [])).toMatchObject({ kind: 'canonical', name: 'Purchase' });
    expect(resolveEventName('purchase', 'conversions', []).kind).toBe('unknown');
  });

  it('rejects empty names everywhere', () => {
    for (const surface of ['cometly', 'capture', 'segment', 'conversions', 'pixel', 'source'] as const) {
      expect(resolveEventName('  ', surface, []).kind).toBe('unknown');
    }
  });

  it('reserves canonical names and aliases as custom keys, case-insensitively', () => {
    expect(reservedNameFor('purchase')).toBe('Purchase');
    expect(reservedNameFor('SIGN_UP')).toBe('SignUp');
    expect(reservedNameFor('trial.activated')).toBeUndefined();
  });
});
