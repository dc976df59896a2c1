import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../../../context/context.js';
import {
  createDestination,
  deleteDestination,
  getDestination,
  listDestinations,
  testDestination,
  updateDestination,
} from '../../../delivery/destinations.js';
import { matchQualityReport } from '../../../delivery/match-quality.js';
import { loadPrivacy, savePrivacy } from '../../../delivery/privacy.js';
import { DESTINATION_KINDS } from '../../../destinations/types.js';
import { AppError } from '../../../errors/codes.js';
import { principalOf, requireScope } from '../../plugins/auth.js';
import { errorResponses } from '../schemas.js';

const TypeSchema = Type.Union(DESTINATION_KINDS.map((k) => Type.Literal(k)));
const Overrides = Type.Record(Type.String(), Type.String());

const DestinationSchema = Type.Object({
  id: Type.String(),
  type: Type.String(),
  name: Type.String(),
  enabled: Type.Boolean(),
  config: Type.Record(Type.String(), Type.Unknown(), { description: 'Configuration; credentials are masked' }),
  eventNameOverrides: Overrides,
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

const PrivacySchema = Type.Object({
  limitedDataUse: Type.Boolean({ description: 'Meta data_processing_options ["LDU"] and TikTok limited_data_use' }),
  ldpCountry: Type.Integer({ description: 'Meta LDU country: 1 = USA, 0 = geolocate' }),
  ldpState: Type.Integer({ description: 'Meta LDU state: 1000 = California, 0 = geolocate' }),
  stripIpUserAgent: Type.Boolean({ description: 'never send IP address or user agent to any destination' }),
});

const IdParams = Type.Object({ destinationId: Type.String() });

function parseTime(value: string | undefined, field: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) * (value.length <= 10 ? 1000 : 1) : Date.parse(value);
  if (Number.isNaN(ms))
    throw new AppError('validation_failed', `${field} must be an ISO 8601 time or a unix timestamp`, field);
  return ms;
}

export async function destinationRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const admin = requireScope(ctx, 'admin');
  const read = requireScope(ctx, 'read');
  const tags = ['destinations'];

  app.post(
    '/api/v1/destinations',
    {
      preHandler: admin,
      schema: {
        tags,
        summary: 'Add a destination (Meta, Google Ads, LinkedIn, TikTok, Microsoft, webhook, warehouse)',
        description:
          'Credentials in `config` are stored encrypted (AES-256-GCM) and never shown again. `config.baseUrl` points a platform at another host.',
        body: Type.Object(
          {
            type: TypeSchema,
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            enabled: Type.Optional(Type.Boolean()),
            config: Type.Record(Type.String(), Type.Unknown()),
            eventNameOverrides: Type.Optional(Overrides),
          },
          { additionalProperties: false },
        ),
        response: { 201: DestinationSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const body = request.body as {
        type: string;
        name?: string;
        enabled?: boolean;
        config: unknown;
        eventNameOverrides?: Record<string, string>;
      };
      const created = await createDestination(ctx, principalOf(request).workspaceId, body);
      return reply.status(201).send(created);
    },
  );

  app.get(
    '/api/v1/destinations',
    {
      preHandler: read,
      schema: {
        tags,
        summary: 'Destinations of the workspace',
        response: { 200: Type.Object({ data: Type.Array(DestinationSchema) }), ...errorResponses },
      },
    },
    async (request) => ({ data: await listDestinations(ctx, principalOf(request).workspaceId) }),
  );

  app.get(
    '/api/v1/destinations/:destinationId',
    {
      preHandler: read,
      schema: {
        tags,
        summary: 'One destination',
        params: IdParams,
        response: { 200: DestinationSchema, ...errorResponses },
      },
    },
    async (request) =>
      getDestination(
        ctx,
        principalOf(request).workspaceId,
        (request.params as { destinationId: string }).destinationId,
      ),
  );

  app.patch(
    '/api/v1/destinations/:destinationId',
    {
      preHandler: admin,
      schema: {
        tags,
        summary: 'Rename, enable/disable, or change config (merged: omitted credentials are kept)',
        params: IdParams,
        body: Type.Object(
          {
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            enabled: Type.Optional(Type.Boolean()),
            config: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
            eventNameOverrides: Type.Optional(Overrides),
          },
          { additionalProperties: false },
        ),
        response: { 200: DestinationSchema, ...errorResponses },
      },
    },
    async (request) => {
      const body = request.body as {
        name?: string;
        enabled?: boolean;
        config?: Record<string, unknown>;
        eventNameOverrides?: Record<string, string>;
      };
      return updateDestination(
        ctx,
        principalOf(request).workspaceId,
        (request.params as { destinationId: string }).destinationId,
        body,
      );
    },
  );

  app.delete(
    '/api/v1/destinations/:destinationId',
    {
      preHandler: admin,
      schema: {
        tags,
        summary: 'Remove a destination (pending deliveries are skipped)',
        params: IdParams,
        response: { 200: DestinationSchema, ...errorResponses },
      },
    },
    async (request) =>
      deleteDestination(
        ctx,
        principalOf(request).workspaceId,
        (request.params as { destinationId: string }).destinationId,
      ),
  );

  app.post(
    '/api/v1/destinations/:destinationId/test',
    {
      preHandler: admin,
      schema: {
        tags,
        summary: 'Test the connection (credentials, account access) without sending conversions',
        params: IdParams,
        response: {
          200: Type.Object({ ok: Type.Boolean(), message: Type.String(), status: Type.Optional(Type.Integer()) }),
          ...errorResponses,
        },
      },
    },
    async (request) =>
      testDestination(
        ctx,
        principalOf(request).workspaceId,
        (request.params as { destinationId: string }).destinationId,
      ),
  );

  app.get(
    '/api/v1/destinations/:destinationId/match-quality',
    {
      preHandler: read,
      schema: {
        tags,
        summary: 'Event match quality (0-10) per event name, with hints',
        params: IdParams,
        querystring: Type.Object({ since: Type.Optional(Type.String()), until: Type.Optional(Type.String()) }),
        response: {
          200: Type.Object({
            destinationId: Type.String(),
            type: Type.String(),
            eventNames: Type.Array(
              Type.Object({
                eventName: Type.String(),
                events: Type.Integer(),
                averageScore: Type.Number(),
                coverage: Type.Record(Type.String(), Type.Number()),
                hints: Type.Array(Type.String()),
              }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const q = request.query as { since?: string; until?: string };
      return matchQualityReport(ctx, principalOf(request).workspaceId, {
        destinationId: (request.params as { destinationId: string }).destinationId,
        since: parseTime(q.since, 'since'),
        until: parseTime(q.until, 'until'),
      });
    },
  );

  app.get(
    '/api/v1/delivery/privacy',
    {
      preHandler: read,
      schema: {
        tags,
        summary: 'Privacy controls applied to every destination',
        response: { 200: PrivacySchema, ...errorResponses },
      },
    },
    async (request) => loadPrivacy(ctx.storage.db, principalOf(request).workspaceId),
  );

  app.put(
    '/api/v1/delivery/privacy',
    {
      preHandler: admin,
      schema: {
        tags,
        summary: 'Change privacy controls',
        body: Type.Partial(PrivacySchema, { additionalProperties: false }),
        response: { 200: PrivacySchema, ...errorResponses },
      },
    },
    async (request) =>
      savePrivacy(
        ctx.storage.db,
        principalOf(request).workspaceId,
        request.body as Record<string, never>,
        ctx.clock.now(),
      ),
  );
}

export { parseTime };
