import { type HttpResponse, parseRetryAfter } from '../http/client.js';
import type { Outcome } from './types.js';

/**
 * The default status rules (specs/destinations.md, issue 7): 2xx delivered; 408 and 429 retryable
 * (honouring Retry-After); other 4xx permanent; 5xx, timeouts and resets retryable.
 */
export function classifyHttp(response: HttpResponse, now: number): Outcome {
  if (response.kind === 'transport_error')
    return { kind: 'retryable', reason: `${response.error}: ${response.message}` };
  const { status } = response;
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  const afterMs = parseRetryAfter(response.headers['retry-after'], now);
  if (status === 408 || status === 429 || status >= 500) {
    return afterMs === undefined
      ? { kind: 'retryable', reason: `HTTP ${status}` }
      : { kind: 'retryable', reason: `HTTP ${status}`, afterMs };
  }
  const auth = status === 401 || status === 403 || status === 404;
  return { kind: 'permanent', reason: `HTTP ${status}: ${snippet(response.body)}`, payload: !auth };
}

export function snippet(body: string, max = 300): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

export async function testRequest(
  send: () => Promise<HttpResponse>,
): Promise<{ ok: boolean; message: string; status?: number }> {
  const response = await send();
  if (response.kind === 'transport_error') return { ok: false, message: `${response.error}: ${response.message}` };
  const ok = response.status >= 200 && response.status < 300;
  return {
    ok,
    status: response.status,
    message: ok ? 'connected' : `HTTP ${response.status}: ${snippet(response.body)}`,
  };
}
