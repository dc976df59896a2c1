/**
 * Data-driven attribution over aggregated paths: Markov-chain removal effects (order 1-3) and a
 * simplified Shapley value. Definitions follow the ChannelAttribution package (Altomare & Loris):
 *
 * - a path's states are its sliding windows of `order` channels (the whole path when shorter), with
 *   consecutive repeats collapsed; `(start)` leads to the first state, the last state leads to
 *   `(conversion)` (weighted by conversions) and `(null)` (weighted by non-converting journeys);
 * - the removal effect of a channel is the share of the chain's conversion probability lost when
 *   every state containing the channel leads to `(null)` instead — equivalently the probability that a
 *   converting journey visits the channel. ChannelAttribution estimates it by simulation; we solve the
 *   absorbing chain exactly, so results agree up to its simulation noise;
 * - conversions are split in proportion to the removal effects, normalized to the total conversions;
 *   value likewise, where reaching `(conversion)` from a state is worth the mean value of the
 *   conversions observed ending in that state.
 */

export interface AggregatedPath {
  channels: readonly string[];
  conversions: number;
  value: number;
  nulls: number;
}

/**
 * Distinct paths with channel ids 0..channelCount-1, flattened: path i is ids[start[i] .. start[i+1]).
 * The engine counts paths straight into this shape, so a million journeys cost no per-path objects.
 */
export interface PathTable {
  channelCount: number;
  start: ArrayLike<number>;
  ids: ArrayLike<number>;
  conversions: ArrayLike<number>;
  value: ArrayLike<number>;
  nulls: ArrayLike<number>;
}

export interface ChannelCredit {
  channel: string;
  conversions: number;
  value: number;
}

export interface MarkovResult {
  channels: Array<ChannelCredit & { removalEffect: number; removalEffectValue: number }>;
  conversionProbability: number;
}

interface Chain {
  stateCount: number;
  /** CSR adjacency over transient states; -1 = conversion, -2 = null are folded into pConv. */
  rowStart: Int32Array;
  target: Int32Array;
  prob: Float64Array;
  pConv: Float64Array;
  meanValue: Float64Array;
  /** For each channel id, a mask of the states that contain it. */
  statesOfChannel: Uint8Array[];
}

const START = 0;

function buildChain(paths: PathTable, order: number): Chain {
  const { start, ids, conversions, nulls, value } = paths;
  // A state is a window of channel ids, keyed as digits of base channelCount + 1 (each digit >= 1, so
  // windows of different lengths never share a key; (start) is key 0).
  const base = paths.channelCount + 1;
  const stateIds = new Map<number, number>([[0, START]]);
  const stateChannels: number[][] = [[]];
  const counts = new Map<number, Map<number, number>>();
  const convCount: number[] = [0];
  const nullCount: number[] = [0];
  const valueSum: number[] = [0];
  const convForValue: number[] = [0];
  const add = (from: number, to: number, n: number) => {
    let row = counts.get(from);
    if (!row) {
      row = new Map();
      counts.set(from, row);
    }
    row.set(to, (row.get(to) ?? 0) + n);
  };

  for (let i = 0; i + 1 < start.length; i++) {
    const pathConversions = conversions[i] as number;
    const pathNulls = nulls[i] as number;
    const total = pathConversions + pathNulls;
    if (!(total > 0)) continue;
    const lo = start[i] as number;
    const n = (start[i + 1] as number) - lo;
    // The whole path when it is no longer than `order`, else every window of `order` channels.
    const width = Math.min(n, order);
    const windows = n === 0 ? 0 : n - width + 1;
    let previous = START;
    for (let w = lo; w < lo + windows; w++) {
      let key = 0;
      for (let j = w; j < w + width; j++) key = key * base + (ids[j] as number) + 1;
      let state = stateIds.get(key);
      if (state === undefined) {
        state = stateIds.size;
        stateIds.set(key, state);
        stateChannels.push(Array.from({ length: width }, (_, j) => ids[w + j] as number));
        convCount.push(0);
        nullCount.push(0);
        valueSum.push(0);
        convForValue.push(0);
      }
      if (state === previous) continue;
      add(previous, state, total);
      previous = state;
    }
    convCount[previous] = (convCount[previous] ?? 0) + pathConversions;
    nullCount[previous] = (nullCount[previous] ?? 0) + pathNulls;
    if (pathConversions > 0) {
      valueSum[previous] = (valueSum[previous] ?? 0) + (value[i] as number);
      convForValue[previous] = (convForValue[previous] ?? 0) + pathConversions;
    }
  }

  const stateCount = stateIds.size;
  const rowStart = new Int32Array(stateCount + 1);
  const targets: number[] = [];
  const probs: number[] = [];
  const pConv = new Float64Array(stateCount);
  const meanValue = new Float64Array(stateCount);
  for (let s = 0; s < stateCount; s++) {
    rowStart[s] = targets.length;
    const row = counts.get(s);
    let out = (convCount[s] ?? 0) + (nullCount[s] ?? 0);
    if (row) for (const n of row.values()) out += n;
    if (out > 0) {
      if (row)
        for (const [to, n] of row) {
          targets.push(to);
          probs.push(n / out);
        }
      pConv[s] = (convCount[s] ?? 0) / out;
    }
    const cv = convForValue[s] ?? 0;
    meanValue[s] = cv > 0 ? (valueSum[s] ?? 0) / cv : 0;
  }
  rowStart[stateCount] = targets.length;
  const statesOfChannel = Array.from({ length: paths.channelCount }, () => new Uint8Array(stateCount));
  stateChannels.forEach((channels, state) => {
    for (const c of channels) (statesOfChannel[c] as Uint8Array)[state] = 1;
  });
  return {
    stateCount,
    rowStart,
    target: Int32Array.from(targets),
    prob: Float64Array.from(probs),
    pConv,
    meanValue,
    statesOfChannel,
  };
}

