import { parse } from 'csv-parse';
import type { Kysely } from 'kysely';
import { AppError } from '../errors/codes.js';
import type { Database } from '../storage/schema.js';
import type { AdSpendTable } from '../storage/tables/attribution.js';
import { isValidCurrency } from '../workspaces/validate.js';
import { PLATFORMS } from './channels.js';
import { currencyExponent } from './money.js';
import { isIsoDate } from './timezones.js';

/** One day of spend of one ad object, as the API and the CSV importer take it. */
export interface SpendInput {
  date: string;
  platform: string;
  campaignId?: string | null | undefined;
  campaignName?: string | null | undefined;
  adsetId?: string | null | undefined;
  adsetName?: string | null | undefined;
  adId?: string | null | undefined;
  adName?: string | null | undefined;
  /** Major units (12.34). */
  spend: number;
  impressions?: number | undefined;
  clicks?: number | undefined;
  currency?: string | undefined;
}

export interface SpendRecord extends Required<Omit<SpendInput, 'currency'>> {
  currency: string;
}

function text(value: string | null | undefined): string | null {
  return value === undefined || value === null || value.trim() === '' ? null : value.trim();
}

/** Validates one spend row; `where` names it in errors (`rows[3]`, `line 4`). */
export function toSpendRow(input: SpendInput, workspaceId: string, currency: string, now: number, where: string) {
  if (!isIsoDate(input.date)) throw new AppError('validation_failed', `${where}: date must be YYYY-MM-DD`, 'date');
  const platform = input.platform.trim().toLowerCase();
  if (!(PLATFORMS as readonly string[]).includes(platform)) {
    throw new AppError('validation_failed', `${where}: platform must be one of ${PLATFORMS.join(', ')}`, 'platform');
  }
  if (!Number.isFinite(input.spend) || input.spend < 0) {
    throw new AppError('validation_failed', `${where}: spend must be a non-negative number`, 'spend');
  }
  const code = (input.currency ?? currency).toUpperCase();
  if (!isValidCurrency(code)) throw new AppError('validation_failed', `${where}: unknown currency ${code}`, 'currency');
  for (const [name, value] of [
    ['impressions', input.impressions],
    ['clicks', input.clicks],
  ] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
      throw new AppError('validation_failed', `${where}: ${name} must be a non-negative integer`, name);
    }
  }
  const row: AdSpendTable = {
    workspace_id: workspaceId,
    date: input.date,
    platform,
    campaign_id: text(input.campaignId) ?? '',
    adset_id: text(input.adsetId) ?? '',
    ad_id: text(input.adId) ?? '',
    campaign_name: text(input.campaignName),
    adset_name: text(input.adsetName),
    ad_name: text(input.adName),
    spend_minor: Math.round(input.spend * 10 ** currencyExponent(code)),
    currency: code,
    impressions: input.impressions ?? 0,
    clicks: input.clicks ?? 0,
    updated_at: now,
  };
  return row;
}

