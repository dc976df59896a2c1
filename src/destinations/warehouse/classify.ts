import type { SendResult } from '../types.js';

/** A local write either worked or failed with an I/O error that may pass (disk full, permissions fixed). */
export function classifyWarehouseWrite(error: unknown): SendResult {
  if (error === undefined) return { batch: { kind: 'delivered' } };
  return { batch: { kind: 'retryable', reason: error instanceof Error ? error.message : String(error) } };
}
