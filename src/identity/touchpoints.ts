import { type Kysely, sql, type Transaction } from 'kysely';
import { classifyChannel } from '../attribution/channels.js';
import type { ClickIds, StoredEvent, Utm } from '../events/stored-event.js';
import { newId } from '../ids/ids.js';
import { hasLateralJoins } from '../storage/database.js';
import type { RowWriter } from '../storage/row-writer.js';
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

/** The touch an ingested event carries, or null when it carries none worth a query (see below). */
function eventTouchInput(event: StoredEvent): TouchInput | null {
  // The pixel resends the visitor's last-touch click ids and UTMs with every beacon (for forwarding);
  // only what a page view's own URL and referrer say is an arrival, so page views inside a visit cost
  // no query here.
  const carried = event.source === 'pixel';
  // In the browser the page view is the arrival; events fired on that page (forms, tracks) repeat it.
  if (carried && event.name !== 'PageView') return null;
  return {
    workspaceId: event.workspaceId,
    personId: event.personId,
    visitorId: event.userData.visitorId ?? null,
    occurredAt: event.occurredAt,
    clickIds: carried ? {} : event.clickIds,
    utm: carried ? {} : (event.context.utm ?? {}),
    referrer: event.context.referrer,
    landingUrl: event.context.pageUrl,
    eventId: event.id,
  };
}

/** EVENT_HOOKS.afterInsert: the touch an ingested event carries (landing page, click ids, UTMs, referrer). */
export async function recordEventTouchpoint(trx: Kysely<Database>, event: StoredEvent, now: number): Promise<void> {
  const input = eventTouchInput(event);
  if (input !== null) await recordTouch(trx, input, now);
}

const BATCH_ROWS = 200;
const LOOKUP_CHUNK = 400;
const clickKey = (type: string, id: string) => `${type}\u0000${id}`;

/**
 * PostgreSQL only (LATERAL): for each key (values of `columns`), the earliest touchpoint in
 * (occurred_at, touchpoint_id) order, or the latest with 'desc'. One index probe per key, whatever
 * the statistics say (see identifier-index.ts lookUp for why).
 */
async function probeTouchPerKey(
  trx: Kysely<Database>,
  workspaceId: string,
  columns: ReadonlyArray<'person_id' | 'visitor_id' | 'click_id_type' | 'click_id'>,
  keys: ReadonlyArray<readonly string[]>,
  order: 'asc' | 'desc',
): Promise<TouchpointTable[]> {
  const match = sql.join(
    columns.map((c, i) => sql`${sql.ref(`s.${c}`)} = ${sql.ref(`q.column${i + 1}`)}`),
    sql` and `,
  );
  const direction = sql.raw(order);
  const { rows } = await sql<TouchpointTable>`
    select t.* from (values ${sql.join(keys.map((k) => sql`(${sql.join(k)})`))}) as q
    cross join lateral (
      select * from touchpoints s where s.workspace_id = ${workspaceId} and ${match}
      order by s.occurred_at ${direction}, s.touchpoint_id ${direction} limit 1) t`.execute(trx);
  return rows;
}

/** The latest touchpoint of each person (or browser) asked for, as recordTouch's query would find it. */
async function latestTouches(
  trx: Kysely<Database>,
  workspaceId: string,
  column: 'person_id' | 'visitor_id',
  keys: string[],
): Promise<Map<string, TouchpointTable>> {
  const out = new Map<string, TouchpointTable>();
  for (let i = 0; i < keys.length; i += LOOKUP_CHUNK) {
    const part = keys.slice(i, i + LOOKUP_CHUNK);
    const rows: TouchpointTable[] = hasLateralJoins(trx)
      ? await probeTouchPerKey(
          trx,
          workspaceId,
          [column],
          part.map((k) => [k]),
          'desc',
        )
      : (
          await trx
            .selectFrom((eb) =>
              eb
                .selectFrom('touchpoints')
                .selectAll()
                .select((b) =>
                  b.fn
                    .agg<number>('row_number')
                    .over((ob) =>
                      ob.partitionBy(column).orderBy('occurred_at', 'desc').orderBy('touchpoint_id', 'desc'),
                    )
                    .as('rn'),
                )
                .where('workspace_id', '=', workspaceId)
                .where(column, 'in', part)
                .as('t'),
            )
            .selectAll()
            .where('rn', '=', 1)
            .execute()
        ).map(({ rn: _rn, ...row }) => row);
    for (const row of rows) {
      const key = row[column];
      if (key !== null) out.set(key, { ...row, occurred_at: Number(row.occurred_at) });
    }
  }
  return out;
}

/**
 * recordEventTouchpoint for a batch of events of one transaction, in order, with the same outcome as
 * calling it event by event: what each event's recordTouch would have read (the click id's touchpoint,
 * the person's or browser's latest touch) is loaded once for the batch and kept in step with the rows
 * the earlier events of the batch write; new touchpoints are then written with multi-row inserts.
 */
export async function recordEventTouchpoints(
  trx: Kysely<Database>,
  events: readonly StoredEvent[],
  now: number,
  writer?: RowWriter,
): Promise<void> {
  const byWorkspace = new Map<string, Array<{ input: TouchInput; row: TouchpointTable }>>();
  for (const event of events) {
    const input = eventTouchInput(event);
    const row = input === null ? null : touchpointRow(input, now);
    if (input === null || row === null) continue;
    const list = byWorkspace.get(input.workspaceId);
    if (list === undefined) byWorkspace.set(input.workspaceId, [{ input, row }]);
    else list.push({ input, row });
  }
  for (const [workspaceId, touches] of byWorkspace) await recordWorkspaceTouches(trx, workspaceId, touches, writer);
}

