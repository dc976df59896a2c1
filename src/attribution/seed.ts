import type { Kysely } from 'kysely';
import { rawRowsOf } from '../storage/raw-rows.js';
import type { Database } from '../storage/schema.js';
import type { AdSpendTable } from '../storage/tables/attribution.js';
import type { EventTable, PersonIdentifierTable, PersonTable, TouchpointTable } from '../storage/tables/core.js';
import { DAY_MS } from './models.js';
import { upsertSpend } from './spend.js';
import { addDays, startOfDay } from './timezones.js';

/** mulberry32: a tiny deterministic PRNG, so a seed always produces the same data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SeedOptions {
  workspaceId: string;
  people: number;
  seed: number;
  /** Last day of the 90 seeded days (YYYY-MM-DD, UTC). */
  until: string;
  days?: number;
  currency?: string;
  onProgress?: (peopleDone: number) => void;
}

export interface SeedSummary {
  people: number;
  touchpoints: number;
  conversions: number;
  events: number;
  spendRows: number;
  from: string;
  to: string;
}

interface AdObject {
  platform: string;
  channel: string;
  campaignId: string;
  campaignName: string;
  adsetId: string;
  adsetName: string;
  adId: string;
  adName: string;
  clickIdType: string | null;
}

const PAID: Array<{ platform: string; channel: string; weight: number; clickIdType: string }> = [
  { platform: 'meta', channel: 'paid_social', weight: 20, clickIdType: 'fbclid' },
  { platform: 'tiktok', channel: 'paid_social', weight: 6, clickIdType: 'ttclid' },
  { platform: 'linkedin', channel: 'paid_social', weight: 4, clickIdType: 'li_fat_id' },
  { platform: 'google', channel: 'paid_search', weight: 16, clickIdType: 'gclid' },
  { platform: 'microsoft', channel: 'paid_search', weight: 4, clickIdType: 'msclkid' },
  { platform: 'google', channel: 'display', weight: 5, clickIdType: 'gclid' },
];
const ORGANIC: Array<{ channel: string; platform: string; weight: number }> = [
  { channel: 'organic_search', platform: 'google', weight: 15 },
  { channel: 'social', platform: 'meta', weight: 8 },
  { channel: 'email', platform: 'other', weight: 10 },
  { channel: 'referral', platform: 'other', weight: 5 },
  { channel: 'affiliate', platform: 'other', weight: 2 },
  { channel: 'direct', platform: 'other', weight: 5 },
];

function adCatalog(): Map<string, AdObject[]> {
  const out = new Map<string, AdObject[]>();
  for (const p of PAID) {
    const ads: AdObject[] = [];
    const tag = `${p.platform}-${p.channel}`;
    for (let c = 1; c <= 3; c++)
      for (let s = 1; s <= 2; s++)
        for (let a = 1; a <= 3; a++) {
          ads.push({
            platform: p.platform,
            channel: p.channel,
            campaignId: `${tag}-c${c}`,
            campaignName: `${p.platform} ${p.channel.replace('_', ' ')} campaign ${c}`,
            adsetId: `${tag}-c${c}-s${s}`,
            adsetName: `audience ${s}`,
            adId: `${tag}-c${c}-s${s}-a${a}`,
            adName: `creative ${c}.${s}.${a}`,
            clickIdType: p.clickIdType,
          });
        }
    out.set(tag, ads);
  }
  return out;
}

const TOTAL_WEIGHT = [...PAID, ...ORGANIC].reduce((a, b) => a + b.weight, 0);
const pad = (n: number, width: number) => n.toString().padStart(width, '0');

/** Writes rows with the storage's bulk path (multi-row statements), one transaction per table. */
async function insertAll<T extends object>(db: Kysely<Database>, table: string, rows: readonly T[]): Promise<void> {
  const first = rows[0];
  if (first === undefined) return;
  const raw = rawRowsOf(db);
  if (raw === undefined) throw new Error('seeding needs a database opened by openStorage');
  const columns = Object.keys(first) as Array<keyof T & string>;
  await raw.insertRows(
    table,
    columns,
    rows.map((row) => columns.map((c) => row[c])),
  );
}

/**
 * Deterministic synthetic journeys over `days` (default 90) days: several platforms, campaigns and
 * ads, organic / direct / email touches, trials, purchases, renewals, refunds and churn, plus daily
 * ad spend. Writes straight into the core tables in large batches.
 */
