import type { StoredEvent } from '../events/stored-event.js';
import type { HttpClient, HttpRequest, HttpResponse } from '../http/client.js';

export const DESTINATION_KINDS = [
  'meta',
  'google-ads',
  'linkedin',
  'tiktok',
  'microsoft',
  'webhook',
  'warehouse',
] as const;
/** Same union as events/routing.ts DestinationKind. */
export type DestinationKind = (typeof DESTINATION_KINDS)[number];

export function isDestinationKind(value: string): value is DestinationKind {
  return (DESTINATION_KINDS as readonly string[]).includes(value);
}

/** Per-workspace privacy controls applied by every mapper. */
export interface PrivacySettings {
  /** Meta Limited Data Use: `data_processing_options: ["LDU"]` (+ TikTok `limited_data_use`). */
  limitedDataUse: boolean;
  /** Meta LDU country (1 = USA, 0 = geolocate). */
  ldpCountry: number;
  /** Meta LDU state (1000 = California, 0 = geolocate). */
  ldpState: number;
  /** Never send IP address or user agent (regions that need it). */
  stripIpUserAgent: boolean;
}

export const DEFAULT_PRIVACY: PrivacySettings = {
  limitedDataUse: false,
  ldpCountry: 0,
  ldpState: 0,
  stripIpUserAgent: false,
};

/** One outbox row's event on its way to a destination. */
export interface DeliveryItem {
  deliveryId: string;
  event: StoredEvent;
  /** From the routing decision (Meta/TikTok event name; Google/LinkedIn/Microsoft conversion id/name). */
  platformEventName: string | null;
  /** When this event's fbclid was first seen (ms): Meta's `fbc` keeps that timestamp. */
  fbclidFirstSeenAt?: number | undefined;
}

export interface MapContext {
  privacy: PrivacySettings;
  /** Workspace default phone country (ISO alpha-2). */
  defaultCountry: string;
  now: number;
}

/** A pure mapper's answer for one event: its payload element, or why it can never be sent. */
export type MapResult<P> = { ok: true; payload: P } | { ok: false; reason: string };

/** What became of a send (architecture rule 4: every failure knows whether to retry). */
export type Outcome =
  | { kind: 'delivered'; note?: string }
  | { kind: 'retryable'; reason: string; afterMs?: number }
  /** `payload`: the request content was rejected, so a batch is split to find the bad event. */
  | { kind: 'permanent'; reason: string; payload: boolean }
  | { kind: 'skipped'; reason: string };

export interface SendResult {
  /** The batch's outcome; `items` (when the platform reports per element) overrides it per row. */
  batch: Outcome;
  items?: Outcome[];
}

export interface TestResult {
  ok: boolean;
  message: string;
  status?: number;
}

/**
 * One ad platform or export. `map` and `buildRequest` are pure (table-tested against the spec);
 * `classify` turns a response into outcomes; `send` is only set by adapters that do not speak HTTP.
 */
export interface DestinationAdapter<S = unknown, P = unknown> {
  kind: DestinationKind;
  label: string;
  /** Validates a user-supplied config; throws AppError('validation_failed', ..., 'config.<field>'). */
  parseConfig(raw: unknown): S;
  /** Config keys holding credentials: masked in API output and in the delivery log. */
  secretKeys: readonly string[];
  /** Largest batch the platform takes in one request. */
  maxBatch: number;
  /** Events older than this are dead-lettered instead of sent (Meta: 7 days kills the whole batch). */
  maxAgeMs: number | null;
  timeoutMs: number;
  /** Requests per second we allow ourselves against this destination (config `rateLimitPerSecond` overrides). */
  ratePerSecond: number;
  /** Ad platforms honour `doNotForward`; webhooks and the warehouse get every event. */
  adPlatform: boolean;
  /** All-or-nothing platforms reject a batch for one bad event: the worker bisects to isolate it. */
  map(item: DeliveryItem, settings: S, ctx: MapContext): MapResult<P>;
  buildRequest(payloads: P[], settings: S, ctx: MapContext): HttpRequest;
  classify(response: HttpResponse, count: number, now: number): SendResult;
  /** For non-HTTP destinations (warehouse files): performs the send itself. */
  send?(payloads: P[], settings: S, ctx: MapContext): Promise<{ result: SendResult; log: string }>;
  testConnection(settings: S, http: HttpClient): Promise<TestResult>;
}
