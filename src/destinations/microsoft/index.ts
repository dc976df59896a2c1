import type { DestinationAdapter } from '../types.js';
import { classifyMicrosoft } from './classify.js';
import { buildMicrosoftRequest, testMicrosoft } from './client.js';
import { type MicrosoftPayload, mapMicrosoftEvent } from './map.js';
import { type MicrosoftSettings, parseMicrosoftConfig } from './settings.js';

/** Microsoft Advertising offline conversions and UET Conversions API (§5). */
export const microsoftAdapter: DestinationAdapter<MicrosoftSettings, MicrosoftPayload> = {
  kind: 'microsoft',
  label: 'Microsoft Advertising (offline conversions / UET CAPI)',
  parseConfig: parseMicrosoftConfig,
  secretKeys: ['accessToken', 'developerToken'],
  maxBatch: 1000,
  maxAgeMs: 90 * 24 * 3600 * 1000,
  timeoutMs: 10_000,
  ratePerSecond: 10,
  adPlatform: true,
  map: mapMicrosoftEvent,
  buildRequest: (payloads, settings) => buildMicrosoftRequest(payloads, settings),
  classify: classifyMicrosoft,
  testConnection: testMicrosoft,
};
