import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import { aliasesOf } from './aliases.js';
import { CATALOG, type CatalogEvent, FUNNEL_STAGES, type FunnelStage } from './catalog.js';
import type { CustomEventDefinition } from './custom-events.js';
import type { DestinationKind } from './destinations.js';
import { loadRoutingPolicy, type RouteDecision } from './routing.js';
import { decisionsByKind } from './routing-policy.js';

export interface CatalogView {
  /** count: every event of the stage; extensions: how many of them are not in the seed taxonomy. */
  stages: Array<{ stage: FunnelStage; count: number; extensions: number }>;
  events: Array<
    CatalogEvent & {
      aliases: Array<{ alias: string; group: string }>;
      routing: Record<DestinationKind, RouteDecision>;
    }
  >;
  customEvents: CustomEventDefinition[];
}

/** The catalog as one workspace sees it: every event with its aliases and where it goes under the workspace policy. */
export async function catalogView(db: Kysely<Database>, workspaceId: string): Promise<CatalogView> {
  const policy = await loadRoutingPolicy(db, workspaceId);
  return {
    stages: FUNNEL_STAGES.map((stage) => ({
      stage,
      count: CATALOG.filter((e) => e.stage === stage).length,
      extensions: CATALOG.filter((e) => e.stage === stage && e.extension).length,
    })),
    events: CATALOG.map((event) => ({
      ...event,
      aliases: aliasesOf(event.name).map((a) => ({ alias: a.alias, group: a.group })),
      routing: decisionsByKind(policy, { name: event.name, isCanonical: true }),
    })),
    customEvents: [...policy.customEvents.values()],
  };
}
