import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { readTls } from '../config/config.js';
import type { AppContext } from '../context/context.js';
import { AppError } from '../errors/codes.js';
import { inboxOf, readBarrier, startIngestProcessing } from '../ingest/inbox.js';
import { registerErrorHandling } from './plugins/errors.js';
import { registerJsonBody } from './plugins/json-body.js';
import { lazyChildLogger } from './plugins/lazy-child-logger.js';
import { requestIdFor } from './plugins/request-id.js';
import { ROUTES } from './routes/index.js';

export type App = FastifyInstance;

// Health and metrics stay reachable over plain HTTP so load balancers and scrapers work behind TLS.
const PLAIN_HTTP_ALLOWED = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Builds the HTTP app without listening: `serve` calls listen(), tests call inject() or listen on
 * port 0. Routes come from routes/index.ts; every route's schema feeds validation and /docs.
 */
export async function buildApp(ctx: AppContext): Promise<App> {
  const { server } = ctx.config;
  const tls = readTls(server);
  const app = Fastify({
    loggerInstance: ctx.log,
    genReqId: requestIdFor,
    childLoggerFactory: lazyChildLogger,
    logController: new LogController({ requestIdLogLabel: 'requestId', disableRequestLogging: true }),
    trustProxy: server.trustProxy,
    bodyLimit: server.bodyLimit,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
    ...(tls === undefined ? {} : { https: tls }),
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as FastifyInstance;

  app.decorateRequest('principal', undefined);
  registerJsonBody(app);
  registerErrorHandling(app);

  // Callback-style hooks: they run on every request (every ingested event), and an async hook costs a
  // promise and a microtask each.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('Request-Id', request.id);
    if (server.requireHttps && request.protocol !== 'https') {
      const path = request.url.split('?')[0] ?? '';
      if (!PLAIN_HTTP_ALLOWED.has(path)) {
        done(
          new AppError(
            'https_required',
            'Touchpoint only accepts API calls over HTTPS; use https:// (behind a TLS proxy, start with --trust-proxy so X-Forwarded-Proto is honoured)',
          ),
        );
        return;
      }
    }
    done();
  });

  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    ctx.metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    ctx.metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    done();
  });

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Touchpoint API',
        version: '1',
        description:
          'Server-side conversion tracking and attribution. Authenticate with `Authorization: Bearer <token>`; ' +
          'every error is `{ "error": { "code", "message", "field"? } }` and every response carries `Request-Id`.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'tp_ingest_…, tp_read_… or tp_admin_…' },
        },
      },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  for (const routes of ROUTES) await app.register(async (scope) => routes(scope, ctx));
  // The ingest processor runs in every API process; closing the app processes what was acknowledged.
  app.addHook('onReady', async () => startIngestProcessing(ctx));
  // Reads see the events this process acknowledged before them, even when they are still in the inbox.
  app.addHook('preHandler', (request, _reply, done) => {
    if (request.method === 'GET' && (request.url.startsWith('/api/') || request.url.startsWith('/public-api/'))) {
      readBarrier(ctx).then(() => done(), done);
    } else {
      done();
    }
  });
  closeKeepAliveConnectionsPromptly(app);
  app.addHook('onClose', async () => inboxOf(ctx).stop());
  return app;
}

/**
 * `forceCloseConnections: 'idle'` closes the connections idle when close() starts. A keep-alive
 * connection whose request was in flight then turns idle a moment later and would hold the close
 * open until keepAliveTimeout (72 s): a deploy waiting on every server for a minute. While closing,
 * idle connections are closed as soon as they turn idle.
 */
function closeKeepAliveConnectionsPromptly(app: FastifyInstance): void {
  let sweeper: NodeJS.Timeout | undefined;
  app.addHook('preClose', async () => {
    sweeper = setInterval(() => app.server.closeIdleConnections(), 50);
    sweeper.unref();
  });
  app.addHook('onClose', async () => clearInterval(sweeper));
}
