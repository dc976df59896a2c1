import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context/context.js';
import { AppError } from '../../../errors/codes.js';
import { isReachable } from '../../../storage/database.js';

export async function systemRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { hide: true } }, async () => {
    if (!(await isReachable(ctx.storage))) throw new AppError('unavailable', 'the database is not reachable');
    return { status: 'ready', database: ctx.storage.dialect };
  });

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.header('Content-Type', ctx.metrics.registry.contentType);
    return ctx.metrics.registry.metrics();
  });

  // One anchor per error code; the `docs` link of every error body points here. Same relative path
  // from src/ and dist/.
  const errorsDoc = new URL('../../../../docs/errors.md', import.meta.url);
  app.get('/docs/errors', { schema: { hide: true } }, async (_request, reply) => {
    reply.type('text/markdown; charset=utf-8');
    return readFile(errorsDoc, 'utf8');
  });

  app.get('/', { schema: { hide: true } }, async (_request, reply) => {
    reply.type('text/html; charset=utf-8');
    return `<!doctype html><html><head><meta charset="utf-8"><title>Touchpoint</title></head>
<body style="font-family:system-ui;max-width:40rem;margin:3rem auto">
<h1>Touchpoint</h1><p>Server-side conversion tracking and attribution is running.</p>
<ul><li><a href="/docs">API reference and explorer</a></li><li><a href="/healthz">Health</a></li>
<li><a href="/metrics">Metrics</a></li></ul></body></html>`;
  });
}
