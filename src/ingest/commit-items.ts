import type { AppError } from '../errors/codes.js';
import type { StoredEvent } from '../events/stored-event.js';

/** One item of a request on its way to storage (`raw`: the payload as received, for the events log). */
export type CommitItem =
  | { kind: 'event'; event: StoredEvent; surface: string; raw: unknown }
  | { kind: 'rejected'; error: AppError; surface: string; name: string | undefined; raw: unknown };

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
  items: CommitItem[];
}

/** The events the claims accepted, in arrival order (what identity, event rows and hooks are for). */
export function acceptedEvents(claimed: readonly ClaimedItem[]): StoredEvent[] {
  const out: StoredEvent[] = [];
  for (const { item, outcome } of claimed) {
    if (item.kind === 'event' && outcome.status === 'accepted') out.push(item.event);
  }
  return out;
}
