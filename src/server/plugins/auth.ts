import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context/context.js';
import { AppError } from '../../errors/codes.js';
import { invalidateWorkspaceCache } from '../../ingest/workspace-cache.js';
import { authenticateSession } from '../../workspaces/sessions.js';
import { authenticateToken, type Principal, type Scope, scopeAllows } from '../../workspaces/tokens.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | undefined;
  }
}

export const SESSION_COOKIE = 'tp_session';

/** The credential a caller presented: `Bearer <token>`, HTTP basic (token as username), or a session cookie. */
export function presentedCredential(request: FastifyRequest): { kind: 'token' | 'session'; value: string } | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const [scheme, value = ''] = header.trim().split(/\s+/, 2);
    if (scheme?.toLowerCase() === 'bearer' && value !== '') return { kind: 'token', value };
    if (scheme?.toLowerCase() === 'basic' && value !== '') {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const username = decoded.split(':')[0] ?? '';
      if (username !== '') return { kind: 'token', value: username };
    }
  }
  const cookie = request.headers.cookie;
  if (typeof cookie === 'string') {
    for (const part of cookie.split(';')) {
      const [name, ...rest] = part.trim().split('=');
      if (name === SESSION_COOKIE && rest.length > 0) return { kind: 'session', value: rest.join('=') };
    }
  }
  return undefined;
}

/**
 * Token lookups are cached in-process for TOKEN_CACHE_TTL_MS (the ingestion hot path would otherwise
 * query api_tokens on every request). Staleness: a token revoked through this process's API stops
 * working immediately (every mutating admin request clears the cache when it finishes); one revoked
 * by another process (the CLI, another server) stops working within TOKEN_CACHE_TTL_MS (1 s).
 * Dashboard sessions are never cached.
 */
export const TOKEN_CACHE_TTL_MS = 1000;

interface CachedPrincipal {
  principal: Principal | undefined;
  until: number;
}

const TOKEN_CACHES = new WeakMap<AppContext, Map<string, CachedPrincipal>>();

function tokenCache(ctx: AppContext): Map<string, CachedPrincipal> {
  let cache = TOKEN_CACHES.get(ctx);
  if (cache === undefined) {
    cache = new Map();
    TOKEN_CACHES.set(ctx, cache);
  }
  return cache;
}

/** Forgets every cached token lookup of this app (after tokens changed in this process). */
export function clearTokenCache(ctx: AppContext): void {
  TOKEN_CACHES.get(ctx)?.clear();
}

/** A fresh cached lookup of `token`, or undefined when it must be looked up (again). */
function cachedTokenHit(ctx: AppContext, token: string): CachedPrincipal | undefined {
  const hit = tokenCache(ctx).get(token);
  return hit !== undefined && hit.until > Date.now() ? hit : undefined;
}

async function cachedToken(ctx: AppContext, token: string): Promise<Principal | undefined> {
  // Keyed by the token itself (already in this process's memory as a request header): hashing it
  // on every request cost more than the lookup the cache saves.
  const hit = cachedTokenHit(ctx, token);
  if (hit !== undefined) return hit.principal;
  const principal = await authenticateToken(ctx.storage.db, token);
  const cache = tokenCache(ctx);
  if (cache.size >= 10_000) cache.clear();
  cache.set(token, { principal, until: Date.now() + TOKEN_CACHE_TTL_MS });
  return principal;
}

export async function resolvePrincipal(ctx: AppContext, credential: { kind: 'token' | 'session'; value: string }) {
  return credential.kind === 'token'
    ? cachedToken(ctx, credential.value)
    : authenticateSession(ctx.storage.db, credential.value, ctx.clock.now());
}

/** Admits a caller whose principal carries `scope` or admin (401 / 403 otherwise). */
function admit(
  ctx: AppContext,
  scope: Scope,
  request: FastifyRequest,
  reply: FastifyReply,
  principal: Principal | undefined,
): void {
  if (principal === undefined) {
    throw new AppError('unauthorized', 'the API token is unknown or has been revoked', 'authorization');
  }
  if (!scopeAllows(principal.scope, scope)) {
    throw new AppError(
      'forbidden',
      `this endpoint needs a token with the "${scope}" scope (yours: "${principal.scope}")`,
    );
  }
  request.principal = principal;
  // A mutating admin call may revoke tokens or change the workspace / its custom events: drop the
  // cached lookups when it is done, so this process sees the change at once.
  if (principal.scope === 'admin' && request.method !== 'GET' && request.method !== 'HEAD') {
    const workspaceId = principal.workspaceId;
    reply.raw.once('finish', () => {
      clearTokenCache(ctx);
      invalidateWorkspaceCache(ctx, workspaceId);
    });
  }
}

export type ScopeHook = (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => void;

/**
 * Hook (onRequest or preHandler) that admits a caller whose token (or dashboard session) carries
 * `scope` or admin. 401 when no valid credential was presented, 403 when it lacks the scope.
 * Callback style, answered at once on a cached token: it runs on every ingested event.
 */
export function requireScope(ctx: AppContext, scope: Scope): ScopeHook {
  return (request, reply, done) => {
    const credential = presentedCredential(request);
    if (credential === undefined) {
      done(new AppError('unauthorized', 'send your API token as Authorization: Bearer <token>', 'authorization'));
      return;
    }
    const hit = credential.kind === 'token' ? cachedTokenHit(ctx, credential.value) : undefined;
    if (hit !== undefined) {
      try {
        admit(ctx, scope, request, reply, hit.principal);
      } catch (error) {
        done(error as Error);
        return;
      }
      done();
      return;
    }
    resolvePrincipal(ctx, credential)
      .then((principal) => admit(ctx, scope, request, reply, principal))
      .then(() => done(), done);
  };
}

/** The authenticated principal; routes behind requireScope can rely on it. */
export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === undefined) throw new AppError('unauthorized', 'not authenticated');
  return request.principal;
}
