import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../../../context/context.js';
import { deliveriesForEvent, previewEvent } from '../../../delivery/inspect.js';
import { replayDeliveries } from '../../../delivery/replay.js';
import { principalOf, requireScope } from '../../plugins/auth.js';
import { parseTime } from '../destinations/index.js';
import { errorResponses } from '../schemas.js';

const DeliverySchema = Type.Object({
  id: Type.String(),
  destinationId: Type.String(),
  destinationType: Type.Union([Type.String(), Type.Null()]),
  destinationName: Type.Union([Type.String(), Type.Null()]),
  status: Type.String({
    description: 'pending, delivered, dead (failed for good; replayable) or skipped (with the reason)',
  }),
  platformEventName: Type.Union([Type.String(), Type.Null()]),
  attempts: Type.Integer(),
  lastError: Type.Union([Type.String(), Type.Null()]),
  nextAttemptAt: Type.Union([Type.String(), Type.Null()]),
  deliveredAt: Type.Union([Type.String(), Type.Null()]),
  matchQuality: Type.Union([Type.Object({ score: Type.Number(), hints: Type.Array(Type.String()) }), Type.Null()], {
    description: 'estimated 0-10 match quality for this destination, with hints',
  }),
  log: Type.Array(
    Type.Object({
      attempt: Type.Integer(),
      at: Type.String(),
      durationMs: Type.Integer(),
      outcome: Type.String(),
      httpStatus: Type.Union([Type.Integer(), Type.Null()]),
      request: Type.Unknown({ description: 'redacted request (credentials and raw PII removed)' }),
      response: Type.Union([Type.String(), Type.Null()]),
      error: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
});

const PreviewSchema = Type.Object({
  destinationId: Type.String(),
  destinationType: Type.String(),
  destinationName: Type.String(),
  send: Type.Boolean(),
  reason: Type.String(),
  platformEventName: Type.Union([Type.String(), Type.Null()]),
  request: Type.Union([
    Type.Object({
      method: Type.String(),
      url: Type.String(),
      headers: Type.Record(Type.String(), Type.String()),
      body: Type.Unknown(),
    }),
    Type.Null(),
  ]),
});

export async function deliveryRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const read = requireScope(ctx, 'read');
  const admin = requireScope(ctx, 'admin');
  const tags = ['deliveries'];
  const EventParams = Type.Object({ id: Type.String() });

  app.get(
    '/api/v1/events/:id/deliveries',
    {
      preHandler: read,
      schema: {
        tags,
        summary: "An event's deliveries with their redacted request/response log",
        params: EventParams,
        response: { 200: Type.Object({ data: Type.Array(DeliverySchema) }), ...errorResponses },
      },
    },
    async (request) => ({
      data: await deliveriesForEvent(ctx, principalOf(request).workspaceId, (request.params as { id: string }).id),
    }),
  );

  app.get(
    '/api/v1/events/:id/deliveries/preview',
    {
      preHandler: read,
      schema: {
        tags,
        summary: 'Dry run: the exact request each destination would get for this event (nothing is sent)',
        params: EventParams,
        response: { 200: Type.Object({ data: Type.Array(PreviewSchema) }), ...errorResponses },
      },
    },
    async (request) => ({
      data: await previewEvent(ctx, principalOf(request).workspaceId, (request.params as { id: string }).id),
    }),
  );

  app.post(
    '/api/v1/deliveries/replay',
    {
      preHandler: admin,
      schema: {
        tags,
        summary: 'Re-send failed deliveries matching a filter (delivered ones are never re-sent)',
        body: Type.Object(
          {
            destinationId: Type.Optional(Type.String()),
            since: Type.Optional(Type.String({ description: 'event time, ISO 8601 or unix' })),
            until: Type.Optional(Type.String()),
            eventName: Type.Optional(Type.String()),
            eventIds: Type.Optional(Type.Array(Type.String(), { maxItems: 1000 })),
            includeSkipped: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ replayed: Type.Integer() }), ...errorResponses },
      },
    },
    async (request) => {
      const body = request.body as {
        destinationId?: string;
        since?: string;
        until?: string;
        eventName?: string;
        eventIds?: string[];
        includeSkipped?: boolean;
      };
      return replayDeliveries(ctx, principalOf(request).workspaceId, {
        destinationId: body.destinationId,
        since: parseTime(body.since, 'since'),
        until: parseTime(body.until, 'until'),
        eventName: body.eventName,
        eventIds: body.eventIds,
        includeSkipped: body.includeSkipped,
      });
    },
  );
}
