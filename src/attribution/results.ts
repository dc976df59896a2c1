import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { AppError } from '../errors/codes.js';
import { loadCustomEvents } from '../events/custom-events.js';
import type { Database } from '../storage/schema.js';
import type { Workspace } from '../workspaces/workspaces.js';
import type { TouchDimension } from './journeys.js';
import { loadPeriod, type ReportQuery } from './report.js';

export interface ResultEvent {
  name: string;
  displayName: string;
  type: 'standard' | 'custom';
  count: number;
}

/** `GET /public-api/v1/results/events`: the workspace's standard and custom events with their counts. */
export async function listResultEvents(db: Kysely<Database>, workspaceId: string): Promise<ResultEvent[]> {
  const rows = await db
    .selectFrom('events')
    .select(['name', 'is_canonical', sql<number>`count(*)`.as('count')])
    .where('workspace_id', '=', workspaceId)
    .groupBy(['name', 'is_canonical'])
    .execute();
  const out = new Map<string, ResultEvent>();
  for (const r of rows) {
    out.set(r.name, {
      name: r.name,
      displayName: r.name,
      type: Number(r.is_canonical) === 1 ? 'standard' : 'custom',
      count: Number(r.count),
    });
  }
  for (const def of await loadCustomEvents(db, workspaceId)) {
    if (def.archived && !out.has(def.key)) continue;
    const existing = out.get(def.key);
    out.set(def.key, { name: def.key, displayName: def.displayName, type: 'custom', count: existing?.count ?? 0 });
  }
  return [...out.values()].sort((a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name));
}

export interface ResultRow {
  date: string;
  event: string;
  platform: string;
  campaignId: string | null;
  campaignName: string | null;
  adsetId: string | null;
  adsetName: string | null;
  adId: string;
  adName: string | null;
  conversions: number;
  revenue: number;
  /** Latest time a conversion behind this row was received (ms); for incremental syncs. */
  updatedAt: number;
}

export interface ResultsPage {
  timezone: string;
  currency: string;
  model: string;
  window: string;
  sourceSpecific: boolean;
  events: string[];
  data: ResultRow[];
  nextCursor: string | null;
}

type CursorKey = [date: string, ad: string, event: string];

function rowKey(r: ResultRow): CursorKey {
  return [r.date, `${r.platform}:${r.adId}`, r.event];
}

function compareKeys(a: CursorKey, b: CursorKey): number {
  for (let i = 0; i < 3; i++) {
    const c = (a[i] as string) < (b[i] as string) ? -1 : (a[i] as string) > (b[i] as string) ? 1 : 0;
    if (c !== 0) return c;
  }
  return 0;
}

function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decodeCursor(cursor: string): CursorKey {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(key) && key.length === 3 && key.every((k) => typeof k === 'string')) return key as CursorKey;
  } catch {
    // fall through
  }
  throw new AppError('validation_failed', 'cursor is not one this API returned', 'cursor');
}

/**
 * `GET /public-api/v1/results`: attributed conversions and revenue per ad per day per event. Rows are
 * ordered by (date, ad, event) and the cursor is the last key returned, so pages stay stable while
 * data arrives. `updatedSince` keeps only days that changed (a conversion behind them was received
 * since), returning those days whole so a sync can replace them.
 */
export async function resultsPage(
  db: Kysely<Database>,
  workspace: Workspace,
  query: ReportQuery,
  page: { cursor?: string | undefined; limit: number; updatedSince?: number | undefined },
): Promise<ResultsPage> {
  const after = page.cursor === undefined ? null : decodeCursor(page.cursor);
  const { store, conversions, days, run } = await loadPeriod(db, workspace, query);
  // One row per (day, platform, ad, event); the ad is its id, else its name. Keys are numbers built
  // from interned parts, so a share of credit costs no string work.
  const adKeys = new Map<string, number>();
  const adKeyOf = store.dims.map((d) => {
    const ad = d.adId ?? d.adName;
    if (ad === null) return -1;
    const id = `${d.platform}\u0000${ad}`;
    let k = adKeys.get(id);
    if (k === undefined) {
      k = adKeys.size;
      adKeys.set(id, k);
    }
    return k;
  });
  const names = store.eventNames.length;
  const rows = new Map<number, ResultRow>();
  run((c, touch, credit, day) => {
    if (touch === -1) return;
    const dim = store.touchDim[touch] as number;
    const ad = adKeyOf[dim] as number;
    if (ad === -1) return;
    const e = conversions.event[c] as number;
    const name = store.eventName[e] as number;
    const key = (day * adKeys.size + ad) * names + name;
    let row = rows.get(key);
    if (!row) {
      const d = store.dims[dim] as TouchDimension;
      row = {
        date: days.days[day] as string,
        event: store.eventNames[name] as string,
        platform: d.platform,
        campaignId: d.campaignId,
        campaignName: d.campaignName,
        adsetId: d.adsetId,
        adsetName: d.adsetName,
        adId: (d.adId ?? d.adName) as string,
        adName: d.adName,
        conversions: 0,
        revenue: 0,
        updatedAt: 0,
      };
      rows.set(key, row);
    }
    const value = store.eventValue[e] as number;
    row.conversions += credit;
    row.revenue += credit * value;
    const received = store.eventReceived[e] as number;
    if (received > row.updatedAt) row.updatedAt = received;
  });
  let all = [...rows.values()];
  if (page.updatedSince !== undefined) {
    const since = page.updatedSince;
    const changedDays = new Set(all.filter((r) => r.updatedAt >= since).map((r) => r.date));
    all = all.filter((r) => changedDays.has(r.date));
  }
  all.sort((a, b) => compareKeys(rowKey(a), rowKey(b)));
  const start = after === null ? 0 : all.findIndex((r) => compareKeys(rowKey(r), after) > 0);
  const data = start === -1 ? [] : all.slice(start, start + page.limit);
  const last = data[data.length - 1];
  const more = start !== -1 && start + page.limit < all.length;
  return {
    timezone: query.timezone,
    currency: workspace.currency,
    model: query.model,
    window: query.window,
    sourceSpecific: query.sourceSpecific,
    events: query.events,
    data,
    nextCursor: more && last !== undefined ? encodeCursor(rowKey(last)) : null,
  };
}