export async function seedWorkspace(db: Kysely<Database>, options: SeedOptions): Promise<SeedSummary> {
  const rand = prng(options.seed);
  const days = options.days ?? 90;
  const currency = options.currency ?? 'USD';
  const fromDate = addDays(options.until, -(days - 1));
  const start = startOfDay(fromDate, 'UTC');
  const end = startOfDay(addDays(options.until, 1), 'UTC');
  const ads = adCatalog();
  const ws = options.workspaceId;
  const prefix = `s${options.seed.toString(36)}`;
  const summary: SeedSummary = {
    people: 0,
    touchpoints: 0,
    conversions: 0,
    events: 0,
    spendRows: 0,
    from: fromDate,
    to: options.until,
  };
  const pick = <T>(items: readonly T[]) => items[Math.floor(rand() * items.length)] as T;

  const batchPeople = 20_000;
  for (let base = 0; base < options.people; base += batchPeople) {
    const people: PersonTable[] = [];
    const identifiers: PersonIdentifierTable[] = [];
    const touches: TouchpointTable[] = [];
    const events: EventTable[] = [];
    const count = Math.min(batchPeople, options.people - base);
    for (let k = 0; k < count; k++) {
      const n = base + k;
      const personId = `per_${prefix}_${pad(n, 9)}`;
      const firstAt = start + Math.floor(rand() * (end - start) * 0.9);
      people.push({
        workspace_id: ws,
        person_id: personId,
        merged_into: null,
        created_at: firstAt,
        updated_at: firstAt,
      });
      identifiers.push({
        workspace_id: ws,
        kind: 'email',
        value: `person${n}@seed.example`,
        person_id: personId,
        strength: 'strong',
        source: 'seed',
        first_seen_at: firstAt,
        last_seen_at: firstAt,
      });
      // ~4 touches on average, spread over up to three weeks.
      const touchCount = 1 + Math.min(11, Math.floor(-Math.log(1 - rand()) * 4.5));
      let at = firstAt;
      const visitor = rand() < 0.15 ? 2 : 1; // cross-device: a second visitor id for some people
      for (let t = 0; t < touchCount && at < end; t++) {
        let roll = rand() * TOTAL_WEIGHT;
        let ad: AdObject | null = null;
        let channel = 'direct';
        let platform = 'other';
        for (const p of PAID) {
          roll -= p.weight;
          if (roll < 0) {
            ad = pick(ads.get(`${p.platform}-${p.channel}`) as AdObject[]);
            channel = p.channel;
            platform = p.platform;
            break;
          }
        }
        if (!ad) {
          for (const o of ORGANIC) {
            roll -= o.weight;
            if (roll < 0) {
              channel = o.channel;
              platform = o.platform;
              break;
            }
          }
        }
        touches.push({
          workspace_id: ws,
          touchpoint_id: `tch_${prefix}_${pad(n, 9)}_${pad(t, 2)}`,
          person_id: personId,
          visitor_id: `v_${prefix}_${n}_${1 + (t % visitor)}`,
          occurred_at: at,
          kind: ad ? 'click' : 'visit',
          channel,
          platform,
          campaign_id: ad?.campaignId ?? null,
          campaign_name: ad?.campaignName ?? null,
          adset_id: ad?.adsetId ?? null,
          adset_name: ad?.adsetName ?? null,
          ad_id: ad?.adId ?? null,
          ad_name: ad?.adName ?? null,
          utm_source: ad ? platform : null,
          utm_medium: ad ? (channel === 'display' ? 'display' : 'cpc') : null,
          utm_campaign: ad?.campaignName ?? null,
          utm_content: ad?.adName ?? null,
          utm_term: null,
          click_id_type: ad?.clickIdType ?? null,
          click_id: ad ? `${prefix}${n}x${t}` : null,
          referrer: null,
          landing_url: null,
          event_id: null,
        });
        summary.touchpoints++;
        at += Math.floor(rand() * 5 * DAY_MS);
      }
      const event = (name: string, when: number, valueMinor: number | null, i: number): void => {
        if (when >= end) return;
        events.push({
          workspace_id: ws,
          event_id: `evt_${prefix}_${pad(n, 9)}_${pad(i, 2)}`,
          name,
          is_canonical: name === 'SubscriptionCancelled' ? 0 : 1,
          original_name: name,
          source: 'seed',
          occurred_at: when,
          received_at: when + 1000,
          person_id: personId,
          dedup_key: `seed:${prefix}:${n}:${i}`,
          request_id: 'req_seed',
          value_minor: valueMinor,
          currency: valueMinor === null ? null : currency,
          user_data: '{}',
          click_ids: '{}',
          context: '{}',
          properties: '{}',
          do_not_forward: 0,
        });
        summary.events++;
        if (name === 'Purchase') summary.conversions++;
      };
      const lastTouch = at;
      if (rand() < 0.5) event('StartTrial', lastTouch - Math.floor(rand() * DAY_MS), null, 0);
      if (rand() < 0.8) {
        const plan = pick([2900, 4900, 9900, 19900]);
        const purchaseAt = lastTouch + Math.floor(rand() * 2 * DAY_MS);
        event('Purchase', purchaseAt, plan, 1);
        if (rand() < 0.4) event('SubscriptionRenew', purchaseAt + 30 * DAY_MS, plan, 2);
        if (rand() < 0.1) event('PlanUpgrade', purchaseAt + 20 * DAY_MS, plan, 3);
        if (rand() < 0.03) event('Refund', purchaseAt + 3 * DAY_MS, plan, 4);
        else if (rand() < 0.1) event('SubscriptionCancelled', purchaseAt + 25 * DAY_MS, plan, 5);
      }
    }
    await insertAll(db, 'people', people);
    await insertAll(db, 'person_identifiers', identifiers);
    await insertAll(db, 'touchpoints', touches);
    await insertAll(db, 'events', events);
    summary.people += count;
    options.onProgress?.(summary.people);
  }

  const spend: AdSpendTable[] = [];
  for (let d = 0; d < days; d++) {
    const date = addDays(fromDate, d);
    for (const list of ads.values())
      for (const ad of list) {
        const impressions = Math.floor(rand() * 20_000);
        spend.push({
          workspace_id: ws,
          date,
          platform: ad.platform,
          campaign_id: ad.campaignId,
          adset_id: ad.adsetId,
          ad_id: ad.adId,
          campaign_name: ad.campaignName,
          adset_name: ad.adsetName,
          ad_name: ad.adName,
          spend_minor: Math.floor(rand() * 50_000 * Math.max(1, options.people / 10_000)),
          currency,
          impressions,
          clicks: Math.floor(impressions * rand() * 0.03),
          updated_at: end,
        });
      }
  }
  await upsertSpend(db, spend);
  summary.spendRows = spend.length;
  await rawRowsOf(db)?.afterBulkLoad(['people', 'person_identifiers', 'touchpoints', 'events', 'ad_spend']);
  return summary;
}
