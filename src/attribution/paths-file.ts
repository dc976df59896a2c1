import { parse } from 'csv-parse/sync';
import { AppError } from '../errors/codes.js';
import { type AggregatedPath, type ChannelCredit, markovAttribution, shapleyAttribution } from './markov.js';
import { type CreditOptions, creditPath, DAY_MS, type ModelName, type PathTouch } from './models.js';

/**
 * The path-file format analysts exchange (ChannelAttribution's): a `path` column of channel names
 * joined by ` > `, `total_conversions`, `total_conversion_value` and `total_null`; `,` or `;` delimited.
 */
export function parsePathsFile(text: string): AggregatedPath[] {
  const body = text.replace(/^\uFEFF/, '');
  const header = body.slice(0, body.indexOf('\n') === -1 ? body.length : body.indexOf('\n'));
  const delimiter = header.split(';').length > header.split(',').length ? ';' : ',';
  let records: Array<Record<string, string>>;
  try {
    records = parse(body, { delimiter, columns: true, skip_empty_lines: true, trim: true }) as Array<
      Record<string, string>
    >;
  } catch (error) {
    throw new AppError('validation_failed', `cannot read the paths file: ${(error as Error).message}`, 'input');
  }
  const first = records[0];
  if (first === undefined) return [];
  for (const column of ['path', 'total_conversions']) {
    if (!(column in first)) throw new AppError('validation_failed', `the paths file has no ${column} column`, 'input');
  }
  const number = (value: string | undefined, line: number, column: string): number => {
    if (value === undefined || value === '') return 0;
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0) {
      throw new AppError('validation_failed', `line ${line}: ${column} must be a non-negative number`, 'input');
    }
    return n;
  };
  return records.map((record, i) => ({
    channels: (record.path ?? '')
      .split('>')
      .map((c) => c.trim())
      .filter((c) => c !== ''),
    conversions: number(record.total_conversions, i + 2, 'total_conversions'),
    value: number(record.total_conversion_value, i + 2, 'total_conversion_value'),
    nulls: number(record.total_null, i + 2, 'total_null'),
  }));
}

export interface OfflineOptions {
  order?: number;
  sourceSpecific?: boolean;
  halfLifeMs?: number;
}

/**
 * Runs one model over aggregated paths (no timestamps: touch i of n is taken to be n - i days before
 * the conversion, which only the time-decay model looks at). The same engine as the reports.
 */
export function attributePaths(
  paths: readonly AggregatedPath[],
  model: ModelName,
  options: OfflineOptions = {},
): ChannelCredit[] {
  if (model === 'markov') {
    return markovAttribution(paths, options.order ?? 1).channels.map(({ channel, conversions, value }) => ({
      channel,
      conversions,
      value,
    }));
  }
  if (model === 'shapley') return shapleyAttribution(paths);
  const totals = new Map<string, ChannelCredit>();
  for (const path of paths) {
    for (const c of path.channels) if (!totals.has(c)) totals.set(c, { channel: c, conversions: 0, value: 0 });
  }
  const creditOptions: CreditOptions = {
    windowMs: null,
    sourceSpecific: options.sourceSpecific === true,
    halfLifeMs: options.halfLifeMs,
  };
  for (const path of paths) {
    if (path.conversions === 0 && path.value === 0) continue;
    const n = path.channels.length;
    const touches: PathTouch[] = path.channels.map((channel, i) => ({ channel, at: -(n - i) * DAY_MS }));
    const credits = creditPath(model, touches, 0, creditOptions);
    credits.forEach((credit, i) => {
      if (credit === 0) return;
      const entry = totals.get(path.channels[i] as string) as ChannelCredit;
      entry.conversions += credit * path.conversions;
      entry.value += credit * path.value;
    });
  }
  return [...totals.values()];
}
