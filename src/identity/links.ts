import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AppContext } from '../context/context.js';
import { AppError } from '../errors/codes.js';
import { newId } from '../ids/ids.js';
import type { Database } from '../storage/schema.js';
import type { LinkTable } from '../storage/tables/identity.js';
import { recordTouch } from './touchpoints.js';

export interface LinkInput {
  url: string;
  slug?: string | undefined;
  name?: string | undefined;
  utm?: { source?: string; medium?: string; campaign?: string; content?: string; term?: string } | undefined;
}

export interface Link {
  id: string;
  slug: string;
  url: string;
  name: string | null;
  utm: {
    source: string | null;
    medium: string | null;
    campaign: string | null;
    content: string | null;
    term: string | null;
  };
  createdAt: string;
  clicks?: number;
}

const BOT =
  /bot\b|crawl|spider|slurp|facebookexternalhit|preview|slack|whatsapp|telegram|discord|embedly|curl\/|wget|python-requests/i;
const SLUG = /^[A-Za-z0-9_-]{3,64}$/;

export function toLink(row: LinkTable, clicks?: number): Link {
  return {
    id: row.link_id,
    slug: row.slug,
    url: row.url,
    name: row.name,
    utm: {
      source: row.utm_source,
      medium: row.utm_medium,
      campaign: row.utm_campaign,
      content: row.utm_content,
      term: row.utm_term,
    },
    createdAt: new Date(Number(row.created_at)).toISOString(),
    ...(clicks === undefined ? {} : { clicks }),
  };
}

function checkUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw new AppError('validation_failed', `"${url}" is not an absolute URL`, 'url');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new AppError('validation_failed', 'the target URL must be http:// or https://', 'url');
  }
  return parsed.toString();
}

const optional = (value: string | undefined) => {
  const text = value?.trim();
  return text === undefined || text === '' ? null : text;
};

export async function createLink(
  db: Kysely<Database>,
  workspaceId: string,
  input: LinkInput,
  now: number,
): Promise<Link> {
  const slug = input.slug?.trim() || randomBytes(6).toString('base64url');
  if (!SLUG.test(slug)) {
    throw new AppError('validation_failed', 'slug must be 3 to 64 letters, digits, "-" or "_"', 'slug');
  }
  const row: LinkTable = {
    workspace_id: workspaceId,
    link_id: newId('lnk', now),
    slug,
    url: checkUrl(input.url),
    name: optional(input.name),
    utm_source: optional(input.utm?.source),
    utm_medium: optional(input.utm?.medium),
    utm_campaign: optional(input.utm?.campaign),
    utm_content: optional(input.utm?.content),
    utm_term: optional(input.utm?.term),
    created_at: now,
  };
  const taken = await db.selectFrom('links').select('link_id').where('slug', '=', slug).executeTakeFirst();
  if (taken !== undefined) throw new AppError('conflict', `the slug "${slug}" is already taken`, 'slug');
  await db.insertInto('links').values(row).execute();
  return toLink(row);
}

export async function listLinks(db: Kysely<Database>, workspaceId: string): Promise<Link[]> {
  const rows = await db
    .selectFrom('links')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .orderBy('link_id', 'desc')
    .execute();
  const counts = await db
    .selectFrom('link_clicks')
    .select(['link_id', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('workspace_id', '=', workspaceId)
    .groupBy('link_id')
    .execute();
  const byLink = new Map(counts.map((c) => [c.link_id, Number(c.n)]));
  return rows.map((row) => toLink(row, byLink.get(row.link_id) ?? 0));
}

/** The redirect target: the link's URL with its UTMs (unless the URL sets them) and `tp_click_id`. */
export function redirectUrl(link: LinkTable, clickId: string): string {
  const target = new URL(link.url);
  const utms: Array<[string, string | null]> = [
    ['utm_source', link.utm_source],
    ['utm_medium', link.utm_medium],
    ['utm_campaign', link.utm_campaign],
    ['utm_content', link.utm_content],
    ['utm_term', link.utm_term],
  ];
  for (const [name, value] of utms) {
    if (value !== null && !target.searchParams.has(name)) target.searchParams.set(name, value);
  }
  target.searchParams.set('tp_click_id', clickId);
  return target.toString();
}

export type LinkClickOutcome = { status: 'redirect'; location: string; clickId: string } | { status: 'not_found' };

/**
 * `GET /l/<slug>`: records the click (and its touchpoint, anonymous until an event sends the click id
 * back as `tp_click_id` / `clickId`) and answers where to redirect.
 */
export async function recordLinkClick(
  ctx: AppContext,
  slug: string,
  request: { referrer?: string | undefined; userAgent?: string | undefined },
): Promise<LinkClickOutcome> {
  const link = await ctx.storage.db.selectFrom('links').selectAll().where('slug', '=', slug).executeTakeFirst();
  if (link === undefined) return { status: 'not_found' };
  const now = ctx.clock.now();
  const clickId = newId('clk', now);
  const location = redirectUrl(link, clickId);
  // Link previews and crawlers follow links too; they are redirected but not counted as clicks.
  if (BOT.test(request.userAgent ?? '')) return { status: 'redirect', location, clickId };
  await ctx.writes.enqueue(async (trx) => {
    const touchpointId = await recordTouch(
      trx,
      {
        workspaceId: link.workspace_id,
        personId: null,
        visitorId: null,
        occurredAt: now,
        clickIds: { tp_click_id: clickId },
        utm: {},
        referrer: request.referrer,
        landingUrl: location,
        eventId: null,
      },
      now,
    );
    await trx
      .insertInto('link_clicks')
      .values({
        workspace_id: link.workspace_id,
        click_id: clickId,
        link_id: link.link_id,
        occurred_at: now,
        referrer: request.referrer?.slice(0, 2048) ?? null,
        user_agent: request.userAgent?.slice(0, 1024) ?? null,
        touchpoint_id: touchpointId ?? '',
      })
      .execute();
  });
  return { status: 'redirect', location, clickId };
}
