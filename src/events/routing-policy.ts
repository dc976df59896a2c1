import type { Kysely } from 'kysely';
import { AppError } from '../errors/codes.js';
import type { Database } from '../storage/schema.js';
import { resolveEventName } from './aliases.js';
import { recordChange } from './audit.js';
import { CATALOG } from './catalog.js';
import { loadCustomEvents } from './custom-events.js';
import { DESTINATION_KINDS, type DestinationKind, isDestinationKey, isDestinationKind } from './destinations.js';
import { decideRoute, loadRoutingPolicy, type RouteDecision, type RoutingPolicy } from './routing.js';
import { loadRoutableDestinations } from './workspace-destinations.js';

export interface RouteOverride {
  event: string;
  destination: string;
  enabled: boolean;
  updatedAt: string;
  updatedBy: string;
}

export interface PlatformNameOverride {
  event: string;
  destination: string;
  platformName: string;
  updatedAt: string;
  updatedBy: string;
}

export interface RoutingView {
  overrides: RouteOverride[];
  platformNames: PlatformNameOverride[];
  /** The effective decision per event (catalog + custom events + overridden names) and destination kind. */
  matrix: Array<{ event: string; isCanonical: boolean; destinations: Record<DestinationKind, RouteDecision> }>;
}

export function decisionsByKind(
  policy: RoutingPolicy,
  event: { name: string; isCanonical: boolean },
): Record<DestinationKind, RouteDecision> {
  const out = {} as Record<DestinationKind, RouteDecision>;
  for (const kind of DESTINATION_KINDS) out[kind] = decideRoute(policy, event, { id: kind, kind });
  return out;
}

export async function routingView(db: Kysely<Database>, workspaceId: string): Promise<RoutingView> {
  const [policy, overrides, names] = await Promise.all([
    loadRoutingPolicy(db, workspaceId),
    db.selectFrom('routing_overrides').selectAll().where('workspace_id', '=', workspaceId).execute(),
    db.selectFrom('platform_event_names').selectAll().where('workspace_id', '=', workspaceId).execute(),
  ]);
  const events = new Map<string, boolean>();
  for (const e of CATALOG) events.set(e.name, true);
  for (const def of policy.customEvents.values()) if (!def.archived) events.set(def.key, false);
  for (const o of overrides) if (!events.has(o.event_name)) events.set(o.event_name, false);
  return {
    overrides: overrides
      .map((o) => ({
        event: o.event_name,
        destination: o.destination,
        enabled: Number(o.enabled) === 1,
        updatedAt: new Date(Number(o.updated_at)).toISOString(),
        updatedBy: o.updated_by,
      }))
      .sort((a, b) => a.event.localeCompare(b.event) || a.destination.localeCompare(b.destination)),
    platformNames: names
      .map((n) => ({
        event: n.event_name,
        destination: n.destination,
        platformName: n.platform_name,
        updatedAt: new Date(Number(n.updated_at)).toISOString(),
        updatedBy: n.updated_by,
      }))
      .sort((a, b) => a.event.localeCompare(b.event) || a.destination.localeCompare(b.destination)),
    matrix: [...events].map(([event, isCanonical]) => ({
      event,
      isCanonical,
      destinations: decisionsByKind(policy, { name: event, isCanonical }),
    })),
  };
}

export interface RouteChange {
  /** Canonical name, alias or custom event key. */
  event: string;
  /** Destination kind or destination id (`dst_…`). */
  destination: string;
  /** true/false sets the override; null removes it (back to the default); undefined leaves it. */
  enabled?: boolean | null;
  /** Sets the platform event name / conversion action; null removes it; undefined leaves it. */
  platformEventName?: string | null;
}

export interface RouteChangeResult {
  event: string;
  isCanonical: boolean;
  destination: string;
  enabled: boolean | null;
  platformEventName: string | null;
  /** The effective decision after the change (null for an id that names no destination of this workspace). */
  decision: RouteDecision | null;
}

/** The stored name a routing change applies to: canonical names via their aliases, anything else as a custom key. */
async function eventFor(db: Kysely<Database>, workspaceId: string, name: string) {
  const resolved = resolveEventName(name, 'source', await loadCustomEvents(db, workspaceId));
  if (resolved.kind === 'unknown') throw new AppError('validation_failed', resolved.message, 'event');
  return { name: resolved.name, isCanonical: resolved.kind === 'canonical' };
}

