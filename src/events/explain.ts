import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import { type IngestSurface, resolveEventName } from './aliases.js';
import { type CatalogEvent, catalogEvent } from './catalog.js';
import type { DestinationKind } from './destinations.js';
import { decideRoute, loadRoutingPolicy, type RouteDecision, type RoutingPolicy } from './routing.js';
import { decisionsByKind } from './routing-policy.js';
import { loadRoutableDestinations, type RoutableDestination } from './workspace-destinations.js';

export const INGEST_SURFACES: readonly IngestSurface[] = [
  'cometly',
  'capture',
  'segment',
  'conversions',
  'pixel',
  'source',
];

export interface RouteExplanation {
  input: string;
  surface: IngestSurface;
  /** canonical | custom | unknown on the asked surface. */
  resolution: 'canonical' | 'custom' | 'unknown';
  /** The stored event name (canonical name or custom key); null when the surface rejects the name. */
  event: string | null;
  message: string | null;
  catalog: CatalogEvent | null;
  /** How every surface would treat the same name. */
  surfaces: Record<IngestSurface, { resolution: 'canonical' | 'custom' | 'unknown'; event: string | null }>;
  /** What each destination kind would receive (or why not); empty when the name is rejected. */
  destinations: Partial<Record<DestinationKind, RouteDecision>>;
  /** The same for each destination configured in the workspace (its own overrides applied). */
  configured: Array<{ id: string; name: string; kind: DestinationKind; decision: RouteDecision }>;
}

/** Pure: explains one incoming name against a loaded policy. */
export function explainWithPolicy(
  policy: RoutingPolicy,
  input: string,
  surface: IngestSurface,
  configured: readonly RoutableDestination[] = [],
): RouteExplanation {
  const customEvents = [...policy.customEvents.values()];
  const surfaces = {} as RouteExplanation['surfaces'];
  for (const s of INGEST_SURFACES) {
    const r = resolveEventName(input, s, customEvents);
    surfaces[s] = { resolution: r.kind, event: r.kind === 'unknown' ? null : r.name };
  }
  const resolved = resolveEventName(input, surface, customEvents);
  if (resolved.kind === 'unknown') {
    return {
      input,
      surface,
      resolution: 'unknown',
      event: null,
      message: resolved.message,
      catalog: null,
      surfaces,
      destinations: {},
      configured: [],
    };
  }
  const isCanonical = resolved.kind === 'canonical';
  return {
    input,
    surface,
    resolution: resolved.kind,
    event: resolved.name,
    message: null,
    catalog: isCanonical ? (catalogEvent(resolved.name) ?? null) : null,
    surfaces,
    destinations: decisionsByKind(policy, { name: resolved.name, isCanonical }),
    configured: configured.map((d) => ({
      id: d.id,
      name: d.name,
      kind: d.kind,
      decision: d.enabled
        ? decideRoute(policy, { name: resolved.name, isCanonical }, d)
        : { send: false, platformEventName: null, reason: 'destination is disabled' },
    })),
  };
}

export async function explainRoute(
  db: Kysely<Database>,
  workspaceId: string,
  input: string,
  surface: IngestSurface,
): Promise<RouteExplanation> {
  const [policy, configured] = await Promise.all([
    loadRoutingPolicy(db, workspaceId),
    loadRoutableDestinations(db, workspaceId),
  ]);
  return explainWithPolicy(policy, input, surface, configured);
}
