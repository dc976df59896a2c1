import { randomUUID } from 'node:crypto';
import type { CanonicalEvent } from './events.js';

export { CANONICAL_EVENTS, type CanonicalEvent } from './events.js';

/** Properties of one captured event: identity, value and free-form properties. */
export interface CaptureProps {
  /** Idempotency key; generated when absent so retries never double-count. */
  eventId?: string;
  /** Date, unix ms/s or ISO 8601; default: when capture() was called. */
  timestamp?: Date | number | string;
  email?: string;
  phone?: string;
  externalId?: string;
  anonymousId?: string;
  firstName?: string;
  lastName?: string;
  pageUrl?: string;
  referrer?: string;
  ip?: string;
  userAgent?: string;
  clickIds?: Partial<
    Record<'fbclid' | 'gclid' | 'gbraid' | 'wbraid' | 'ttclid' | 'li_fat_id' | 'msclkid' | 'tp_click_id', string>
  >;
  value?: number;
  currency?: string;
  doNotForward?: boolean;
  properties?: Record<string, unknown>;
}

export interface TouchpointOptions {
  /** An ingest token (tp_ingest_…). */
  token: string;
  /** Base URL of the Touchpoint server, e.g. https://track.example.com */
  host: string;
  /** Events per request (max 1000). Default 100. */
  batchSize?: number;
  /** Longest an event waits before its batch is sent, in ms. Default 1000. */
  flushInterval?: number;
  /** Attempts per batch on network errors, 429 and 5xx. Default 5. */
  maxAttempts?: number;
  /** First retry delay in ms, doubled each attempt (with jitter). Default 200. */
  retryBaseMs?: number;
  /** Called with batches given up on after maxAttempts or rejected with a 4xx. */
  onError?: (error: Error, events: CaptureEvent[]) => void;
  fetch?: typeof fetch;
}

/** Wire shape of one event (POST /api/v1/capture/batch). */
export interface CaptureEvent extends Omit<CaptureProps, 'timestamp'> {
  event: string;
  eventId: string;
  timestamp: string | number;
}

export interface BatchOutcome {
  accepted: number;
  duplicates: number;
  rejected: number;
  results: Array<{ status: string; id?: string; error?: { code: string; message: string; field?: string } }>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Server-side client: `tp.capture('SignUp', { email })` queues the event; batches of `batchSize`
 * (or whatever is queued after `flushInterval`) go to /api/v1/capture/batch with retries and
 * exponential backoff. Call `flush()` before exiting, or `close()`.
 */
export class Touchpoint {
  private queue: CaptureEvent[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inFlight = new Set<Promise<void>>();
  private readonly options: Required<Omit<TouchpointOptions, 'onError' | 'fetch'>> &
    Pick<TouchpointOptions, 'onError'> & { fetch: typeof fetch };

  constructor(options: TouchpointOptions) {
    if (!options.token) throw new Error('Touchpoint: token is required');
    if (!options.host) throw new Error('Touchpoint: host is required');
    this.options = {
      token: options.token,
      host: options.host.replace(/\/+$/, ''),
      batchSize: Math.min(Math.max(options.batchSize ?? 100, 1), 1000),
      flushInterval: options.flushInterval ?? 1000,
      maxAttempts: Math.max(options.maxAttempts ?? 5, 1),
      retryBaseMs: options.retryBaseMs ?? 200,
      onError: options.onError,
      fetch: options.fetch ?? globalThis.fetch,
    };
  }

  /** Queues one event; custom event keys are accepted as strings. */
  capture(event: CanonicalEvent | (string & {}), props: CaptureProps = {}): string {
    const { timestamp, ...rest } = props;
    const eventId = props.eventId ?? randomUUID();
    const at = timestamp instanceof Date ? timestamp.toISOString() : (timestamp ?? new Date().toISOString());
    this.queue.push({ ...rest, event, eventId, timestamp: at });
    if (this.queue.length >= this.options.batchSize) this.send();
    else if (this.timer === undefined) {
      this.timer = setTimeout(() => this.send(), this.options.flushInterval);
      this.timer.unref?.();
    }
    return eventId;
  }

  /** Sends everything queued and waits for every request in flight. */
  async flush(): Promise<void> {
    while (this.queue.length > 0) this.send();
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  async close(): Promise<void> {
    await this.flush();
  }

  private send(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const batch = this.queue.splice(0, this.options.batchSize);
    if (batch.length === 0) return;
    const done: Promise<void> = this.deliver(batch).finally(() => this.inFlight.delete(done));
    this.inFlight.add(done);
  }

  private async deliver(batch: CaptureEvent[]): Promise<void> {
    let lastError: Error = new Error('not sent');
    for (let attempt = 1; attempt <= this.options.maxAttempts; attempt++) {
      try {
        const res = await this.options.fetch(`${this.options.host}/api/v1/capture/batch`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${this.options.token}` },
          body: JSON.stringify({ batch }),
        });
        if (res.ok) {
          const outcome = (await res.json()) as BatchOutcome;
          if (outcome.rejected > 0) {
            const rejected = batch.filter((_, i) => outcome.results[i]?.status === 'rejected');
            this.options.onError?.(new Error(`${outcome.rejected} event(s) rejected`), rejected);
          }
          return;
        }
        const text = await res.text();
        lastError = new Error(`Touchpoint: HTTP ${res.status}: ${text.slice(0, 300)}`);
        // 4xx other than 429 will fail the same way again.
        if (res.status !== 429 && res.status < 500) break;
        const retryAfter = Number(res.headers.get('retry-after'));
        if (Number.isFinite(retryAfter) && retryAfter > 0 && attempt < this.options.maxAttempts) {
          await sleep(retryAfter * 1000);
          continue;
        }
      } catch (error) {
        lastError = error instanceof Error ? error : new Error(String(error));
      }
      if (attempt < this.options.maxAttempts) {
        const base = this.options.retryBaseMs * 2 ** (attempt - 1);
        await sleep(base / 2 + Math.random() * base);
      }
    }
    this.options.onError?.(lastError, batch);
  }
}