/** The first touchpoint of each (click id type, click id) asked for, by clickKey. */
async function firstClickTouches(
  trx: Kysely<Database>,
  workspaceId: string,
  pairs: Map<string, { type: string; id: string }>,
): Promise<Map<string, TouchpointTable>> {
  const clicks = new Map<string, TouchpointTable>();
  const asked = [...pairs.values()];
  for (let i = 0; i < asked.length; i += LOOKUP_CHUNK) {
    const part = asked.slice(i, i + LOOKUP_CHUNK);
    const found = hasLateralJoins(trx)
      ? await probeTouchPerKey(
          trx,
          workspaceId,
          ['click_id_type', 'click_id'],
          part.map((c) => [c.type, c.id]),
          'asc',
        )
      : await trx
          .selectFrom('touchpoints')
          .selectAll()
          .where('workspace_id', '=', workspaceId)
          .where('click_id_type', 'in', [...new Set(part.map((c) => c.type))])
          .where(
            'click_id',
            'in',
            part.map((c) => c.id),
          )
          .orderBy('occurred_at')
          .orderBy('touchpoint_id')
          .execute();
    for (const row of found) {
      if (row.click_id === null || row.click_id_type === null) continue;
      const key = clickKey(row.click_id_type, row.click_id);
      if (pairs.has(key) && !clicks.has(key)) clicks.set(key, { ...row, occurred_at: Number(row.occurred_at) });
    }
  }
  return clicks;
}

async function recordWorkspaceTouches(
  trx: Kysely<Database>,
  workspaceId: string,
  touches: Array<{ input: TouchInput; row: TouchpointTable }>,
  writer: RowWriter | undefined,
): Promise<void> {
  const clickPairs = new Map<string, { type: string; id: string }>();
  const personKeys = new Set<string>();
  const visitorKeys = new Set<string>();
  for (const { input, row } of touches) {
    if (row.click_id !== null && row.click_id_type !== null) {
      clickPairs.set(clickKey(row.click_id_type, row.click_id), { type: row.click_id_type, id: row.click_id });
    } else if (input.personId !== null) personKeys.add(input.personId);
    else if (input.visitorId !== null) visitorKeys.add(input.visitorId);
  }
  const clicks = await firstClickTouches(trx, workspaceId, clickPairs);
  const lastByPerson =
    personKeys.size === 0 ? new Map() : await latestTouches(trx, workspaceId, 'person_id', [...personKeys]);
  const lastByVisitor =
    visitorKeys.size === 0 ? new Map() : await latestTouches(trx, workspaceId, 'visitor_id', [...visitorKeys]);

  const pending = new Set<TouchpointTable>();
  const updates = new Map<string, TouchpointTable>();
  // A row written (or claimed) by an earlier event of the batch is what a later event's query would see.
  const offer = (row: TouchpointTable, written: boolean) => {
    for (const [map, keys, key] of [
      [lastByPerson, personKeys, row.person_id],
      [lastByVisitor, visitorKeys, row.visitor_id],
    ] as const) {
      if (key === null || !keys.has(key)) continue;
      const last = map.get(key);
      if (
        last === undefined ||
        row.occurred_at > last.occurred_at ||
        // Equal times: the row written last is found first (as SQLite's index order returns it).
        (row.occurred_at === last.occurred_at && written)
      ) {
        map.set(key, row);
      }
    }
  };

  for (const { input, row } of touches) {
    if (row.click_id !== null && row.click_id_type !== null) {
      const key = clickKey(row.click_id_type, row.click_id);
      const existing = clicks.get(key);
      if (existing !== undefined) {
        if (existing.person_id === null && input.personId !== null) {
          existing.person_id = input.personId;
          existing.visitor_id = existing.visitor_id ?? input.visitorId;
          if (!pending.has(existing)) updates.set(existing.touchpoint_id, existing);
          offer(existing, false);
        }
        continue;
      }
      clicks.set(key, row);
    } else if (input.personId !== null || input.visitorId !== null) {
      const last = input.personId !== null ? lastByPerson.get(input.personId) : lastByVisitor.get(input.visitorId);
      if (
        last !== undefined &&
        last.kind === 'visit' &&
        SAME_VISIT_FIELDS.every((f) => last[f] === row[f]) &&
        referrerHost(last.referrer) === referrerHost(row.referrer)
      ) {
        continue;
      }
    }
    pending.add(row);
    offer(row, true);
  }

  for (const row of updates.values()) {
    await trx
      .updateTable('touchpoints')
      .set({ person_id: row.person_id, visitor_id: row.visitor_id })
      .where('workspace_id', '=', workspaceId)
      .where('touchpoint_id', '=', row.touchpoint_id)
      .execute();
  }
  const rows = [...pending];
  if (writer !== undefined) {
    await writer.insert(trx as Transaction<Database>, 'touchpoints', rows);
    return;
  }
  for (let i = 0; i < rows.length; i += BATCH_ROWS) {
    await trx
      .insertInto('touchpoints')
      .values(rows.slice(i, i + BATCH_ROWS))
      .execute();
  }
}
