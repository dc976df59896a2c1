import type { DestinationAdapter } from '../types.js';
import { classifyMeta } from './classify.js';
import { buildMetaRequest, testMeta } from './client.js';
import { type MetaServerEvent, mapMetaEvent } from './map.js';
import { type MetaSettings, parseMetaConfig } from './settings.js';

/** Meta Conversions API (specs/destinations.md §1). */
export const metaAdapter: DestinationAdapter<MetaSettings, MetaServerEvent> = {
  kind: 'meta',
  label: 'Meta Conversions API',
  parseConfig: parseMetaConfig,
  secretKeys: ['accessToken'],
  maxBatch: 1000,
  maxAgeMs: 7 * 24 * 3600 * 1000,
  timeoutMs: 1500,
  ratePerSecond: 50,
  adPlatform: true,
  map: mapMetaEvent,
  buildRequest: (payloads, settings) => buildMetaRequest(payloads, settings),
  classify: classifyMeta,
  testConnection: testMeta,
};
