import type { Kysely } from 'kysely';
import { AppError } from '../errors/codes.js';
import type { Database } from '../storage/schema.js';
import { isValidTimezone } from '../workspaces/validate.js';
import type { Workspace } from '../workspaces/workspaces.js';
import { type CreditSink, runAttribution } from './engine.js';
import {
  FIRST_PURCHASE,
  type JourneyStore,
  journeyStore,
  NEW_CUSTOMER,
  type PeriodConversions,
  type TouchDimension,
} from './journeys.js';
import {
  DAY_MS,
  isModelName,
  isWindowName,
  MODELS,
  type ModelName,
  WINDOWS,
  type WindowName,
  windowMs,
} from './models.js';
import { listSpend, type SpendRecord } from './spend.js';
import { DayBuckets, isIsoDate } from './timezones.js';

export const GROUP_BY = ['channel', 'platform', 'campaign', 'adset', 'ad', 'day'] as const;
export type GroupBy = (typeof GROUP_BY)[number];

export const DEFAULT_EVENTS = ['Purchase'];
const MAX_DAYS = 732;

export interface ReportQuery {
  from: string;
  to: string;
  model: ModelName;
  window: WindowName;
  timezone: string;
  events: string[];
  groupBy: GroupBy;
  sourceSpecific: boolean;
  creditDate: 'conversion' | 'click';
  halfLifeDays: number;
  order: number;
}

/** Raw query-string values, as the API and the CLI receive them. */
export interface RawReportQuery {
  from?: string | undefined;
  to?: string | undefined;
  model?: string | undefined;
  window?: string | undefined;
  timezone?: string | undefined;
  events?: string | string[] | undefined;
  groupBy?: string | undefined;
  sourceSpecific?: boolean | string | undefined;
  creditDate?: string | undefined;
  halfLifeDays?: number | string | undefined;
  order?: number | string | undefined;
}

function list(value: string | string[] | undefined): string[] {
  const raw = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return [
    ...new Set(
      raw
        .flatMap((v) => v.split(','))
        .map((v) => v.trim())
        .filter(Boolean),
    ),
  ];
}

/** Validates a report query; defaults: workspace timezone, last_touch, lifetime, Purchase, by channel. */
export function parseReportQuery(
  raw: RawReportQuery,
  workspace: Workspace,
  allowedGroups: readonly GroupBy[] = GROUP_BY,
): ReportQuery {
  if (raw.from === undefined || !isIsoDate(raw.from))
    throw new AppError('validation_failed', 'from must be YYYY-MM-DD', 'from');
  if (raw.to === undefined || !isIsoDate(raw.to))
    throw new AppError('validation_failed', 'to must be YYYY-MM-DD', 'to');
  if (raw.to < raw.from) throw new AppError('validation_failed', 'to must not be before from', 'to');
  const span = (Date.parse(raw.to) - Date.parse(raw.from)) / DAY_MS + 1;
  if (span > MAX_DAYS) throw new AppError('validation_failed', `a report spans at most ${MAX_DAYS} days`, 'to');
  const model = raw.model ?? 'last_touch';
  if (!isModelName(model))
    throw new AppError('validation_failed', `model must be one of ${MODELS.join(', ')}`, 'model');
  const window = raw.window ?? 'lifetime';
  if (!isWindowName(window))
    throw new AppError('validation_failed', `window must be one of ${WINDOWS.join(', ')}`, 'window');
  const timezone = raw.timezone ?? workspace.timezone;
  if (!isValidTimezone(timezone))
    throw new AppError('validation_failed', 'timezone must be an IANA zone name', 'timezone');
  const groupBy = raw.groupBy ?? allowedGroups[0] ?? 'channel';
  if (!(allowedGroups as readonly string[]).includes(groupBy)) {
    throw new AppError('validation_failed', `groupBy must be one of ${allowedGroups.join(', ')}`, 'groupBy');
  }
  const creditDate = raw.creditDate ?? 'conversion';
  if (creditDate !== 'conversion' && creditDate !== 'click') {
    throw new AppError('validation_failed', 'creditDate must be conversion or click', 'creditDate');
  }
  const halfLifeDays = Number(raw.halfLifeDays ?? 7);
  if (!(halfLifeDays > 0)) throw new AppError('validation_failed', 'halfLifeDays must be positive', 'halfLifeDays');
  const order = Number(raw.order ?? 1);
  if (![1, 2, 3].includes(order)) throw new AppError('validation_failed', 'order must be 1, 2 or 3', 'order');
  const events = list(raw.events);
  return {
    from: raw.from,
    to: raw.to,
    model,
    window,
    timezone,
    events: events.length > 0 ? events : DEFAULT_EVENTS,
    groupBy: groupBy as GroupBy,
    sourceSpecific: raw.sourceSpecific === true || raw.sourceSpecific === 'true' || raw.sourceSpecific === '1',
    creditDate,
    halfLifeDays,
    order,
  };
}

