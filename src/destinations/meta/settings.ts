import { asObject, optBaseUrl, optString, reqString } from '../config.js';

export interface MetaSettings {
  pixelId: string;
  accessToken: string;
  apiVersion: string;
  testEventCode: string | undefined;
  partnerAgent: string | undefined;
  /** Forces `action_source` (otherwise website when page URL + user agent are known, else system_generated/other). */
  actionSource: string | undefined;
  baseUrl: string;
}

const ACTION_SOURCES = [
  'email',
  'website',
  'app',
  'phone_call',
  'chat',
  'physical_store',
  'system_generated',
  'business_messaging',
  'other',
];

export function parseMetaConfig(raw: unknown): MetaSettings {
  const obj = asObject(raw);
  const actionSource = optString(obj, 'actionSource');
  if (actionSource !== undefined && !ACTION_SOURCES.includes(actionSource)) {
    reqString({ actionSource: '' }, 'actionSource');
  }
  return {
    pixelId: reqString(obj, 'pixelId', /^\d+$/, 'must be the numeric pixel / dataset id'),
    accessToken: reqString(obj, 'accessToken'),
    apiVersion: optString(obj, 'apiVersion') ?? 'v25.0',
    testEventCode: optString(obj, 'testEventCode'),
    partnerAgent: optString(obj, 'partnerAgent'),
    actionSource,
    baseUrl: optBaseUrl(obj, 'https://graph.facebook.com'),
  };
}
