import pino from 'pino';
import type { Config } from '../config/config.js';
import { openStorage } from '../storage/database.js';
import { migrateToLatest } from '../storage/migrate.js';
import { WriteQueue } from '../storage/write-queue.js';
import { type AppContext, systemClock } from './context.js';
import { createMetrics } from './metrics.js';

/** Logs never carry secrets or raw PII: these paths are replaced wherever they appear. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  '*.token',
  '*.email',
  '*.phone',
  '*.accessToken',
];

/** The app's logger: JSON lines at `level` on `destination` (stderr), with REDACT_PATHS redacted. */
export function createLogger(level: string, destination: pino.DestinationStream = pino.destination(2)): pino.Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, destination);
}

export async function createContext(
  config: Config,
  options: { migrate?: boolean; checkpointer?: boolean } = {},
): Promise<AppContext> {
  const log = createLogger(config.logLevel);
  const storage = openStorage(config.storage, { checkpointer: options.checkpointer !== false });
  if (options.migrate !== false) await migrateToLatest(storage);
  const writes = new WriteQueue(storage.db, {
    maxBatch: 256,
    concurrency: storage.capabilities.concurrentWriters ? 4 : 1,
  });
  return { config, storage, writes, clock: systemClock, log, metrics: createMetrics() };
}

export async function closeContext(ctx: AppContext): Promise<void> {
  await ctx.writes.close();
  await ctx.storage.close();
}
