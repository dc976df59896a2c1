import type { Kysely } from 'kysely';
import type { AppContext } from '../context/context.js';
import { AppError } from '../errors/codes.js';
import { toStoredEvent, type UserData } from '../events/stored-event.js';
import type { Database } from '../storage/schema.js';
import type { TouchpointTable } from '../storage/tables/core.js';
import { type IdentifierKind, identifiersOf, normalizeEmail } from './identifiers.js';
import { findRoot, type MergeReason, mergePeople } from './merge.js';

const iso = (ms: number) => new Date(Number(ms)).toISOString();

export interface PersonIdentifierView {
  kind: string;
  value: string;
  strength: string;
  source: string;
  firstSeenAt: string;
  lastSeenAt: string;
}

export interface PersonView {
  id: string;
  createdAt: string;
  updatedAt: string;
  /** People merged into this one (their ids still resolve here). */
  mergedFrom: string[];
  identifiers: PersonIdentifierView[];
  merges: Array<{ from: string; into: string; reason: MergeReason; at: string }>;
}

export interface PersonQuery {
  email?: string | undefined;
  visitorId?: string | undefined;
  externalId?: string | undefined;
}

/** `GET /api/v1/people?email=|visitorId=|externalId=`: the people holding those identifiers. */
export async function findPeople(db: Kysely<Database>, workspaceId: string, query: PersonQuery): Promise<PersonView[]> {
  const wanted: Array<[IdentifierKind, string]> = [];
  const email = normalizeEmail(query.email);
  if (query.email !== undefined) wanted.push(['email', email ?? query.email.trim().toLowerCase()]);
  if (query.visitorId !== undefined) wanted.push(['visitor_id', query.visitorId.trim()]);
  if (query.externalId !== undefined) wanted.push(['external_id', query.externalId.trim()]);
  if (wanted.length === 0) {
    throw new AppError('validation_failed', 'pass one of email, visitorId or externalId', 'email');
  }
  const rows: Array<{ person_id: string }> = [];
  for (const [kind, value] of wanted) {
    const row = await db
      .selectFrom('person_identifiers')
      .select('person_id')
      .where('workspace_id', '=', workspaceId)
      .where('kind', '=', kind)
      .where('value', '=', value)
      .executeTakeFirst();
    if (row !== undefined) rows.push(row);
  }
  const roots = new Set<string>();
  for (const row of rows) roots.add(await findRoot(db, workspaceId, row.person_id));
  const out: PersonView[] = [];
  for (const id of roots) out.push(await getPerson(db, workspaceId, id));
  return out;
}

export async function getPerson(db: Kysely<Database>, workspaceId: string, personId: string): Promise<PersonView> {
  const root = await findRoot(db, workspaceId, personId);
  const person = await db
    .selectFrom('people')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('person_id', '=', root)
    .executeTakeFirst();
  if (person === undefined) throw new AppError('not_found', `person ${personId} does not exist`, 'id');
  const identifiers = await db
    .selectFrom('person_identifiers')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('person_id', '=', root)
    .orderBy('first_seen_at')
    .execute();
  const children = await db
    .selectFrom('people')
    .select('person_id')
    .where('workspace_id', '=', workspaceId)
    .where('merged_into', '=', root)
    .orderBy('person_id')
    .execute();
  const merges = await db
    .selectFrom('person_merges')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where((eb) => eb.or([eb('into_person_id', '=', root), eb('from_person_id', '=', root)]))
    .orderBy('created_at')
    .execute();
  return {
    id: root,
    createdAt: iso(person.created_at),
    updatedAt: iso(person.updated_at),
    mergedFrom: children.map((c) => c.person_id),
    identifiers: identifiers.map((i) => ({
      kind: i.kind,
      value: i.value,
      strength: i.strength,
      source: i.source,
      firstSeenAt: iso(i.first_seen_at),
      lastSeenAt: iso(i.last_seen_at),
    })),
    merges: merges.map((m) => ({
      from: m.from_person_id,
      into: m.into_person_id,
      reason: JSON.parse(m.reason) as MergeReason,
      at: iso(m.created_at),
    })),
  };
}

