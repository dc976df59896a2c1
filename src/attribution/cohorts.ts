import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import type { Workspace } from '../workspaces/workspaces.js';
import { toMajor } from './money.js';
import { DayBuckets } from './timezones.js';

/** Events that start or renew a subscription (their value is the new monthly recurring revenue). */
const SUBSCRIPTION_EVENTS = new Set(['Purchase', 'SubscriptionStarted', 'SubscriptionRenew']);
/** Events whose value raises MRR on top of the current plan. */
const EXPANSION_EVENTS = new Set(['PlanUpgrade', 'ExpansionRevenue']);
/** One-off revenue: counts in net revenue, not in MRR. */
const ONE_OFF_EVENTS = new Set(['TopUpPurchased']);
/** Events that end the subscription (MRR goes to 0 until the customer comes back). */
const CHURN_EVENTS = new Set(['Refund', 'SubscriptionCancelled', 'subscription.cancelled']);
const COHORT_EVENTS = [...SUBSCRIPTION_EVENTS, ...EXPANSION_EVENTS, ...ONE_OFF_EVENTS, ...CHURN_EVENTS];

export type CohortGroupBy = 'campaign' | 'ad';

export interface CohortRow {
  key: string;
  label: string;
  platform: string | null;
  channel: string | null;
  campaignId: string | null;
  adId: string | null;
  customers: number;
  /** Current MRR of the cohort's active customers. */
  mrr: number;
  newMrr: number;
  expansionMrr: number;
  churnedMrr: number;
  reactivatedMrr: number;
  /** All revenue to date minus refunds. */
  netRevenue: number;
}

export interface CohortReport {
  timezone: string;
  currency: string;
  from: string;
  to: string;
  groupBy: CohortGroupBy;
  rows: CohortRow[];
}

interface Customer {
  mrr: number;
  churned: boolean;
  row: CohortRow;
}

/**
 * Cohorts by acquiring ad: customers whose first purchase falls in [from, to] (local days), grouped by
 * the campaign or ad of their first touch, with their MRR movements and net revenue to date — so churn
 * and win-back are tied back to the ad that brought the customer in.
 */
export async function cohortReport(
  db: Kysely<Database>,
  workspace: Workspace,
  query: { from: string; to: string; timezone: string; groupBy: CohortGroupBy },
): Promise<CohortReport> {
  const days = new DayBuckets(query.from, query.to, query.timezone);
  const events = await db
    .selectFrom('events')
    .select(['person_id', 'name', 'occurred_at', 'value_minor', 'currency'])
    .where('workspace_id', '=', workspace.id)
    .where('name', 'in', COHORT_EVENTS)
    .where('person_id', 'is not', null)
    .orderBy('occurred_at')
    .orderBy('event_id')
    .execute();

  // Who was acquired in the period: first subscription event inside it.
  const firstPurchase = new Map<string, number>();
  for (const e of events) {
    const person = e.person_id as string;
    if (SUBSCRIPTION_EVENTS.has(e.name) && !firstPurchase.has(person)) firstPurchase.set(person, Number(e.occurred_at));
  }
  const cohort = new Set([...firstPurchase].filter(([, at]) => days.indexOf(at) !== -1).map(([p]) => p));

  const firstTouch = new Map<string, CohortRow>();
  const touches = await db
    .selectFrom('touchpoints')
    .select(['person_id', 'channel', 'platform', 'campaign_id', 'campaign_name', 'ad_id', 'ad_name'])
    .where('workspace_id', '=', workspace.id)
    .where('person_id', 'is not', null)
    .orderBy('occurred_at')
    .orderBy('touchpoint_id')
    .execute();
  const rows = new Map<string, CohortRow>();
  const rowFor = (
    key: string,
    init: () => Omit<
      CohortRow,
      'customers' | 'mrr' | 'newMrr' | 'expansionMrr' | 'churnedMrr' | 'reactivatedMrr' | 'netRevenue'
    >,
  ) => {
    let row = rows.get(key);
    if (!row) {
      row = {
        ...init(),
        customers: 0,
        mrr: 0,
        newMrr: 0,
        expansionMrr: 0,
        churnedMrr: 0,
        reactivatedMrr: 0,
        netRevenue: 0,
      };
      rows.set(key, row);
    }
    return row;
  };
  for (const t of touches) {
    const person = t.person_id as string;
    if (!cohort.has(person) || firstTouch.has(person)) continue;
    const id = query.groupBy === 'ad' ? (t.ad_id ?? t.ad_name) : (t.campaign_id ?? t.campaign_name);
    const name = query.groupBy === 'ad' ? (t.ad_name ?? id) : (t.campaign_name ?? id);
    const key = id === null ? `channel:${t.channel}` : `${t.platform}:${id}`;
    firstTouch.set(
      person,
      rowFor(key, () => ({
        key,
        label: name ?? t.channel,
        platform: t.platform,
        channel: t.channel,
        campaignId: t.campaign_id ?? t.campaign_name,
        adId: query.groupBy === 'ad' ? id : null,
      })),
    );
  }

  const customers = new Map<string, Customer>();
  for (const e of events) {
    const person = e.person_id as string;
    if (!cohort.has(person)) continue;
    const value = e.value_minor === null ? 0 : toMajor(Number(e.value_minor), e.currency ?? workspace.currency);
    let c = customers.get(person);
    if (!c) {
      const row =
        firstTouch.get(person) ??
        rowFor('unattributed', () => ({
          key: 'unattributed',
          label: 'Unattributed',
          platform: null,
          channel: null,
          campaignId: null,
          adId: null,
        }));
      row.customers++;
      c = { mrr: 0, churned: false, row };
      customers.set(person, c);
    }
    const row = c.row;
    if (SUBSCRIPTION_EVENTS.has(e.name)) {
      row.netRevenue += value;
      if (c.churned) {
        row.reactivatedMrr += value;
        c.churned = false;
      } else if (c.mrr === 0) row.newMrr += value;
      else if (value > c.mrr) row.expansionMrr += value - c.mrr;
      c.mrr = value;
    } else if (EXPANSION_EVENTS.has(e.name)) {
      row.netRevenue += value;
      row.expansionMrr += value;
      c.mrr += value;
    } else if (ONE_OFF_EVENTS.has(e.name)) {
      row.netRevenue += value;
    } else if (CHURN_EVENTS.has(e.name)) {
      if (e.name === 'Refund') row.netRevenue -= value;
      if (!c.churned && c.mrr > 0) {
        row.churnedMrr += c.mrr;
        c.mrr = 0;
        c.churned = true;
      }
    }
  }
  for (const c of customers.values()) c.row.mrr += c.mrr;
  return {
    timezone: query.timezone,
    currency: workspace.currency,
    from: query.from,
    to: query.to,
    groupBy: query.groupBy,
    rows: [...rows.values()]
      .filter((r) => r.customers > 0)
      .sort((a, b) => b.customers - a.customers || a.key.localeCompare(b.key)),
  };
}
