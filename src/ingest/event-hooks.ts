import type { Transaction } from 'kysely';
import type { AppContext } from '../context/context.js';
import { writeOutboxBatchHook } from '../delivery/outbox.js';
import type { StoredEvent } from '../events/stored-event.js';
import { recordTouchpointsHook, resolveEventPeople, resolveEventPerson } from '../identity/hooks.js';
import type { Database } from '../storage/schema.js';

/**
 * What other domains do inside the ingest transaction, so an acknowledged event always has its
 * person, touchpoints and delivery outbox rows committed with it (or none of them).
 *
 * - resolvePerson (identity/): before the insert, finds or creates the person the event belongs to.
 * - afterInsert (identity/ touchpoints, delivery/ outbox, ...): after the insert, same transaction.
 */
export type ResolvePerson = (trx: Transaction<Database>, ctx: AppContext, event: StoredEvent) => Promise<string | null>;

/** resolvePerson for a batch of fresh events, in order (one identifier lookup per batch). */
export type ResolvePeople = (
  trx: Transaction<Database>,
  ctx: AppContext,
  events: readonly StoredEvent[],
) => Promise<Array<string | null>>;

export type AfterInsert = (trx: Transaction<Database>, ctx: AppContext, event: StoredEvent) => Promise<void>;

/**
 * afterInsert for every event a batch stored, in arrival order, after all of them were inserted (same
 * transaction): lets a hook write its rows with a few multi-row statements instead of several per event.
 */
export type AfterInsertBatch = (
  trx: Transaction<Database>,
  ctx: AppContext,
  events: readonly StoredEvent[],
) => Promise<void>;

export interface EventHooks {
  resolvePerson: ResolvePerson | undefined;
  /** When set, ingest calls this once per batch instead of resolvePerson per event (same result). */
  resolvePeople?: ResolvePeople | undefined;
  afterInsert: AfterInsert[];
  /** Run once per batch with the events it stored, after the per-event afterInsert hooks. */
  afterInsertBatch?: AfterInsertBatch[] | undefined;
}

export const EVENT_HOOKS: EventHooks = {
  resolvePerson: resolveEventPerson,
  resolvePeople: resolveEventPeople,
  afterInsert: [],
  afterInsertBatch: [recordTouchpointsHook, writeOutboxBatchHook],
};
