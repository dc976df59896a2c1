import type { HttpResponse } from '../../http/client.js';
import { classifyHttp, parseJson, snippet } from '../classify-http.js';
import type { SendResult } from '../types.js';

// Graph API error codes (§1.13): transient service errors and throttling retry; the rest is permanent.
const TRANSIENT = new Set([1, 2, 4, 17, 32, 341, 368, 613]);
const AUTH = new Set([10, 102, 190]);

export function classifyMeta(response: HttpResponse, _count: number, now: number): SendResult {
  const base = classifyHttp(response, now);
  if (response.kind !== 'response' || base.kind === 'delivered' || base.kind === 'retryable') return { batch: base };
  const body = parseJson(response.body) as
    | {
        error?: {
          code?: number;
          error_subcode?: number;
          is_transient?: boolean;
          message?: string;
          error_user_msg?: string;
          fbtrace_id?: string;
        };
      }
    | undefined;
  const error = body?.error;
  if (error === undefined) return { batch: base };
  const reason = `Meta error ${error.code ?? '?'}${error.error_subcode ? `/${error.error_subcode}` : ''}: ${snippet(error.error_user_msg ?? error.message ?? '')}${error.fbtrace_id ? ` (fbtrace_id ${error.fbtrace_id})` : ''}`;
  if (error.is_transient === true || (error.code !== undefined && TRANSIENT.has(error.code))) {
    return { batch: { kind: 'retryable', reason } };
  }
  const auth =
    (error.code !== undefined && (AUTH.has(error.code) || (error.code >= 200 && error.code < 300))) ||
    response.status === 401;
  return { batch: { kind: 'permanent', reason, payload: !auth } };
}
