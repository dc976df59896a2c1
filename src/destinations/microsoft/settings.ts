import { AppError } from '../../errors/codes.js';
import { asObject, optBaseUrl, optString, optStringMap, reqString } from '../config.js';

/**
 * Microsoft Advertising (§5): `api: "offline"` (default) applies offline conversions by msclkid
 * through the Campaign Management REST API; `api: "uet"` sends server events to the UET Conversions API.
 */
export type MicrosoftSettings =
  | {
      api: 'offline';
      accessToken: string;
      developerToken: string;
      customerId: string;
      customerAccountId: string;
      /** Offline goal name (must match exactly); `conversionNames` maps our event names to other goals. */
      conversionName: string | undefined;
      conversionNames: Record<string, string>;
      baseUrl: string;
    }
  | {
      api: 'uet';
      tagId: string;
      accessToken: string;
      dataProvider: string;
      /** UET event action per our event name (default: lowercase snake of the name, `purchase`). */
      eventNames: Record<string, string>;
      baseUrl: string;
    };

export function parseMicrosoftConfig(raw: unknown): MicrosoftSettings {
  const obj = asObject(raw);
  const api = optString(obj, 'api') ?? 'offline';
  if (api === 'uet') {
    return {
      api,
      tagId: reqString(obj, 'tagId'),
      accessToken: reqString(obj, 'accessToken'),
      dataProvider: optString(obj, 'dataProvider') ?? 'touchpoint',
      eventNames: optStringMap(obj, 'eventNames'),
      baseUrl: optBaseUrl(obj, 'https://capi.uet.microsoft.com'),
    };
  }
  if (api !== 'offline') throw new AppError('validation_failed', 'config.api must be offline or uet', 'config.api');
  const settings: MicrosoftSettings = {
    api,
    accessToken: reqString(obj, 'accessToken'),
    developerToken: reqString(obj, 'developerToken'),
    customerId: reqString({ customerId: String(obj.customerId ?? '') }, 'customerId', /^\d+$/, 'must be digits'),
    customerAccountId: reqString(
      { customerAccountId: String(obj.customerAccountId ?? '') },
      'customerAccountId',
      /^\d+$/,
      'must be digits',
    ),
    conversionName: optString(obj, 'conversionName'),
    conversionNames: optStringMap(obj, 'conversionNames'),
    baseUrl: optBaseUrl(obj, 'https://campaign.api.bingads.microsoft.com'),
  };
  if (settings.conversionName === undefined && Object.keys(settings.conversionNames).length === 0) {
    throw new AppError(
      'validation_failed',
      'config.conversionName (or config.conversionNames) is required',
      'config.conversionName',
    );
  }
  return settings;
}
