import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../../../context/context.js';
import { getEvent, listEvents } from '../../../ingest/stored-events.js';
import { principalOf, requireScope } from '../../plugins/auth.js';
import { parseLimit, parseSince } from '../events-log/index.js';
import { errorResponses } from '../schemas.js';

const Json = Type.Record(Type.String(), Type.Unknown());
const EventSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  isCanonical: Type.Boolean(),
  originalName: Type.String(),
  source: Type.String(),
  occurredAt: Type.String(),
  receivedAt: Type.String(),
  value: Type.Union([Type.Number(), Type.Null()], { description: 'decimal, in major units of currency' }),
  currency: Type.Union([Type.String(), Type.Null()]),
  personId: Type.Union([Type.String(), Type.Null()]),
  dedupKey: Type.String(),
  requestId: Type.String(),
  doNotForward: Type.Boolean(),
  userData: Json,
  clickIds: Json,
  context: Json,
  properties: Json,
});

export async function eventRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const read = requireScope(ctx, 'read');

  app.get(
    '/api/v1/events',
    {
      preHandler: read,
      schema: {
        tags: ['events'],
        summary: 'Stored events, newest first (filters: canonical name, source, person, since/until)',
        querystring: Type.Object({
          name: Type.Optional(Type.String({ maxLength: 256 })),
          source: Type.Optional(Type.String({ maxLength: 64 })),
          personId: Type.Optional(Type.String({ maxLength: 128 })),
          since: Type.Optional(Type.String({ maxLength: 64 })),
          until: Type.Optional(Type.String({ maxLength: 64 })),
          cursor: Type.Optional(Type.String({ maxLength: 64 })),
          limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$' })),
        }),
        response: {
          200: Type.Object({ data: Type.Array(EventSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const q = request.query as {
        name?: string;
        source?: string;
        personId?: string;
        since?: string;
        until?: string;
        cursor?: string;
        limit?: string;
      };
      return listEvents(ctx, principalOf(request).workspaceId, {
        name: q.name,
        source: q.source,
        personId: q.personId,
        since: parseSince(q.since),
        until: parseSince(q.until, 'until'),
        cursor: q.cursor,
        limit: parseLimit(q.limit),
      });
    },
  );

  app.get(
    '/api/v1/events/:id',
    {
      preHandler: read,
      schema: {
        tags: ['events'],
        summary: 'One stored event: canonical and original name, time, value, person, source, dedup key, request',
        params: Type.Object({ id: Type.String({ maxLength: 128 }) }),
        response: { 200: EventSchema, ...errorResponses },
      },
    },
    async (request) => getEvent(ctx, principalOf(request).workspaceId, (request.params as { id: string }).id),
  );
}
