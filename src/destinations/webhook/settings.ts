import { AppError } from '../../errors/codes.js';
import { asObject, optNumber, optStringMap, reqString } from '../config.js';

/** A generic HTTPS endpoint that receives batches of events signed with HMAC-SHA256. */
export interface WebhookSettings {
  url: string;
  /** HMAC key; receivers verify `Touchpoint-Signature`. */
  secret: string;
  headers: Record<string, string>;
  maxBatch: number;
}

export function parseWebhookConfig(raw: unknown): WebhookSettings {
  const obj = asObject(raw);
  const url = reqString(obj, 'url', /^https?:\/\/\S+$/, 'must be an http(s) URL');
  const secret = reqString(obj, 'secret');
  if (secret.length < 16)
    throw new AppError('validation_failed', 'config.secret must be at least 16 characters', 'config.secret');
  return { url, secret, headers: optStringMap(obj, 'headers'), maxBatch: optNumber(obj, 'maxBatch', 1, 1000) ?? 100 };
}
