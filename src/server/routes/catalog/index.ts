import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../../../context/context.js';
import { AppError } from '../../../errors/codes.js';
import type { IngestSurface } from '../../../events/aliases.js';
import { listChanges } from '../../../events/audit.js';
import { catalogView } from '../../../events/catalog-view.js';
import {
  archiveCustomEvent,
  type CustomEventInput,
  defineCustomEvent,
  getCustomEvent,
  loadCustomEvents,
  updateCustomEvent,
} from '../../../events/custom-events.js';
import { explainRoute } from '../../../events/explain.js';
import { changeRoute, type RouteChange, routingView } from '../../../events/routing-policy.js';
import { invalidateWorkspaceCache } from '../../../ingest/workspace-cache.js';
import { principalOf, requireScope } from '../../plugins/auth.js';
import { errorResponses } from '../schemas.js';
import {
  AuditPageSchema,
  CatalogEventSchema,
  CreateCustomEventBody,
  CustomEventSchema,
  ExplainSchema,
  RouteChangeBody,
  RouteChangeResponse,
  RoutingViewSchema,
  SurfaceSchema,
  UpdateCustomEventBody,
} from './schemas.js';

const KeyParams = Type.Object({ key: Type.String({ minLength: 1, maxLength: 100 }) });

/** Catalog, route explanation, custom events and routing policy (issue 4). */
export async function catalogRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const db = ctx.storage.db;
  const read = requireScope(ctx, 'read');
  const admin = requireScope(ctx, 'admin');

  app.get(
    '/api/v1/catalog',
    {
      preHandler: read,
      schema: {
        tags: ['catalog'],
        summary: 'Canonical events by funnel stage, their aliases and where each goes in this workspace',
        response: {
          200: Type.Object({
            stages: Type.Array(
              Type.Object({ stage: Type.String(), count: Type.Integer(), extensions: Type.Integer() }),
            ),
            events: Type.Array(CatalogEventSchema),
            customEvents: Type.Array(CustomEventSchema),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => catalogView(db, principalOf(request).workspaceId),
  );

  app.get(
    '/api/v1/catalog/route',
    {
      preHandler: read,
      schema: {
        tags: ['catalog'],
        summary: 'Explain one incoming event name: the event it becomes and what each destination kind receives',
        querystring: Type.Object({
          event: Type.String({ minLength: 1, maxLength: 200 }),
          surface: Type.Optional(SurfaceSchema),
        }),
        response: { 200: ExplainSchema, ...errorResponses },
      },
    },
    async (request) => {
      const query = request.query as { event: string; surface?: IngestSurface };
      return explainRoute(db, principalOf(request).workspaceId, query.event, query.surface ?? 'capture');
    },
  );

  app.get(
    '/api/v1/custom-events',
    {
      preHandler: read,
      schema: {
        tags: ['custom events'],
        summary: 'Custom events of the workspace (archived ones with includeArchived=true)',
        querystring: Type.Object({
          includeArchived: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
        }),
        response: { 200: Type.Object({ data: Type.Array(CustomEventSchema) }), ...errorResponses },
      },
    },
    async (request) => {
      const { includeArchived } = request.query as { includeArchived?: 'true' | 'false' };
      const all = await loadCustomEvents(db, principalOf(request).workspaceId);
      return { data: includeArchived === 'true' ? all : all.filter((d) => !d.archived) };
    },
  );

  app.get(
    '/api/v1/custom-events/:key',
    {
      preHandler: read,
      schema: {
        tags: ['custom events'],
        summary: 'One custom event',
        params: KeyParams,
        response: { 200: CustomEventSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { key } = request.params as { key: string };
      const def = await getCustomEvent(db, principalOf(request).workspaceId, key);
      if (def === undefined) throw new AppError('not_found', `no custom event "${key}" in this workspace`, 'key');
      return def;
    },
  );

  app.post(
    '/api/v1/custom-events',
    {
      preHandler: admin,
      schema: {
        tags: ['custom events'],
        summary: 'Define a custom event (key, display name, custom_event_N slot, default value, tags, platform names)',
        body: CreateCustomEventBody,
        response: { 201: CustomEventSchema, 409: errorResponses[404], ...errorResponses },
      },
    },
    async (request, reply) => {
      const { key, ...input } = request.body as { key: string } & CustomEventInput;
      const principal = principalOf(request);
      const def = await defineCustomEvent(db, principal.workspaceId, key, input, principal.actor, ctx.clock.now());
      invalidateWorkspaceCache(ctx, principal.workspaceId);
      return reply.status(201).send(def);
    },
  );

  app.patch(
    '/api/v1/custom-events/:key',
    {
      preHandler: admin,
      schema: {
        tags: ['custom events'],
        summary: 'Change a custom event; archived: false restores an archived one',
        params: KeyParams,
        body: UpdateCustomEventBody,
        response: { 200: CustomEventSchema, 409: errorResponses[404], ...errorResponses },
      },
    },
    async (request) => {
      const { key } = request.params as { key: string };
      const principal = principalOf(request);
      const input = request.body as CustomEventInput;
      const def = await updateCustomEvent(db, principal.workspaceId, key, input, principal.actor, ctx.clock.now());
      invalidateWorkspaceCache(ctx, principal.workspaceId);
      return def;
    },
  );

  app.delete(
    '/api/v1/custom-events/:key',
    {
      preHandler: admin,
      schema: {
        tags: ['custom events'],
        summary: 'Archive a custom event (kept for history; its slot is freed)',
        params: KeyParams,
        response: { 200: CustomEventSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { key } = request.params as { key: string };
      const principal = principalOf(request);
      const def = await archiveCustomEvent(db, principal.workspaceId, key, principal.actor, ctx.clock.now());
      invalidateWorkspaceCache(ctx, principal.workspaceId);
      return def;
    },
  );

  app.get(
    '/api/v1/routing',
    {
      preHandler: read,
      schema: {
        tags: ['routing'],
        summary: 'Routing overrides, platform-name overrides and the effective decision per event and destination kind',
        response: { 200: RoutingViewSchema, ...errorResponses },
      },
    },
    async (request) => routingView(db, principalOf(request).workspaceId),
  );

  app.put(
    '/api/v1/routing',
    {
      preHandler: admin,
      schema: {
        tags: ['routing'],
        summary: 'Enable/disable one event for a destination kind or id, or set its platform event name (audited)',
        body: RouteChangeBody,
        response: { 200: RouteChangeResponse, ...errorResponses },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const change = request.body as RouteChange;
      return changeRoute(db, principal.workspaceId, change, principal.actor, ctx.clock.now());
    },
  );

  app.get(
    '/api/v1/routing/audit',
    {
      preHandler: read,
      schema: {
        tags: ['routing'],
        summary: 'Every routing, platform-name and custom event change: who, when, before and after (newest first)',
        querystring: Type.Object({
          limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$' })),
          before: Type.Optional(Type.String({ maxLength: 100 })),
          event: Type.Optional(Type.String({ maxLength: 200 })),
        }),
        response: { 200: AuditPageSchema, ...errorResponses },
      },
    },
    async (request) => {
      const query = request.query as { limit?: string; before?: string; event?: string };
      const limit = Math.min(Math.max(Number(query.limit ?? 50), 1), 500);
      return listChanges(db, principalOf(request).workspaceId, { limit, before: query.before, event: query.event });
    },
  );
}
