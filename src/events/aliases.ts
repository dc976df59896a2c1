import { CATALOG, CATALOG_BY_NAME } from './catalog.js';
import type { CustomEventDefinition } from './custom-events.js';

/** The ingestion surface an event name arrived on; each accepts a different vocabulary. */
export type IngestSurface = 'cometly' | 'capture' | 'segment' | 'conversions' | 'pixel' | 'source';

export type ResolvedEventName =
  | { kind: 'canonical'; name: string; originalName: string }
  | { kind: 'custom'; name: string; originalName: string }
  | { kind: 'unknown'; originalName: string; message: string };

export type AliasGroup = 'server-api' | 'conversions' | 'segment' | 'lifecycle' | 'platform';

export interface Alias {
  alias: string;
  canonical: string;
  group: AliasGroup;
}

/** The 14 standard names of the server events API (shared/seeds/server-events-api.txt). */
const SERVER_API: Array<[string, string]> = [
  ['lead_generated', 'LeadCaptured'],
  ['view_content', 'ContentView'],
  ['schedule', 'DemoBooked'],
  ['purchase', 'Purchase'],
  ['subscribe', 'SubscriptionStarted'],
  ['add_to_cart', 'AddToCart'],
  ['contact', 'Contact'],
  ['initiate_checkout', 'CheckoutStarted'],
  ['add_payment_info', 'AddPaymentInfo'],
  ['complete_registration', 'SignUp'],
  ['start_trial', 'StartTrial'],
  ['sign_up', 'SignUp'],
  ['submit_application', 'SubmitApplication'],
  ['webinar_registration', 'WebinarRegistration'],
];

/** shared/seeds/lead-and-sale-events.txt */
const CONVERSIONS: Array<[string, string]> = [
  ['lead', 'LeadCaptured'],
  ['sale', 'Purchase'],
];

/** Segment spec event names (E-commerce v2, B2B SaaS, Live Chat) and common SaaS phrasings of them. */
const SEGMENT: Array<[string, string]> = [
  ['Page Viewed', 'PageView'],
  ['Loaded a Page', 'PageView'],
  ['Product Viewed', 'ContentView'],
  ['Signed Up', 'SignUp'],
  ['Account Created', 'WorkspaceCreated'],
  ['Invite Sent', 'InviteSent'],
  ['Email Confirmed', 'EmailVerified'],
  ['Trial Started', 'StartTrial'],
  ['Product Added', 'AddToCart'],
  ['Checkout Started', 'CheckoutStarted'],
  ['Payment Info Entered', 'AddPaymentInfo'],
  ['Order Completed', 'Purchase'],
  ['Order Refunded', 'Refund'],
  ['Subscription Started', 'SubscriptionStarted'],
  ['Subscription Created', 'SubscriptionStarted'],
  ['Subscription Renewed', 'SubscriptionRenew'],
  ['Subscription Upgraded', 'PlanUpgrade'],
  ['Plan Upgraded', 'PlanUpgrade'],
  ['Subscription Downgraded', 'PlanDowngrade'],
  ['Plan Downgraded', 'PlanDowngrade'],
  ['Subscription Cancelled', 'Churned'],
  ['Subscription Canceled', 'Churned'],
  ['Subscription Reactivated', 'Reactivated'],
  ['Lead Created', 'LeadCaptured'],
  ['Form Submitted', 'LeadCaptured'],
  ['Demo Requested', 'DemoIntent'],
  ['Demo Scheduled', 'DemoBooked'],
  ['Meeting Booked', 'DemoBooked'],
  ['Demo Attended', 'MeetingHeld'],
  ['Meeting Completed', 'MeetingHeld'],
  ['Live Chat Conversation Started', 'ChatStarted'],
  ['Application Submitted', 'SubmitApplication'],
  ['Webinar Registered', 'WebinarRegistration'],
  ['Opportunity Won', 'ClosedWon'],
  ['Deal Won', 'ClosedWon'],
];

