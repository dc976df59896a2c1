import type { DestinationAdapter } from '../types.js';
import { classifyLinkedIn } from './classify.js';
import { buildLinkedInRequest, testLinkedIn } from './client.js';
import { type LinkedInEvent, mapLinkedInEvent } from './map.js';
import { type LinkedInSettings, parseLinkedInConfig } from './settings.js';

/** LinkedIn Conversions API (§3); 600 requests/min per partner docs. */
export const linkedInAdapter: DestinationAdapter<LinkedInSettings, LinkedInEvent> = {
  kind: 'linkedin',
  label: 'LinkedIn Conversions API',
  parseConfig: parseLinkedInConfig,
  secretKeys: ['accessToken'],
  maxBatch: 5000,
  maxAgeMs: 90 * 24 * 3600 * 1000,
  timeoutMs: 10_000,
  ratePerSecond: 10,
  adPlatform: true,
  map: mapLinkedInEvent,
  buildRequest: (payloads, settings) => buildLinkedInRequest(payloads, settings),
  classify: classifyLinkedIn,
  testConnection: testLinkedIn,
};
