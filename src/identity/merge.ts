import type { Kysely } from 'kysely';
import { newId } from '../ids/ids.js';
import type { Database } from '../storage/schema.js';

/** Union-find "find": follows `merged_into` to the person that now stands for `personId`. */
export async function findRoot(db: Kysely<Database>, workspaceId: string, personId: string): Promise<string> {
  let current = personId;
  // Merges rewrite identifiers, events and touchpoints to the root, so chains stay short; the bound
  // only guards against a corrupted cycle.
  for (let hop = 0; hop < 64; hop++) {
    const row = await db
      .selectFrom('people')
      .select('merged_into')
      .where('workspace_id', '=', workspaceId)
      .where('person_id', '=', current)
      .executeTakeFirst();
    if (row === undefined || row.merged_into === null) return current;
    current = row.merged_into;
  }
  return current;
}

export async function emailsOf(db: Kysely<Database>, workspaceId: string, personId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('person_identifiers')
    .select('value')
    .where('workspace_id', '=', workspaceId)
    .where('person_id', '=', personId)
    .where('kind', '=', 'email')
    .execute();
  return rows.map((r) => r.value);
}

/** Two known people (each with an email) whose emails differ are different people. */
export function emailsConflict(a: readonly string[], b: readonly string[]): boolean {
  if (a.length === 0 || b.length === 0) return false;
  return !a.some((email) => b.includes(email));
}

export interface MergeReason {
  /** What joined them: the identifier kind, or `operator` for a manual merge. */
  via: string;
  source: string;
  eventId?: string | undefined;
  note?: string | undefined;
}

/**
 * Union: `from` becomes a child of `into`. Its identifiers, events and touchpoints move to `into` so
 * reads stay one lookup; the `people` row and a `person_merges` row keep the provenance, so an old
 * person id still resolves and every merge can be explained.
 */
export async function mergePeople(
  trx: Kysely<Database>,
  workspaceId: string,
  from: string,
  into: string,
  reason: MergeReason,
  now: number,
): Promise<void> {
  if (from === into) return;
  await trx
    .updateTable('people')
    .set({ merged_into: into, updated_at: now })
    .where('workspace_id', '=', workspaceId)
    .where('person_id', '=', from)
    .execute();
  // Earlier children of `from` point straight at the new root (path compression).
  await trx
    .updateTable('people')
    .set({ merged_into: into, updated_at: now })
    .where('workspace_id', '=', workspaceId)
    .where('merged_into', '=', from)
    .execute();
  await trx
    .updateTable('people')
    .set({ updated_at: now })
    .where('workspace_id', '=', workspaceId)
    .where('person_id', '=', into)
    .execute();
  await trx
    .updateTable('person_identifiers')
    .set({ person_id: into })
    .where('workspace_id', '=', workspaceId)
    .where('person_id', '=', from)
    .execute();
  await trx
    .updateTable('events')
    .set({ person_id: into })
    .where('workspace_id', '=', workspaceId)
    .where('person_id', '=', from)
    .execute();
  await trx
    .updateTable('touchpoints')
    .set({ person_id: into })
    .where('workspace_id', '=', workspaceId)
    .where('person_id', '=', from)
    .execute();
  await trx
    .insertInto('person_merges')
    .values({
      workspace_id: workspaceId,
      merge_id: newId('mrg', now),
      from_person_id: from,
      into_person_id: into,
      reason: JSON.stringify(reason),
      created_at: now,
    })
    .execute();
}
