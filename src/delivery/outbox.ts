import type { Kysely, Transaction } from 'kysely';
import type { AppContext } from '../context/context.js';
import { ADAPTERS } from '../destinations/registry.js';
import { byWorkspace } from '../events/by-workspace.js';
import { decideRoute, loadRoutingPolicy, type RoutingPolicy } from '../events/routing.js';
import type { StoredEvent } from '../events/stored-event.js';
import { newId } from '../ids/ids.js';
import { rowWriterOf } from '../storage/row-writer.js';
import type { Database } from '../storage/schema.js';
import type { DeliveryClickIdTable, DeliveryOutboxTable } from '../storage/tables/delivery.js';
import { enabledDestinations, type LoadedDestination } from './destinations.js';
import { deliveryState, wakeWorkers } from './state.js';

const POLICY_CACHE_MS = 2000;

async function cachedPolicy(ctx: AppContext, db: Kysely<Database>, workspaceId: string): Promise<RoutingPolicy> {
  const cache = deliveryState(ctx.storage).policies;
  const now = Date.now();
  const hit = cache.get(workspaceId);
  if (hit !== undefined && now - hit.at < POLICY_CACHE_MS) return hit.value as RoutingPolicy;
  const value = await loadRoutingPolicy(db, workspaceId);
  cache.set(workspaceId, { at: now, value });
  return value;
}

/** The routing decision for one event and destination, including the delivery engine's own rules. */
export function routeFor(
  policy: RoutingPolicy,
  event: StoredEvent,
  destination: LoadedDestination,
): { send: boolean; platformEventName: string | null; reason: string } {
  if (event.doNotForward && ADAPTERS[destination.kind].adPlatform) {
    return {
      send: false,
      platformEventName: null,
      reason: 'do not forward: stored and attributed, never sent to ad platforms',
    };
  }
  return decideRoute(
    policy,
    { name: event.name, isCanonical: event.isCanonical, properties: event.properties },
    { id: destination.id, kind: destination.kind, eventNameOverrides: destination.eventNameOverrides },
  );
}

export function outboxRows(
  event: StoredEvent,
  destinations: LoadedDestination[],
  policy: RoutingPolicy,
  now: number,
): DeliveryOutboxTable[] {
  return destinations.map((destination) => {
    const decision = routeFor(policy, event, destination);
    return {
      workspace_id: event.workspaceId,
      delivery_id: newId('dlv', now),
      event_id: event.id,
      destination_id: destination.id,
      event_name: event.name,
      platform_event_name: decision.platformEventName,
      status: decision.send ? 'pending' : 'skipped',
      attempts: 0,
      next_attempt_at: now,
      lease_owner: null,
      lease_until: null,
      last_error: decision.send ? null : decision.reason,
      event_occurred_at: event.occurredAt,
      created_at: now,
      updated_at: now,
      delivered_at: null,
    };
  });
}

/**
 * EVENT_HOOKS.afterInsert: in the ingest transaction, one outbox row per (event, enabled destination)
 * — `pending` when routing sends it, `skipped` with the reason otherwise — so an acknowledged event
 * always has its deliveries committed with it. Also records the first sighting of an fbclid.
 */
export async function writeOutboxHook(trx: Transaction<Database>, ctx: AppContext, event: StoredEvent): Promise<void> {
  const destinations = await enabledDestinations(ctx, trx, event.workspaceId);
  if (destinations.length === 0) return;
  const fbclid = event.clickIds.fbclid;
  if (fbclid !== undefined && fbclid !== '' && destinations.some((d) => d.kind === 'meta')) {
    await trx
      .insertInto('delivery_click_ids')
      .values({
        workspace_id: event.workspaceId,
        click_type: 'fbclid',
        click_id: fbclid,
        first_seen_at: event.occurredAt,
      })
      .onConflict((oc) => oc.columns(['workspace_id', 'click_type', 'click_id']).doNothing())
      .execute();
  }
  const policy = await cachedPolicy(ctx, trx, event.workspaceId);
  const rows = outboxRows(event, destinations, policy, ctx.clock.now());
  await trx
    .insertInto('delivery_outbox')
    .values(rows)
    .onConflict((oc) => oc.columns(['workspace_id', 'event_id', 'destination_id']).doNothing())
    .execute();
  if (rows.some((r) => r.status === 'pending')) {
    // The commit happens after this hook returns: wake the worker a moment later (it also polls).
    setTimeout(() => wakeWorkers(ctx.storage), 2).unref();
  }
}

/**
 * EVENT_HOOKS.afterInsertBatch: writeOutboxHook for a whole batch (same rows, in the same order), with
 * one multi-row statement per table per workspace; nothing runs when the workspace has no destination.
 */
export async function writeOutboxBatchHook(
  trx: Transaction<Database>,
  ctx: AppContext,
  events: readonly StoredEvent[],
): Promise<void> {
  let wake = false;
  for (const [workspaceId, list] of byWorkspace(events, (e) => e.workspaceId)) {
    const destinations = await enabledDestinations(ctx, trx, workspaceId);
    if (destinations.length === 0) continue;
    const hasMeta = destinations.some((d) => d.kind === 'meta');
    const clicks: DeliveryClickIdTable[] = [];
    const policy = await cachedPolicy(ctx, trx, workspaceId);
    const rows: DeliveryOutboxTable[] = [];
    for (const event of list) {
      const fbclid = event.clickIds.fbclid;
      if (hasMeta && fbclid !== undefined && fbclid !== '') {
        clicks.push({
          workspace_id: workspaceId,
          click_type: 'fbclid',
          click_id: fbclid,
          first_seen_at: event.occurredAt,
        });
      }
      rows.push(...outboxRows(event, destinations, policy, ctx.clock.now()));
    }
    // The first sighting wins, as when the events were written one by one.
    const writer = rowWriterOf(ctx.storage.db);
    await writer.insertNew(trx, 'delivery_click_ids', ['workspace_id', 'click_type', 'click_id'], clicks);
    await writer.insertNew(trx, 'delivery_outbox', ['workspace_id', 'event_id', 'destination_id'], rows);
    if (rows.some((r) => r.status === 'pending')) wake = true;
  }
  // The commit happens after this hook returns: wake the worker a moment later (it also polls).
  if (wake) setTimeout(() => wakeWorkers(ctx.storage), 2).unref();
}
