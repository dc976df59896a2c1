import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { AppContext } from '../../context/context.js';
import { AppError } from '../../errors/codes.js';
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

export async function resolvePrincipal(ctx: AppContext, credential: { kind: 'token' | 'session'; value: string }) {
  return credential.kind === 'token'
    ? authenticateToken(ctx.storage.db, credential.value)
    : authenticateSession(ctx.storage.db, credential.value, ctx.clock.now());
}

/**
 * preHandler that admits a caller whose token (or dashboard session) carries `scope` or admin.
 * 401 when no valid credential was presented, 403 when it lacks the scope.
 */
export function requireScope(ctx: AppContext, scope: Scope): preHandlerAsyncHookHandler {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    const credential = presentedCredential(request);
    if (credential === undefined) {
      throw new AppError('unauthorized', 'send your API token as Authorization: Bearer <token>', 'authorization');
    }
    const principal = await resolvePrincipal(ctx, credential);
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
  };
}

/** The authenticated principal; routes behind requireScope can rely on it. */
export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === undefined) throw new AppError('unauthorized', 'not authenticated');
  return request.principal;
}
