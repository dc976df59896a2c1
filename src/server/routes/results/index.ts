import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { MODELS, WINDOWS } from '../../../attribution/models.js';
import { parseReportQuery } from '../../../attribution/report.js';
import { listResultEvents, resultsPage } from '../../../attribution/results.js';
import type { AppContext } from '../../../context/context.js';
import { AppError } from '../../../errors/codes.js';
import { requireWorkspace } from '../../../workspaces/workspaces.js';
import { principalOf, requireScope } from '../../plugins/auth.js';
import { errorResponses } from '../schemas.js';

const Names = Type.Union([Type.String(), Type.Array(Type.String())]);
const NullableString = Type.Union([Type.String(), Type.Null()]);

const ResultsQuery = Type.Object({
  from: Type.String({ description: 'first day (YYYY-MM-DD) in `timezone`' }),
  to: Type.String({ description: 'last day (YYYY-MM-DD), inclusive' }),
  model: Type.Optional(Type.Union(MODELS.map((m) => Type.Literal(m)))),
  window: Type.Optional(Type.Union(WINDOWS.map((w) => Type.Literal(w)))),
  timezone: Type.Optional(Type.String({ description: 'IANA zone; must match the workspace to compare numbers' })),
  'events[]': Type.Optional(Names),
  events: Type.Optional(Names),
  groupBy: Type.Optional(Type.Literal('ad')),
  sourceSpecific: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
  creditDate: Type.Optional(Type.Union([Type.Literal('conversion'), Type.Literal('click')])),
  cursor: Type.Optional(Type.String()),
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$', description: 'rows per page, 1-5000 (default 1000)' })),
  updated_since: Type.Optional(Type.String({ description: 'ISO 8601 time or epoch ms: only days changed since' })),
});

const ResultRowSchema = Type.Object({
  date: Type.String(),
  event: Type.String(),
  platform: Type.String(),
  campaignId: NullableString,
  campaignName: NullableString,
  adsetId: NullableString,
  adsetName: NullableString,
  adId: Type.String(),
  adName: NullableString,
  conversions: Type.Number(),
  revenue: Type.Number(),
  updatedAt: Type.String(),
});

function parseSince(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms))
    throw new AppError('validation_failed', 'updated_since must be ISO 8601 or epoch ms', 'updated_since');
  return ms;
}

/** The results API other tools sync from (read-scoped tokens). */
export async function resultsRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const db = ctx.storage.db;
  const read = requireScope(ctx, 'read');

  app.get(
    '/public-api/v1/results/events',
    {
      preHandler: read,
      schema: {
        tags: ['results'],
        summary: 'Standard and custom events with their counts',
        response: {
          200: Type.Object({
            data: Type.Array(
              Type.Object({
                name: Type.String(),
                displayName: Type.String(),
                type: Type.Union([Type.Literal('standard'), Type.Literal('custom')]),
                count: Type.Integer(),
              }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => ({ data: await listResultEvents(db, principalOf(request).workspaceId) }),
  );

  app.get(
    '/public-api/v1/results',
    {
      preHandler: read,
      schema: {
        tags: ['results'],
        summary:
          'Attributed conversions and revenue per ad per day (stable cursor, updated_since for incremental syncs)',
        querystring: ResultsQuery,
        response: {
          200: Type.Object({
            timezone: Type.String(),
            currency: Type.String(),
            model: Type.String(),
            window: Type.String(),
            sourceSpecific: Type.Boolean(),
            events: Type.Array(Type.String()),
            data: Type.Array(ResultRowSchema),
            nextCursor: NullableString,
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const q = request.query as Record<string, unknown> & { limit?: string; cursor?: string; updated_since?: string };
      const limit = q.limit === undefined ? 1000 : Number(q.limit);
      if (limit < 1 || limit > 5000) throw new AppError('validation_failed', 'limit must be 1 to 5000', 'limit');
      const workspace = await requireWorkspace(db, principalOf(request).workspaceId);
      const events = [q['events[]'], q.events].flat().filter((e): e is string => typeof e === 'string');
      const query = parseReportQuery(
        {
          from: q.from as string,
          to: q.to as string,
          model: q.model as string | undefined,
          window: q.window as string | undefined,
          timezone: q.timezone as string | undefined,
          events,
          groupBy: 'ad',
          sourceSpecific: q.sourceSpecific as string | undefined,
          creditDate: q.creditDate as string | undefined,
        },
        workspace,
        ['ad'],
      );
      const page = await resultsPage(db, workspace, query, {
        cursor: q.cursor,
        limit,
        updatedSince: parseSince(q.updated_since),
      });
      return { ...page, data: page.data.map((r) => ({ ...r, updatedAt: new Date(r.updatedAt).toISOString() })) };
    },
  );
}
