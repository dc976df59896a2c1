import { ADAPTERS } from '../destinations/registry.js';
import type { MapContext, Outcome } from '../destinations/types.js';
import type { HttpClient, HttpRequest, HttpResponse } from '../http/client.js';
import type { LoadedDestination } from './destinations.js';
import { redactHeaders, redactUrl, redactValue } from './redact.js';

export interface SendLog {
  startedAt: number;
  durationMs: number;
  httpStatus: number | null;
  /** Redacted request envelope (without the events: each item logs its own element). */
  request: { method: string; url: string; headers: Record<string, string>; batchSize: number };
  response: string | null;
  error: string | null;
}

export interface ItemOutcome {
  index: number;
  outcome: Outcome;
  log: SendLog;
}

function responseText(response: HttpResponse): string | null {
  return response.kind === 'response' ? response.body.slice(0, 2000) : null;
}

/**
 * Sends one batch of already-mapped payloads and returns an outcome per item. When an
 * all-or-nothing platform rejects the batch for its content (Meta: one bad event fails the whole
 * request), the batch is bisected until the bad events are isolated and the rest delivered.
 */
export async function sendBatch(
  destination: LoadedDestination,
  payloads: unknown[],
  ctx: MapContext,
  http: HttpClient,
  clock: { now(): number },
  beforeRequest: () => Promise<void>,
): Promise<ItemOutcome[]> {
  const adapter = ADAPTERS[destination.kind];
  const out: ItemOutcome[] = [];

  const attempt = async (indexes: number[]): Promise<void> => {
    await beforeRequest();
    const group = indexes.map((i) => payloads[i]);
    const startedAt = clock.now();
    let outcomes: { batch: Outcome; items?: Outcome[] };
    let log: SendLog;
    if (adapter.send !== undefined) {
      const started = performance.now();
      const sent = await adapter.send(group, destination.settings, { ...ctx, now: startedAt });
      outcomes = sent.result;
      log = {
        startedAt,
        durationMs: Math.round(performance.now() - started),
        httpStatus: null,
        request: {
          method: 'WRITE',
          url: `file://${String((destination.config as { directory?: string }).directory ?? '')}`,
          headers: {},
          batchSize: group.length,
        },
        response: sent.log,
        error: sent.result.batch.kind === 'delivered' ? null : sent.log,
      };
    } else {
      const request: HttpRequest = adapter.buildRequest(group, destination.settings, { ...ctx, now: startedAt });
      const response = await http.send({ ...request, timeoutMs: request.timeoutMs ?? destination.timeoutMs });
      outcomes = adapter.classify(response, group.length, clock.now());
      log = {
        startedAt,
        durationMs: response.durationMs,
        httpStatus: response.kind === 'response' ? response.status : null,
        request: {
          method: request.method,
          url: redactUrl(request.url),
          headers: redactHeaders(request.headers),
          batchSize: group.length,
        },
        response: responseText(response),
        error: response.kind === 'transport_error' ? `${response.error}: ${response.message}` : null,
      };
    }
    const batch = outcomes.batch;
    if (outcomes.items === undefined && batch.kind === 'permanent' && batch.payload && indexes.length > 1) {
      const mid = Math.ceil(indexes.length / 2);
      await attempt(indexes.slice(0, mid));
      await attempt(indexes.slice(mid));
      return;
    }
    indexes.forEach((index, i) => {
      out.push({ index, outcome: outcomes.items?.[i] ?? batch, log });
    });
  };

  if (payloads.length > 0) await attempt(payloads.map((_, i) => i));
  return out.sort((a, b) => a.index - b.index);
}

export function logPayload(payload: unknown): string {
  return JSON.stringify(redactValue(payload));
}
