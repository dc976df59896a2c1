import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import { adsByDefault, catalogEvent } from './catalog.js';
import { type CustomEventDefinition, loadCustomEvents } from './custom-events.js';
import { type DestinationKind, isAdKind } from './destinations.js';
import { defaultPlatformName } from './platform-names.js';

export type { DestinationKind } from './destinations.js';
export { DESTINATION_KINDS, isDestinationKind } from './destinations.js';

/**
 * One workspace's routing policy: its enabled/disabled overrides and platform-name overrides (keyed
 * by event and destination kind or id) and its custom events. Load it once and reuse it for every
 * event of a batch; decideRoute only reads it.
 */
export interface RoutingPolicy {
  workspaceId: string;
  /** `${event}\n${destination}` -> enabled. */
  overrides: ReadonlyMap<string, boolean>;
  /** `${event}\n${destination}` -> platform event name. */
  platformNames: ReadonlyMap<string, string>;
  customEvents: ReadonlyMap<string, CustomEventDefinition>;
}

export interface RouteDecision {
  send: boolean;
  platformEventName: string | null;
  reason: string;
}

export interface RouteEvent {
  name: string;
  isCanonical: boolean;
  properties?: Record<string, unknown>;
}

export interface RouteDestination {
  id: string;
  kind: DestinationKind;
  eventNameOverrides?: Record<string, string>;
}

export function policyKey(eventName: string, destination: string): string {
  return `${eventName}\n${destination}`;
}

export function buildRoutingPolicy(
  workspaceId: string,
  input: {
    overrides?: Array<{ event: string; destination: string; enabled: boolean }>;
    platformNames?: Array<{ event: string; destination: string; platformName: string }>;
    customEvents?: readonly CustomEventDefinition[];
  } = {},
): RoutingPolicy {
  return {
    workspaceId,
    overrides: new Map((input.overrides ?? []).map((o) => [policyKey(o.event, o.destination), o.enabled])),
    platformNames: new Map((input.platformNames ?? []).map((p) => [policyKey(p.event, p.destination), p.platformName])),
    customEvents: new Map((input.customEvents ?? []).map((c) => [c.key, c])),
  };
}

export async function loadRoutingPolicy(db: Kysely<Database>, workspaceId: string): Promise<RoutingPolicy> {
  const [overrides, names, customEvents] = await Promise.all([
    db
      .selectFrom('routing_overrides')
      .select(['event_name', 'destination', 'enabled'])
      .where('workspace_id', '=', workspaceId)
      .execute(),
    db
      .selectFrom('platform_event_names')
      .select(['event_name', 'destination', 'platform_name'])
      .where('workspace_id', '=', workspaceId)
      .execute(),
    loadCustomEvents(db, workspaceId),
  ]);
  return buildRoutingPolicy(workspaceId, {
    overrides: overrides.map((o) => ({
      event: o.event_name,
      destination: o.destination,
      enabled: Number(o.enabled) === 1,
    })),
    platformNames: names.map((n) => ({
      event: n.event_name,
      destination: n.destination,
      platformName: n.platform_name,
    })),
    customEvents,
  });
}

/** Revenue events that would double-count the first paid conversion on ad platforms (seed routing, sources.md 5.4). */
const FIRST_PURCHASE_ONLY = new Set(['SubscriptionRenew', 'SubscriptionStarted', 'TopUpPurchased', 'CreditsPurchased']);