/**
 * Expected absorption reward from (start): reward(s) = pConv(s)·w(s) + Σ p(s,t)·reward(t), with removed
 * states worth 0. Gauss-Seidel iteration; converges because every state reaches an absorbing state.
 */
function absorb(chain: Chain, weight: Float64Array | null, removed: Uint8Array | null): number {
  const { stateCount, rowStart, target, prob, pConv } = chain;
  const reward = new Float64Array(stateCount);
  const base = new Float64Array(stateCount);
  for (let s = 0; s < stateCount; s++) base[s] = (pConv[s] as number) * (weight ? (weight[s] as number) : 1);
  for (let iteration = 0; iteration < 100_000; iteration++) {
    let delta = 0;
    for (let s = stateCount - 1; s >= 0; s--) {
      if (removed && removed[s] === 1) continue;
      let value = base[s] as number;
      for (let k = rowStart[s] as number; k < (rowStart[s + 1] as number); k++) {
        const t = target[k] as number;
        if (removed && removed[t] === 1) continue;
        value += (prob[k] as number) * (reward[t] as number);
      }
      const change = Math.abs(value - (reward[s] as number));
      if (change > delta) delta = change;
      reward[s] = value;
    }
    if (delta < 1e-15) break;
  }
  return reward[START] as number;
}

/** Channel ids in order of first appearance (ChannelAttribution's output order), and the paths over them. */
function pathTableOf(paths: readonly AggregatedPath[]): { channels: string[]; table: PathTable } {
  const channelIds = new Map<string, number>();
  const start = [0];
  const ids: number[] = [];
  for (const path of paths) {
    for (const c of path.channels) {
      let id = channelIds.get(c);
      if (id === undefined) {
        id = channelIds.size;
        channelIds.set(c, id);
      }
      ids.push(id);
    }
    start.push(ids.length);
  }
  const table = {
    channelCount: channelIds.size,
    start,
    ids,
    conversions: paths.map((p) => p.conversions),
    value: paths.map((p) => p.value),
    nulls: paths.map((p) => p.nulls),
  };
  return { channels: [...channelIds.keys()], table };
}

function sum(values: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i] as number;
  return total;
}

/** Markov removal effects and credit per channel id of `paths` (see the definitions above). */
export function markovByChannelId(paths: PathTable, order = 1) {
  if (!Number.isInteger(order) || order < 1 || order > 3) throw new RangeError('order must be 1, 2 or 3');
  const chain = buildChain(paths, order);
  const totalConversions = sum(paths.conversions);
  const totalValue = sum(paths.value);
  const pAll = absorb(chain, null, null);
  const vAll = absorb(chain, chain.meanValue, null);
  const effects = chain.statesOfChannel.map((mask) => {
    const p = absorb(chain, null, mask);
    const v = absorb(chain, chain.meanValue, mask);
    return {
      removalEffect: pAll > 0 ? Math.max(0, 1 - p / pAll) : 0,
      removalEffectValue: vAll > 0 ? Math.max(0, 1 - v / vAll) : 0,
    };
  });
  const sumRe = effects.reduce((a, e) => a + e.removalEffect, 0);
  const sumReV = effects.reduce((a, e) => a + e.removalEffectValue, 0);
  return {
    conversionProbability: pAll,
    channels: effects.map((e) => ({
      ...e,
      conversions: sumRe > 0 ? (e.removalEffect / sumRe) * totalConversions : 0,
      value: sumReV > 0 ? (e.removalEffectValue / sumReV) * totalValue : 0,
    })),
  };
}

export function markovAttribution(paths: readonly AggregatedPath[], order = 1): MarkovResult {
  const { channels, table } = pathTableOf(paths);
  const result = markovByChannelId(table, order);
  return {
    conversionProbability: result.conversionProbability,
    channels: result.channels.map((c, id) => ({ channel: channels[id] as string, ...c })),
  };
}

/**
 * Simplified Shapley value (Zhao et al., 2018): with the coalition worth v(S) = conversions of the
 * journeys whose set of channels is contained in S, each channel's Shapley value is the sum, over the
 * channel sets S that contain it, of conversions(S) / |S| — so it is computed in one pass, without
 * enumerating 2^n coalitions. Returns conversions and value per channel id.
 */
export function shapleyByChannelId(paths: PathTable): { conversions: Float64Array; value: Float64Array } {
  const conversions = new Float64Array(paths.channelCount);
  const value = new Float64Array(paths.channelCount);
  // seen[c] === i + 1: channel c already counted for path i (no per-path set).
  const seen = new Float64Array(paths.channelCount);
  const unique: number[] = [];
  for (let i = 0; i + 1 < paths.start.length; i++) {
    const pathConversions = paths.conversions[i] as number;
    if (pathConversions === 0) continue;
    unique.length = 0;
    for (let k = paths.start[i] as number; k < (paths.start[i + 1] as number); k++) {
      const c = paths.ids[k] as number;
      if (seen[c] === i + 1) continue;
      seen[c] = i + 1;
      unique.push(c);
    }
    if (unique.length === 0) continue;
    const pathValue = paths.value[i] as number;
    for (const c of unique) {
      conversions[c] = (conversions[c] as number) + pathConversions / unique.length;
      value[c] = (value[c] as number) + pathValue / unique.length;
    }
  }
  return { conversions, value };
}

export function shapleyAttribution(paths: readonly AggregatedPath[]): ChannelCredit[] {
  const { channels, table } = pathTableOf(paths);
  const { conversions, value } = shapleyByChannelId(table);
  return channels.map((channel, id) => ({
    channel,
    conversions: conversions[id] as number,
    value: value[id] as number,
  }));
}
