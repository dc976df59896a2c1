import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { Storage } from '../storage/database.js';
import type { WriteQueue } from '../storage/write-queue.js';
import type { Metrics } from './metrics.js';

/** Time as a dependency, so every computation that needs "now" can be tested at a fixed instant. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * The composition root's product: everything with a side effect, built once at start and passed
 * down explicitly. No module keeps a singleton of its own.
 */
export interface AppContext {
  config: Config;
  storage: Storage;
  /** Group-commit queue: the one path for hot writes that must be acknowledged after commit. */
  writes: WriteQueue;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
}