export interface ReportRow {
  key: string;
  label: string;
  channel: string | null;
  platform: string | null;
  campaignId: string | null;
  adsetId: string | null;
  adId: string | null;
  date: string | null;
  conversions: number;
  revenue: number;
  newCustomers: number;
  returningCustomers: number;
  firstPurchaseRevenue: number;
  spend: number;
  impressions: number;
  clicks: number;
  cpa: number | null;
  roas: number | null;
  cac: number | null;
}

export interface AttributionReport {
  timezone: string;
  currency: string;
  from: string;
  to: string;
  model: ModelName;
  window: WindowName;
  sourceSpecific: boolean;
  creditDate: 'conversion' | 'click';
  events: string[];
  groupBy: GroupBy;
  rows: ReportRow[];
  totals: {
    conversions: number;
    attributedConversions: number;
    unattributedConversions: number;
    revenue: number;
    newCustomers: number;
    firstPurchaseRevenue: number;
    spend: number;
    cpa: number | null;
    roas: number | null;
    cac: number | null;
    /** Blended marketing efficiency ratio: all revenue / all spend. */
    mer: number | null;
  };
}

const PAID_CHANNEL_OF_PLATFORM: Record<string, string> = {
  meta: 'paid_social',
  tiktok: 'paid_social',
  linkedin: 'paid_social',
  google: 'paid_search',
  microsoft: 'paid_search',
};

interface Dimension {
  key: string;
  label: string;
  channel: string | null;
  platform: string | null;
  campaignId: string | null;
  adsetId: string | null;
  adId: string | null;
  date: string | null;
}

const UNATTRIBUTED: Omit<Dimension, 'date'> = {
  key: 'unattributed',
  label: 'Unattributed',
  channel: null,
  platform: null,
  campaignId: null,
  adsetId: null,
  adId: null,
};

/** The group a credit lands in (cheap: the full dimension is built once per group). */
export function dimensionKey(groupBy: GroupBy, touch: TouchDimension | null, date: string): string {
  if (groupBy === 'day') return date;
  if (touch === null) return UNATTRIBUTED.key;
  switch (groupBy) {
    case 'channel':
      return touch.channel;
    case 'platform':
      return touch.platform;
    case 'campaign':
      return `${touch.platform}:${touch.campaignId ?? touch.campaignName ?? '(none)'}`;
    case 'adset':
      return `${touch.platform}:${touch.adsetId ?? touch.adsetName ?? '(none)'}`;
    case 'ad':
      return `${touch.platform}:${touch.adId ?? touch.adName ?? '(none)'}`;
  }
}

