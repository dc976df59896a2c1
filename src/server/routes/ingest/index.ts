import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../../../context/context.js';
import { type AcceptOutcome, acceptItems } from '../../../ingest/accept.js';
import {
  CaptureBatch,
  type CaptureEvent,
  CaptureEvent as CaptureSchema,
  fromCapture,
} from '../../../ingest/surfaces/capture.js';
import { type CometlyEvent, CometlyEvent as CometlySchema, fromCometly } from '../../../ingest/surfaces/cometly.js';
import { ErrorResponse, errorResponses } from '../schemas.js';
import {
  BATCH_LIMIT,
  ingestGate,
  oversizedItem,
  registerIngestScope,
  SINGLE_EVENT_LIMIT,
  workspaceOf,
} from './gate.js';

const Accepted = Type.Object({ id: Type.String(), status: Type.Literal('accepted'), request_id: Type.String() });
const Duplicate = Type.Object({ id: Type.String(), status: Type.Literal('duplicate'), request_id: Type.String() });

export const BatchResult = Type.Object({
  request_id: Type.String(),
  accepted: Type.Integer(),
  duplicates: Type.Integer(),
  rejected: Type.Integer(),
  results: Type.Array(
    Type.Object({
      status: Type.String(),
      id: Type.Optional(Type.String()),
      error: Type.Optional(
        Type.Object({ code: Type.String(), message: Type.String(), field: Type.Optional(Type.String()) }),
      ),
    }),
  ),
});

const ingestErrors = { ...errorResponses, 413: ErrorResponse, 415: ErrorResponse, 429: ErrorResponse };

/** Maps a batch's outcomes to the per-item result list every batch surface answers with. */
export function batchResult(requestId: string, outcomes: AcceptOutcome[]) {
  let accepted = 0;
  let duplicates = 0;
  let rejected = 0;
  const results = outcomes.map((outcome) => {
    switch (outcome.status) {
      case 'accepted':
        accepted++;
        return { status: outcome.status, id: outcome.id };
      case 'duplicate':
        duplicates++;
        return { status: outcome.status, id: outcome.id };
      case 'rejected':
        rejected++;
        return {
          status: outcome.status as string,
          error: {
            code: outcome.error.code,
            message: outcome.error.message,
            ...(outcome.error.field === undefined ? {} : { field: outcome.error.field }),
          },
        };
      default:
        return { status: 'unknown' };
    }
  });
  return { request_id: requestId, accepted, duplicates, rejected, results };
}

/** Single-event answer: 202 accepted, 200 duplicate, or the rejection as an error envelope. */
export function singleOutcome(outcome: AcceptOutcome | undefined, requestId: string) {
  if (outcome === undefined) throw new Error('accept returned no outcome');
  switch (outcome.status) {
    case 'accepted':
      return { status: 202, body: { id: outcome.id, status: 'accepted' as const, request_id: requestId } };
    case 'duplicate':
      return { status: 200, body: { id: outcome.id, status: 'duplicate' as const, request_id: requestId } };
    case 'rejected':
      throw outcome.error;
  }
}

/** Cometly-compatible server events API and the canonical capture API. */
export async function ingestRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  registerIngestScope(app, ctx, (url) => (url.startsWith('/api/v1/capture') ? 'capture' : 'cometly'));
  const gate = ingestGate(ctx);

  for (const url of ['/public-api/v1/events', '/public-api/v1/events/track']) {
    app.post(
      url,
      {
        onRequest: gate,
        bodyLimit: SINGLE_EVENT_LIMIT,
        schema: {
          tags: ['ingest'],
          summary:
            url === '/public-api/v1/events'
              ? 'Send one server event (Cometly-compatible)'
              : 'Send one server event (Cometly-compatible, current path)',
          body: CometlySchema,
          response: { 202: Accepted, 200: Duplicate, ...ingestErrors },
        },
      },
      async (request, reply) => {
        const principal = request.principal;
        if (principal === undefined) throw new Error('gate did not authenticate');
        const workspace = await workspaceOf(ctx, principal.workspaceId);
        const [outcome] = await acceptItems(ctx, workspace, [fromCometly(request.body as CometlyEvent)], {
          requestId: request.id,
          deferrable: true,
        });
        const { status, body } = singleOutcome(outcome, request.id);
        return reply.status(status).send(body);
      },
    );
  }

  app.post(
    '/api/v1/capture',
    {
      onRequest: gate,
      bodyLimit: SINGLE_EVENT_LIMIT,
      schema: {
        tags: ['ingest'],
        summary: 'Capture one canonical event',
        body: CaptureSchema,
        response: { 202: Accepted, 200: Duplicate, ...ingestErrors },
      },
    },
    async (request, reply) => {
      const principal = request.principal;
      if (principal === undefined) throw new Error('gate did not authenticate');
      const workspace = await workspaceOf(ctx, principal.workspaceId);
      const [outcome] = await acceptItems(ctx, workspace, [fromCapture(request.body as CaptureEvent)], {
        requestId: request.id,
        deferrable: true,
      });
      const { status, body } = singleOutcome(outcome, request.id);
      return reply.status(status).send(body);
    },
  );

  app.post(
    '/api/v1/capture/batch',
    {
      onRequest: gate,
      bodyLimit: BATCH_LIMIT,
      schema: {
        tags: ['ingest'],
        summary: 'Capture up to 1,000 canonical events; each item is accepted, a duplicate, or rejected',
        body: CaptureBatch,
        response: { 200: BatchResult, ...ingestErrors },
      },
    },
    async (request) => {
      const principal = request.principal;
      if (principal === undefined) throw new Error('gate did not authenticate');
      const workspace = await workspaceOf(ctx, principal.workspaceId);
      const { batch } = request.body as { batch: CaptureEvent[] };
      const items = batch.map((item) => oversizedItem(item, 'capture', item.event, request) ?? fromCapture(item));
      const outcomes = await acceptItems(ctx, workspace, items, { requestId: request.id, deferrable: true });
      return batchResult(request.id, outcomes);
    },
  );
}
