import type { Kysely } from 'kysely';
import { ADAPTERS } from '../destinations/registry.js';
import type { DeliveryItem, MapContext } from '../destinations/types.js';
import { type StoredEvent, toStoredEvent } from '../events/stored-event.js';
import type { Database } from '../storage/schema.js';
import type { LoadedDestination } from './destinations.js';
import { loadPrivacy } from './privacy.js';

/** Loads events by id for one workspace. */
export async function loadEvents(
  db: Kysely<Database>,
  workspaceId: string,
  eventIds: string[],
): Promise<Map<string, StoredEvent>> {
  const out = new Map<string, StoredEvent>();
  for (let i = 0; i < eventIds.length; i += 500) {
    const rows = await db
      .selectFrom('events')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('event_id', 'in', eventIds.slice(i, i + 500))
      .execute();
    for (const row of rows) out.set(row.event_id, toStoredEvent(row));
  }
  return out;
}

/** First-seen times of the events' fbclids (Meta fbc). */
export async function fbclidFirstSeen(
  db: Kysely<Database>,
  workspaceId: string,
  events: StoredEvent[],
): Promise<Map<string, number>> {
  const ids = [
    ...new Set(events.map((e) => e.clickIds.fbclid).filter((v): v is string => typeof v === 'string' && v !== '')),
  ];
  const out = new Map<string, number>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom('delivery_click_ids')
      .select(['click_id', 'first_seen_at'])
      .where('workspace_id', '=', workspaceId)
      .where('click_type', '=', 'fbclid')
      .where('click_id', 'in', ids.slice(i, i + 500))
      .execute();
    for (const row of rows) out.set(row.click_id, Number(row.first_seen_at));
  }
  return out;
}

export async function mapContextFor(db: Kysely<Database>, workspaceId: string, now: number): Promise<MapContext> {
  const workspace = await db
    .selectFrom('workspaces')
    .select('default_country')
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  return { privacy: await loadPrivacy(db, workspaceId), defaultCountry: workspace?.default_country ?? 'US', now };
}

export type Prepared<K> =
  | { key: K; ok: true; item: DeliveryItem; payload: unknown }
  | { key: K; ok: false; reason: string; permanent: true };

/**
 * Maps events for one destination: age limit first (one stale event would fail a Meta batch), then
 * the adapter's pure mapper. Used by the worker and by the dry-run preview alike.
 */
export function prepareItems<K>(
  destination: LoadedDestination,
  entries: Array<{ key: K; deliveryId: string; event: StoredEvent | undefined; platformEventName: string | null }>,
  firstSeen: Map<string, number>,
  ctx: MapContext,
): Prepared<K>[] {
  const adapter = ADAPTERS[destination.kind];
  return entries.map(({ key, deliveryId, event, platformEventName }): Prepared<K> => {
    if (event === undefined) return { key, ok: false, reason: 'event no longer exists', permanent: true };
    if (adapter.maxAgeMs !== null && ctx.now - event.occurredAt > adapter.maxAgeMs) {
      return {
        key,
        ok: false,
        reason: `older than ${destination.kind}'s ${Math.round(adapter.maxAgeMs / 86_400_000)}-day limit`,
        permanent: true,
      };
    }
    const fbclid = event.clickIds.fbclid;
    const item: DeliveryItem = {
      deliveryId,
      event,
      platformEventName,
      fbclidFirstSeenAt: fbclid === undefined ? undefined : (firstSeen.get(fbclid) ?? event.occurredAt),
    };
    const mapped = adapter.map(item, destination.settings, ctx);
    return mapped.ok
      ? { key, ok: true, item, payload: mapped.payload }
      : { key, ok: false, reason: mapped.reason, permanent: true };
  });
}
