import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import type { Identifier } from './identifiers.js';

export interface KnownRow {
  person_id: string;
  last_seen_at: number;
  /** The person's union-find parent when the row was read (null: the row points at a root). */
  merged_into: string | null;
}

const key = (kind: string, value: string) => `${kind}\u0000${value}`;
const CHUNK = 400;

/**
 * What one transaction knows about a workspace's identifiers: loaded with one query for a whole batch
 * of events, then kept in step with the writes and merges that transaction makes, so resolving N events
 * costs one lookup query instead of N.
 */
export class IdentifierIndex {
  private readonly rows = new Map<string, KnownRow | null>();

  constructor(readonly workspaceId: string) {}

  /** Reads every identifier not yet known (present or absent) from the database. */
  async load(trx: Kysely<Database>, ids: readonly Identifier[]): Promise<void> {
    const missing = ids.filter((id) => !this.rows.has(key(id.kind, id.value)));
    if (missing.length === 0) return;
    for (let i = 0; i < missing.length; i += CHUNK) {
      const part = missing.slice(i, i + CHUNK);
      const found = await trx
        .selectFrom('person_identifiers as pi')
        .leftJoin('people as p', (join) =>
          join.onRef('p.workspace_id', '=', 'pi.workspace_id').onRef('p.person_id', '=', 'pi.person_id'),
        )
        .select(['pi.kind', 'pi.value', 'pi.person_id', 'pi.last_seen_at', 'p.merged_into'])
        .where('pi.workspace_id', '=', this.workspaceId)
        // kind IN (...) AND value IN (...) probes the primary key on both backends; an OR of (kind,
        // value) pairs made SQLite scan the workspace's identifiers. Unasked pairs are ignored below.
        .where('pi.kind', 'in', [...new Set(part.map((id) => id.kind))])
        .where('pi.value', 'in', [...new Set(part.map((id) => id.value))])
        .execute();
      for (const id of part) this.rows.set(key(id.kind, id.value), null);
      for (const r of found) {
        const k = key(r.kind, r.value);
        if (!this.rows.has(k)) continue;
        this.rows.set(k, {
          person_id: r.person_id,
          last_seen_at: Number(r.last_seen_at),
          merged_into: r.merged_into ?? null,
        });
      }
    }
  }

  get(id: Identifier): KnownRow | undefined {
    return this.rows.get(key(id.kind, id.value)) ?? undefined;
  }

  set(id: Identifier, personId: string, seenAt: number): void {
    this.rows.set(key(id.kind, id.value), { person_id: personId, last_seen_at: seenAt, merged_into: null });
  }

  /** After a merge: identifiers of `from` now belong to `into` (the database was updated the same way). */
  repoint(from: string, into: string): void {
    for (const row of this.rows.values()) {
      if (row !== null && row.person_id === from) {
        row.person_id = into;
        row.merged_into = null;
      }
    }
  }

  /** Drops what we think we know (another transaction wrote these first). */
  forget(ids: readonly Identifier[]): void {
    for (const id of ids) this.rows.delete(key(id.kind, id.value));
  }
}
