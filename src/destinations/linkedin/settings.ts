import { AppError } from '../../errors/codes.js';
import { asObject, optBaseUrl, optString, optStringMap, reqString } from '../config.js';

/** LinkedIn Conversions API (§3): a 3-legged OAuth token and a conversion rule per event. */
export interface LinkedInSettings {
  accessToken: string;
  /** Default conversion rule id (`urn:lla:llaPartnerConversion:{id}`); `conversionRules` maps event names. */
  conversionRuleId: string | undefined;
  conversionRules: Record<string, string>;
  /** `LinkedIn-Version: YYYYMM`. */
  version: string;
  baseUrl: string;
}

export function parseLinkedInConfig(raw: unknown): LinkedInSettings {
  const obj = asObject(raw);
  const settings: LinkedInSettings = {
    accessToken: reqString(obj, 'accessToken'),
    conversionRuleId: optString(obj, 'conversionRuleId')?.replace(/^urn:lla:llaPartnerConversion:/, ''),
    conversionRules: optStringMap(obj, 'conversionRules'),
    version: optString(obj, 'version') ?? '202611',
    baseUrl: optBaseUrl(obj, 'https://api.linkedin.com'),
  };
  if (!/^\d{6}$/.test(settings.version))
    throw new AppError('validation_failed', 'config.version must be YYYYMM', 'config.version');
  if (settings.conversionRuleId === undefined && Object.keys(settings.conversionRules).length === 0) {
    throw new AppError(
      'validation_failed',
      'config.conversionRuleId (or config.conversionRules) is required',
      'config.conversionRuleId',
    );
  }
  return settings;
}
