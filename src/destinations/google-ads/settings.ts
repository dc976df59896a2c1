import { AppError } from '../../errors/codes.js';
import { asObject, optBaseUrl, optString, optStringMap, reqString } from '../config.js';

/**
 * Google offline conversions. `api: "data-manager"` (default) uses the Data Manager API
 * `events:ingest` (required for new adopters since 2026-06-15, §2.0); `api: "google-ads"` uses the
 * Google Ads API `uploadClickConversions` for developer tokens still allowlisted for it (§2.1).
 */
export interface GoogleAdsSettings {
  api: 'data-manager' | 'google-ads';
  /** The Google Ads conversion customer (digits). Data Manager: operatingAccount. */
  customerId: string;
  /** Manager account used to reach the customer (login-customer-id / loginAccount). */
  loginCustomerId: string | undefined;
  /** OAuth2 access token (scope adwords or datamanager). */
  accessToken: string;
  developerToken: string | undefined;
  /** Default conversion action id; `conversionActions` maps our event names to other actions. */
  conversionActionId: string | undefined;
  conversionActions: Record<string, string>;
  apiVersion: string;
  /** Consent sent with every conversion (EEA/UK/CH need it). */
  adUserDataConsent: 'GRANTED' | 'DENIED' | undefined;
  adPersonalizationConsent: 'GRANTED' | 'DENIED' | undefined;
  baseUrl: string;
}

const DIGITS = /^\d+$/;

function consent(obj: Record<string, unknown>, key: string): 'GRANTED' | 'DENIED' | undefined {
  const value = optString(obj, key);
  if (value === undefined) return undefined;
  if (value !== 'GRANTED' && value !== 'DENIED') {
    throw new AppError('validation_failed', `config.${key} must be GRANTED or DENIED`, `config.${key}`);
  }
  return value;
}

export function parseGoogleAdsConfig(raw: unknown): GoogleAdsSettings {
  const obj = asObject(raw);
  const api = optString(obj, 'api') ?? 'data-manager';
  if (api !== 'data-manager' && api !== 'google-ads') {
    throw new AppError('validation_failed', 'config.api must be data-manager or google-ads', 'config.api');
  }
  const customerId = reqString(
    { customerId: String(obj.customerId ?? '').replace(/-/g, '') },
    'customerId',
    DIGITS,
    'must be the customer id (digits)',
  );
  const login = optString(obj, 'loginCustomerId')?.replace(/-/g, '');
  const settings: GoogleAdsSettings = {
    api,
    customerId,
    loginCustomerId: login,
    accessToken: reqString(obj, 'accessToken'),
    developerToken: api === 'google-ads' ? reqString(obj, 'developerToken') : optString(obj, 'developerToken'),
    conversionActionId: optString(obj, 'conversionActionId'),
    conversionActions: optStringMap(obj, 'conversionActions'),
    apiVersion: optString(obj, 'apiVersion') ?? 'v26',
    adUserDataConsent: consent(obj, 'adUserDataConsent'),
    adPersonalizationConsent: consent(obj, 'adPersonalizationConsent'),
    baseUrl: optBaseUrl(
      obj,
      api === 'data-manager' ? 'https://datamanager.googleapis.com' : 'https://googleads.googleapis.com',
    ),
  };
  if (settings.conversionActionId === undefined && Object.keys(settings.conversionActions).length === 0) {
    throw new AppError(
      'validation_failed',
      'config.conversionActionId (or config.conversionActions) is required',
      'config.conversionActionId',
    );
  }
  for (const id of [settings.conversionActionId, ...Object.values(settings.conversionActions)]) {
    if (id !== undefined && !DIGITS.test(id)) {
      throw new AppError(
        'validation_failed',
        `conversion action ids are digits, got "${id}"`,
        'config.conversionActions',
      );
    }
  }
  return settings;
}
