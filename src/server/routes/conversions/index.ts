import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../../../context/context.js';
import { acceptItems } from '../../../ingest/accept.js';
import { getEvent } from '../../../ingest/stored-events.js';
import {
  type ConversionEvent,
  ConversionEvent as ConversionSchema,
  type DubLead,
  DubLead as DubLeadSchema,
  type DubSale,
  DubSale as DubSaleSchema,
  fromConversion,
  fromDubLead,
  fromDubSale,
} from '../../../ingest/surfaces/conversions.js';
import { ingestGate, registerIngestScope, SINGLE_EVENT_LIMIT, workspaceOf } from '../ingest/gate.js';
import { singleOutcome } from '../ingest/index.js';
import { ErrorResponse, errorResponses } from '../schemas.js';

const Result = Type.Object({ id: Type.String(), status: Type.String(), request_id: Type.String() });
const Customer = {
  name: Type.Union([Type.String(), Type.Null()]),
  email: Type.Union([Type.String(), Type.Null()]),
  avatar: Type.Union([Type.String(), Type.Null()]),
  externalId: Type.Union([Type.String(), Type.Null()]),
};
const DubLeadResponse = Type.Object({
  click: Type.Object({ id: Type.String() }),
  link: Type.Null(),
  customer: Type.Object(Customer),
  eventId: Type.String(),
  status: Type.String(),
});
const DubSaleResponse = Type.Object({
  eventName: Type.String(),
  customer: Type.Object({ id: Type.String(), ...Customer }),
  sale: Type.Object({
    amount: Type.Integer(),
    currency: Type.String(),
    paymentProcessor: Type.String(),
    invoiceId: Type.Union([Type.String(), Type.Null()]),
    metadata: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  }),
  eventId: Type.String(),
  status: Type.String(),
});
const errors = { ...errorResponses, 413: ErrorResponse, 415: ErrorResponse, 429: ErrorResponse };

/** Lead/sale conversions, and the same semantics with Dub's field names at /track/lead and /track/sale. */
export async function conversionRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  registerIngestScope(app, ctx, (url) => (url.startsWith('/track/') ? 'dub' : 'conversions'));
  const gate = ingestGate(ctx);

  app.post(
    '/api/v1/conversions',
    {
      onRequest: gate,
      bodyLimit: SINGLE_EVENT_LIMIT,
      schema: {
        tags: ['ingest'],
        summary: 'Send a lead or a sale (sale dedup: invoiceId; lead dedup: customer + event)',
        body: ConversionSchema,
        response: { 202: Result, 200: Result, ...errors },
      },
    },
    async (request, reply) => {
      const principal = request.principal;
      if (principal === undefined) throw new Error('gate did not authenticate');
      const workspace = await workspaceOf(ctx, principal.workspaceId);
      const [outcome] = await acceptItems(ctx, workspace, [fromConversion(request.body as ConversionEvent)], {
        requestId: request.id,
        deferrable: true,
      });
      const { status, body } = singleOutcome(outcome, request.id);
      return reply.status(status).send(body);
    },
  );

  app.post(
    '/track/lead',
    {
      onRequest: gate,
      bodyLimit: SINGLE_EVENT_LIMIT,
      schema: {
        tags: ['ingest'],
        summary: 'Track a lead (Dub-compatible)',
        body: DubLeadSchema,
        response: { 200: DubLeadResponse, ...errors },
      },
    },
    async (request) => {
      const principal = request.principal;
      if (principal === undefined) throw new Error('gate did not authenticate');
      const workspace = await workspaceOf(ctx, principal.workspaceId);
      const body = request.body as DubLead;
      const [outcome] = await acceptItems(ctx, workspace, [fromDubLead(body)], {
        requestId: request.id,
        deferrable: true,
      });
      const { body: result } = singleOutcome(outcome, request.id);
      return {
        click: { id: body.clickId },
        link: null,
        customer: {
          name: body.customerName ?? null,
          email: body.customerEmail ?? null,
          avatar: body.customerAvatar ?? null,
          externalId: body.customerExternalId,
        },
        eventId: result.id,
        status: result.status,
      };
    },
  );

  app.post(
    '/track/sale',
    {
      onRequest: gate,
      bodyLimit: SINGLE_EVENT_LIMIT,
      schema: {
        tags: ['ingest'],
        summary: 'Track a sale (Dub-compatible; amount in cents)',
        body: DubSaleSchema,
        response: { 200: DubSaleResponse, ...errors },
      },
    },
    async (request) => {
      const principal = request.principal;
      if (principal === undefined) throw new Error('gate did not authenticate');
      const workspace = await workspaceOf(ctx, principal.workspaceId);
      const body = request.body as DubSale;
      const [outcome] = await acceptItems(ctx, workspace, [fromDubSale(body, workspace.currency)], {
        requestId: request.id,
        deferrable: true,
      });
      const { body: result } = singleOutcome(outcome, request.id);
      const stored = await getEvent(ctx, workspace.id, result.id);
      return {
        eventName: body.eventName ?? 'Purchase',
        customer: {
          id: stored.personId ?? body.customerExternalId,
          name: body.customerName ?? null,
          email: body.customerEmail ?? null,
          avatar: body.customerAvatar ?? null,
          externalId: body.customerExternalId,
        },
        sale: {
          amount: body.amount,
          currency: (stored.currency ?? workspace.currency).toLowerCase(),
          paymentProcessor: body.paymentProcessor ?? 'custom',
          invoiceId: body.invoiceId ?? null,
          metadata: body.metadata ?? null,
        },
        eventId: result.id,
        status: result.status,
      };
    },
  );
}
