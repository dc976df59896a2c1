import type { Transaction } from 'kysely';
import { byWorkspace } from '../events/by-workspace.js';
import type { RowWriter } from '../storage/row-writer.js';
import type { Database } from '../storage/schema.js';
import type { ClaimedItem, CommitItem, EventItem } from './commit-items.js';

const CHUNK = 300;

/**
 * Decides every item's outcome by claiming caller-supplied dedup keys in `ingest_keys`: a key claimed earlier, by any request or process, makes the item a duplicate
 * of the event it was claimed for. A key repeated within the calls is a duplicate of its first
 * occurrence. Keys the pipeline generated (the event's own id) cannot collide and are not claimed.
 * Runs inside the acknowledging transaction, so a claim exists exactly when its event was acknowledged.
 */
export async function claimKeys(
  trx: Transaction<Database>,
  writer: RowWriter,
  calls: ReadonlyArray<{ items: readonly CommitItem[] }>,
): Promise<ClaimedItem[][]> {
  const out: ClaimedItem[][] = calls.map((call) => new Array<ClaimedItem>(call.items.length));
  const toClaim: Array<{ item: EventItem; slot: ClaimedItem[]; at: number }> = [];
  for (const [c, call] of calls.entries()) {
    const slot = out[c] as ClaimedItem[];
    for (const [i, item] of call.items.entries()) {
      if (item.kind === 'event' && needsClaim(item)) toClaim.push({ item, slot, at: i });
      else slot[i] = unclaimedOutcome(item);
    }
  }
  for (const [workspaceId, entries] of byWorkspace(toClaim, (e) => e.item.key.workspaceId)) {
    const first = new Map<string, string>();
    for (const { item } of entries) {
      if (!first.has(item.key.dedupKey)) first.set(item.key.dedupKey, item.key.id);
    }
    const owner = await claim(trx, writer, workspaceId, first);
    for (const { item, slot, at } of entries) {
      const id = owner.get(item.key.dedupKey) ?? item.key.id;
      slot[at] = { item, outcome: id === item.key.id ? { status: 'accepted', id } : { status: 'duplicate', id } };
    }
  }
  return out;
}

/** A caller-supplied dedup key: the item's outcome depends on claiming it. */
export function needsClaim(item: EventItem): boolean {
  return item.key.dedupKey !== item.key.id;
}

/** The outcome of an item that has no key to claim: rejected, or accepted under its own new id. */
export function unclaimedOutcome(item: CommitItem): ClaimedItem {
  if (item.kind === 'rejected') return { item, outcome: { status: 'rejected', error: item.error } };
  if (needsClaim(item)) throw new Error(`event ${item.key.id} has a dedup key to claim`);
  return { item, outcome: { status: 'accepted', id: item.key.id } };
}

/** Claims `keys` (key -> the event id that would own it); returns each key's owner after the claim. */
async function claim(
  trx: Transaction<Database>,
  writer: RowWriter,
  workspaceId: string,
  keys: Map<string, string>,
): Promise<Map<string, string>> {
  const owner = new Map<string, string>();
  const entries = [...keys];
  const won = await writer.insertNew(
    trx,
    'ingest_keys',
    ['workspace_id', 'dedup_key'],
    entries.map(([dedup_key, event_id]) => ({ workspace_id: workspaceId, dedup_key, event_id })),
  );
  const lost: string[] = [];
  for (const [i, [key, id]] of entries.entries()) {
    if (won[i] === true) owner.set(key, id);
    else lost.push(key);
  }
  for (let i = 0; i < lost.length; i += CHUNK) {
    const rows = await trx
      .selectFrom('ingest_keys')
      .select(['dedup_key', 'event_id'])
      .where('workspace_id', '=', workspaceId)
      .where('dedup_key', 'in', lost.slice(i, i + CHUNK))
      .execute();
    for (const row of rows) owner.set(row.dedup_key, row.event_id);
  }
  // Unreachable unless the key was deleted in between: fail the job so it is retried.
  for (const key of lost) if (!owner.has(key)) throw new Error(`dedup key vanished during its claim (${workspaceId})`);
  return owner;
}
