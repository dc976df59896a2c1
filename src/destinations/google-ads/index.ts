import type { DestinationAdapter } from '../types.js';
import { classifyGoogle } from './classify.js';
import { buildGoogleRequest, testGoogle } from './client.js';
import { type GooglePayload, mapGoogleEvent } from './map.js';
import { type GoogleAdsSettings, parseGoogleAdsConfig } from './settings.js';

/** Google: Data Manager `events:ingest` (default) or Google Ads API `uploadClickConversions` (§2). */
export const googleAdsAdapter: DestinationAdapter<GoogleAdsSettings, GooglePayload> = {
  kind: 'google-ads',
  label: 'Google Ads (Data Manager API / uploadClickConversions)',
  parseConfig: parseGoogleAdsConfig,
  secretKeys: ['accessToken', 'developerToken'],
  maxBatch: 2000,
  maxAgeMs: 90 * 24 * 3600 * 1000,
  timeoutMs: 10_000,
  ratePerSecond: 10,
  adPlatform: true,
  map: mapGoogleEvent,
  buildRequest: (payloads, settings) => buildGoogleRequest(payloads, settings),
  classify: classifyGoogle,
  testConnection: testGoogle,
};
