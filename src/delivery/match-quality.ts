import type { AppContext } from '../context/context.js';
import type { DestinationKind, PrivacySettings } from '../destinations/types.js';
import { AppError } from '../errors/codes.js';
import { type StoredEvent, toStoredEvent } from '../events/stored-event.js';
import { loadPrivacy } from './privacy.js';

/**
 * Event match quality, 0-10, per event and destination: a weighted sum of the identifiers the
 * platform matches on (Meta §1.14: email, phone, external_id, fbc, fbp, IP, user agent highest; then
 * names and address), with hints naming the missing identifiers worth the most. Our estimate, not the
 * platform's own score.
 */
interface Signal {
  key: string;
  label: string;
  weight: number;
  present: (e: StoredEvent, privacy: PrivacySettings) => boolean;
}

const has = (v: string | undefined): boolean => v !== undefined && v !== '';
const ip = (e: StoredEvent, p: PrivacySettings) => !p.stripIpUserAgent && has(e.userData.ip);
const ua = (e: StoredEvent, p: PrivacySettings) => !p.stripIpUserAgent && has(e.userData.userAgent);
const email: Signal = { key: 'email', label: 'email', weight: 3, present: (e) => has(e.userData.email) };
const phone: Signal = { key: 'phone', label: 'phone', weight: 1.5, present: (e) => has(e.userData.phone) };
const names: Signal = {
  key: 'name',
  label: 'first and last name',
  weight: 0.5,
  present: (e) => has(e.userData.firstName) && has(e.userData.lastName),
};

const SIGNALS: Partial<Record<DestinationKind, Signal[]>> = {
  meta: [
    email,
    { ...phone, weight: 2 },
    { key: 'external_id', label: 'external id', weight: 1, present: (e) => has(e.userData.externalId) },
    { key: 'fbc', label: 'fbc (fbclid)', weight: 1.5, present: (e) => has(e.userData.fbc) || has(e.clickIds.fbclid) },
    { key: 'fbp', label: 'fbp', weight: 1, present: (e) => has(e.userData.fbp) },
    { key: 'ip', label: 'IP address', weight: 1, present: ip },
    { key: 'user_agent', label: 'user agent', weight: 0.5, present: ua },
    names,
    {
      key: 'address',
      label: 'city, state, zip and country',
      weight: 0.5,
      present: (e) => has(e.userData.zip) || has(e.userData.city) || has(e.userData.country),
    },
  ],
  'google-ads': [
    {
      key: 'click_id',
      label: 'gclid (or gbraid/wbraid)',
      weight: 5,
      present: (e) => has(e.clickIds.gclid) || has(e.clickIds.gbraid) || has(e.clickIds.wbraid),
    },
    email,
    phone,
    names,
  ],
  linkedin: [
    { key: 'li_fat_id', label: 'li_fat_id', weight: 5, present: (e) => has(e.clickIds.li_fat_id) },
    { ...email, weight: 4 },
    { ...names, weight: 1 },
  ],
  tiktok: [
    { key: 'ttclid', label: 'ttclid', weight: 3, present: (e) => has(e.clickIds.ttclid) },
    { ...email, weight: 2.5 },
    phone,
    { key: 'ttp', label: 'ttp cookie', weight: 1, present: (e) => has(e.userData.ttp) },
    { key: 'external_id', label: 'external id', weight: 1, present: (e) => has(e.userData.externalId) },
    { key: 'ip', label: 'IP address', weight: 0.5, present: ip },
    { key: 'user_agent', label: 'user agent', weight: 0.5, present: ua },
  ],
  microsoft: [
    { key: 'msclkid', label: 'msclkid', weight: 5, present: (e) => has(e.clickIds.msclkid) },
    email,
    phone,
    { key: 'ip', label: 'IP address and user agent', weight: 0.5, present: (e, p) => ip(e, p) && ua(e, p) },
  ],
};

export interface MatchQuality {
  score: number;
  present: string[];
  missing: string[];
  hints: string[];
}

