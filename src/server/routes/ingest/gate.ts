import { createGunzip, createInflate } from 'node:zlib';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../context/context.js';
import { AppError } from '../../../errors/codes.js';
import type { RejectedInput } from '../../../ingest/accept.js';
import { isLoggedRejection } from '../../../ingest/commit.js';
import { recordRequestFailure } from '../../../ingest/events-log.js';
import { takeRateLimit } from '../../../ingest/rate-limit.js';
import { cachedWorkspace } from '../../../ingest/workspace-cache.js';
import { scopeAllows } from '../../../workspaces/tokens.js';
import type { Workspace } from '../../../workspaces/workspaces.js';
import { presentedCredential, requireScope, resolvePrincipal, type ScopeHook } from '../../plugins/auth.js';

/** Segment's limits, which integrations already respect: 32 KB per event, 500 KB per batch. */
export const SINGLE_EVENT_LIMIT = 32 * 1024;
export const BATCH_LIMIT = 500 * 1024;

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

/**
 * True when `value` as JSON surely takes at most `limit` bytes: an upper bound (every UTF-16 unit of a
 * string counted as 6 bytes, as a \uXXXX escape; every number as 24 characters), so it never says
 * true of an oversized item, and it stops as soon as the bound passes the limit.
 */
export function jsonSizeAtMost(value: unknown, limit: number): boolean {
  let budget = limit;
  const visit = (node: unknown, depth: number): boolean => {
    if (depth > 64) return false;
    if (typeof node === 'string') budget -= node.length * 6 + 2;
    else if (node === null || typeof node !== 'object') budget -= 24;
    else if (typeof (node as { toJSON?: unknown }).toJSON === 'function') return false;
    else if (Array.isArray(node)) {
      budget -= 2 + node.length;
      for (const child of node) if (!visit(child, depth + 1) || budget < 0) return false;
    } else {
      budget -= 2;
      for (const key in node) {
        budget -= key.length * 6 + 4;
        if (!visit((node as Record<string, unknown>)[key], depth + 1) || budget < 0) return false;
      }
    }
    return budget >= 0;
  };
  return visit(value, 0);
}

/** Per-event limit inside a batch: an oversized item is rejected alone (413), its neighbours stay. */
export function oversizedItem(
  item: unknown,
  surface: string,
  name: unknown,
  request?: FastifyRequest,
): RejectedInput | undefined {
  // A plain body no larger than the limit cannot hold an oversized item: skip serializing each one.
  const length = Number(request?.headers['content-length']);
  if (request?.headers['content-encoding'] === undefined && length <= SINGLE_EVENT_LIMIT) return undefined;
  // Nor can an item whose serialized size is surely under it: counted without serializing (hot path).
  if (jsonSizeAtMost(item, SINGLE_EVENT_LIMIT)) return undefined;
  const size = Buffer.byteLength(JSON.stringify(item) ?? '');
  if (size <= SINGLE_EVENT_LIMIT) return undefined;
  return {
    rejected: new AppError('payload_too_large', `this event is ${size} bytes; one event may be at most 32 KB`),
    surface,
    name: typeof name === 'string' ? name : undefined,
    raw: { truncated: true, bytes: size },
  };
}

export async function workspaceOf(ctx: AppContext, workspaceId: string): Promise<Workspace> {
  const workspace = await cachedWorkspace(ctx, workspaceId);
  if (workspace === undefined) throw new AppError('unauthorized', 'the workspace of this token no longer exists');
  return workspace;
}
