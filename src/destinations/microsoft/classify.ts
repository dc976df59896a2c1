import type { HttpResponse } from '../../http/client.js';
import { classifyHttp, parseJson, snippet } from '../classify-http.js';
import type { Outcome, SendResult } from '../types.js';

/** Offline Apply reports bad rows in `PartialErrors[].Index`; the rest of the batch is applied (§5.2). */
export function classifyMicrosoft(response: HttpResponse, count: number, now: number): SendResult {
  const base = classifyHttp(response, now);
  if (response.kind !== 'response' || base.kind !== 'delivered') return { batch: base };
  const body = parseJson(response.body) as
    | { PartialErrors?: Array<{ Index?: number; ErrorCode?: string; Message?: string }> | null }
    | undefined;
  const errors = body?.PartialErrors ?? [];
  if (errors.length === 0) return { batch: base };
  const items: Outcome[] = Array.from({ length: count }, () => ({ kind: 'delivered' }));
  for (const error of errors) {
    if (error.Index === undefined || error.Index < 0 || error.Index >= count) continue;
    items[error.Index] = {
      kind: 'permanent',
      reason: `${error.ErrorCode ?? 'error'}: ${snippet(error.Message ?? '')}`,
      payload: false,
    };
  }
  return { batch: base, items };
}