/** Lifecycle names the Stripe and CRM sources (and their users) use (specs/sources.md 5.1, seeds/events-platform-overview). */
const LIFECYCLE: Array<[string, string]> = [
  ['marketingqualifiedlead', 'MQL'],
  ['sql', 'SalesQualifiedLead'],
  ['closedwon', 'ClosedWon'],
  ['trial_start', 'StartTrial'],
  ['trial_converted', 'SubscriptionStarted'],
  ['new_customer', 'Purchase'],
  ['first_purchase', 'Purchase'],
  ['recurring_payment', 'SubscriptionRenew'],
  ['renewal', 'SubscriptionRenew'],
  ['upgrade', 'PlanUpgrade'],
  ['downgrade', 'PlanDowngrade'],
  ['seat_expansion', 'ExpansionRevenue'],
  ['churn', 'Churned'],
  ['cancellation', 'Churned'],
  ['winback', 'Reactivated'],
  ['dispute', 'Chargeback'],
  ['demo_attended', 'MeetingHeld'],
];

/** Meta/TikTok standard names callers often send as-is (specs/destinations.md §1.9, §4.4). */
const PLATFORM: Array<[string, string]> = [
  ['CompleteRegistration', 'SignUp'],
  ['ViewContent', 'ContentView'],
  ['InitiateCheckout', 'CheckoutStarted'],
  ['SubmitForm', 'LeadCaptured'],
  ['CompletePayment', 'Purchase'],
];

function group(rows: Array<[string, string]>, name: AliasGroup): Alias[] {
  return rows.map(([alias, canonical]) => ({ alias, canonical, group: name }));
}

export const ALIASES: readonly Alias[] = [
  ...group(SERVER_API, 'server-api'),
  ...group(CONVERSIONS, 'conversions'),
  ...group(SEGMENT, 'segment'),
  ...group(LIFECYCLE, 'lifecycle'),
  ...group(PLATFORM, 'platform'),
];

export const SERVER_API_STANDARD_NAMES: readonly string[] = SERVER_API.map(([alias]) => alias);

/** Case, spaces and punctuation do not matter: `Order Completed`, `order_completed` and `orderCompleted` are one name. */
export function normalizeEventName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

function indexBy(rows: Array<[string, string]>): Map<string, string> {
  return new Map(rows.map(([alias, canonical]) => [normalizeEventName(alias), canonical]));
}

/** Normalized canonical name or alias -> canonical name (capture, pixel, segment, source). */
const LENIENT: ReadonlyMap<string, string> = new Map([
  ...CATALOG.map((e): [string, string] => [normalizeEventName(e.name), e.name]),
  ...ALIASES.map((a): [string, string] => [normalizeEventName(a.alias), a.canonical]),
]);
const COMETLY: ReadonlyMap<string, string> = indexBy(SERVER_API);
const LEAD_SALE: ReadonlyMap<string, string> = indexBy(CONVERSIONS);

/** Lower-cased canonical names and aliases: a custom event key may not be one of them. */
const RESERVED: ReadonlyMap<string, string> = new Map([
  ...CATALOG.map((e): [string, string] => [e.name.toLowerCase(), e.name]),
  ...ALIASES.map((a): [string, string] => [a.alias.toLowerCase(), a.canonical]),
]);

/** The canonical event a would-be custom key already names (case-insensitively), if any. */
export function reservedNameFor(key: string): string | undefined {
  return RESERVED.get(key.toLowerCase());
}

/** Every alias that resolves to `canonical`. */
export function aliasesOf(canonical: string): Alias[] {
  return ALIASES.filter((a) => a.canonical === canonical);
}

interface CustomIndex {
  byKey: Map<string, CustomEventDefinition>;
  bySlot: Map<number, CustomEventDefinition>;
  byLooseName: Map<string, CustomEventDefinition>;
}

// Resolution runs for every event: index each workspace's definitions once per loaded array.
const indexes = new WeakMap<readonly CustomEventDefinition[], CustomIndex>();

