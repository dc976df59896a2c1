import { PAID_CHANNELS } from './channels.js';

/**
 * Model identifiers used by the API, the CLI and the results API. Every model except `full_impact`
 * gives each conversion credits that sum to exactly 1 (or nothing, when no touch is eligible).
 */
export const MODELS = [
  'first_touch',
  'last_touch',
  'linear',
  'time_decay',
  'position_based',
  'w_shaped',
  'last_non_direct',
  'full_impact',
  'clicks_only',
  'linear_paid',
  'shapley',
  'markov',
] as const;
export type ModelName = (typeof MODELS)[number];

export const HEURISTIC_MODELS: readonly ModelName[] = MODELS.filter((m) => m !== 'markov' && m !== 'shapley');

export function isModelName(value: string): value is ModelName {
  return (MODELS as readonly string[]).includes(value);
}

/** One touch of a conversion's path, in time order. */
export interface PathTouch {
  at: number;
  channel: string;
  kind?: 'click' | 'visit' | string;
}

export interface CreditOptions {
  /** Lookback in ms before the conversion; null = lifetime. */
  windowMs: number | null;
  /** Only paid ad touches (paid social, paid search, display) may take credit. */
  sourceSpecific?: boolean;
  /** Half-life of the time-decay model (default 7 days). */
  halfLifeMs?: number;
  /** W-shaped: index (into the full touch list) of the touch that created the lead; default the middle touch. */
  milestoneIndex?: number;
  /** Data-driven models: weight of each channel (Markov removal effects or Shapley values). */
  channelWeights?: ReadonlyMap<string, number>;
}

export const DAY_MS = 86_400_000;
export const DEFAULT_HALF_LIFE_MS = 7 * DAY_MS;

/** Channels that never count as a click: they get credit only when nothing else touched the path. */
export const PASSIVE_CHANNELS: ReadonlySet<string> = new Set(['direct', 'organic_search', 'email']);

/** Indexes of the touches the window (and source-specific filter) lets take credit. */
export function eligibleTouches(touches: readonly PathTouch[], conversionAt: number, options: CreditOptions): number[] {
  const from = options.windowMs === null ? Number.NEGATIVE_INFINITY : conversionAt - options.windowMs;
  const out: number[] = [];
  for (let i = 0; i < touches.length; i++) {
    const touch = touches[i] as PathTouch;
    if (touch.at > conversionAt || touch.at < from) continue;
    if (options.sourceSpecific === true && !PAID_CHANNELS.has(touch.channel)) continue;
    out.push(i);
  }
  return out;
}

function spread(credits: number[], indexes: readonly number[], total: number): void {
  if (indexes.length === 0) return;
  const share = total / indexes.length;
  for (const i of indexes) credits[i] = (credits[i] ?? 0) + share;
}

function weighted(credits: number[], indexes: readonly number[], weights: readonly number[]): void {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (!(sum > 0)) {
    spread(credits, indexes, 1);
    return;
  }
  indexes.forEach((index, k) => {
    credits[index] = (credits[index] ?? 0) + (weights[k] ?? 0) / sum;
  });
}

/**
 * Credit of each touch (aligned with `touches`, which must be sorted by time) for one conversion.
 * A conversion with no eligible touch gets all-zero credits: reports show it as unattributed.
 */
export function creditPath(
  model: ModelName,
  touches: readonly PathTouch[],
  conversionAt: number,
  options: CreditOptions,
): number[] {
  const credits = new Array<number>(touches.length).fill(0);
  const eligible = eligibleTouches(touches, conversionAt, options);
  const n = eligible.length;
  if (n === 0) return credits;
  const first = eligible[0] as number;
  const last = eligible[n - 1] as number;
  const channelOf = (i: number) => (touches[i] as PathTouch).channel;

  switch (model) {
    case 'first_touch':
      credits[first] = 1;
      break;
    case 'last_touch':
      credits[last] = 1;
      break;
    case 'linear':
      spread(credits, eligible, 1);
      break;
    case 'full_impact':
      for (const i of eligible) credits[i] = 1;
      break;
    case 'time_decay': {
      const halfLife = options.halfLifeMs ?? DEFAULT_HALF_LIFE_MS;
      weighted(
        credits,
        eligible,
        eligible.map((i) => 2 ** (-(conversionAt - (touches[i] as PathTouch).at) / halfLife)),
      );
      break;
    }
    case 'position_based':
      if (n <= 2) spread(credits, eligible, 1);
      else {
        credits[first] = 0.4;
        credits[last] = 0.4;
        spread(credits, eligible.slice(1, -1), 0.2);
      }
      break;
    case 'w_shaped': {
      if (n <= 3) {
        spread(credits, eligible, 1);
        break;
      }
      const inner = eligible.slice(1, -1);
      const wanted = options.milestoneIndex;
      const milestone =
        wanted !== undefined && inner.includes(wanted) ? wanted : (inner[Math.floor((inner.length - 1) / 2)] as number);
      credits[first] = 0.3;
      credits[last] = 0.3;
      credits[milestone] = 0.3;
      spread(
        credits,
        inner.filter((i) => i !== milestone),
        0.1,
      );
      break;
    }
    case 'last_non_direct': {
      const nonDirect = eligible.filter((i) => channelOf(i) !== 'direct');
      credits[nonDirect.length > 0 ? (nonDirect[nonDirect.length - 1] as number) : last] = 1;
      break;
    }
    case 'clicks_only': {
      const clicks = eligible.filter((i) => !PASSIVE_CHANNELS.has(channelOf(i)));
      spread(credits, clicks.length > 0 ? clicks : eligible, 1);
      break;
    }
    case 'linear_paid': {
      const paid = eligible.filter((i) => PAID_CHANNELS.has(channelOf(i)));
      spread(credits, paid.length > 0 ? paid : eligible, 1);
      break;
    }
    case 'markov':
    case 'shapley': {
      // Each touch gets its channel's data-driven weight; a channel touched twice counts twice.
      const weights = options.channelWeights;
      weighted(
        credits,
        eligible,
        eligible.map((i) => weights?.get(channelOf(i)) ?? 0),
      );
      break;
    }
    default: {
      const never: never = model;
      throw new Error(`unknown model ${String(never)}`);
    }
  }
  return credits;
}

/** Attribution windows: lookback from each conversion, separate from the reporting period. */
export const WINDOWS = ['lifetime', '1d', '7d', '14d', '30d', '60d', '90d'] as const;
export type WindowName = (typeof WINDOWS)[number];

export function isWindowName(value: string): value is WindowName {
  return (WINDOWS as readonly string[]).includes(value);
}

export function windowMs(window: WindowName): number | null {
  if (window === 'lifetime') return null;
  return Number.parseInt(window, 10) * DAY_MS;
}
