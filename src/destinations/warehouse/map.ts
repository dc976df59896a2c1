import type { DeliveryItem, MapContext, MapResult } from '../types.js';
import { mapWebhookEvent, type WebhookEvent } from '../webhook/map.js';
import type { WarehouseSettings } from './settings.js';

/** One NDJSON line per event: the same shape the webhook sends. */
export function mapWarehouseEvent(
  item: DeliveryItem,
  _settings: WarehouseSettings,
  ctx: MapContext,
): MapResult<WebhookEvent> {
  return mapWebhookEvent(item, { url: '', secret: '', headers: {}, maxBatch: 1 }, ctx);
}

/** `<prefix>-<YYYYMMDDHH>-<seq>.ndjson`: one series per UTC hour, a new sequence number past the size limit. */
export function fileName(prefix: string, now: number, seq: number): string {
  const hour = new Date(now).toISOString().slice(0, 13).replace(/[-T]/g, '');
  return `${prefix}-${hour}-${String(seq).padStart(4, '0')}.ndjson`;
}