export function touchDimension(groupBy: GroupBy, touch: TouchDimension | null, date: string): Dimension {
  if (groupBy === 'day') return { ...UNATTRIBUTED, key: date, label: date, date };
  if (touch === null) return { ...UNATTRIBUTED, date: null };
  const base = { channel: touch.channel, platform: touch.platform, date: null };
  switch (groupBy) {
    case 'channel':
      return {
        ...base,
        key: touch.channel,
        label: touch.channel,
        platform: null,
        campaignId: null,
        adsetId: null,
        adId: null,
      };
    case 'platform':
      return {
        ...base,
        key: touch.platform,
        label: touch.platform,
        channel: null,
        campaignId: null,
        adsetId: null,
        adId: null,
      };
    case 'campaign': {
      const id = touch.campaignId ?? touch.campaignName ?? '(none)';
      return {
        ...base,
        key: `${touch.platform}:${id}`,
        label: touch.campaignName ?? id,
        campaignId: id,
        adsetId: null,
        adId: null,
      };
    }
    case 'adset': {
      const id = touch.adsetId ?? touch.adsetName ?? '(none)';
      const campaignId = touch.campaignId ?? touch.campaignName;
      return {
        ...base,
        key: `${touch.platform}:${id}`,
        label: touch.adsetName ?? id,
        campaignId,
        adsetId: id,
        adId: null,
      };
    }
    case 'ad': {
      const id = touch.adId ?? touch.adName ?? '(none)';
      return {
        ...base,
        key: `${touch.platform}:${id}`,
        label: touch.adName ?? id,
        campaignId: touch.campaignId ?? touch.campaignName,
        adsetId: touch.adsetId ?? touch.adsetName,
        adId: id,
      };
    }
  }
}

function spendKey(groupBy: GroupBy, s: SpendRecord): string {
  switch (groupBy) {
    case 'channel':
      return PAID_CHANNEL_OF_PLATFORM[s.platform] ?? 'other';
    case 'platform':
      return s.platform;
    case 'campaign':
      return `${s.platform}:${s.campaignId ?? s.campaignName ?? '(none)'}`;
    case 'adset':
      return `${s.platform}:${s.adsetId ?? s.adsetName ?? '(none)'}`;
    case 'ad':
      return `${s.platform}:${s.adId ?? s.adName ?? '(none)'}`;
    case 'day':
      return s.date;
  }
}

const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);

export function emptyRow(d: Dimension): ReportRow {
  return {
    ...d,
    conversions: 0,
    revenue: 0,
    newCustomers: 0,
    returningCustomers: 0,
    firstPurchaseRevenue: 0,
    spend: 0,
    impressions: 0,
    clicks: 0,
    cpa: null,
    roas: null,
    cac: null,
  };
}

/** A report period's conversions, ready to credit under the query's model. */
export interface LoadedPeriod {
  store: JourneyStore;
  conversions: PeriodConversions;
  days: DayBuckets;
  /** Runs the model; see runAttribution for the order of the shares. */
  run(sink: CreditSink): void;
}

/** Loads the period's data for the chosen model: the engine every report and the results API share. */
export async function loadPeriod(
  db: Kysely<Database>,
  workspace: Workspace,
  query: ReportQuery,
): Promise<LoadedPeriod> {
  const days = new DayBuckets(query.from, query.to, query.timezone);
  const lookback = windowMs(query.window);
  const store = await journeyStore(db, workspace.id, workspace.currency);
  const conversionsTo =
    query.creditDate === 'conversion' ? days.end : lookback === null ? Number.POSITIVE_INFINITY : days.end + lookback;
  const conversions = store.conversions(query.events, days.start, conversionsTo);
  const options = {
    model: query.model,
    windowMs: lookback,
    sourceSpecific: query.sourceSpecific,
    halfLifeMs: query.halfLifeDays * DAY_MS,
    creditDate: query.creditDate,
    days,
    order: query.order,
  };
  return { store, conversions, days, run: (sink) => runAttribution(store, conversions, options, sink) };
}