export interface TouchpointView {
  id: string;
  occurredAt: string;
  kind: string;
  channel: string;
  platform: string;
  campaign: { id: string | null; name: string | null };
  adset: { id: string | null; name: string | null };
  ad: { id: string | null; name: string | null };
  utm: {
    source: string | null;
    medium: string | null;
    campaign: string | null;
    content: string | null;
    term: string | null;
  };
  clickIdType: string | null;
  clickId: string | null;
  referrer: string | null;
  landingUrl: string | null;
  eventId: string | null;
}

export function toTouchpointView(t: TouchpointTable): TouchpointView {
  return {
    id: t.touchpoint_id,
    occurredAt: iso(t.occurred_at),
    kind: t.kind,
    channel: t.channel,
    platform: t.platform,
    campaign: { id: t.campaign_id, name: t.campaign_name },
    adset: { id: t.adset_id, name: t.adset_name },
    ad: { id: t.ad_id, name: t.ad_name },
    utm: {
      source: t.utm_source,
      medium: t.utm_medium,
      campaign: t.utm_campaign,
      content: t.utm_content,
      term: t.utm_term,
    },
    clickIdType: t.click_id_type,
    clickId: t.click_id,
    referrer: t.referrer,
    landingUrl: t.landing_url,
    eventId: t.event_id,
  };
}

export interface JourneyEvent {
  id: string;
  name: string;
  source: string;
  occurredAt: string;
  value: number | null;
  currency: string | null;
  pageUrl: string | null;
}

export interface Journey {
  person: PersonView;
  touchpoints: TouchpointView[];
  pageViews: JourneyEvent[];
  events: JourneyEvent[];
  revenue: Array<{ currency: string; valueMinor: number; conversions: number }>;
  /** Touchpoints and events in one list, oldest first. */
  timeline: Array<{ type: 'touchpoint' | 'pageview' | 'event'; at: string; id: string; summary: string }>;
}

const JOURNEY_LIMIT = 2000;

/** `GET /api/v1/people/<id>/journey`: everything known about how a person arrived and converted, oldest first. */
export async function getJourney(db: Kysely<Database>, workspaceId: string, personId: string): Promise<Journey> {
  const person = await getPerson(db, workspaceId, personId);
  const touchRows = await db
    .selectFrom('touchpoints')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('person_id', '=', person.id)
    .orderBy('occurred_at')
    .orderBy('touchpoint_id')
    .limit(JOURNEY_LIMIT)
    .execute();
  const eventRows = await db
    .selectFrom('events')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('person_id', '=', person.id)
    .orderBy('occurred_at')
    .orderBy('event_id')
    .limit(JOURNEY_LIMIT)
    .execute();
  const touchpoints = touchRows.map(toTouchpointView);
  const all = eventRows.map(toStoredEvent).map((e) => ({
    id: e.id,
    name: e.name,
    source: e.source,
    occurredAt: iso(e.occurredAt),
    value: e.valueMinor,
    currency: e.currency,
    pageUrl: e.context.pageUrl ?? null,
  }));
  const revenue = new Map<string, { valueMinor: number; conversions: number }>();
  for (const e of all) {
    if (e.value === null || e.currency === null) continue;
    const sum = revenue.get(e.currency) ?? { valueMinor: 0, conversions: 0 };
    sum.valueMinor += e.value;
    sum.conversions += 1;
    revenue.set(e.currency, sum);
  }
  const timeline: Journey['timeline'] = [
    ...touchpoints.map((t) => ({
      type: 'touchpoint' as const,
      at: t.occurredAt,
      id: t.id,
      summary: `${t.kind} ${t.channel}/${t.platform}${t.campaign.name === null ? '' : ` ${t.campaign.name}`}`,
    })),
    ...all.map((e) => ({
      type: e.name === 'PageView' ? ('pageview' as const) : ('event' as const),
      at: e.occurredAt,
      id: e.id,
      summary: e.name === 'PageView' ? (e.pageUrl ?? 'PageView') : e.name,
    })),
  ].sort((a, b) => (a.at === b.at ? (a.type === 'touchpoint' ? -1 : 1) : a.at < b.at ? -1 : 1));
  return {
    person,
    touchpoints,
    pageViews: all.filter((e) => e.name === 'PageView'),
    events: all.filter((e) => e.name !== 'PageView'),
    revenue: [...revenue.entries()].map(([currency, sum]) => ({ currency, ...sum })),
    timeline,
  };
}