/** The default (no override) decision, with its reason. */
function defaultEnabled(
  policy: RoutingPolicy,
  event: RouteEvent,
  destination: RouteDestination,
): { enabled: boolean; reason: string } {
  const kind = destination.kind;
  if (event.isCanonical) {
    const entry = catalogEvent(event.name);
    if (entry === undefined) {
      return isAdKind(kind)
        ? {
            enabled: false,
            reason: `default: ${event.name} is not in the catalog; ad platforms get catalog events only`,
          }
        : { enabled: true, reason: `default: ${kind} receives every event` };
    }
    if (!isAdKind(kind)) return { enabled: true, reason: `default: ${kind} receives every event` };
    if (entry.internal) {
      return { enabled: false, reason: `default: ${entry.name} is an internal lifecycle signal (warehouse/CRM only)` };
    }
    if (!adsByDefault(entry, kind)) {
      return {
        enabled: false,
        reason: FIRST_PURCHASE_ONLY.has(entry.name)
          ? `default: only the first paid conversion (Purchase) goes to ad platforms, not ${entry.name}; enable it per destination to send it to ${kind}`
          : `default: ${entry.name} goes to warehouse/CRM only; enable it per destination to send it to ${kind}`,
      };
    }
    if (entry.name === 'Purchase' && event.properties?.recurring === true) {
      return {
        enabled: false,
        reason: 'default: a recurring payment is not a first paid conversion; ad platforms get first purchases only',
      };
    }
    return { enabled: true, reason: `default: ${entry.name} is a ${kind} conversion signal` };
  }
  const def = policy.customEvents.get(event.name);
  if (!isAdKind(kind)) return { enabled: true, reason: `default: ${kind} receives every event` };
  if (def === undefined) {
    return {
      enabled: false,
      reason: `default: undefined custom event "${event.name}" goes to warehouse/CRM only; define it or enable it per destination`,
    };
  }
  if (def.archived) return { enabled: false, reason: `default: custom event "${def.key}" is archived` };
  if (def.destinationNames[destination.id] !== undefined || def.destinationNames[kind] !== undefined) {
    return { enabled: true, reason: `default: custom event "${def.key}" names a ${kind} event` };
  }
  return {
    enabled: false,
    reason: `default: custom event "${def.key}" names no ${kind} event; set destinationNames or enable it per destination`,
  };
}

function platformName(policy: RoutingPolicy, event: RouteEvent, destination: RouteDestination): string {
  const name = event.name;
  const fromDestination = destination.eventNameOverrides?.[name];
  if (fromDestination !== undefined) return fromDestination;
  const fromPolicy =
    policy.platformNames.get(policyKey(name, destination.id)) ??
    policy.platformNames.get(policyKey(name, destination.kind));
  if (fromPolicy !== undefined) return fromPolicy;
  if (!event.isCanonical) {
    const def = policy.customEvents.get(name);
    const fromDefinition = def?.destinationNames[destination.id] ?? def?.destinationNames[destination.kind];
    if (fromDefinition !== undefined) return fromDefinition;
  }
  return isAdKind(destination.kind) ? defaultPlatformName(destination.kind, name) : name;
}

/**
 * Whether `destination` receives `event`, and under which platform event name (Meta/TikTok) or
 * conversion action/category (Google/LinkedIn/Microsoft). Pure; precedence: an override for this
 * destination id, then for its kind, then the catalog default. Callers skip ad platforms for
 * `doNotForward` events themselves.
 */
export function decideRoute(policy: RoutingPolicy, event: RouteEvent, destination: RouteDestination): RouteDecision {
  const byId = policy.overrides.get(policyKey(event.name, destination.id));
  const byKind = byId === undefined ? policy.overrides.get(policyKey(event.name, destination.kind)) : undefined;
  let enabled: boolean;
  let reason: string;
  if (byId !== undefined) {
    enabled = byId;
    reason = `override: ${event.name} ${byId ? 'enabled' : 'disabled'} for destination ${destination.id}`;
  } else if (byKind !== undefined) {
    enabled = byKind;
    reason = `override: ${event.name} ${byKind ? 'enabled' : 'disabled'} for ${destination.kind} destinations`;
  } else {
    ({ enabled, reason } = defaultEnabled(policy, event, destination));
  }
  if (!enabled) return { send: false, platformEventName: null, reason };
  return { send: true, platformEventName: platformName(policy, event, destination), reason };
}
