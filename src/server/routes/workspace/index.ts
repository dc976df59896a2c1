import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../../../context/context.js';
import { AppError } from '../../../errors/codes.js';
import { createSession, deleteSession } from '../../../workspaces/sessions.js';
import { createToken, listTokens, regenerateToken, revokeToken, type Scope } from '../../../workspaces/tokens.js';
import { requireWorkspace, updateWorkspace } from '../../../workspaces/workspaces.js';
import {
  presentedCredential,
  principalOf,
  requireScope,
  resolvePrincipal,
  SESSION_COOKIE,
} from '../../plugins/auth.js';
import { errorResponses } from '../schemas.js';

const WorkspaceSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  timezone: Type.String(),
  currency: Type.String(),
  pixelId: Type.String(),
  allowedDomains: Type.Array(Type.String()),
  defaultCountry: Type.String(),
  createdAt: Type.String(),
});

const TokenSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  scope: Type.String(),
  display: Type.String(),
  prefix: Type.String(),
  last4: Type.String(),
  createdAt: Type.String(),
  lastUsedAt: Type.Union([Type.String(), Type.Null()]),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
});

const CreatedTokenSchema = Type.Intersect([TokenSchema, Type.Object({ token: Type.String() })]);
const ScopeSchema = Type.Union([Type.Literal('ingest'), Type.Literal('read'), Type.Literal('admin')]);

export async function workspaceRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const db = ctx.storage.db;
  const read = requireScope(ctx, 'read');
  const admin = requireScope(ctx, 'admin');

  app.get(
    '/api/v1/workspace',
    {
      preHandler: read,
      schema: {
        tags: ['workspace'],
        summary: "The token's workspace",
        response: { 200: WorkspaceSchema, ...errorResponses },
      },
    },
    async (request) => requireWorkspace(db, principalOf(request).workspaceId),
  );

  app.patch(
    '/api/v1/workspace',
    {
      preHandler: admin,
      schema: {
        tags: ['workspace'],
        summary: 'Change name, timezone, currency, default phone country or pixel domains',
        body: Type.Object(
          {
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            timezone: Type.Optional(Type.String()),
            currency: Type.Optional(Type.String()),
            defaultCountry: Type.Optional(Type.String()),
            allowedDomains: Type.Optional(Type.Array(Type.String(), { maxItems: 100 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: WorkspaceSchema, ...errorResponses },
      },
    },
    async (request) => {
      const body = request.body as {
        name?: string;
        timezone?: string;
        currency?: string;
        defaultCountry?: string;
        allowedDomains?: string[];
      };
      return updateWorkspace(db, principalOf(request).workspaceId, {
        name: body.name,
        timezone: body.timezone,
        currency: body.currency,
        defaultCountry: body.defaultCountry,
        domains: body.allowedDomains,
      });
    },
  );

  app.get(
    '/api/v1/tokens',
    {
      preHandler: admin,
      schema: {
        tags: ['tokens'],
        summary: 'API tokens of the workspace (never the tokens themselves)',
        response: { 200: Type.Object({ data: Type.Array(TokenSchema) }), ...errorResponses },
      },
    },
    async (request) => ({ data: await listTokens(db, principalOf(request).workspaceId) }),
  );

  app.post(
    '/api/v1/tokens',
    {
      preHandler: admin,
      schema: {
        tags: ['tokens'],
        summary: 'Create a token; the response is the only time it is shown',
        body: Type.Object(
          { scope: ScopeSchema, name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) },
          { additionalProperties: false },
        ),
        response: { 201: CreatedTokenSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const body = request.body as { scope: Scope; name?: string };
      const created = await createToken(db, principalOf(request).workspaceId, body.scope, body.name, ctx.clock.now());
      return reply.status(201).send(created);
    },
  );

  app.delete(
    '/api/v1/tokens/:tokenId',
    {
      preHandler: admin,
      schema: {
        tags: ['tokens'],
        summary: 'Revoke a token',
        params: Type.Object({ tokenId: Type.String() }),
        response: { 200: TokenSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { tokenId } = request.params as { tokenId: string };
      return revokeToken(db, principalOf(request).workspaceId, tokenId, ctx.clock.now());
    },
  );

  app.post(
    '/api/v1/tokens/:tokenId/regenerate',
    {
      preHandler: admin,
      schema: {
        tags: ['tokens'],
        summary: 'Revoke a token and create its replacement (same name and scope)',
        params: Type.Object({ tokenId: Type.String() }),
        response: { 201: CreatedTokenSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { tokenId } = request.params as { tokenId: string };
      const created = await regenerateToken(db, principalOf(request).workspaceId, tokenId, ctx.clock.now());
      return reply.status(201).send(created);
    },
  );

  app.post(
    '/api/v1/sessions',
    {
      schema: {
        tags: ['sessions'],
        summary: 'Sign the dashboard in with an admin token; sets an HttpOnly session cookie',
        security: [],
        body: Type.Object({ token: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
        response: { 201: Type.Object({ workspaceId: Type.String(), expiresAt: Type.String() }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { token } = request.body as { token: string };
      const principal = await resolvePrincipal(ctx, { kind: 'token', value: token });
      if (principal === undefined) throw new AppError('unauthorized', 'the token is unknown or revoked', 'token');
      if (principal.scope !== 'admin') throw new AppError('forbidden', 'the dashboard needs an admin token', 'token');
      const session = await createSession(db, principal.workspaceId, ctx.clock.now());
      const secure = request.protocol === 'https' ? '; Secure' : '';
      reply.header(
        'Set-Cookie',
        `${SESSION_COOKIE}=${session.secret}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${7 * 24 * 3600}${secure}`,
      );
      return reply
        .status(201)
        .send({ workspaceId: principal.workspaceId, expiresAt: new Date(session.expiresAt).toISOString() });
    },
  );

  app.delete('/api/v1/sessions', { schema: { tags: ['sessions'], summary: 'Sign out' } }, async (request, reply) => {
    const credential = presentedCredential(request);
    if (credential?.kind === 'session') await deleteSession(db, credential.value);
    reply.header('Set-Cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
    return reply.status(204).send();
  });
}