/** Upserts spend rows (one per day and ad object): importing the same day again replaces it. */
export async function upsertSpend(db: Kysely<Database>, rows: readonly AdSpendTable[]): Promise<number> {
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500);
    await db
      .insertInto('ad_spend')
      .values(chunk)
      .onConflict((oc) =>
        oc.columns(['workspace_id', 'date', 'platform', 'campaign_id', 'adset_id', 'ad_id']).doUpdateSet((eb) => ({
          campaign_name: eb.ref('excluded.campaign_name'),
          adset_name: eb.ref('excluded.adset_name'),
          ad_name: eb.ref('excluded.ad_name'),
          spend_minor: eb.ref('excluded.spend_minor'),
          currency: eb.ref('excluded.currency'),
          impressions: eb.ref('excluded.impressions'),
          clicks: eb.ref('excluded.clicks'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }
  return rows.length;
}

export async function importSpend(
  db: Kysely<Database>,
  workspaceId: string,
  currency: string,
  inputs: readonly SpendInput[],
  now: number,
): Promise<{ imported: number }> {
  const rows = inputs.map((input, i) => toSpendRow(input, workspaceId, currency, now, `rows[${i}]`));
  // Later rows for the same key win (one statement may not touch a row twice on PostgreSQL).
  const unique = new Map<string, AdSpendTable>();
  for (const r of rows) unique.set([r.date, r.platform, r.campaign_id, r.adset_id, r.ad_id].join('\u0000'), r);
  return { imported: await upsertSpend(db, [...unique.values()]) };
}

export async function listSpend(
  db: Kysely<Database>,
  workspaceId: string,
  from: string,
  to: string,
): Promise<SpendRecord[]> {
  const rows = await db
    .selectFrom('ad_spend')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('date', '>=', from)
    .where('date', '<=', to)
    .orderBy('date')
    .orderBy('platform')
    .orderBy('campaign_id')
    .orderBy('adset_id')
    .orderBy('ad_id')
    .execute();
  return rows.map((r) => ({
    date: r.date,
    platform: r.platform,
    campaignId: r.campaign_id === '' ? null : r.campaign_id,
    campaignName: r.campaign_name,
    adsetId: r.adset_id === '' ? null : r.adset_id,
    adsetName: r.adset_name,
    adId: r.ad_id === '' ? null : r.ad_id,
    adName: r.ad_name,
    spend: Number(r.spend_minor) / 10 ** currencyExponent(r.currency),
    impressions: Number(r.impressions),
    clicks: Number(r.clicks),
    currency: r.currency,
  }));
}

/** CSV columns accepted (case-insensitive, `_` or space): the platforms' export names map onto ours. */
const COLUMN_ALIASES: Record<string, keyof SpendInput> = {
  date: 'date',
  day: 'date',
  reporting_starts: 'date',
  platform: 'platform',
  campaign_id: 'campaignId',
  campaign_name: 'campaignName',
  campaign: 'campaignName',
  adset_id: 'adsetId',
  ad_set_id: 'adsetId',
  ad_group_id: 'adsetId',
  adset_name: 'adsetName',
  ad_set_name: 'adsetName',
  ad_group: 'adsetName',
  ad_id: 'adId',
  ad_name: 'adName',
  spend: 'spend',
  cost: 'spend',
  amount_spent: 'spend',
  impressions: 'impressions',
  clicks: 'clicks',
  currency: 'currency',
};

/**
 * Streams a spend CSV (`,` or `;`), calling `onProgress(rowsRead)` as it goes, and upserts it in
 * chunks. Every row is validated before anything is written, so a bad file changes nothing.
 */
export async function importSpendCsv(
  db: Kysely<Database>,
  workspaceId: string,
  currency: string,
  stream: NodeJS.ReadableStream,
  now: number,
  onProgress: (rows: number) => void = () => {},
): Promise<{ imported: number }> {
  const parser = stream.pipe(
    parse({
      delimiter: [',', ';'],
      columns: (header: string[]) =>
        header.map(
          (h) =>
            COLUMN_ALIASES[
              h
                .trim()
                .toLowerCase()
                .replace(/[\s-]+/g, '_')
            ] ?? h.trim(),
        ),
      skip_empty_lines: true,
      trim: true,
      bom: true,
    }),
  );
  const unique = new Map<string, AdSpendTable>();
  let line = 1;
  for await (const record of parser as AsyncIterable<Record<string, string>>) {
    line++;
    const input: SpendInput = {
      date: record.date ?? '',
      platform: record.platform ?? '',
      campaignId: record.campaignId,
      campaignName: record.campaignName,
      adsetId: record.adsetId,
      adsetName: record.adsetName,
      adId: record.adId,
      adName: record.adName,
      spend: Number((record.spend ?? '').replace(/[$€£,\s]/g, '') || Number.NaN),
      impressions: record.impressions ? Number(record.impressions) : undefined,
      clicks: record.clicks ? Number(record.clicks) : undefined,
      currency: record.currency || undefined,
    };
    const row = toSpendRow(input, workspaceId, currency, now, `line ${line}`);
    unique.set([row.date, row.platform, row.campaign_id, row.adset_id, row.ad_id].join('\u0000'), row);
    if (line % 1000 === 0) onProgress(line - 1);
  }
  onProgress(line - 1);
  return { imported: await upsertSpend(db, [...unique.values()]) };
}
