import type { AppError } from '../errors/codes.js';
import type { StoredEvent } from '../events/stored-event.js';

/**
 * One item of a request on its way to storage. `payload`: the item as received, redacted, as the JSON
 * text the events log stores (rendered before the transaction, and cheap to hand to the ingest thread).
 */
export type CommitItem =
  | {
      kind: 'event';
      /** What the dedup claim and the events log need (the event itself, in process). */
      key: EventKey;
      event: StoredEvent;
      /** The event as JSON when it came so (from the main thread to the ingest thread): not parsed to be queued. */
      json?: string;
      surface: string;
      payload: string;
    }
  | { kind: 'rejected'; error: AppError; surface: string; name: string | undefined; payload: string };

export interface EventKey {
  id: string;
  workspaceId: string;
  dedupKey: string;
  originalName: string;
}

export type EventItem = Extract<CommitItem, { kind: 'event' }>;

export type CommitOutcome =
  | { status: 'accepted'; id: string }
  | { status: 'duplicate'; id: string }
  | { status: 'rejected'; error: AppError };

/** An item with the outcome its request is (or was) acknowledged with. */
export interface ClaimedItem {
  item: CommitItem;
  outcome: CommitOutcome;
}

/** A request's items, with what the events log records of the request. */
export interface LoggedCall {
  workspaceId: string;
  requestId: string;
  receivedAt: number;
  /** When its log rows are written, if later than received (journal.ts): their ids' time. */
  loggedAt?: number;
  items: CommitItem[];
}

/** The event items the claims accepted, in arrival order (what identity, event rows and hooks are for). */
export function acceptedItems(claimed: readonly ClaimedItem[]): EventItem[] {
  const out: EventItem[] = [];
  for (const { item, outcome } of claimed) {
    if (item.kind === 'event' && outcome.status === 'accepted') out.push(item);
  }
  return out;
}

/** What the inbox stores of an accepted item: its JSON if it came so, else the event. */
export function inboxEntry(item: EventItem): StoredEvent | string {
  return item.json ?? item.event;
}
