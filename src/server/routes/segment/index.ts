import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../../../context/context.js';
import { AppError } from '../../../errors/codes.js';
import { acceptItems } from '../../../ingest/accept.js';
import {
  fromSegment,
  SEGMENT_TYPES,
  type SegmentBatch,
  SegmentBatch as SegmentBatchSchema,
  type SegmentMessage,
  SegmentMessage as SegmentMessageSchema,
  type SegmentType,
} from '../../../ingest/surfaces/segment.js';
import { parseJsonBody } from '../../plugins/json-body.js';
import {
  BATCH_LIMIT,
  headerCredentialGate,
  oversizedItem,
  registerIngestScope,
  SINGLE_EVENT_LIMIT,
  workspaceOf,
  writeKeyGate,
} from '../ingest/gate.js';
import { BatchResult, batchResult } from '../ingest/index.js';
import { ErrorResponse, errorResponses } from '../schemas.js';

const Success = Type.Object({
  success: Type.Boolean(),
  request_id: Type.String(),
  id: Type.Optional(Type.String()),
  status: Type.Optional(Type.String()),
});
const SegmentBatchSuccess = Type.Intersect([BatchResult, Type.Object({ success: Type.Boolean() })]);
const segmentErrors = { ...errorResponses, 413: ErrorResponse, 415: ErrorResponse, 429: ErrorResponse };

function isSegmentType(value: unknown): value is SegmentType {
  return typeof value === 'string' && (SEGMENT_TYPES as readonly string[]).includes(value);
}

/** Segment-compatible HTTP tracking API: the workspace's ingest token is the write key. */
export async function segmentRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  registerIngestScope(app, ctx, () => 'segment');
  // RudderStack's node client posts its gzip JSON without a JSON content type (axios labels the
  // Buffer form-urlencoded); Segment's own API is as lenient. The body must still be JSON.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(typeof body === 'string' ? body : body.toString('utf8')));
    } catch {
      done(new AppError('unsupported_media_type', 'send the body as JSON with Content-Type: application/json'));
    }
  });
  const onRequest = headerCredentialGate(ctx);
  const preHandler = writeKeyGate(ctx);

  for (const type of SEGMENT_TYPES) {
    app.post(
      `/v1/${type}`,
      {
        onRequest,
        preHandler,
        bodyLimit: SINGLE_EVENT_LIMIT,
        schema: {
          tags: ['segment'],
          summary: `Segment ${type} call`,
          body: SegmentMessageSchema,
          response: { 200: Success, ...segmentErrors },
        },
      },
      async (request) => {
        const principal = request.principal;
        if (principal === undefined) throw new Error('gate did not authenticate');
        const workspace = await workspaceOf(ctx, principal.workspaceId);
        const [outcome] = await acceptItems(ctx, workspace, [fromSegment(type, request.body as SegmentMessage)], {
          requestId: request.id,
          deferrable: true,
        });
        if (outcome === undefined) throw new Error('accept returned no outcome');
        switch (outcome.status) {
          case 'accepted':
          case 'duplicate':
            return { success: true, request_id: request.id, id: outcome.id, status: outcome.status };
          case 'rejected':
            throw outcome.error;
        }
      },
    );
  }

  for (const url of ['/v1/batch', '/v1/import']) {
    app.post(
      url,
      {
        onRequest,
        preHandler,
        bodyLimit: BATCH_LIMIT,
        schema: {
          tags: ['segment'],
          summary: 'Segment batch: many calls of any type in one request',
          body: SegmentBatchSchema,
          response: { 200: SegmentBatchSuccess, ...segmentErrors },
        },
      },
      async (request) => {
        const principal = request.principal;
        if (principal === undefined) throw new Error('gate did not authenticate');
        const workspace = await workspaceOf(ctx, principal.workspaceId);
        const body = request.body as SegmentBatch;
        const items = body.batch.map((message, index) => {
          const type = message.type;
          if (!isSegmentType(type)) {
            return {
              rejected: new AppError(
                'validation_failed',
                `batch.${index}.type must be one of ${SEGMENT_TYPES.join(', ')}`,
                `batch.${index}.type`,
              ),
              surface: 'segment',
              name: message.event,
              raw: message,
            };
          }
          return oversizedItem(message, 'segment', message.event, request) ?? fromSegment(type, message, body.context);
        });
        const outcomes = await acceptItems(ctx, workspace, items, { requestId: request.id, deferrable: true });
        return { success: true, ...batchResult(request.id, outcomes) };
      },
    );
  }
}