/** Applies one routing change and audits it (who, when, before, after) in the same transaction. */
export async function changeRoute(
  db: Kysely<Database>,
  workspaceId: string,
  change: RouteChange,
  actor: string,
  now: number,
): Promise<RouteChangeResult> {
  if (!isDestinationKey(change.destination)) {
    throw new AppError(
      'validation_failed',
      `destination is a kind (${DESTINATION_KINDS.join(', ')}) or a destination id (dst_…)`,
      'destination',
    );
  }
  if (change.enabled === undefined && change.platformEventName === undefined) {
    throw new AppError('validation_failed', 'send enabled and/or platformEventName', 'enabled');
  }
  if (typeof change.platformEventName === 'string' && change.platformEventName.trim() === '') {
    throw new AppError(
      'validation_failed',
      'platformEventName must not be empty (null resets it)',
      'platformEventName',
    );
  }
  const destination = change.destination;
  const result = await db.transaction().execute(async (trx) => {
    const event = await eventFor(trx, workspaceId, change.event);
    const scope = { workspaceId, eventName: event.name, destination, actor, now };
    const overrideRow = await trx
      .selectFrom('routing_overrides')
      .select('enabled')
      .where('workspace_id', '=', workspaceId)
      .where('event_name', '=', event.name)
      .where('destination', '=', destination)
      .executeTakeFirst();
    let enabled = overrideRow === undefined ? null : Number(overrideRow.enabled) === 1;
    if (change.enabled !== undefined && change.enabled !== enabled) {
      const remove = trx
        .deleteFrom('routing_overrides')
        .where('workspace_id', '=', workspaceId)
        .where('event_name', '=', event.name)
        .where('destination', '=', destination);
      await remove.execute();
      if (change.enabled !== null) {
        await trx
          .insertInto('routing_overrides')
          .values({
            workspace_id: workspaceId,
            event_name: event.name,
            destination,
            enabled: change.enabled ? 1 : 0,
            updated_at: now,
            updated_by: actor,
          })
          .execute();
      }
      await recordChange(
        trx,
        { ...scope, subject: 'routing' },
        enabled === null ? null : { enabled },
        change.enabled === null ? null : { enabled: change.enabled },
      );
      enabled = change.enabled;
    }
    const nameRow = await trx
      .selectFrom('platform_event_names')
      .select('platform_name')
      .where('workspace_id', '=', workspaceId)
      .where('event_name', '=', event.name)
      .where('destination', '=', destination)
      .executeTakeFirst();
    let platformEventName = nameRow?.platform_name ?? null;
    const wanted =
      typeof change.platformEventName === 'string' ? change.platformEventName.trim() : change.platformEventName;
    if (wanted !== undefined && wanted !== platformEventName) {
      await trx
        .deleteFrom('platform_event_names')
        .where('workspace_id', '=', workspaceId)
        .where('event_name', '=', event.name)
        .where('destination', '=', destination)
        .execute();
      if (wanted !== null) {
        await trx
          .insertInto('platform_event_names')
          .values({
            workspace_id: workspaceId,
            destination,
            event_name: event.name,
            platform_name: wanted,
            updated_at: now,
            updated_by: actor,
          })
          .execute();
      }
      await recordChange(
        trx,
        { ...scope, subject: 'platform_name' },
        platformEventName === null ? null : { platformEventName },
        wanted === null ? null : { platformEventName: wanted },
      );
      platformEventName = wanted;
    }
    return { event: event.name, isCanonical: event.isCanonical, destination, enabled, platformEventName };
  });
  const policy = await loadRoutingPolicy(db, workspaceId);
  const event = { name: result.event, isCanonical: result.isCanonical };
  if (isDestinationKind(destination)) {
    return { ...result, decision: decideRoute(policy, event, { id: destination, kind: destination }) };
  }
  const [configured] = await loadRoutableDestinations(db, workspaceId, destination);
  return { ...result, decision: configured === undefined ? null : decideRoute(policy, event, configured) };
}
