/**
 * The one outbound HTTP client: every call to an ad platform, webhook or stand-in goes through here, so
 * timeouts, keep-alive and error classification live in one place. A transport failure (timeout,
 * refused or reset connection) is returned as a value, never thrown, so callers classify it like a status.
 */
export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  /** Sent verbatim; objects should be JSON-encoded by the caller (the exact bytes matter for signatures). */
  body?: string;
  timeoutMs?: number;
}

export type HttpResponse =
  | { kind: 'response'; status: number; headers: Record<string, string>; body: string; durationMs: number }
  | {
      kind: 'transport_error';
      error: 'timeout' | 'connection_reset' | 'connection_refused' | 'network';
      message: string;
      durationMs: number;
    };

export interface HttpClient {
  send(request: HttpRequest): Promise<HttpResponse>;
}

export interface HttpClientOptions {
  /** Default per-request timeout (ms); platform adapters pass their own (Meta recommends 1,500 ms). */
  timeoutMs: number;
  /** Largest response body kept (the rest is dropped: logs only need the start). */
  maxBodyBytes: number;
}

const DEFAULTS: HttpClientOptions = { timeoutMs: 10_000, maxBodyBytes: 64_000 };

function transportError(error: unknown): {
  error: 'timeout' | 'connection_reset' | 'connection_refused' | 'network';
  message: string;
} {
  const err = error as {
    name?: string;
    message?: string;
    cause?: { code?: string; message?: string; errors?: Array<{ code?: string }> };
  };
  if (err.name === 'TimeoutError' || err.name === 'AbortError')
    return { error: 'timeout', message: 'request timed out' };
  const code = err.cause?.code ?? err.cause?.errors?.[0]?.code ?? '';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') {
    return { error: 'connection_reset', message: `connection reset (${code})` };
  }
  if (code === 'ECONNREFUSED') return { error: 'connection_refused', message: 'connection refused' };
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'ETIMEDOUT') {
    return { error: 'timeout', message: `request timed out (${code})` };
  }
  return {
    error: 'network',
    message: `${err.cause?.message ?? err.message ?? 'network error'}${code ? ` (${code})` : ''}`,
  };
}

export function createHttpClient(options: Partial<HttpClientOptions> = {}): HttpClient {
  const { timeoutMs, maxBodyBytes } = { ...DEFAULTS, ...options };
  return {
    async send(request) {
      const started = performance.now();
      try {
        const response = await fetch(request.url, {
          method: request.method,
          headers: { 'user-agent': 'touchpoint/0.1', ...request.headers },
          ...(request.body === undefined ? {} : { body: request.body }),
          signal: AbortSignal.timeout(request.timeoutMs ?? timeoutMs),
          redirect: 'manual',
        });
        const text = await response.text();
        const headers: Record<string, string> = {};
        response.headers.forEach((value, key) => {
          headers[key] = value;
        });
        return {
          kind: 'response',
          status: response.status,
          headers,
          body: text.length > maxBodyBytes ? text.slice(0, maxBodyBytes) : text,
          durationMs: Math.round(performance.now() - started),
        };
      } catch (error) {
        return {
          kind: 'transport_error',
          ...transportError(error),
          durationMs: Math.round(performance.now() - started),
        };
      }
    },
  };
}

/** Seconds or an HTTP date in `Retry-After`, as milliseconds from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}
