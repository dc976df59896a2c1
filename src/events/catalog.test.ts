import { describe, expect, it } from 'vitest';
import { AD_KINDS, CATALOG, FUNNEL_STAGES } from './catalog.js';
import { DESTINATION_KINDS } from './destinations.js';
import { defaultPlatformName, hasStandardPlatformName } from './platform-names.js';
import { buildRoutingPolicy, decideRoute } from './routing.js';

// Counts per stage from the seed's "Funnel stages" table.
const SEED_STAGE_COUNTS = { awareness: 6, interest: 8, acquisition: 7, activation: 11, revenue: 12, product: 22 };

describe('canonical catalog', () => {
  const seed = CATALOG.filter((e) => !e.extension);

  it('holds the 66 seed events in six stages with the seed counts', () => {
    expect(seed).toHaveLength(66);
    for (const stage of FUNNEL_STAGES) {
      expect({ stage, count: seed.filter((e) => e.stage === stage).length }).toEqual({
        stage,
        count: SEED_STAGE_COUNTS[stage],
      });
    }
  });

  it('has unique names', () => {
    expect(new Set(CATALOG.map((e) => e.name)).size).toBe(CATALOG.length);
  });

  it('marks the lifecycle events the sources need as extensions', () => {
    for (const name of ['PlanDowngrade', 'ClosedWon', 'MQL', 'TrialWillEnd', 'TrialExpired', 'AddToCart']) {
      const event = CATALOG.find((e) => e.name === name);
      expect(event?.extension, name).toBe(true);
      expect(event?.origin, name).not.toBeNull();
    }
  });

  it('carries the seed firing guide', () => {
    const purchase = CATALOG.find((e) => e.name === 'Purchase');
    expect(purchase).toMatchObject({ whenToFire: 'Paid conversion confirmed', avoid: 'Client + server without dedup' });
    expect(CATALOG.find((e) => e.name === 'Refund')?.avoid).toBe('Sending to ad platforms by default');
  });

  const policy = buildRoutingPolicy('ws_test');
  describe.each(CATALOG.map((e) => [e.name, e] as const))('%s', (name, event) => {
    it('has a stage, a description and a default route for every destination kind', () => {
      expect(FUNNEL_STAGES).toContain(event.stage);
      expect(event.description.length).toBeGreaterThan(0);
      for (const kind of DESTINATION_KINDS) {
        const decision = decideRoute(policy, { name, isCanonical: true }, { id: `dst_${kind}`, kind });
        expect(decision.reason).toMatch(/^default: /);
        if (decision.send) expect(decision.platformEventName).toBeTruthy();
        else expect(decision.platformEventName).toBeNull();
      }
      // warehouse and webhook (CRM) receive every catalog event by default
      expect(decideRoute(policy, { name, isCanonical: true }, { id: 'dst_w', kind: 'warehouse' }).send).toBe(true);
      expect(decideRoute(policy, { name, isCanonical: true }, { id: 'dst_h', kind: 'webhook' }).send).toBe(true);
    });
  });
});

describe('platform name defaults (specs/destinations.md §6)', () => {
  it.each([
    ['meta', 'LeadCaptured', 'Lead'],
    ['meta', 'SignUp', 'CompleteRegistration'],
    ['meta', 'CheckoutStarted', 'InitiateCheckout'],
    ['meta', 'DemoBooked', 'Schedule'],
    ['meta', 'SubscriptionStarted', 'Subscribe'],
    ['meta', 'ClosedWon', 'Purchase'],
    ['meta', 'trial.activated', 'trial.activated'],
    ['tiktok', 'Purchase', 'Purchase'],
    ['tiktok', 'ContentView', 'ViewContent'],
    ['google-ads', 'Purchase', 'PURCHASE'],
    ['google-ads', 'LeadCaptured', 'SUBMIT_LEAD_FORM'],
    ['google-ads', 'MQL', 'QUALIFIED_LEAD'],
    ['google-ads', 'FeatureUsed', 'DEFAULT'],
    ['linkedin', 'StartTrial', 'START_TRIAL'],
    ['linkedin', 'AddPaymentInfo', 'ADD_BILLING_INFO'],
    ['linkedin', 'FeatureUsed', 'OTHER'],
    ['microsoft', 'CheckoutStarted', 'BeginCheckout'],
    ['microsoft', 'DemoBooked', 'BookAppointment'],
    ['microsoft', 'FeatureUsed', 'Other'],
  ] as const)('%s: %s -> %s', (kind, name, expected) => {
    expect(defaultPlatformName(kind, name)).toBe(expected);
  });

  it('every ad-routed catalog event has a standard name on each platform it goes to by default', () => {
    for (const event of CATALOG) {
      if (event.ads === 'none') continue;
      const kinds = event.ads === 'all' ? AD_KINDS : event.ads;
      for (const kind of kinds) {
        // TikTok's Events API documents no PageView; it is routed to Meta only
        expect({ event: event.name, kind, standard: hasStandardPlatformName(kind, event.name) }).toEqual({
          event: event.name,
          kind,
          standard: true,
        });
      }
    }
  });
});
