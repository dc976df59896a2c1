import { type Kysely, sql, type Transaction } from 'kysely';
import { hasLateralJoins } from '../storage/database.js';
import type { RowWriter } from '../storage/row-writer.js';
import type { Database } from '../storage/schema.js';
import type { PersonIdentifierTable, PersonTable } from '../storage/tables/core.js';
import type { Identifier } from './identifiers.js';

export interface KnownRow {
  person_id: string;
  last_seen_at: number;
  /** The person's union-find parent when the row was read (null: the row points at a root). */
  merged_into: string | null;
}

/** Another transaction stored a strong identifier this batch meant to add (PostgreSQL, concurrent writers). */
export class StrongIdentifierRace extends Error {
  constructor() {
    super('a new strong identifier was stored by a concurrent transaction');
  }
}

interface FoundRow {
  kind: string;
  value: string;
  person_id: string;
  last_seen_at: number | string;
  merged_into: string | null;
}

/**
 * The identifiers' rows and their people's parents, one primary-key probe per (kind, value) pair. The
 * pairs come as a VALUES list. On PostgreSQL each is probed through LATERAL ... LIMIT 1, because a
 * plain join (or kind IN (...) AND value IN (...)) let the planner, with statistics that lag a growing
 * workspace, read all of the workspace's identifiers through another workspace_id-led index: the
 * lookup then grew with the workspace. SQLite's planner probes the key for the plain join.
 */
async function lookUp(trx: Kysely<Database>, workspaceId: string, ids: readonly Identifier[]): Promise<FoundRow[]> {
  const pairs = sql.join(ids.map((id) => sql`(${id.kind}, ${id.value})`));
  const identifiers = hasLateralJoins(trx)
    ? sql`cross join lateral (
        select * from person_identifiers pi
        where pi.workspace_id = ${workspaceId} and pi.kind = q.column1 and pi.value = q.column2 limit 1) pi`
    : sql`join person_identifiers pi
        on pi.workspace_id = ${workspaceId} and pi.kind = q.column1 and pi.value = q.column2`;
  const { rows } = await sql<FoundRow>`
    select pi.kind, pi.value, pi.person_id, pi.last_seen_at, p.merged_into
    from (values ${pairs}) as q ${identifiers}
    left join people p on p.workspace_id = pi.workspace_id and p.person_id = pi.person_id`.execute(trx);
  return rows;
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
  /**
   * People created by this transaction's resolutions and not yet written: inserted together by
   * flushPending, which runs before anything reads or updates `people` (findRoot, merges) and before the
   * resolution returns. (load's left join reads a missing row as unmerged, which a new person is.)
   */
  private pendingPeople: PersonTable[] = [];

  addPerson(row: PersonTable): void {
    this.pendingPeople.push(row);
  }

  /**
   * Weak identifier upserts not yet written, by key: a later upsert of the same key keeps the first
   * row's insert values and takes the later person and time (what the ON CONFLICT update would do).
   * Written by flushPending too (after the pending people), before anything reads them back (load,
   * merges) and before the resolution returns.
   */
  private pendingWeak = new Map<string, PersonIdentifierTable>();

  /**
   * New strong identifiers not yet written (only when `deferStrong`): inserted together by
   * flushPending. If another transaction stored one of them first, flushPending throws
   * StrongIdentifierRace and the caller redoes the batch one event at a time (see resolvePeople).
   */
  private pendingStrong: PersonIdentifierTable[] = [];

  addStrong(row: PersonIdentifierTable): void {
    this.pendingStrong.push(row);
  }

  upsertWeak(row: PersonIdentifierTable): void {
    const k = key(row.kind, row.value);
    const earlier = this.pendingWeak.get(k);
    if (earlier === undefined) this.pendingWeak.set(k, row);
    else this.pendingWeak.set(k, { ...earlier, person_id: row.person_id, last_seen_at: row.last_seen_at });
  }

  async flushPending(trx: Kysely<Database>): Promise<void> {
    const rows = this.pendingPeople;
    if (rows.length > 0) {
      this.pendingPeople = [];
      if (this.writer !== undefined) await this.writer.insert(trx as Transaction<Database>, 'people', rows);
      else {
        for (let i = 0; i < rows.length; i += CHUNK) {
          await trx
            .insertInto('people')
            .values(rows.slice(i, i + CHUNK))
            .execute();
        }
      }
    }
    const strong = this.pendingStrong;
    if (strong.length > 0) {
      this.pendingStrong = [];
      if (this.writer !== undefined) {
        const conflict = ['workspace_id', 'kind', 'value'];
        const inserted = await this.writer.insertNew(
          trx as Transaction<Database>,
          'person_identifiers',
          conflict,
          strong,
        );
        if (inserted.includes(false)) throw new StrongIdentifierRace();
      }
      for (let i = 0; this.writer === undefined && i < strong.length; i += CHUNK) {
        const part = strong.slice(i, i + CHUNK);
        const inserted = await trx
          .insertInto('person_identifiers')
          .values(part)
          .onConflict((oc) => oc.columns(['workspace_id', 'kind', 'value']).doNothing())
          .executeTakeFirst();
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) !== part.length) throw new StrongIdentifierRace();
      }
    }
    const weak = [...this.pendingWeak.values()];
    if (weak.length === 0) return;
    this.pendingWeak = new Map();
    if (this.writer !== undefined) {
      const conflict = ['workspace_id', 'kind', 'value'];
      await this.writer.upsert(
        trx as Transaction<Database>,
        'person_identifiers',
        conflict,
        ['person_id', 'last_seen_at'],
        weak,
      );
      return;
    }
    for (let i = 0; i < weak.length; i += CHUNK) {
      await trx
        .insertInto('person_identifiers')
        .values(weak.slice(i, i + CHUNK))
        .onConflict((oc) =>
          oc.columns(['workspace_id', 'kind', 'value']).doUpdateSet((eb) => ({
            person_id: eb.ref('excluded.person_id'),
            last_seen_at: eb.ref('excluded.last_seen_at'),
          })),
        )
        .execute();
    }
  }

  constructor(
    readonly workspaceId: string,
    /** Batch the inserts of new strong identifiers (see pendingStrong). */
    readonly deferStrong = false,
    /** Writes new rows with the backend's fastest statements (inside the caller's transaction). */
    private readonly writer?: RowWriter,
  ) {}

  /** Reads every identifier not yet known (present or absent) from the database. */
  async load(trx: Kysely<Database>, ids: readonly Identifier[]): Promise<void> {
    const missing = ids.filter((id) => !this.rows.has(key(id.kind, id.value)));
    if (missing.length === 0) return;
    await this.flushPending(trx);
    for (let i = 0; i < missing.length; i += CHUNK) {
      const part = missing.slice(i, i + CHUNK);
      const found = await lookUp(trx, this.workspaceId, part);
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
