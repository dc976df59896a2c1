import { type Kysely, sql } from 'kysely';
import type { Storage } from '../storage/database.js';
import type { Database } from '../storage/schema.js';
import type { DeliveryAttemptTable, DeliveryOutboxTable } from '../storage/tables/delivery.js';

/**
 * Outbox leasing. A row is due when `pending`, `next_attempt_at <= now` and not under a live lease.
 * Leasing is one conditional UPDATE ... RETURNING over a sub-select of due ids: on PostgreSQL the
 * sub-select takes `FOR UPDATE SKIP LOCKED` so any number of workers lease disjoint rows without
 * waiting on each other; on SQLite the single writer makes the statement atomic. The outer WHERE
 * re-checks the due condition, so a row is never leased twice while a lease is live.
 */
export interface DueDestination {
  workspace_id: string;
  destination_id: string;
}

/**
 * Destinations with at least one due row: one EXISTS probe per destination on the
 * (status, destination_id, next_attempt_at) index, so the cost does not grow with a backlog of
 * rows waiting for a later retry, and one destination's backlog never hides another's due rows.
 */
export async function dueDestinations(db: Kysely<Database>, now: number, limit: number): Promise<DueDestination[]> {
  return db
    .selectFrom('destinations as d')
    .select(['d.workspace_id', 'd.destination_id'])
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('delivery_outbox as o')
          .select('o.delivery_id')
          .where('o.status', '=', 'pending')
          .whereRef('o.destination_id', '=', 'd.destination_id')
          .whereRef('o.workspace_id', '=', 'd.workspace_id')
          .where('o.next_attempt_at', '<=', now)
          .where((eb) => eb.or([eb('o.lease_until', 'is', null), eb('o.lease_until', '<', now)])),
      ),
    )
    .limit(limit)
    .execute();
}

export async function leaseBatch(
  storage: Storage,
  target: DueDestination,
  owner: string,
  now: number,
  leaseMs: number,
  limit: number,
): Promise<DeliveryOutboxTable[]> {
  // Two statements in one transaction: pick and lock the due ids, then update exactly those by
  // primary key. (One `UPDATE … WHERE id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)` lets PostgreSQL
  // re-run the sub-select — leasing more than `limit` rows — or plan a quadratic semi-join.)
  return storage.db.transaction().execute(async (trx) => {
    let due = trx
      .selectFrom('delivery_outbox')
      .select('delivery_id')
      .where('workspace_id', '=', target.workspace_id)
      .where('destination_id', '=', target.destination_id)
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .orderBy('next_attempt_at')
      .limit(limit);
    if (storage.capabilities.skipLocked) due = due.forUpdate().skipLocked();
    const ids = (await due.execute()).map((r) => r.delivery_id);
    if (ids.length === 0) return [];
    return trx
      .updateTable('delivery_outbox')
      .set({ lease_owner: owner, lease_until: now + leaseMs, attempts: sql<number>`attempts + 1`, updated_at: now })
      .where('workspace_id', '=', target.workspace_id)
      .where('delivery_id', 'in', ids)
      .where('status', '=', 'pending')
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .returningAll()
      .execute();
  });
}

export type RowResult =
  | { status: 'delivered' }
  | { status: 'pending'; nextAttemptAt: number; error: string }
  | { status: 'dead' | 'skipped'; error: string };

/** Writes the outcome of leased rows (only while this owner still holds them) and their log rows. */
export async function recordResults(
  db: Kysely<Database>,
  workspaceId: string,
  owner: string,
  now: number,
  results: Array<{ deliveryId: string; result: RowResult }>,
  attempts: DeliveryAttemptTable[],
): Promise<void> {
  // group identical outcomes so a delivered batch of 1,000 is one UPDATE
  const groups = new Map<string, { result: RowResult; ids: string[] }>();
  for (const { deliveryId, result } of results) {
    const key = JSON.stringify(result);
    const group = groups.get(key) ?? { result, ids: [] };
    group.ids.push(deliveryId);
    groups.set(key, group);
  }
  await db.transaction().execute(async (trx) => {
    for (const { result, ids } of groups.values()) {
      for (let i = 0; i < ids.length; i += 500) {
        const chunk = ids.slice(i, i + 500);
        const base = { lease_owner: null, lease_until: null, updated_at: now };
        const values =
          result.status === 'delivered'
            ? { ...base, status: 'delivered' as const, delivered_at: now, last_error: null }
            : result.status === 'pending'
              ? { ...base, status: 'pending' as const, next_attempt_at: result.nextAttemptAt, last_error: result.error }
              : { ...base, status: result.status, last_error: result.error };
        await trx
          .updateTable('delivery_outbox')
          .set(values)
          .where('workspace_id', '=', workspaceId)
          .where('delivery_id', 'in', chunk)
          .where('lease_owner', '=', owner)
          .execute();
      }
    }
    for (let i = 0; i < attempts.length; i += 200) {
      await trx
        .insertInto('delivery_attempts')
        .values(attempts.slice(i, i + 200))
        .execute();
    }
  });
}