function customIndex(customEvents: readonly CustomEventDefinition[]): CustomIndex {
  const cached = indexes.get(customEvents);
  if (cached !== undefined) return cached;
  const index: CustomIndex = { byKey: new Map(), bySlot: new Map(), byLooseName: new Map() };
  for (const def of customEvents) {
    if (def.archived) continue;
    index.byKey.set(def.key, def);
    if (def.slot !== null) index.bySlot.set(def.slot, def);
    const looseKey = normalizeEventName(def.key);
    const looseDisplay = normalizeEventName(def.displayName);
    if (looseDisplay !== '' && !index.byLooseName.has(looseDisplay)) index.byLooseName.set(looseDisplay, def);
    if (looseKey !== '' && !index.byLooseName.has(looseKey)) index.byLooseName.set(looseKey, def);
  }
  indexes.set(customEvents, index);
  return index;
}

const SLOT_NAME = /^custom_event_([1-9]|1[0-9]|2[0-5])$/i;

function unknown(originalName: string, surface: IngestSurface): ResolvedEventName {
  const shown = originalName.length > 80 ? `${originalName.slice(0, 80)}…` : originalName;
  const accepted: Record<IngestSurface, string> = {
    cometly: `one of the standard events (${SERVER_API_STANDARD_NAMES.join(', ')}), custom_event_1 to custom_event_25, or a custom event defined in this workspace`,
    capture: 'a catalog event (GET /api/v1/catalog), one of its aliases, or a custom event defined in this workspace',
    pixel: 'a catalog event (GET /api/v1/catalog), one of its aliases, or a custom event defined in this workspace',
    conversions: '"lead" or "sale"',
    segment: 'any name',
    source: 'any name',
  };
  const message =
    originalName.trim() === '' ? 'the event name is empty' : `unknown event "${shown}": send ${accepted[surface]}`;
  return { kind: 'unknown', originalName, message };
}

/**
 * Maps a name as sent on one surface to the canonical event or the workspace custom event it means.
 * Pure and allocation-light: it runs for every ingested event.
 *
 * - cometly: the 14 standard names, custom_event_1..25 (the defined custom event of that slot, else
 *   stays `custom_event_N`), and keys / display names of defined custom events.
 * - capture, pixel: canonical names, aliases and defined custom events (and their slots).
 * - segment, source: anything; a name nothing matches becomes a custom event named as sent.
 * - conversions: lead / sale.
 */
export function resolveEventName(
  originalName: string,
  surface: IngestSurface,
  customEvents: readonly CustomEventDefinition[],
): ResolvedEventName {
  const canonical = (name: string): ResolvedEventName => ({ kind: 'canonical', name, originalName });
  const custom = (name: string): ResolvedEventName => ({ kind: 'custom', name, originalName });
  const name = originalName.trim();
  if (name === '') return unknown(originalName, surface);

  if (surface === 'conversions') {
    const hit = LEAD_SALE.get(normalizeEventName(name));
    return hit === undefined ? unknown(originalName, surface) : canonical(hit);
  }

  if (surface !== 'cometly' && CATALOG_BY_NAME.has(name)) return canonical(name);
  const index = customIndex(customEvents);
  const exact = index.byKey.get(name);
  if (exact !== undefined) return custom(exact.key);

  const slotMatch = SLOT_NAME.exec(name);
  if (slotMatch !== null) {
    const def = index.bySlot.get(Number(slotMatch[1]));
    if (def !== undefined) return custom(def.key);
    if (surface === 'capture' || surface === 'pixel') return unknown(originalName, surface);
    return custom(name.toLowerCase());
  }

  const loose = normalizeEventName(name);
  const standard = (surface === 'cometly' ? COMETLY : LENIENT).get(loose);
  if (standard !== undefined) return canonical(standard);
  const named = index.byLooseName.get(loose);
  if (named !== undefined) return custom(named.key);

  if (surface === 'segment' || surface === 'source') return custom(name);
  return unknown(originalName, surface);
}
