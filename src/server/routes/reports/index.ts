import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { cohortReport } from '../../../attribution/cohorts.js';
import { MODELS, WINDOWS } from '../../../attribution/models.js';
import { attributionReport, GROUP_BY, parseReportQuery, type RawReportQuery } from '../../../attribution/report.js';
import { isIsoDate } from '../../../attribution/timezones.js';
import type { AppContext } from '../../../context/context.js';
import { AppError } from '../../../errors/codes.js';
import { isValidTimezone } from '../../../workspaces/validate.js';
import { requireWorkspace } from '../../../workspaces/workspaces.js';
import { principalOf, requireScope } from '../../plugins/auth.js';
import { errorResponses } from '../schemas.js';

const Nullable = <T extends ReturnType<typeof Type.Number> | ReturnType<typeof Type.String>>(t: T) =>
  Type.Union([t, Type.Null()]);

export const ReportQuerySchema = Type.Object({
  from: Type.String({ description: 'first day (YYYY-MM-DD) in `timezone`' }),
  to: Type.String({ description: 'last day (YYYY-MM-DD), inclusive' }),
  model: Type.Optional(Type.Union(MODELS.map((m) => Type.Literal(m)))),
  window: Type.Optional(
    Type.Union(
      WINDOWS.map((w) => Type.Literal(w)),
      { description: 'lookback before each conversion' },
    ),
  ),
  timezone: Type.Optional(Type.String({ description: 'IANA zone; default the workspace timezone' })),
  events: Type.Optional(
    Type.Union([Type.String(), Type.Array(Type.String())], {
      description: 'event names, comma separated; default Purchase',
    }),
  ),
  groupBy: Type.Optional(Type.Union(GROUP_BY.map((g) => Type.Literal(g)))),
  sourceSpecific: Type.Optional(
    Type.Union([Type.Literal('true'), Type.Literal('false')], { description: 'only paid ad touches take credit' }),
  ),
  creditDate: Type.Optional(Type.Union([Type.Literal('conversion'), Type.Literal('click')])),
  halfLifeDays: Type.Optional(Type.String({ pattern: '^[0-9]+(\\.[0-9]+)?$', description: 'time decay half-life' })),
  order: Type.Optional(
    Type.Union([Type.Literal('1'), Type.Literal('2'), Type.Literal('3')], { description: 'Markov order' }),
  ),
});

const RowSchema = Type.Object({
  key: Type.String(),
  label: Type.String(),
  channel: Nullable(Type.String()),
  platform: Nullable(Type.String()),
  campaignId: Nullable(Type.String()),
  adsetId: Nullable(Type.String()),
  adId: Nullable(Type.String()),
  date: Nullable(Type.String()),
  conversions: Type.Number(),
  revenue: Type.Number(),
  newCustomers: Type.Number(),
  returningCustomers: Type.Number(),
  firstPurchaseRevenue: Type.Number(),
  spend: Type.Number(),
  impressions: Type.Number(),
  clicks: Type.Number(),
  cpa: Nullable(Type.Number()),
  roas: Nullable(Type.Number()),
  cac: Nullable(Type.Number()),
});

const ReportSchema = Type.Object({
  timezone: Type.String(),
  currency: Type.String(),
  from: Type.String(),
  to: Type.String(),
  model: Type.String(),
  window: Type.String(),
  sourceSpecific: Type.Boolean(),
  creditDate: Type.String(),
  events: Type.Array(Type.String()),
  groupBy: Type.String(),
  rows: Type.Array(RowSchema),
  totals: Type.Object({
    conversions: Type.Number(),
    attributedConversions: Type.Number(),
    unattributedConversions: Type.Number(),
    revenue: Type.Number(),
    newCustomers: Type.Number(),
    firstPurchaseRevenue: Type.Number(),
    spend: Type.Number(),
    cpa: Nullable(Type.Number()),
    roas: Nullable(Type.Number()),
    cac: Nullable(Type.Number()),
    mer: Nullable(Type.Number()),
  }),
});

export async function reportRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const db = ctx.storage.db;
  app.get(
    '/api/v1/reports/attribution',
    {
      preHandler: requireScope(ctx, 'read'),
      schema: {
        tags: ['reports'],
        summary: 'Attributed conversions, revenue, new vs returning customers and spend metrics (CPA, ROAS, CAC, MER)',
        querystring: ReportQuerySchema,
        response: { 200: ReportSchema, ...errorResponses },
      },
    },
    async (request) => {
      const workspace = await requireWorkspace(db, principalOf(request).workspaceId);
      const query = parseReportQuery(request.query as RawReportQuery, workspace);
      return attributionReport(db, workspace, query);
    },
  );

  app.get(
    '/api/v1/reports/cohorts',
    {
      preHandler: requireScope(ctx, 'read'),
      schema: {
        tags: ['reports'],
        summary:
          'Customers acquired in a period, by the campaign or ad of their first touch: MRR, expansion, churn, reactivation, net revenue',
        querystring: Type.Object({
          from: Type.String(),
          to: Type.String(),
          timezone: Type.Optional(Type.String()),
          groupBy: Type.Optional(Type.Union([Type.Literal('campaign'), Type.Literal('ad')])),
        }),
        response: {
          200: Type.Object({
            timezone: Type.String(),
            currency: Type.String(),
            from: Type.String(),
            to: Type.String(),
            groupBy: Type.String(),
            rows: Type.Array(
              Type.Object({
                key: Type.String(),
                label: Type.String(),
                platform: Nullable(Type.String()),
                channel: Nullable(Type.String()),
                campaignId: Nullable(Type.String()),
                adId: Nullable(Type.String()),
                customers: Type.Integer(),
                mrr: Type.Number(),
                newMrr: Type.Number(),
                expansionMrr: Type.Number(),
                churnedMrr: Type.Number(),
                reactivatedMrr: Type.Number(),
                netRevenue: Type.Number(),
              }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const q = request.query as { from: string; to: string; timezone?: string; groupBy?: 'campaign' | 'ad' };
      const workspace = await requireWorkspace(db, principalOf(request).workspaceId);
      if (!isIsoDate(q.from)) throw new AppError('validation_failed', 'from must be YYYY-MM-DD', 'from');
      if (!isIsoDate(q.to) || q.to < q.from)
        throw new AppError('validation_failed', 'to must be a date on or after from', 'to');
      const timezone = q.timezone ?? workspace.timezone;
      if (!isValidTimezone(timezone))
        throw new AppError('validation_failed', 'timezone must be an IANA zone name', 'timezone');
      return cohortReport(db, workspace, { from: q.from, to: q.to, timezone, groupBy: q.groupBy ?? 'campaign' });
    },
  );
}
