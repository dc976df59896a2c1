import type { AppContext } from '../context/context.js';
import { ADAPTERS } from '../destinations/registry.js';
import { isDestinationKind } from '../destinations/types.js';
import { AppError } from '../errors/codes.js';
import { loadRoutingPolicy } from '../events/routing.js';
import { enabledDestinations, type LoadedDestination } from './destinations.js';
import { matchQuality } from './match-quality.js';
import { routeFor } from './outbox.js';
import { fbclidFirstSeen, loadEvents, mapContextFor, prepareItems } from './prepare.js';
import { loadPrivacy } from './privacy.js';
import { redactHeaders, redactUrl } from './redact.js';

export interface DeliveryView {
  id: string;
  destinationId: string;
  destinationType: string | null;
  destinationName: string | null;
  status: string;
  platformEventName: string | null;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  /** Our 0-10 estimate of how well this destination can match the event, with hints (null: not an ad platform). */
  matchQuality: { score: number; hints: string[] } | null;
  log: Array<{
    attempt: number;
    at: string;
    durationMs: number;
    outcome: string;
    httpStatus: number | null;
    request: unknown;
    response: string | null;
    error: string | null;
  }>;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(Number(ms)).toISOString());

/** GET /api/v1/events/:id/deliveries — every outbox row of the event with its redacted attempt log. */
export async function deliveriesForEvent(
  ctx: AppContext,
  workspaceId: string,
  eventId: string,
): Promise<DeliveryView[]> {
  const db = ctx.storage.db;
  const event = (await loadEvents(db, workspaceId, [eventId])).get(eventId);
  if (event === undefined) throw new AppError('not_found', `event ${eventId} does not exist`, 'eventId');
  const rows = await db
    .selectFrom('delivery_outbox')
    .leftJoin('destinations', (join) =>
      join
        .onRef('destinations.workspace_id', '=', 'delivery_outbox.workspace_id')
        .onRef('destinations.destination_id', '=', 'delivery_outbox.destination_id'),
    )
    .selectAll('delivery_outbox')
    .select(['destinations.kind as destination_kind', 'destinations.name as destination_name'])
    .where('delivery_outbox.workspace_id', '=', workspaceId)
    .where('delivery_outbox.event_id', '=', eventId)
    .orderBy('delivery_outbox.delivery_id')
    .execute();
  const attempts = await db
    .selectFrom('delivery_attempts')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('event_id', '=', eventId)
    .orderBy('started_at')
    .execute();
  const privacy = await loadPrivacy(db, workspaceId);
  const quality = (kind: string | null) => {
    if (kind === null || !isDestinationKind(kind)) return null;
    const q = matchQuality(kind, event, privacy);
    return q === null ? null : { score: q.score, hints: q.hints };
  };
  return rows.map((row) => ({
    id: row.delivery_id,
    destinationId: row.destination_id,
    destinationType: row.destination_kind,
    destinationName: row.destination_name,
    status: row.status,
    platformEventName: row.platform_event_name,
    attempts: Number(row.attempts),
    lastError: row.last_error,
    nextAttemptAt: row.status === 'pending' ? iso(row.next_attempt_at) : null,
    deliveredAt: iso(row.delivered_at),
    matchQuality: quality(row.destination_kind),
    log: attempts
      .filter((a) => a.delivery_id === row.delivery_id)
      .map((a) => ({
        attempt: Number(a.attempt),
        at: iso(a.started_at) ?? '',
        durationMs: Number(a.duration_ms),
        outcome: a.outcome,
        httpStatus: a.http_status === null ? null : Number(a.http_status),
        request: JSON.parse(a.request) as unknown,
        response: a.response,
        error: a.error,
      })),
  }));
}

export interface PreviewView {
  destinationId: string;
  destinationType: string;
  destinationName: string;
  send: boolean;
  reason: string;
  platformEventName: string | null;
  /** The exact request this destination would get for this event alone (credentials masked). */
  request: { method: string; url: string; headers: Record<string, string>; body: unknown } | null;
}

function stripCredentials(body: unknown): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  const out: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  if ('access_token' in out) out.access_token = '[redacted]';
  return out;
}

/** Dry run: what each enabled destination would receive for this event, without sending anything. */
export async function previewEvent(ctx: AppContext, workspaceId: string, eventId: string): Promise<PreviewView[]> {
  const db = ctx.storage.db;
  const events = await loadEvents(db, workspaceId, [eventId]);
  const event = events.get(eventId);
  if (event === undefined) throw new AppError('not_found', `event ${eventId} does not exist`, 'eventId');
  const destinations: LoadedDestination[] = await enabledDestinations(ctx, db, workspaceId);
  const policy = await loadRoutingPolicy(db, workspaceId);
  const now = ctx.clock.now();
  const mapCtx = await mapContextFor(db, workspaceId, now);
  const firstSeen = await fbclidFirstSeen(db, workspaceId, [event]);
  return destinations.map((destination): PreviewView => {
    const base = {
      destinationId: destination.id,
      destinationType: destination.kind,
      destinationName: destination.name,
    };
    const decision = routeFor(policy, event, destination);
    if (!decision.send)
      return { ...base, send: false, reason: decision.reason, platformEventName: null, request: null };
    const [prepared] = prepareItems(
      destination,
      [{ key: 0, deliveryId: 'preview', event, platformEventName: decision.platformEventName }],
      firstSeen,
      mapCtx,
    );
    if (prepared === undefined || !prepared.ok) {
      return {
        ...base,
        send: false,
        reason: prepared?.ok === false ? prepared.reason : 'not mappable',
        platformEventName: decision.platformEventName,
        request: null,
      };
    }
    const request = ADAPTERS[destination.kind].buildRequest([prepared.payload], destination.settings, mapCtx);
    let body: unknown = request.body;
    try {
      body = JSON.parse(request.body ?? 'null') as unknown;
    } catch {
      // NDJSON / text bodies are shown as they are
    }
    return {
      ...base,
      send: true,
      reason: decision.reason,
      platformEventName: decision.platformEventName,
      request: {
        method: request.method,
        url: redactUrl(request.url),
        headers: redactHeaders(request.headers),
        body: stripCredentials(body),
      },
    };
  });
}
