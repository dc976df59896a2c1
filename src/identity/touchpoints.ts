import type { Kysely } from 'kysely';
import { classifyChannel } from '../attribution/channels.js';
import type { ClickIds, StoredEvent, Utm } from '../events/stored-event.js';
import { newId } from '../ids/ids.js';
import type { Database } from '../storage/schema.js';
import type { TouchpointTable } from '../storage/tables/core.js';

const UTM_KEYS = ['source', 'medium', 'campaign', 'content', 'term', 'id'] as const;

function landingParams(url: string | undefined): URLSearchParams | undefined {
  if (url === undefined) return undefined;
  try {
    return new URL(url).searchParams;
  } catch {
    return undefined;
  }
}

/** UTMs the caller sent, completed from the landing URL's query string. */
export function utmOf(utm: Utm | undefined, landingUrl: string | undefined): Utm {
  const params = landingParams(landingUrl);
  const out: Utm = {};
  for (const k of UTM_KEYS) {
    const value = utm?.[k] ?? params?.get(`utm_${k}`) ?? undefined;
    if (value !== undefined && value !== '') out[k] = value;
  }
  return out;
}

export interface TouchInput {
  workspaceId: string;
  personId: string | null;
  visitorId: string | null;
  occurredAt: number;
  clickIds: ClickIds;
  utm: Utm;
  referrer?: string | undefined;
  landingUrl?: string | undefined;
  eventId: string | null;
}

/** The touchpoint row a visit or click makes, or null for a direct visit (no click id, UTM or referrer). */
export function touchpointRow(input: TouchInput, now: number): TouchpointTable | null {
  const utm = utmOf(input.utm, input.landingUrl);
  const c = classifyChannel({
    clickIds: input.clickIds,
    utm,
    ...(input.referrer === undefined ? {} : { referrer: input.referrer }),
    ...(input.landingUrl === undefined ? {} : { landingUrl: input.landingUrl }),
  });
  if (c.kind === 'visit' && c.channel === 'direct') return null;
  return {
    workspace_id: input.workspaceId,
    touchpoint_id: newId('tch', now),
    person_id: input.personId,
    visitor_id: input.visitorId,
    occurred_at: input.occurredAt,
    kind: c.kind,
    channel: c.channel,
    platform: c.platform,
    campaign_id: c.campaignId,
    campaign_name: c.campaignName,
    adset_id: c.adsetId,
    adset_name: c.adsetName,
    ad_id: c.adId,
    ad_name: c.adName,
    utm_source: utm.source ?? null,
    utm_medium: utm.medium ?? null,
    utm_campaign: utm.campaign ?? null,
    utm_content: utm.content ?? null,
    utm_term: utm.term ?? null,
    click_id_type: c.clickIdType,
    click_id: c.clickId,
    referrer: input.referrer ?? null,
    landing_url: input.landingUrl ?? null,
    event_id: input.eventId,
  };
}

function referrerHost(referrer: string | null): string | null {
  if (referrer === null) return null;
  try {
    return new URL(referrer).hostname;
  } catch {
    return null;
  }
}

const SAME_VISIT_FIELDS = [
  'channel',
  'platform',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_content',
  'utm_term',
] as const;

/**
 * Stores a touch unless it repeats one already known: a click id is recorded once (a later event with
 * the same click id only claims an anonymous click for its person — how a tracked-link click or an ad
 * click seen before sign-up reaches the buyer); a visit is skipped when the person's or browser's
 * latest touch has the same source. Browsers resend their last-touch UTMs and click ids with every
 * beacon, so this keeps one touchpoint per actual arrival.
 */
export async function recordTouch(trx: Kysely<Database>, input: TouchInput, now: number): Promise<string | null> {
  const row = touchpointRow(input, now);
  if (row === null) return null;
  if (row.click_id !== null && row.click_id_type !== null) {
    const existing = await trx
      .selectFrom('touchpoints')
      .select(['touchpoint_id', 'person_id', 'visitor_id'])
      .where('workspace_id', '=', input.workspaceId)
      .where('click_id_type', '=', row.click_id_type)
      .where('click_id', '=', row.click_id)
      .executeTakeFirst();
    if (existing !== undefined) {
      if (existing.person_id === null && input.personId !== null) {
        await trx
          .updateTable('touchpoints')
          .set({ person_id: input.personId, visitor_id: existing.visitor_id ?? input.visitorId })
          .where('workspace_id', '=', input.workspaceId)
          .where('touchpoint_id', '=', existing.touchpoint_id)
          .execute();
      }
      return existing.touchpoint_id;
    }
  } else if (input.personId !== null || input.visitorId !== null) {
    let query = trx.selectFrom('touchpoints').selectAll().where('workspace_id', '=', input.workspaceId);
    query =
      input.personId !== null
        ? query.where('person_id', '=', input.personId)
        : query.where('visitor_id', '=', input.visitorId);
    const last = await query.orderBy('occurred_at', 'desc').limit(1).executeTakeFirst();
    if (
      last !== undefined &&
      last.kind === 'visit' &&
      SAME_VISIT_FIELDS.every((f) => last[f] === row[f]) &&
      referrerHost(last.referrer) === referrerHost(row.referrer)
    ) {
      return last.touchpoint_id;
    }
  }
  await trx.insertInto('touchpoints').values(row).execute();
  return row.touchpoint_id;
}

/** EVENT_HOOKS.afterInsert: the touch an ingested event carries (landing page, click ids, UTMs, referrer). */
export async function recordEventTouchpoint(trx: Kysely<Database>, event: StoredEvent, now: number): Promise<void> {
  // The pixel resends the visitor's last-touch click ids and UTMs with every beacon (for forwarding);
  // only what a page view's own URL and referrer say is an arrival, so page views inside a visit cost
  // no query here.
  const carried = event.source === 'pixel';
  // In the browser the page view is the arrival; events fired on that page (forms, tracks) repeat it.
  if (carried && event.name !== 'PageView') return;
  await recordTouch(
    trx,
    {
      workspaceId: event.workspaceId,
      personId: event.personId,
      visitorId: event.userData.visitorId ?? null,
      occurredAt: event.occurredAt,
      clickIds: carried ? {} : event.clickIds,
      utm: carried ? {} : (event.context.utm ?? {}),
      referrer: event.context.referrer,
      landingUrl: event.context.pageUrl,
      eventId: event.id,
    },
    now,
  );
}
