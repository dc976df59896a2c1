import type { HttpResponse } from '../../http/client.js';
import { classifyHttp, parseJson, snippet } from '../classify-http.js';
import type { SendResult } from '../types.js';

/** TikTok answers HTTP 200 even for business errors: the `code` field decides (§4.6). */
export function classifyTikTok(response: HttpResponse, _count: number, now: number): SendResult {
  const base = classifyHttp(response, now);
  if (response.kind !== 'response' || base.kind !== 'delivered') return { batch: base };
  const body = parseJson(response.body) as { code?: number; message?: string; request_id?: string } | undefined;
  const code = body?.code ?? 0;
  if (code === 0) return { batch: base };
  const reason = `TikTok code ${code}: ${snippet(body?.message ?? '')}`;
  if (code === 40100 || code >= 50000) return { batch: { kind: 'retryable', reason } };
  return { batch: { kind: 'permanent', reason, payload: code === 40002 } };
}