export function matchQuality(kind: DestinationKind, event: StoredEvent, privacy: PrivacySettings): MatchQuality | null {
  const signals = SIGNALS[kind];
  if (signals === undefined) return null;
  const present: string[] = [];
  const missing: Signal[] = [];
  let total = 0;
  for (const signal of signals) {
    if (signal.present(event, privacy)) {
      present.push(signal.key);
      total += signal.weight;
    } else missing.push(signal);
  }
  const score = Math.min(10, Math.round(total * 10) / 10);
  const top = [...missing].sort((a, b) => b.weight - a.weight).slice(0, 2);
  const hints =
    score >= 10 || top.length === 0
      ? []
      : [`send ${top.map((s) => s.label).join(' and ')} to raise ${kind} match quality`];
  return { score, present, missing: missing.map((s) => s.key), hints };
}

export interface MatchQualityByEvent {
  eventName: string;
  events: number;
  averageScore: number;
  /** share of events carrying each identifier, 0-1 */
  coverage: Record<string, number>;
  hints: string[];
}

/** Aggregated per event name over the events routed to a destination (or a kind) in a time window. */
export async function matchQualityReport(
  ctx: AppContext,
  workspaceId: string,
  filter: { destinationId: string; since?: number | undefined; until?: number | undefined; limit?: number | undefined },
): Promise<{ destinationId: string; type: string; eventNames: MatchQualityByEvent[] }> {
  const db = ctx.storage.db;
  const destination = await db
    .selectFrom('destinations')
    .select(['kind'])
    .where('workspace_id', '=', workspaceId)
    .where('destination_id', '=', filter.destinationId)
    .executeTakeFirst();
  if (destination === undefined)
    throw new AppError('not_found', `destination ${filter.destinationId} does not exist`, 'destinationId');
  const kind = destination.kind as DestinationKind;
  let query = db
    .selectFrom('delivery_outbox')
    .innerJoin('events', (join) =>
      join
        .onRef('events.workspace_id', '=', 'delivery_outbox.workspace_id')
        .onRef('events.event_id', '=', 'delivery_outbox.event_id'),
    )
    .selectAll('events')
    .where('delivery_outbox.workspace_id', '=', workspaceId)
    .where('delivery_outbox.destination_id', '=', filter.destinationId)
    .where('delivery_outbox.status', '!=', 'skipped');
  if (filter.since !== undefined) query = query.where('delivery_outbox.event_occurred_at', '>=', filter.since);
  if (filter.until !== undefined) query = query.where('delivery_outbox.event_occurred_at', '<', filter.until);
  const rows = await query
    .orderBy('delivery_outbox.created_at', 'desc')
    .limit(filter.limit ?? 10_000)
    .execute();
  const privacy = await loadPrivacy(db, workspaceId);
  const byName = new Map<string, { n: number; sum: number; counts: Map<string, number>; keys: Set<string> }>();
  for (const row of rows) {
    const event = toStoredEvent(row);
    const quality = matchQuality(kind, event, privacy);
    if (quality === null) continue;
    const agg = byName.get(event.name) ?? { n: 0, sum: 0, counts: new Map<string, number>(), keys: new Set<string>() };
    agg.n += 1;
    agg.sum += quality.score;
    for (const key of [...quality.present, ...quality.missing]) agg.keys.add(key);
    for (const key of quality.present) agg.counts.set(key, (agg.counts.get(key) ?? 0) + 1);
    byName.set(event.name, agg);
  }
  const eventNames = [...byName.entries()].map(([eventName, agg]): MatchQualityByEvent => {
    const coverage: Record<string, number> = {};
    for (const key of agg.keys) coverage[key] = Math.round(((agg.counts.get(key) ?? 0) / agg.n) * 100) / 100;
    const weakest = Object.entries(coverage)
      .filter(([, share]) => share < 0.5)
      .map(([key]) => key)
      .slice(0, 3);
    return {
      eventName,
      events: agg.n,
      averageScore: Math.round((agg.sum / agg.n) * 10) / 10,
      coverage,
      hints:
        weakest.length === 0 ? [] : [`send ${weakest.join(', ')} on more ${eventName} events to raise match quality`],
    };
  });
  eventNames.sort((a, b) => b.events - a.events);
  return { destinationId: filter.destinationId, type: kind, eventNames };
}
