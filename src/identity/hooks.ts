import type { Transaction } from 'kysely';
import type { AppContext } from '../context/context.js';
import type { StoredEvent } from '../events/stored-event.js';
import type { AfterInsert, AfterInsertBatch, ResolvePerson } from '../ingest/event-hooks.js';
import { rowWriterOf } from '../storage/row-writer.js';
import type { Database } from '../storage/schema.js';
import { identifiersOf } from './identifiers.js';
import { type ResolveInput, resolvePeople, resolvePerson } from './resolve.js';
import { recordEventTouchpoint, recordEventTouchpoints } from './touchpoints.js';

function inputOf(ctx: AppContext, event: StoredEvent): ResolveInput {
  return {
    workspaceId: event.workspaceId,
    identifiers: identifiersOf(event.userData),
    occurredAt: event.occurredAt,
    now: ctx.clock.now(),
    source: event.source,
    eventId: event.id,
  };
}

/** EVENT_HOOKS.resolvePerson: the event's person, found from its user data (see resolve.ts). */
export const resolveEventPerson: ResolvePerson = (trx, ctx, event) => resolvePerson(trx, inputOf(ctx, event));

/**
 * EVENT_HOOKS.resolvePeople: the same for a whole batch of fresh events, in order, with one identifier
 * lookup for the batch instead of one per event.
 */
export function resolveEventPeople(
  trx: Transaction<Database>,
  ctx: AppContext,
  events: readonly StoredEvent[],
): Promise<Array<string | null>> {
  return resolvePeople(
    trx,
    events.map((event) => inputOf(ctx, event)),
    rowWriterOf(ctx.storage.db),
  );
}

/** EVENT_HOOKS.afterInsert: records the visit or click the event carries. */
export const recordTouchpointHook: AfterInsert = (trx, ctx, event) =>
  recordEventTouchpoint(trx, event, ctx.clock.now());

/** EVENT_HOOKS.afterInsertBatch: recordTouchpointHook for a whole batch, with multi-row writes. */
export const recordTouchpointsHook: AfterInsertBatch = (trx, ctx, events) =>
  recordEventTouchpoints(trx, events, ctx.clock.now(), rowWriterOf(ctx.storage.db));
