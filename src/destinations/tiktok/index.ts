import type { DestinationAdapter } from '../types.js';
import { classifyTikTok } from './classify.js';
import { buildTikTokRequest, testTikTok } from './client.js';
import { mapTikTokEvent, type TikTokEvent } from './map.js';
import { parseTikTokConfig, type TikTokSettings } from './settings.js';

/** TikTok Events API 2.0 (§4). */
export const tiktokAdapter: DestinationAdapter<TikTokSettings, TikTokEvent> = {
  kind: 'tiktok',
  label: 'TikTok Events API',
  parseConfig: parseTikTokConfig,
  secretKeys: ['accessToken'],
  maxBatch: 1000,
  maxAgeMs: 7 * 24 * 3600 * 1000,
  timeoutMs: 5000,
  ratePerSecond: 20,
  adPlatform: true,
  map: mapTikTokEvent,
  buildRequest: (payloads, settings) => buildTikTokRequest(payloads, settings),
  classify: classifyTikTok,
  testConnection: testTikTok,
};
