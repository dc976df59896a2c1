import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../../../context/context.js';
import {
  type AliasKind,
  addAlias,
  findPeople,
  getJourney,
  getPerson,
  mergePeopleByOperator,
} from '../../../identity/people.js';
import { principalOf, requireScope } from '../../plugins/auth.js';
import { errorResponses } from '../schemas.js';

const Nullable = (schema: ReturnType<typeof Type.String>) => Type.Union([schema, Type.Null()]);
const NStr = Nullable(Type.String());

const Person = Type.Object({
  id: Type.String(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  mergedFrom: Type.Array(Type.String()),
  identifiers: Type.Array(
    Type.Object({
      kind: Type.String(),
      value: Type.String(),
      strength: Type.String(),
      source: Type.String(),
      firstSeenAt: Type.String(),
      lastSeenAt: Type.String(),
    }),
  ),
  merges: Type.Array(
    Type.Object({
      from: Type.String(),
      into: Type.String(),
      reason: Type.Record(Type.String(), Type.Unknown()),
      at: Type.String(),
    }),
  ),
});

const IdName = Type.Object({ id: NStr, name: NStr });
const Touchpoint = Type.Object({
  id: Type.String(),
  occurredAt: Type.String(),
  kind: Type.String(),
  channel: Type.String(),
  platform: Type.String(),
  campaign: IdName,
  adset: IdName,
  ad: IdName,
  utm: Type.Object({ source: NStr, medium: NStr, campaign: NStr, content: NStr, term: NStr }),
  clickIdType: NStr,
  clickId: NStr,
  referrer: NStr,
  landingUrl: NStr,
  eventId: NStr,
});
const JourneyEvent = Type.Object({
  id: Type.String(),
  name: Type.String(),
  source: Type.String(),
  occurredAt: Type.String(),
  value: Type.Union([Type.Number(), Type.Null()]),
  currency: NStr,
  pageUrl: NStr,
});
const Journey = Type.Object({
  person: Person,
  touchpoints: Type.Array(Touchpoint),
  pageViews: Type.Array(JourneyEvent),
  events: Type.Array(JourneyEvent),
  revenue: Type.Array(Type.Object({ currency: Type.String(), valueMinor: Type.Number(), conversions: Type.Number() })),
  timeline: Type.Array(
    Type.Object({ type: Type.String(), at: Type.String(), id: Type.String(), summary: Type.String() }),
  ),
});

const PersonParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

/** People and their journeys (read), and the operators' merge (admin). */
export async function peopleRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const db = ctx.storage.db;
  const read = requireScope(ctx, 'read');

  app.get(
    '/api/v1/people',
    {
      preHandler: read,
      schema: {
        tags: ['people'],
        summary: 'Find people by email, visitor id (the pixel token) or external id',
        querystring: Type.Object(
          {
            email: Type.Optional(Type.String({ minLength: 1, maxLength: 320 })),
            visitorId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
            externalId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ data: Type.Array(Person) }), ...errorResponses },
      },
    },
    async (request) => {
      const query = request.query as { email?: string; visitorId?: string; externalId?: string };
      return { data: await findPeople(db, principalOf(request).workspaceId, query) };
    },
  );

  app.get(
    '/api/v1/people/:id',
    {
      preHandler: read,
      schema: {
        tags: ['people'],
        summary: 'A person with identifiers and merge history (a merged-away id resolves to the survivor)',
        params: PersonParams,
        response: { 200: Person, ...errorResponses },
      },
    },
    async (request) => getPerson(db, principalOf(request).workspaceId, (request.params as { id: string }).id),
  );

  app.get(
    '/api/v1/people/:id/journey',
    {
      preHandler: read,
      schema: {
        tags: ['people'],
        summary:
          'Touchpoints (clicks with platform, channel, campaign, ad), page views, events and revenue, oldest first',
        params: PersonParams,
        response: { 200: Journey, ...errorResponses },
      },
    },
    async (request) => getJourney(db, principalOf(request).workspaceId, (request.params as { id: string }).id),
  );

  app.post(
    '/api/v1/people/merge',
    {
      preHandler: requireScope(ctx, 'admin'),
      schema: {
        tags: ['people'],
        summary: 'Merge one person into another (operator override of the automatic guards; recorded)',
        body: Type.Object(
          {
            from: Type.String({ minLength: 1, maxLength: 64 }),
            into: Type.String({ minLength: 1, maxLength: 64 }),
            note: Type.Optional(Type.String({ maxLength: 500 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Person, ...errorResponses, 409: errorResponses[404] },
      },
    },
    async (request) => {
      const body = request.body as { from: string; into: string; note?: string };
      return mergePeopleByOperator(ctx, principalOf(request).workspaceId, body);
    },
  );

  app.post(
    '/api/v1/people/:id/identifiers',
    {
      preHandler: requireScope(ctx, 'admin'),
      schema: {
        tags: ['people'],
        summary: 'Alias: attach an identifier (email, phone, external id, visitor id, Stripe or CRM id) to a person',
        params: PersonParams,
        body: Type.Object(
          {
            kind: Type.Union(
              (['email', 'phone', 'external_id', 'visitor_id', 'stripe_customer', 'crm_contact'] as const).map((k) =>
                Type.Literal(k),
              ),
            ),
            value: Type.String({ minLength: 1, maxLength: 320 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Person, ...errorResponses, 409: errorResponses[404] },
      },
    },
    async (request) => {
      const body = request.body as { kind: AliasKind; value: string };
      return addAlias(ctx, principalOf(request).workspaceId, (request.params as { id: string }).id, body);
    },
  );
}
