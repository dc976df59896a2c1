import type { DestinationAdapter } from '../types.js';
import type { WebhookEvent } from '../webhook/map.js';
import { classifyWarehouseWrite } from './classify.js';
import { testWarehouse, writeWarehouseBatch } from './client.js';
import { mapWarehouseEvent } from './map.js';
import { parseWarehouseConfig, type WarehouseSettings } from './settings.js';

/** Rotated NDJSON files (no HTTP): `send` writes the batch itself. */
export const warehouseAdapter: DestinationAdapter<WarehouseSettings, WebhookEvent> = {
  kind: 'warehouse',
  label: 'Warehouse export (NDJSON files)',
  parseConfig: parseWarehouseConfig,
  secretKeys: [],
  maxBatch: 1000,
  maxAgeMs: null,
  timeoutMs: 10_000,
  ratePerSecond: 1000,
  adPlatform: false,
  map: mapWarehouseEvent,
  buildRequest: (payloads, settings) => ({
    method: 'POST',
    url: `file://${settings.directory}`,
    body: payloads.map((p) => JSON.stringify(p)).join('\n'),
  }),
  classify: () => ({ batch: { kind: 'delivered' } }),
  async send(payloads, settings, ctx) {
    try {
      const file = await writeWarehouseBatch(payloads, settings, ctx.now);
      return { result: classifyWarehouseWrite(undefined), log: `appended ${payloads.length} lines to ${file}` };
    } catch (error) {
      return { result: classifyWarehouseWrite(error), log: String(error) };
    }
  },
  testConnection: testWarehouse,
};
