import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../../../context/context.js';
import { AppError } from '../../../errors/codes.js';
import { createLink, listLinks, recordLinkClick } from '../../../identity/links.js';
import { principalOf, requireScope } from '../../plugins/auth.js';
import { ErrorResponse, errorResponses } from '../schemas.js';

const NStr = Type.Union([Type.String(), Type.Null()]);
const Link = Type.Object({
  id: Type.String(),
  slug: Type.String(),
  url: Type.String(),
  shortUrl: Type.String(),
  name: NStr,
  utm: Type.Object({ source: NStr, medium: NStr, campaign: NStr, content: NStr, term: NStr }),
  createdAt: Type.String(),
  clicks: Type.Optional(Type.Number()),
});
const UtmInput = Type.Optional(Type.String({ maxLength: 200 }));

/** Tracked short links: create/list (API), and the public redirect that records each click. */
export async function linkRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const db = ctx.storage.db;
  const base = (host: string, protocol: string) =>
    (ctx.config.server.publicUrl ?? `${protocol}://${host}`).replace(/\/$/, '');

  app.post(
    '/api/v1/links',
    {
      preHandler: requireScope(ctx, 'admin'),
      schema: {
        tags: ['links'],
        summary: 'Create a tracked short link; `/l/<slug>` redirects to the URL with `tp_click_id`',
        body: Type.Object(
          {
            url: Type.String({ minLength: 1, maxLength: 4096 }),
            slug: Type.Optional(Type.String({ maxLength: 64 })),
            name: Type.Optional(Type.String({ maxLength: 200 })),
            utm: Type.Optional(
              Type.Object(
                { source: UtmInput, medium: UtmInput, campaign: UtmInput, content: UtmInput, term: UtmInput },
                { additionalProperties: false },
              ),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 201: Link, ...errorResponses, 409: ErrorResponse },
      },
    },
    async (request, reply) => {
      const link = await createLink(
        db,
        principalOf(request).workspaceId,
        request.body as Parameters<typeof createLink>[2],
        ctx.clock.now(),
      );
      return reply.status(201).send({ ...link, shortUrl: `${base(request.host, request.protocol)}/l/${link.slug}` });
    },
  );

  app.get(
    '/api/v1/links',
    {
      preHandler: requireScope(ctx, 'read'),
      schema: {
        tags: ['links'],
        summary: 'Tracked links with their click counts',
        response: { 200: Type.Object({ data: Type.Array(Link) }), ...errorResponses },
      },
    },
    async (request) => {
      const links = await listLinks(db, principalOf(request).workspaceId);
      const prefix = base(request.host, request.protocol);
      return { data: links.map((link) => ({ ...link, shortUrl: `${prefix}/l/${link.slug}` })) };
    },
  );

  app.get(
    '/l/:slug',
    {
      schema: {
        tags: ['links'],
        summary: 'Follow a tracked link: records the click and redirects (302) with `tp_click_id`',
        security: [],
        params: Type.Object({ slug: Type.String({ maxLength: 64 }) }),
        response: { 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      const outcome = await recordLinkClick(ctx, (request.params as { slug: string }).slug, {
        referrer: request.headers.referer,
        userAgent: request.headers['user-agent'],
      });
      switch (outcome.status) {
        case 'redirect':
          reply.header('Cache-Control', 'no-store');
          return reply.redirect(outcome.location, 302);
        case 'not_found':
          throw new AppError('not_found', 'this link does not exist', 'slug');
      }
    },
  );
}
