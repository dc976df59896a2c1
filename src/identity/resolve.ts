import { type Kysely, sql } from 'kysely';
import { newId } from '../ids/ids.js';
import type { RowWriter } from '../storage/row-writer.js';
import type { Database } from '../storage/schema.js';
import { IdentifierIndex, type KnownRow, StrongIdentifierRace } from './identifier-index.js';
import { ACCOUNT_KINDS, type Identifier, WEAK_MATCH_ORDER, WEAK_MATCH_WINDOW_MS } from './identifiers.js';
import { emailsConflict, emailsOf, findRoot, mergePeople } from './merge.js';

export interface ResolveInput {
  workspaceId: string;
  identifiers: Identifier[];
  /** When the event happened: weak matches are time-bounded relative to it. */
  occurredAt: number;
  now: number;
  source: string;
  eventId?: string | undefined;
}

interface Candidate {
  personId: string;
  via: Identifier['kind'];
}

/** Seen-at times closer than this are not rewritten: a page view per second must not mean a write per second. */
const REFRESH_AFTER_MS = 3600_000;

/** The row's person as a union-find root; merges rewrite identifiers, so this is usually the row itself. */
async function rootOf(
  trx: Kysely<Database>,
  index: IdentifierIndex,
  workspaceId: string,
  row: KnownRow,
): Promise<string> {
  if (row.merged_into === null) return row.person_id;
  await index.flushPending(trx);
  return findRoot(trx, workspaceId, row.merged_into);
}

/**
 * Finds, creates or merges the person an event belongs to (the seed's order: email, then fingerprint +
 * IP, then the visitor token), inside the caller's transaction. Returns null when the event carries no
 * identifier at all.
 *
 * Over-merge guards:
 * - weak identifiers (fingerprint + IP, IP + user agent) only attach to a person seen recently; they
 *   never merge two existing people, and IP + user agent never attaches a new browser to anyone;
 * - two people whose emails differ are never merged through a device or phone (a shared computer on
 *   which two people sign in stays two people); only account ids (external id, Stripe, CRM) or an
 *   operator can join them.
 */
export async function resolvePerson(
  trx: Kysely<Database>,
  input: ResolveInput,
  index: IdentifierIndex = new IdentifierIndex(input.workspaceId),
): Promise<string | null> {
  const personId = await resolveOne(trx, input, index, 0);
  await index.flushPending(trx);
  return personId;
}

