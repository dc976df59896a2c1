import type { EngineOptions } from './engine.js';
import type { JourneyStore, PeriodConversions } from './journeys.js';
import { markovByChannelId, type PathTable, shapleyByChannelId } from './markov.js';

/** Distinct channel paths with their conversions, value and non-converting journeys, as a PathTable. */
class PathCounts {
  private readonly index = new Map<number | string, number>();
  readonly start: number[] = [0];
  readonly ids: number[] = [];
  readonly conversions: number[] = [];
  readonly value: number[] = [];
  readonly nulls: number[] = [];

  /** `key` identifies the channel sequence `ids[0..n)`, which is copied only the first time. */
  add(key: number | string, ids: Uint16Array, n: number, conversions: number, value: number, nulls: number): void {
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.conversions.length;
      this.index.set(key, i);
      for (let k = 0; k < n; k++) this.ids.push(ids[k] as number);
      this.start.push(this.ids.length);
      this.conversions.push(0);
      this.value.push(0);
      this.nulls.push(0);
    }
    this.conversions[i] = (this.conversions[i] as number) + conversions;
    this.value[i] = (this.value[i] as number) + value;
    this.nulls[i] = (this.nulls[i] as number) + nulls;
  }

  table(channelCount: number): PathTable {
    const { start, ids, conversions, value, nulls } = this;
    return { channelCount, start, ids, conversions, value, nulls };
  }
}

/**
 * A path's key: its channel ids as digits of base (channels + 1), exact while below 2^53 (about 14
 * touches with a dozen channels); longer paths fall back to a string key.
 */
function pathKey(ids: Uint16Array, n: number, base: number): number | string {
  let key = 0;
  for (let i = 0; i < n; i++) {
    key = key * base + (ids[i] as number) + 1;
    if (key > Number.MAX_SAFE_INTEGER / base) return Array.prototype.join.call(ids.subarray(0, n), ',');
  }
  return key;
}

/**
 * The Markov / Shapley weight of each channel (indexed like `store.channels`) over all paths of the
 * period: each conversion's eligible path, and for people who did not convert in the period, their
 * touches in the period (null paths). One pass over the columns; paths are counted by integer key into
 * one flat table of channel ids, which the chain reads as it is.
 */
export function channelWeights(
  store: JourneyStore,
  conversions: PeriodConversions,
  options: EngineOptions,
): Float64Array {
  const { touchStart, touchAt, touchDim, dimChannel, eventAt, eventValue } = store;
  const paid = options.sourceSpecific === true ? store.paidDims() : null;
  const base = store.channels.length + 1;
  const counts = new PathCounts();
  let ids = new Uint16Array(64);
  /** Person p's channel path over touches in [from, to] (`to` excluded when `open`), into `ids`. */
  const pathOf = (p: number, from: number, to: number, open: boolean): number => {
    const lo = touchStart[p] as number;
    const hi = touchStart[p + 1] as number;
    if (hi - lo > ids.length) ids = new Uint16Array(hi - lo);
    let n = 0;
    for (let k = lo; k < hi; k++) {
      const t = touchAt[k] as number;
      if (t > to || (open && t === to)) break;
      const d = touchDim[k] as number;
      if (t < from || (paid !== null && paid[d] !== 1)) continue;
      ids[n++] = dimChannel[d] as number;
    }
    return n;
  };
  const converted = new Uint8Array(store.people);
  for (let c = 0; c < conversions.count; c++) {
    const p = conversions.person[c] as number;
    if (p === -1) continue;
    const e = conversions.event[c] as number;
    const at = eventAt[e] as number;
    if (options.days.indexOf(at) === -1) continue;
    converted[p] = 1;
    const n = pathOf(p, options.windowMs === null ? Number.NEGATIVE_INFINITY : at - options.windowMs, at, false);
    if (n > 0) counts.add(pathKey(ids, n, base), ids, n, 1, eventValue[e] as number, 0);
  }
  // People who did not convert in the period: their touches in it are null paths.
  for (let p = 0; p < store.people; p++) {
    if (converted[p] === 1) continue;
    const n = pathOf(p, options.days.start, options.days.end, true);
    if (n > 0) counts.add(pathKey(ids, n, base), ids, n, 0, 0, 1);
  }
  const paths = counts.table(store.channels.length);
  return options.model === 'markov'
    ? Float64Array.from(markovByChannelId(paths, options.order ?? 1).channels, (c) => c.removalEffect)
    : shapleyByChannelId(paths).conversions;
}
