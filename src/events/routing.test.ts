import { describe, expect, it } from 'vitest';
import { CATALOG } from './catalog.js';
import { blankDefinition, type CustomEventDefinition } from './custom-events.js';
import { explainWithPolicy } from './explain.js';
import { buildRoutingPolicy, type DestinationKind, decideRoute } from './routing.js';

const ADS: DestinationKind[] = ['meta', 'google-ads', 'linkedin', 'tiktok', 'microsoft'];
const empty = buildRoutingPolicy('ws_a');
const to = (kind: DestinationKind, id = `dst_${kind.replace('-', '')}1`) => ({ id, kind });
const canonical = (name: string) => ({ name, isCanonical: true });

describe('seed routing defaults', () => {
  it.each(['Refund', 'Chargeback', 'Churned', 'PlanDowngrade', 'SubscriptionRenew', 'TrialExpired'])(
    '%s goes to warehouse/CRM only',
    (name) => {
      for (const kind of ADS) expect(decideRoute(empty, canonical(name), to(kind)).send).toBe(false);
      expect(decideRoute(empty, canonical(name), to('warehouse')).send).toBe(true);
      expect(decideRoute(empty, canonical(name), to('webhook')).send).toBe(true);
    },
  );

  it('every product extension event goes to warehouse/CRM only', () => {
    const product = CATALOG.filter((e) => e.stage === 'product');
    expect(product).toHaveLength(22);
    for (const e of product)
      for (const kind of ADS) expect(decideRoute(empty, canonical(e.name), to(kind)).send).toBe(false);
  });

  it('Purchase (first paid conversion) goes to every ad platform; renewals do not', () => {
    for (const kind of ADS) expect(decideRoute(empty, canonical('Purchase'), to(kind)).send).toBe(true);
    expect(decideRoute(empty, canonical('SubscriptionRenew'), to('meta')).reason).toMatch(/first paid conversion/);
    const recurring = { ...canonical('Purchase'), properties: { recurring: true } };
    expect(decideRoute(empty, recurring, to('meta')).send).toBe(false);
  });

  it('sends platform names from the mapping table', () => {
    expect(decideRoute(empty, canonical('LeadCaptured'), to('meta'))).toMatchObject({
      send: true,
      platformEventName: 'Lead',
    });
    expect(decideRoute(empty, canonical('Purchase'), to('google-ads')).platformEventName).toBe('PURCHASE');
    expect(decideRoute(empty, canonical('Purchase'), to('warehouse')).platformEventName).toBe('Purchase');
  });
});

describe('overrides win over defaults', () => {
  const policy = buildRoutingPolicy('ws_a', {
    overrides: [
      { event: 'Refund', destination: 'meta', enabled: true },
      { event: 'Purchase', destination: 'tiktok', enabled: false },
      { event: 'Purchase', destination: 'dst_tiktok2', enabled: true },
      { event: 'PageView', destination: 'warehouse', enabled: false },
    ],
    platformNames: [
      { event: 'Purchase', destination: 'google-ads', platformName: 'customers/1/conversionActions/9' },
      { event: 'Purchase', destination: 'dst_google2', platformName: 'customers/1/conversionActions/42' },
    ],
  });

  it('enables and disables by kind, and by destination id over kind', () => {
    expect(decideRoute(policy, canonical('Refund'), to('meta'))).toMatchObject({
      send: true,
      platformEventName: 'Refund',
    });
    expect(decideRoute(policy, canonical('Refund'), to('meta')).reason).toMatch(/^override/);
    expect(decideRoute(policy, canonical('Purchase'), to('tiktok')).send).toBe(false);
    expect(decideRoute(policy, canonical('Purchase'), to('tiktok', 'dst_tiktok2')).send).toBe(true);
    expect(decideRoute(policy, canonical('PageView'), to('warehouse')).send).toBe(false);
  });

  it('platform names: destination settings, then destination id, then kind, then default', () => {
    expect(decideRoute(policy, canonical('Purchase'), to('google-ads')).platformEventName).toBe(
      'customers/1/conversionActions/9',
    );
    expect(decideRoute(policy, canonical('Purchase'), to('google-ads', 'dst_google2')).platformEventName).toBe(
      'customers/1/conversionActions/42',
    );
    const withSettings = { ...to('google-ads'), eventNameOverrides: { Purchase: 'customers/1/conversionActions/7' } };
    expect(decideRoute(policy, canonical('Purchase'), withSettings).platformEventName).toBe(
      'customers/1/conversionActions/7',
    );
  });
});

describe('custom events', () => {
  const custom: CustomEventDefinition[] = [
    {
      key: 'trial.activated',
      displayName: 'Trial activated',
      slot: 3,
      defaultValue: 10,
      defaultCurrency: 'USD',
      tags: ['plan:pro'],
      destinationNames: { meta: 'TrialActivated' },
      archived: false,
    },
    { ...blankDefinition('billing.paywall_viewed'), displayName: 'Paywall viewed' },
  ];
  const policy = buildRoutingPolicy('ws_a', { customEvents: custom });

  it('go to ad platforms they name an event for; warehouse and webhook always', () => {
    const event = { name: 'trial.activated', isCanonical: false };
    expect(decideRoute(policy, event, to('meta'))).toMatchObject({ send: true, platformEventName: 'TrialActivated' });
    expect(decideRoute(policy, event, to('google-ads')).send).toBe(false);
    expect(decideRoute(policy, { name: 'billing.paywall_viewed', isCanonical: false }, to('meta')).send).toBe(false);
    expect(decideRoute(policy, { name: 'Video Played', isCanonical: false }, to('warehouse'))).toMatchObject({
      send: true,
      platformEventName: 'Video Played',
    });
  });

  it('explains a slot name through the custom event it answers to', () => {
    const explained = explainWithPolicy(policy, 'custom_event_3', 'cometly');
    expect(explained).toMatchObject({ resolution: 'custom', event: 'trial.activated' });
    expect(explained.destinations.meta).toMatchObject({ send: true, platformEventName: 'TrialActivated' });
    expect(explained.surfaces.conversions.resolution).toBe('unknown');
  });
});
