import type { AppContext } from '../context/context.js';
import { deliveryWorkerStarter } from '../delivery/background.js';

export interface BackgroundService {
  name: string;
  stop(): Promise<void>;
}

export type BackgroundStarter = (ctx: AppContext) => BackgroundService;

/**
 * Long-running work that `serve` runs beside the HTTP server unless `--no-worker` is given (the
 * delivery worker registers here). Each starter returns a handle whose stop() finishes the work in
 * hand before resolving.
 */
export const BACKGROUND_STARTERS: BackgroundStarter[] = [deliveryWorkerStarter];

export function startBackgroundServices(ctx: AppContext): BackgroundService[] {
  return BACKGROUND_STARTERS.map((start) => start(ctx));
}
