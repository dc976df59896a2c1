import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../../../context/context.js';
import { AppError } from '../../../errors/codes.js';
import { assertLogStatus, listEventsLog, tailEventsLog, toLogEntry } from '../../../ingest/events-log.js';
import { principalOf, requireScope } from '../../plugins/auth.js';
import { errorResponses } from '../schemas.js';

const Entry = Type.Object({
  id: Type.String(),
  requestId: Type.String(),
  surface: Type.String(),
  status: Type.String(),
  httpStatus: Type.Integer(),
  eventName: Type.Union([Type.String(), Type.Null()]),
  eventId: Type.Union([Type.String(), Type.Null()]),
  error: Type.Union([
    Type.Object({ code: Type.String(), message: Type.String(), field: Type.Union([Type.String(), Type.Null()]) }),
    Type.Null(),
  ]),
  payload: Type.Unknown(),
  receivedAt: Type.String(),
});

/** `since` as ISO 8601 or unix milliseconds. */
export function parseSince(value: string | undefined, field = 'since'): number | undefined {
  if (value === undefined || value === '') return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) throw new AppError('validation_failed', `${field} must be ISO 8601 or unix ms`, field);
  return ms;
}

/** Page size: 1..500, default 50. */
export function parseLimit(value: string | undefined): number {
  if (value === undefined) return 50;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 500) {
    throw new AppError('validation_failed', 'limit must be an integer from 1 to 500', 'limit');
  }
  return n;
}

const POLL_MS = 250;
// Rows are tailed by arrival time with this overlap, so a row committed a little after a later
// one (group commit across processes) is still sent; ids already sent are skipped.
const OVERLAP_MS = 3000;

export async function eventsLogRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const read = requireScope(ctx, 'read');
  /**
   * Live streams end when the server closes: a stream is never idle, so an open dashboard would
   * otherwise hold a graceful shutdown open for as long as it stays connected.
   */
  const streams = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of streams) end();
  });

  app.get(
    '/api/v1/events-log',
    {
      preHandler: read,
      schema: {
        tags: ['events log'],
        summary: 'Every ingestion request, newest first (filters: status, event, since, request id)',
        querystring: Type.Object({
          status: Type.Optional(Type.String()),
          event: Type.Optional(Type.String({ maxLength: 256 })),
          since: Type.Optional(Type.String({ maxLength: 64 })),
          requestId: Type.Optional(Type.String({ maxLength: 256 })),
          cursor: Type.Optional(Type.String({ maxLength: 64 })),
          limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$' })),
        }),
        response: {
          200: Type.Object({ data: Type.Array(Entry), nextCursor: Type.Union([Type.String(), Type.Null()]) }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const q = request.query as {
        status?: string;
        event?: string;
        since?: string;
        requestId?: string;
        cursor?: string;
        limit?: string;
      };
      return listEventsLog(ctx, principalOf(request).workspaceId, {
        status: assertLogStatus(q.status),
        eventName: q.event,
        requestId: q.requestId,
        since: parseSince(q.since),
        cursor: q.cursor,
        limit: parseLimit(q.limit),
      });
    },
  );

  app.get(
    '/api/v1/events-log/stream',
    {
      preHandler: read,
      schema: {
        tags: ['events log'],
        summary: 'Live events log as Server-Sent Events (`event: log`, data: one entry as JSON)',
        querystring: Type.Object({ since: Type.Optional(Type.String({ maxLength: 64 })) }),
        response: errorResponses,
      },
    },
    async (request, reply) => {
      const workspaceId = principalOf(request).workspaceId;
      let cursor = parseSince((request.query as { since?: string }).since) ?? ctx.clock.now();
      const sent = new Map<string, number>();
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-cache, no-transform',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
        'Request-Id': request.id,
      });
      res.write(': connected\n\n');
      let closed = false;
      let timer: NodeJS.Timeout | undefined;
      let beats = 0;
      const poll = async () => {
        if (closed) return;
        try {
          const rows = await tailEventsLog(ctx, workspaceId, cursor - OVERLAP_MS);
          if (closed) return;
          for (const row of rows) {
            if (sent.has(row.log_id)) continue;
            sent.set(row.log_id, Number(row.received_at));
            res.write(`id: ${row.log_id}\nevent: log\ndata: ${JSON.stringify(toLogEntry(row))}\n\n`);
            cursor = Math.max(cursor, Number(row.received_at));
          }
          for (const [id, at] of sent) if (at < cursor - 2 * OVERLAP_MS) sent.delete(id);
          if (++beats % 60 === 0) res.write(': keep-alive\n\n');
        } catch (error) {
          request.log.warn({ err: error }, 'events log stream poll failed');
        }
        if (!closed) timer = setTimeout(poll, POLL_MS);
      };
      const end = () => {
        closed = true;
        streams.delete(end);
        if (timer !== undefined) clearTimeout(timer);
        if (!res.writableEnded) res.end();
      };
      streams.add(end);
      request.raw.on('close', end);
      await poll();
    },
  );
}
