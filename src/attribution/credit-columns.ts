import { type CreditOptions, DEFAULT_HALF_LIFE_MS, type ModelName } from './models.js';

/** Per-dimension traits the models test (see JourneyStore.dimFlags), and data-driven weights. */
export interface DimTraits {
  paid: Uint8Array;
  /** direct, organic search, email: credited by clicks_only only when nothing else touched the path. */
  passive: Uint8Array;
  direct: Uint8Array;
  /** Markov / Shapley weight of each dimension's channel. */
  weight: Float64Array | null;
}

/** Scratch buffers reused across conversions, so crediting allocates nothing per conversion. */
export class CreditScratch {
  eligible = new Int32Array(64);
  weights = new Float64Array(64);
  credit = new Float64Array(64);

  fit(n: number): void {
    if (n <= this.credit.length) return;
    const size = Math.max(n, this.credit.length * 2);
    this.eligible = new Int32Array(size);
    this.weights = new Float64Array(size);
    this.credit = new Float64Array(size);
  }
}

/**
 * `creditPath` (models.ts, the reference definition) over typed-array columns: the credit of touches
 * lo..hi-1 (one person's, sorted by time) for a conversion at `conversionAt`, written to
 * `scratch.credit[0..hi-lo)`. Same arithmetic in the same order, so results are identical.
 * `options.milestoneIndex` counts from lo. Returns false when no touch is eligible (all zero).
 */
export function creditColumns(
  model: ModelName,
  at: Float64Array,
  dim: Int32Array,
  traits: DimTraits,
  lo: number,
  hi: number,
  conversionAt: number,
  options: CreditOptions,
  scratch: CreditScratch,
): boolean {
  scratch.fit(hi - lo);
  const { eligible, credit } = scratch;
  credit.fill(0, 0, hi - lo);
  const from = options.windowMs === null ? Number.NEGATIVE_INFINITY : conversionAt - options.windowMs;
  const paidOnly = options.sourceSpecific === true;
  let n = 0;
  for (let k = lo; k < hi; k++) {
    const t = at[k] as number;
    if (t > conversionAt) break;
    if (t < from) continue;
    if (paidOnly && traits.paid[dim[k] as number] !== 1) continue;
    eligible[n++] = k - lo;
  }
  if (n === 0) return false;
  const first = eligible[0] as number;
  const last = eligible[n - 1] as number;
  switch (model) {
    case 'first_touch':
      credit[first] = 1;
      break;
    case 'last_touch':
      credit[last] = 1;
      break;
    case 'linear':
      spread(credit, eligible, 0, n, 1);
      break;
    case 'full_impact':
      for (let i = 0; i < n; i++) credit[eligible[i] as number] = 1;
      break;
    case 'time_decay': {
      const halfLife = options.halfLifeMs ?? DEFAULT_HALF_LIFE_MS;
      for (let i = 0; i < n; i++) {
        scratch.weights[i] = 2 ** (-(conversionAt - (at[lo + (eligible[i] as number)] as number)) / halfLife);
      }
      weighted(credit, eligible, n, scratch.weights);
      break;
    }
    case 'position_based':
      if (n <= 2) spread(credit, eligible, 0, n, 1);
      else {
        credit[first] = 0.4;
        credit[last] = 0.4;
        spread(credit, eligible, 1, n - 1, 0.2);
      }
      break;
    case 'w_shaped': {
      if (n <= 3) {
        spread(credit, eligible, 0, n, 1);
        break;
      }
      // Inner touches are eligible[1..n-1); the milestone defaults to the middle one.
      let m = 1 + Math.floor((n - 3) / 2);
      const wanted = options.milestoneIndex;
      for (let i = 1; i < n - 1 && wanted !== undefined; i++) if (eligible[i] === wanted) m = i;
      credit[first] = 0.3;
      credit[last] = 0.3;
      credit[eligible[m] as number] = 0.3;
      const share = 0.1 / (n - 3);
      for (let i = 1; i < n - 1; i++) if (i !== m) credit[eligible[i] as number] = share;
      break;
    }
    case 'last_non_direct': {
      let pick = last;
      for (let i = n - 1; i >= 0; i--) {
        const k = eligible[i] as number;
        if (traits.direct[dim[lo + k] as number] !== 1) {
          pick = k;
          break;
        }
      }
      credit[pick] = 1;
      break;
    }
    case 'clicks_only':
      spreadPreferring(credit, eligible, n, traits.passive, 0, dim, lo);
      break;
    case 'linear_paid':
      spreadPreferring(credit, eligible, n, traits.paid, 1, dim, lo);
      break;
    case 'markov':
    case 'shapley': {
      // Each touch gets its channel's data-driven weight; a channel touched twice counts twice.
      for (let i = 0; i < n; i++) {
        scratch.weights[i] = traits.weight?.[dim[lo + (eligible[i] as number)] as number] ?? 0;
      }
      weighted(credit, eligible, n, scratch.weights);
      break;
    }
    default: {
      const never: never = model;
      throw new Error(`unknown model ${String(never)}`);
    }
  }
  return true;
}

/** Equal shares of `total` over eligible[a..b). */
function spread(credit: Float64Array, eligible: Int32Array, a: number, b: number, total: number): void {
  if (b <= a) return;
  const share = total / (b - a);
  for (let i = a; i < b; i++) credit[eligible[i] as number] = share;
}

/** Shares proportional to weights (summed left to right, as the reference does); equal if they sum to 0. */
function weighted(credit: Float64Array, eligible: Int32Array, n: number, weights: Float64Array): void {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += weights[i] as number;
  if (!(sum > 0)) {
    spread(credit, eligible, 0, n, 1);
    return;
  }
  for (let i = 0; i < n; i++) credit[eligible[i] as number] = (weights[i] as number) / sum;
}

/** Equal shares over the eligible touches whose trait equals `keep`, or over all when there are none. */
function spreadPreferring(
  credit: Float64Array,
  eligible: Int32Array,
  n: number,
  trait: Uint8Array,
  keep: number,
  dim: Int32Array,
  lo: number,
): void {
  let kept = 0;
  for (let i = 0; i < n; i++) if (trait[dim[lo + (eligible[i] as number)] as number] === keep) kept++;
  if (kept === 0) {
    spread(credit, eligible, 0, n, 1);
    return;
  }
  const share = 1 / kept;
  for (let i = 0; i < n; i++) {
    const k = eligible[i] as number;
    if (trait[dim[lo + k] as number] === keep) credit[k] = share;
  }
}