/** Operator merge: joins two people regardless of the automatic guards, with the reason recorded. */
export async function mergePeopleByOperator(
  ctx: AppContext,
  workspaceId: string,
  input: { from: string; into: string; note?: string | undefined },
): Promise<PersonView> {
  const now = ctx.clock.now();
  return ctx.writes.enqueue(async (trx) => {
    const from = await findRoot(trx, workspaceId, input.from);
    const into = await findRoot(trx, workspaceId, input.into);
    for (const [field, id] of [
      ['from', from],
      ['into', into],
    ] as const) {
      const exists = await trx
        .selectFrom('people')
        .select('person_id')
        .where('workspace_id', '=', workspaceId)
        .where('person_id', '=', id)
        .executeTakeFirst();
      if (exists === undefined) throw new AppError('not_found', `person ${input[field]} does not exist`, field);
    }
    if (from === into) throw new AppError('conflict', 'these people are already one person', 'from');
    await mergePeople(trx, workspaceId, from, into, { via: 'operator', source: 'api', note: input.note }, now);
    return getPerson(trx, workspaceId, into);
  });
}

export type AliasKind = 'email' | 'phone' | 'external_id' | 'visitor_id' | 'stripe_customer' | 'crm_contact';

const ALIAS_FIELDS: Record<AliasKind, keyof UserData> = {
  email: 'email',
  phone: 'phone',
  external_id: 'externalId',
  visitor_id: 'visitorId',
  stripe_customer: 'stripeCustomerId',
  crm_contact: 'crmContactId',
};

/**
 * Operator alias: attaches an identifier (a second email, a CRM id, ...) to a person, so future events
 * carrying it resolve there. An identifier that already names another person is a merge, not an alias.
 */
export async function addAlias(
  ctx: AppContext,
  workspaceId: string,
  personId: string,
  alias: { kind: AliasKind; value: string },
): Promise<PersonView> {
  const [identifier] = identifiersOf({ [ALIAS_FIELDS[alias.kind]]: alias.value });
  if (identifier === undefined || identifier.kind !== alias.kind) {
    throw new AppError('validation_failed', `"${alias.value}" is not a valid ${alias.kind}`, 'value');
  }
  const now = ctx.clock.now();
  return ctx.writes.enqueue(async (trx) => {
    const root = await findRoot(trx, workspaceId, personId);
    const person = await trx
      .selectFrom('people')
      .select('person_id')
      .where('workspace_id', '=', workspaceId)
      .where('person_id', '=', root)
      .executeTakeFirst();
    if (person === undefined) throw new AppError('not_found', `person ${personId} does not exist`, 'id');
    const existing = await trx
      .selectFrom('person_identifiers')
      .select('person_id')
      .where('workspace_id', '=', workspaceId)
      .where('kind', '=', identifier.kind)
      .where('value', '=', identifier.value)
      .executeTakeFirst();
    if (existing !== undefined) {
      const owner = await findRoot(trx, workspaceId, existing.person_id);
      if (owner !== root) {
        throw new AppError(
          'conflict',
          `this ${alias.kind} already belongs to ${owner}; merge the two people instead`,
          'value',
        );
      }
    } else {
      await trx
        .insertInto('person_identifiers')
        .values({
          workspace_id: workspaceId,
          kind: identifier.kind,
          value: identifier.value,
          person_id: root,
          strength: 'strong',
          source: 'operator',
          first_seen_at: now,
          last_seen_at: now,
        })
        .execute();
    }
    return getPerson(trx, workspaceId, root);
  });
}
