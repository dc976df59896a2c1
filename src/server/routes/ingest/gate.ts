import { createGunzip, createInflate } from 'node:zlib';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../context/context.js';
import { AppError } from '../../../errors/codes.js';
import { isLoggedRejection } from '../../../ingest/commit.js';
import { recordRequestFailure } from '../../../ingest/events-log.js';
import { takeRateLimit } from '../../../ingest/rate-limit.js';
import { cachedWorkspace } from '../../../ingest/workspace-cache.js';
import { scopeAllows } from '../../../workspaces/tokens.js';
import type { Workspace } from '../../../workspaces/workspaces.js';
import { presentedCredential, requireScope, resolvePrincipal, type ScopeHook } from '../../plugins/auth.js';

export { BATCH_LIMIT, oversizedItem, SINGLE_EVENT_LIMIT } from '../../../ingest/item-size.js';

declare module 'fastify' {
  interface FastifyRequest {
    ingestSurface: string | undefined;
  }
}

/**
 * Shared edge of the ingestion surfaces, registered once per route module scope:
 * - gzip / deflate request bodies (Segment and RudderStack libraries compress batches);
 * - every failed request of a known workspace lands in the events log (except rate limiting,
 *   which must stay cheap under abuse).
 */
export function registerIngestScope(app: FastifyInstance, ctx: AppContext, surfaceOf: (url: string) => string): void {
  if (!app.hasRequestDecorator('ingestSurface')) app.decorateRequest('ingestSurface', undefined);
  // JSON only: a text/plain body is a 415, not a string that fails validation.
  app.removeContentTypeParser(['text/plain']);
  // Callback-style hooks: they run on every ingested event, and an async hook costs a promise each.
  app.addHook('onRequest', (request, _reply, done) => {
    request.ingestSurface = surfaceOf(request.routeOptions.url ?? request.url);
    done();
  });
  app.addHook('preParsing', (request, _reply, payload, done) => {
    const encoding = request.headers['content-encoding']?.toLowerCase().trim();
    if (encoding === undefined || encoding === 'identity') {
      done(null, payload);
      return;
    }
    if (encoding !== 'gzip' && encoding !== 'deflate') {
      done(new AppError('unsupported_media_type', `Content-Encoding ${encoding} is not supported; use gzip`));
      return;
    }
    const inflate = encoding === 'gzip' ? createGunzip() : createInflate();
    const counted = inflate as typeof inflate & { receivedEncodedLength: number };
    counted.receivedEncodedLength = 0;
    payload.on('data', (chunk: Buffer) => {
      counted.receivedEncodedLength += chunk.length;
    });
    inflate.on('error', (error: Error & { statusCode?: number }) => {
      error.statusCode = 400;
      error.message = `the ${encoding} body could not be decompressed`;
    });
    payload.pipe(inflate);
    done(null, inflate);
  });
  app.addHook('onError', async (request, _reply, error) => {
    const principal = request.principal;
    if (principal === undefined) return;
    if (error instanceof AppError && (error.code === 'rate_limited' || error.code === 'unauthorized')) return;
    if (isLoggedRejection(error)) return;
    const appError =
      error instanceof AppError ? error : new AppError('invalid_request', error.message.slice(0, 500), undefined);
    try {
      await recordRequestFailure(ctx, {
        workspaceId: principal.workspaceId,
        requestId: request.id,
        surface: request.ingestSurface ?? surfaceOf(request.url),
        error: appError,
        payload: request.body,
      });
    } catch (logError) {
      request.log.warn({ err: logError }, 'events log write failed');
    }
  });
}

/**
 * onRequest gate of the ingestion routes: ingest-scope token (401/403), then the per-workspace rate
 * limit (429). Runs before the body is read, so rejected callers cost no parsing.
 */
export function ingestGate(ctx: AppContext): ScopeHook {
  const scope = requireScope(ctx, 'ingest');
  return (request, reply, done) => {
    scope(request, reply, (error) => {
      if (error !== undefined) {
        done(error);
        return;
      }
      try {
        if (request.principal !== undefined) takeRateLimit(ctx, request.principal.workspaceId);
      } catch (limited) {
        done(limited as Error);
        return;
      }
      done();
    });
  };
}

/** The Segment write key: the basic-auth username or `writeKey` in the (already parsed) body. */
async function admitWriteKey(ctx: AppContext, request: FastifyRequest): Promise<void> {
  let credential = presentedCredential(request);
  const body = request.body as { writeKey?: unknown } | undefined;
  if (credential === undefined && typeof body?.writeKey === 'string' && body.writeKey !== '') {
    credential = { kind: 'token', value: body.writeKey };
  }
  if (credential === undefined) {
    throw new AppError(
      'unauthorized',
      'send your ingest token as the basic-auth username or as writeKey in the body',
      'authorization',
    );
  }
  const principal = await resolvePrincipal(ctx, credential);
  if (principal === undefined) {
    throw new AppError('unauthorized', 'the write key is unknown or has been revoked', 'writeKey');
  }
  if (!scopeAllows(principal.scope, 'ingest')) {
    throw new AppError(
      'forbidden',
      `this endpoint needs a token with the "ingest" scope (yours: "${principal.scope}")`,
    );
  }
  request.principal = principal;
  takeRateLimit(ctx, principal.workspaceId);
}

/** preHandler gate of the Segment surface, for callers the header gate did not admit (write key in the body). */
export function writeKeyGate(ctx: AppContext): ScopeHook {
  return (request, _reply, done) => {
    if (request.principal !== undefined) {
      done();
      return;
    }
    admitWriteKey(ctx, request).then(() => done(), done);
  };
}

/** onRequest half of the Segment gate: when a header credential is present, check it before reading the body. */
export function headerCredentialGate(ctx: AppContext): ScopeHook {
  const gate = ingestGate(ctx);
  return (request, reply, done) => {
    if (presentedCredential(request) !== undefined) gate(request, reply, done);
    else done();
  };
}

export async function workspaceOf(ctx: AppContext, workspaceId: string): Promise<Workspace> {
  const workspace = await cachedWorkspace(ctx, workspaceId);
  if (workspace === undefined) throw new AppError('unauthorized', 'the workspace of this token no longer exists');
  return workspace;
}
