import type { AppContext } from '../context/context.js';
import { startDeliveryWorker } from './worker.js';

/** BACKGROUND_STARTERS entry: the delivery worker beside `serve` (stop() finishes in-flight sends). */
export function deliveryWorkerStarter(ctx: AppContext): { name: string; stop(): Promise<void> } {
  const worker = startDeliveryWorker(ctx);
  return { name: 'delivery-worker', stop: () => worker.stop() };
}