async function resolveOne(
  trx: Kysely<Database>,
  input: ResolveInput,
  index: IdentifierIndex,
  attempt: number,
): Promise<string | null> {
  const { workspaceId, identifiers } = input;
  if (identifiers.length === 0) return null;
  await index.load(trx, identifiers);
  const known = { get: (id: Identifier) => index.get(id) };
  const strong = identifiers.filter((id) => id.strength === 'strong');
  const eventEmails = strong.filter((id) => id.kind === 'email').map((id) => id.value);

  const candidates: Candidate[] = [];
  for (const id of strong) {
    const row = known.get(id);
    if (row === undefined) continue;
    const personId = await rootOf(trx, index, workspaceId, row);
    if (!candidates.some((c) => c.personId === personId)) candidates.push({ personId, via: id.kind });
  }

  const emailCache = new Map<string, string[]>();
  const emails = async (personId: string) => {
    const cached = emailCache.get(personId);
    if (cached !== undefined) return cached;
    const found = await emailsOf(trx, workspaceId, personId);
    emailCache.set(personId, found);
    return found;
  };

  let primary: string | undefined;
  // Strong candidates come in identifier priority order (email first); take the first compatible one.
  for (const candidate of candidates) {
    if (ACCOUNT_KINDS.has(candidate.via) || candidate.via === 'email') {
      primary = candidate.personId;
      break;
    }
    if (eventEmails.length === 0 || !emailsConflict(eventEmails, await emails(candidate.personId))) {
      primary = candidate.personId;
      break;
    }
  }

  if (primary === undefined && candidates.length === 0) {
    // Nothing strong is known: a recent weak match may attach the event. A new browser (strong ids in
    // hand) may attach only through its fingerprint on the same IP, never through IP + user agent.
    const order = strong.length > 0 ? WEAK_MATCH_ORDER.filter((k) => k === 'fingerprint_ip') : WEAK_MATCH_ORDER;
    for (const kind of order) {
      const id = identifiers.find((i) => i.kind === kind);
      const row = id === undefined ? undefined : known.get(id);
      const window = WEAK_MATCH_WINDOW_MS[kind] ?? 0;
      if (row === undefined || Math.abs(input.occurredAt - row.last_seen_at) > window) continue;
      const personId = await rootOf(trx, index, workspaceId, row);
      if (eventEmails.length > 0 && emailsConflict(eventEmails, await emails(personId))) continue;
      primary = personId;
      break;
    }
  }

  let created = false;
  if (primary === undefined) {
    primary = newId('per', input.now);
    created = true;
    index.addPerson({
      workspace_id: workspaceId,
      person_id: primary,
      merged_into: null,
      created_at: input.now,
      updated_at: input.now,
    });
  }

  // Union the other strong candidates into the primary unless their emails conflict.
  const others = candidates.filter((c) => c.personId !== primary);
  const primaryEmails = new Set([...(created || others.length === 0 ? [] : await emails(primary)), ...eventEmails]);
  const joined = new Set([primary]);
  for (const candidate of others) {
    const theirs = await emails(candidate.personId);
    if (!ACCOUNT_KINDS.has(candidate.via) && emailsConflict([...primaryEmails], theirs)) continue;
    await index.flushPending(trx);
    await mergePeople(
      trx,
      workspaceId,
      candidate.personId,
      primary,
      { via: candidate.via, source: input.source, eventId: input.eventId },
      input.now,
    );
    index.repoint(candidate.personId, primary);
    for (const email of theirs) primaryEmails.add(email);
    joined.add(candidate.personId);
  }

  const fresh = (row: KnownRow) => Math.abs(input.occurredAt - row.last_seen_at) < REFRESH_AFTER_MS;
  // Weak identifiers point at whoever was seen with them last: one upsert for all of them.
  const weak = identifiers.filter((id) => {
    if (id.strength !== 'weak') return false;
    const row = known.get(id);
    return row === undefined || row.person_id !== primary || !fresh(row);
  });
  // Written with the batch's other weak upserts (see IdentifierIndex.upsertWeak).
  for (const id of weak) {
    index.upsertWeak({
      workspace_id: workspaceId,
      kind: id.kind,
      value: id.value,
      person_id: primary,
      strength: 'weak',
      source: input.source,
      first_seen_at: input.occurredAt,
      last_seen_at: input.occurredAt,
    });
    index.set(id, primary, input.occurredAt);
  }

  let lostRace = false;
  // New strong identifiers: one multi-row insert after the loop (each key once).
  const added = new Map<string, Identifier>();
  for (const id of identifiers) {
    if (id.strength === 'weak') continue;
    const row = known.get(id);
    if (row !== undefined) {
      // Known and ours (or now merged into ours): refresh. Known and someone else's: a conflicting
      // person we refused to merge keeps it.
      if (fresh(row) || input.occurredAt < row.last_seen_at) continue;
      if (joined.has(row.person_id) || (await rootOf(trx, index, workspaceId, row)) === primary) {
        await trx
          .updateTable('person_identifiers')
          .set({ last_seen_at: input.occurredAt })
          .where('workspace_id', '=', workspaceId)
          .where('kind', '=', id.kind)
          .where('value', '=', id.value)
          .where('last_seen_at', '<', input.occurredAt)
          .execute();
        row.last_seen_at = input.occurredAt;
      }
      continue;
    }
    added.set(`${id.kind}\u0000${id.value}`, id);
  }
  if (added.size > 0 && index.deferStrong) {
    for (const id of added.values()) {
      index.addStrong({
        workspace_id: workspaceId,
        kind: id.kind,
        value: id.value,
        person_id: primary,
        strength: 'strong',
        source: input.source,
        first_seen_at: input.occurredAt,
        last_seen_at: input.occurredAt,
      });
      index.set(id, primary, input.occurredAt);
    }
  } else if (added.size > 0) {
    const owner = primary;
    const inserted = await trx
      .insertInto('person_identifiers')
      .values(
        [...added.values()].map((id) => ({
          workspace_id: workspaceId,
          kind: id.kind,
          value: id.value,
          person_id: owner,
          strength: 'strong' as const,
          source: input.source,
          first_seen_at: input.occurredAt,
          last_seen_at: input.occurredAt,
        })),
      )
      .onConflict((oc) => oc.columns(['workspace_id', 'kind', 'value']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === added.size) {
      for (const id of added.values()) index.set(id, primary, input.occurredAt);
    } else {
      // Another transaction stored some of them first; which ones is read again from the database.
      lostRace = true;
      index.forget([...added.values()]);
    }
  }

  if (lostRace && attempt === 0) {
    // A concurrent transaction stored one of these identifiers first: resolve again, now seeing it, and
    // fold the person this call created (if the retry did not already) into the one that won.
    index.forget(identifiers);
    const winner = await resolveOne(trx, input, index, 1);
    await index.flushPending(trx);
    if (created && winner !== null && (await findRoot(trx, workspaceId, primary)) !== winner) {
      await mergePeople(
        trx,
        workspaceId,
        primary,
        winner,
        { via: 'concurrent', source: input.source, eventId: input.eventId },
        input.now,
      );
      index.repoint(primary, winner);
    }
    return winner;
  }
  return primary;
}

/**
 * Resolves a batch of events in order, with one identifier lookup for the whole batch (the ingest
 * transaction's path: one query instead of one per event).
 */
export async function resolvePeople(
  trx: Kysely<Database>,
  inputs: readonly ResolveInput[],
  writer?: RowWriter,
): Promise<Array<string | null>> {
  // First with every new strong identifier inserted in one statement; if a concurrent transaction
  // stored one of them first, undo the batch's writes and resolve again one insert per event, which
  // sees the winner and folds into it.
  await sql`savepoint tp_resolve_people`.execute(trx);
  try {
    const out = await resolveBatch(trx, inputs, true, writer);
    await sql`release savepoint tp_resolve_people`.execute(trx);
    return out;
  } catch (error) {
    if (!(error instanceof StrongIdentifierRace)) throw error;
    await sql`rollback to savepoint tp_resolve_people`.execute(trx);
    await sql`release savepoint tp_resolve_people`.execute(trx);
    return resolveBatch(trx, inputs, false, writer);
  }
}

async function resolveBatch(
  trx: Kysely<Database>,
  inputs: readonly ResolveInput[],
  deferStrong: boolean,
  writer: RowWriter | undefined,
): Promise<Array<string | null>> {
  const indexes = new Map<string, IdentifierIndex>();
  for (const input of inputs) {
    if (!indexes.has(input.workspaceId)) {
      indexes.set(input.workspaceId, new IdentifierIndex(input.workspaceId, deferStrong, writer));
    }
  }
  for (const [workspaceId, index] of indexes) {
    await index.load(
      trx,
      inputs.filter((i) => i.workspaceId === workspaceId).flatMap((i) => i.identifiers),
    );
  }
  const out: Array<string | null> = [];
  for (const input of inputs) {
    const index = indexes.get(input.workspaceId) ?? new IdentifierIndex(input.workspaceId);
    out.push(await resolveOne(trx, input, index, 0));
  }
  for (const index of indexes.values()) await index.flushPending(trx);
  return out;
}
