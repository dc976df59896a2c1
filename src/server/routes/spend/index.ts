import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { importSpend, listSpend, type SpendInput } from '../../../attribution/spend.js';
import { isIsoDate } from '../../../attribution/timezones.js';
import type { AppContext } from '../../../context/context.js';
import { AppError } from '../../../errors/codes.js';
import { requireWorkspace } from '../../../workspaces/workspaces.js';
import { principalOf, requireScope } from '../../plugins/auth.js';
import { errorResponses } from '../schemas.js';

const OptionalText = Type.Optional(Type.Union([Type.String({ maxLength: 300 }), Type.Null()]));

const SpendRowSchema = Type.Object(
  {
    date: Type.String({ description: 'YYYY-MM-DD in the workspace timezone' }),
    platform: Type.String({ description: 'meta, google, tiktok, linkedin, microsoft or other' }),
    campaignId: OptionalText,
    campaignName: OptionalText,
    adsetId: OptionalText,
    adsetName: OptionalText,
    adId: OptionalText,
    adName: OptionalText,
    spend: Type.Number({ minimum: 0, description: 'major units, e.g. 12.34' }),
    impressions: Type.Optional(Type.Integer({ minimum: 0 })),
    clicks: Type.Optional(Type.Integer({ minimum: 0 })),
    currency: Type.Optional(Type.String({ description: 'ISO 4217; default the workspace currency' })),
  },
  { additionalProperties: false },
);

const SpendRecordSchema = Type.Object({
  date: Type.String(),
  platform: Type.String(),
  campaignId: Type.Union([Type.String(), Type.Null()]),
  campaignName: Type.Union([Type.String(), Type.Null()]),
  adsetId: Type.Union([Type.String(), Type.Null()]),
  adsetName: Type.Union([Type.String(), Type.Null()]),
  adId: Type.Union([Type.String(), Type.Null()]),
  adName: Type.Union([Type.String(), Type.Null()]),
  spend: Type.Number(),
  impressions: Type.Number(),
  clicks: Type.Number(),
  currency: Type.String(),
});

export async function spendRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const db = ctx.storage.db;
  app.post(
    '/api/v1/spend',
    {
      preHandler: requireScope(ctx, 'admin'),
      schema: {
        tags: ['spend'],
        summary: 'Import ad spend (one row per day and ad object; re-importing a day replaces it)',
        body: Type.Object(
          { rows: Type.Array(SpendRowSchema, { minItems: 1, maxItems: 10_000 }) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ imported: Type.Integer() }), ...errorResponses },
      },
    },
    async (request) => {
      const workspace = await requireWorkspace(db, principalOf(request).workspaceId);
      const { rows } = request.body as { rows: SpendInput[] };
      return importSpend(db, workspace.id, workspace.currency, rows, ctx.clock.now());
    },
  );

  app.get(
    '/api/v1/spend',
    {
      preHandler: requireScope(ctx, 'read'),
      schema: {
        tags: ['spend'],
        summary: 'Ad spend rows of a period',
        querystring: Type.Object({ from: Type.String(), to: Type.String() }),
        response: { 200: Type.Object({ data: Type.Array(SpendRecordSchema) }), ...errorResponses },
      },
    },
    async (request) => {
      const { from, to } = request.query as { from: string; to: string };
      if (!isIsoDate(from)) throw new AppError('validation_failed', 'from must be YYYY-MM-DD', 'from');
      if (!isIsoDate(to)) throw new AppError('validation_failed', 'to must be YYYY-MM-DD', 'to');
      return { data: await listSpend(db, principalOf(request).workspaceId, from, to) };
    },
  );
}
