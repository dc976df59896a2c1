import type { HttpResponse } from '../../http/client.js';
import { classifyHttp, parseJson, snippet } from '../classify-http.js';
import type { Outcome, SendResult } from '../types.js';

const SIX_HOURS = 6 * 3600 * 1000;
const DUPLICATE = new Set([
  'ORDER_ID_ALREADY_IN_USE',
  'DUPLICATE_ORDER_ID',
  'CLICK_CONVERSION_ALREADY_EXISTS',
  'DUPLICATE_CLICK_CONVERSION_IN_REQUEST',
]);
const TOO_RECENT = new Set(['TOO_RECENT_EVENT', 'TOO_RECENT_CONVERSION_ACTION']);
const NO_MATCH = new Set(['CLICK_NOT_FOUND', 'EVENT_NOT_FOUND']);

interface GoogleAdsError {
  errorCode?: Record<string, string>;
  message?: string;
  location?: { fieldPathElements?: Array<{ fieldName?: string; index?: number }> };
}

/** One row's error (§2.4): duplicates count as delivered, too-recent retries in 6 h, no-click is expected for ECL. */
export function outcomeForGoogleError(error: GoogleAdsError): Outcome {
  const code = Object.values(error.errorCode ?? {})[0] ?? 'UNKNOWN';
  if (DUPLICATE.has(code)) return { kind: 'delivered', note: code };
  if (TOO_RECENT.has(code)) return { kind: 'retryable', reason: code, afterMs: SIX_HOURS };
  if (NO_MATCH.has(code)) return { kind: 'skipped', reason: `${code}: no Google click to attribute to` };
  return { kind: 'permanent', reason: `${code}: ${snippet(error.message ?? '')}`, payload: false };
}

/**
 * Google Ads API answers 200 with `partialFailureError` naming failed rows by index; Data Manager
 * validates the whole request (fail-fast), so its 400 is a payload error for the batch.
 */
export function classifyGoogle(response: HttpResponse, count: number, now: number): SendResult {
  const base = classifyHttp(response, now);
  if (response.kind !== 'response' || base.kind !== 'delivered') return { batch: base };
  const body = parseJson(response.body) as
    | { partialFailureError?: { details?: Array<{ errors?: GoogleAdsError[] }> } }
    | undefined;
  const failure = body?.partialFailureError;
  if (failure === undefined) return { batch: base };
  const items: Outcome[] = Array.from({ length: count }, () => ({ kind: 'delivered' }));
  for (const detail of failure.details ?? []) {
    for (const error of detail.errors ?? []) {
      const index = error.location?.fieldPathElements?.find((e) => e.fieldName === 'conversions')?.index;
      if (index !== undefined && index >= 0 && index < count) items[index] = outcomeForGoogleError(error);
    }
  }
  return { batch: base, items };
}
