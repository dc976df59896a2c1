import type { Storage } from '../storage/database.js';

/**
 * Per-database in-process state of the delivery engine (wake-ups and short-lived caches). Keyed by
 * the Storage object instead of living in a module singleton, so every app built in one process
 * (tests build many) has its own.
 */
export interface DeliveryState {
  /** Wakes the worker(s) of this process; set by the running worker. */
  listeners: Set<() => void>;
  /** workspace id -> enabled destinations, with the time they were loaded. */
  destinations: Map<string, { at: number; value: unknown }>;
  /** workspace id -> routing policy, with the time it was loaded. */
  policies: Map<string, { at: number; value: unknown }>;
}

const STATES = new WeakMap<Storage, DeliveryState>();

export function deliveryState(storage: Storage): DeliveryState {
  let state = STATES.get(storage);
  if (state === undefined) {
    state = { listeners: new Set(), destinations: new Map(), policies: new Map() };
    STATES.set(storage, state);
  }
  return state;
}

/** Tells this process's workers that new outbox rows are (about to be) committed. */
export function wakeWorkers(storage: Storage): void {
  for (const listener of deliveryState(storage).listeners) listener();
}
