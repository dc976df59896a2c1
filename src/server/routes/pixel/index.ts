import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../../../context/context.js';
import { AppError } from '../../../errors/codes.js';
import { parseJsonBody } from '../../../ingest/json-text.js';
import { pixelBundle, renderPixel } from '../../../pixel/bundle.js';
import { Beacon, collectBeacon, originAllowed, workspaceForPixel } from '../../../pixel/collect.js';
import { pixelSnippet } from '../../../pixel/snippet.js';
import { requireWorkspace } from '../../../workspaces/workspaces.js';
import { principalOf, requireScope } from '../../plugins/auth.js';
import { ErrorResponse, errorResponses } from '../schemas.js';

const COLLECT_BODY_LIMIT = 64 * 1024;

function baseUrl(ctx: AppContext, request: FastifyRequest): string {
  return (ctx.config.server.publicUrl ?? `${request.protocol}://${request.host}`).replace(/\/$/, '');
}

function allowOrigin(reply: FastifyReply, origin: string | undefined): void {
  reply.header('Vary', 'Origin');
  if (origin !== undefined) reply.header('Access-Control-Allow-Origin', origin);
}

/** The browser pixel: its script, the beacon endpoint, and the snippet for the dashboard. */
export async function pixelRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  // sendBeacon posts text/plain (a "simple" request: no CORS preflight); its body is JSON.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(typeof body === 'string' ? body : body.toString('utf8')));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  app.get(
    '/p/:file',
    {
      schema: {
        tags: ['pixel'],
        summary: 'The pixel script of a workspace (`/p/<pixelId>.js`), cached with an ETag',
        security: [],
        params: Type.Object({ file: Type.String({ maxLength: 80 }) }),
      },
    },
    async (request, reply) => {
      const { file } = request.params as { file: string };
      const workspace = file.endsWith('.js') ? await workspaceForPixel(ctx, file.slice(0, -3)) : undefined;
      if (workspace === undefined) throw new AppError('not_found', `no pixel ${file}`, 'pixelId');
      const script = renderPixel(await pixelBundle(), {
        pixelId: workspace.pixelId,
        endpoint: baseUrl(ctx, request),
        domains: workspace.allowedDomains,
      });
      reply
        .header('Content-Type', 'application/javascript; charset=utf-8')
        .header('Cache-Control', 'public, max-age=300, stale-while-revalidate=86400')
        .header('ETag', script.etag);
      if (request.headers['if-none-match'] === script.etag) return reply.status(304).send();
      return reply.send(script.body);
    },
  );

  app.options(
    '/collect',
    {
      schema: {
        tags: ['pixel'],
        summary: 'CORS preflight for beacons (only from the workspace’s pixel domains)',
        security: [],
        querystring: Type.Object({ pixelId: Type.Optional(Type.String({ maxLength: 64 })) }),
      },
    },
    async (request, reply) => {
      const { pixelId } = request.query as { pixelId?: string };
      const origin = request.headers.origin;
      const workspace = pixelId === undefined ? undefined : await workspaceForPixel(ctx, pixelId);
      if (workspace === undefined || !originAllowed(origin, workspace.allowedDomains)) {
        throw new AppError('forbidden', 'this origin may not send beacons to this pixel', 'origin');
      }
      allowOrigin(reply, origin);
      reply
        .header('Access-Control-Allow-Methods', 'POST')
        .header('Access-Control-Allow-Headers', 'content-type')
        .header('Access-Control-Max-Age', '86400');
      return reply.status(204).send();
    },
  );

  app.post(
    '/collect',
    {
      bodyLimit: COLLECT_BODY_LIMIT,
      schema: {
        tags: ['pixel'],
        summary: 'Pixel beacon (page views, form captures, tracked events); 204 when stored',
        security: [],
        querystring: Type.Object({ pixelId: Type.Optional(Type.String({ maxLength: 64 })) }),
        body: Beacon,
        response: { ...errorResponses, 413: ErrorResponse },
      },
    },
    async (request, reply) => {
      const origin = request.headers.origin;
      const outcome = await collectBeacon(ctx, request.body as Beacon, {
        origin,
        ip: request.ip,
        userAgent: request.headers['user-agent'],
        requestId: request.id,
      });
      allowOrigin(reply, origin);
      switch (outcome.status) {
        case 'stored':
          return reply.status(204).send();
        case 'rejected':
          throw outcome.error;
      }
    },
  );

  app.get(
    '/api/v1/pixel',
    {
      preHandler: requireScope(ctx, 'read'),
      schema: {
        tags: ['pixel'],
        summary: 'The pixel id, script URL and the snippet to paste before </head>',
        response: {
          200: Type.Object({ pixelId: Type.String(), scriptUrl: Type.String(), snippet: Type.String() }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const workspace = await requireWorkspace(ctx.storage.db, principalOf(request).workspaceId);
      const base = baseUrl(ctx, request);
      return {
        pixelId: workspace.pixelId,
        scriptUrl: `${base}/p/${workspace.pixelId}.js`,
        snippet: pixelSnippet(base, workspace.pixelId),
      };
    },
  );
}