/** `GET /api/v1/reports/attribution`: credited conversions, revenue and spend metrics per group. */
export async function attributionReport(
  db: Kysely<Database>,
  workspace: Workspace,
  query: ReportQuery,
): Promise<AttributionReport> {
  const { store, conversions: period, days, run } = await loadPeriod(db, workspace, query);
  const rows = new Map<string, ReportRow>();
  // Group of each touch dimension (and day), found once: many dimensions may share a group.
  const byDim: Array<ReportRow | undefined> = new Array(store.dims.length);
  const byDay: Array<ReportRow | undefined> = new Array(days.days.length);
  const group = (dim: TouchDimension | null, date: string): ReportRow => {
    const key = dimensionKey(query.groupBy, dim, date);
    let row = rows.get(key);
    if (!row) {
      row = emptyRow(touchDimension(query.groupBy, dim, date));
      rows.set(key, row);
    }
    return row;
  };
  let unattributedRow: ReportRow | undefined;
  let last = -1;
  let conversions = 0;
  let unattributed = 0;
  let revenue = 0;
  let newCustomers = 0;
  let firstPurchaseRevenue = 0;
  run((c, touch, credit, day) => {
    const e = period.event[c] as number;
    const value = store.eventValue[e] as number;
    const flags = period.flags[c] as number;
    if (c !== last) {
      last = c;
      conversions++;
      revenue += value;
      if (flags & NEW_CUSTOMER) newCustomers++;
      if (flags & FIRST_PURCHASE) firstPurchaseRevenue += value;
    }
    if (touch === -1) unattributed++;
    let row: ReportRow;
    if (query.groupBy === 'day') {
      row = byDay[day] ?? group(null, days.days[day] as string);
      byDay[day] = row;
    } else if (touch === -1) {
      row = unattributedRow ?? group(null, '');
      unattributedRow = row;
    } else {
      const d = store.touchDim[touch] as number;
      row = byDim[d] ?? group(store.dims[d] as TouchDimension, '');
      byDim[d] = row;
    }
    row.conversions += credit;
    row.revenue += credit * value;
    if (flags & NEW_CUSTOMER) row.newCustomers += credit;
    else row.returningCustomers += credit;
    if (flags & FIRST_PURCHASE) row.firstPurchaseRevenue += credit * value;
  });

  let spend = 0;
  for (const s of await listSpend(db, workspace.id, query.from, query.to)) {
    spend += s.spend;
    const key = spendKey(query.groupBy, s);
    let row = rows.get(key);
    if (!row) {
      const channel = query.groupBy === 'channel' ? key : null;
      row = emptyRow({
        key,
        label:
          query.groupBy === 'campaign' ? (s.campaignName ?? key) : query.groupBy === 'ad' ? (s.adName ?? key) : key,
        channel:
          channel ??
          (query.groupBy === 'platform' || query.groupBy === 'day'
            ? null
            : (PAID_CHANNEL_OF_PLATFORM[s.platform] ?? null)),
        platform: query.groupBy === 'channel' || query.groupBy === 'day' ? null : s.platform,
        campaignId: query.groupBy === 'campaign' ? s.campaignId : null,
        adsetId: query.groupBy === 'adset' ? s.adsetId : null,
        adId: query.groupBy === 'ad' ? s.adId : null,
        date: query.groupBy === 'day' ? s.date : null,
      });
      rows.set(key, row);
    }
    row.spend += s.spend;
    row.impressions += s.impressions;
    row.clicks += s.clicks;
  }
  const out = [...rows.values()].map((r) => ({
    ...r,
    cpa: ratio(r.spend, r.conversions),
    roas: ratio(r.revenue, r.spend),
    cac: ratio(r.spend, r.newCustomers),
  }));
  out.sort((a, b) =>
    query.groupBy === 'day' ? a.key.localeCompare(b.key) : b.conversions - a.conversions || a.key.localeCompare(b.key),
  );
  return {
    timezone: query.timezone,
    currency: workspace.currency,
    from: query.from,
    to: query.to,
    model: query.model,
    window: query.window,
    sourceSpecific: query.sourceSpecific,
    creditDate: query.creditDate,
    events: query.events,
    groupBy: query.groupBy,
    rows: out,
    totals: {
      conversions,
      attributedConversions: conversions - unattributed,
      unattributedConversions: unattributed,
      revenue,
      newCustomers,
      firstPurchaseRevenue,
      spend,
      cpa: ratio(spend, conversions),
      roas: ratio(revenue, spend),
      cac: ratio(spend, newCustomers),
      mer: ratio(revenue, spend),
    },
  };
}
