import type { HttpResponse } from '../../http/client.js';
import { classifyHttp, parseJson } from '../classify-http.js';
import type { Outcome, SendResult } from '../types.js';

/** BATCH_CREATE answers `{"elements":[{"status":201},…]}`: each element has its own status (§3.5). */
export function classifyLinkedIn(response: HttpResponse, count: number, now: number): SendResult {
  const base = classifyHttp(response, now);
  if (response.kind !== 'response' || base.kind !== 'delivered') return { batch: base };
  const body = parseJson(response.body) as
    | { elements?: Array<{ status?: number; error?: { message?: string } }> }
    | undefined;
  const elements = body?.elements;
  if (elements === undefined || elements.length !== count) return { batch: base };
  const items = elements.map((element): Outcome => {
    const status = element.status ?? 201;
    if (status >= 200 && status < 300) return { kind: 'delivered' };
    const reason = `element HTTP ${status}${element.error?.message ? `: ${element.error.message}` : ''}`;
    if (status === 429 || status >= 500) return { kind: 'retryable', reason };
    return { kind: 'permanent', reason, payload: false };
  });
  return { batch: base, items };
}
