import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { rawRowsOf } from '../storage/raw-rows.js';
import type { Database } from '../storage/schema.js';
import { loadJourneys, refreshJourneys } from './journey-load.js';
import type { JourneyStore } from './journey-store.js';

export {
  FIRST_PURCHASE,
  JourneyStore,
  NEW_CUSTOMER,
  type PeriodConversions,
  type TouchDimension,
} from './journey-store.js';

/**
 * What a workspace's journeys look like, cheaply: how far touchpoints and events have grown (index
 * lookups, see RawRows.growthMarker) and the people merged. Touchpoints and events are never deleted
 * and are updated only when people merge, or when ingest claims an anonymous click for the person of
 * an event it adds (see refreshJourneys), so this tells whether a cached store is current.
 */
async function fingerprintOf(db: Kysely<Database>, workspaceId: string) {
  const raw = rawRowsOf(db);
  const [touches, events, merges] = await Promise.all([
    raw ? raw.growthMarker('touchpoints', workspaceId) : 0,
    raw ? raw.growthMarker('events', workspaceId) : 0,
    db
      .selectFrom('people')
      .select([sql<number>`count(*)`.as('n'), sql<number>`max(updated_at)`.as('u')])
      .where('workspace_id', '=', workspaceId)
      .where('merged_into', 'is not', null)
      .executeTakeFirst(),
  ]);
  const merged = `${merges?.n ?? 0}/${merges?.u ?? ''}`;
  return { merged, all: `${touches}/${events}/${merged}` };
}

async function mergedPeople(db: Kysely<Database>, workspaceId: string): Promise<Map<string, string>> {
  const rows = await db
    .selectFrom('people')
    .select(['person_id', 'merged_into'])
    .where('workspace_id', '=', workspaceId)
    .where('merged_into', 'is not', null)
    .execute();
  return new Map(rows.map((r) => [r.person_id, r.merged_into as string]));
}

/** Per-database cache of journey stores, one per workspace (a database handle owns its cache). */
const caches = new WeakMap<Kysely<Database>, Map<string, Promise<JourneyStore>>>();

/**
 * The workspace's journeys, current as of this call: the cached store when nothing changed, the
 * cached store plus the rows added since when the backend can tell which those are and nobody was
 * merged, else a fresh read of everything.
 */
export async function journeyStore(db: Kysely<Database>, workspaceId: string, currency: string): Promise<JourneyStore> {
  const raw = rawRowsOf(db);
  if (raw === undefined) throw new Error('attribution needs a database opened by openStorage');
  let cache = caches.get(db);
  if (!cache) {
    cache = new Map();
    caches.set(db, cache);
  }
  const fingerprint = await fingerprintOf(db, workspaceId);
  const cached = await cache.get(workspaceId)?.catch(() => null);
  if (cached && cached.fingerprint === fingerprint.all) return cached;
  const refresh = cached && raw.positions && cached.fingerprint.endsWith(`/${fingerprint.merged}`) ? cached : null;
  // Without a refresh the old store is dropped before the new one is read, so two never share the heap.
  cache.delete(workspaceId);
  const building = mergedPeople(db, workspaceId).then((parent) =>
    refresh
      ? refreshJourneys(raw, workspaceId, currency, parent, refresh, fingerprint.all)
      : loadJourneys(raw, workspaceId, currency, parent, fingerprint.all),
  );
  cache.set(workspaceId, building);
  return building;
}
