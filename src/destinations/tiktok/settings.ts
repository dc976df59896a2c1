import { AppError } from '../../errors/codes.js';
import { asObject, optBaseUrl, optString, reqString } from '../config.js';

/** TikTok Events API 2.0 (§4): `Access-Token` per pixel. */
export interface TikTokSettings {
  pixelCode: string;
  accessToken: string;
  eventSource: 'web' | 'app' | 'offline' | 'crm';
  testEventCode: string | undefined;
  partnerName: string | undefined;
  baseUrl: string;
}

export function parseTikTokConfig(raw: unknown): TikTokSettings {
  const obj = asObject(raw);
  const eventSource = optString(obj, 'eventSource') ?? 'web';
  if (!['web', 'app', 'offline', 'crm'].includes(eventSource)) {
    throw new AppError(
      'validation_failed',
      'config.eventSource must be web, app, offline or crm',
      'config.eventSource',
    );
  }
  return {
    pixelCode: reqString(obj, 'pixelCode'),
    accessToken: reqString(obj, 'accessToken'),
    eventSource: eventSource as TikTokSettings['eventSource'],
    testEventCode: optString(obj, 'testEventCode'),
    partnerName: optString(obj, 'partnerName'),
    baseUrl: optBaseUrl(obj, 'https://business-api.tiktok.com'),
  };
}
