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

function buildChain(paths: readonly AggregatedPath[], order: number, channelIds: Map<string, number>): Chain {
  const stateIds = new Map<string, number>([['(start)', START]]);
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

  for (const path of paths) {
    const total = path.conversions + path.nulls;
    if (!(total > 0)) continue;
    const ids = path.channels.map((c) => channelIds.get(c) as number);
    const windows: number[][] = [];
    if (ids.length > 0 && ids.length <= order) windows.push(ids);
    else for (let i = 0; i + order <= ids.length; i++) windows.push(ids.slice(i, i + order));
    let previous = START;
    for (const window of windows) {
      const key = window.join(' ');
      let state = stateIds.get(key);
      if (state === undefined) {
        state = stateIds.size;
        stateIds.set(key, state);
        stateChannels.push(window);
        convCount.push(0);
        nullCount.push(0);
        valueSum.push(0);
        convForValue.push(0);
      }
      if (state === previous) continue;
      add(previous, state, total);
      previous = state;
    }
    convCount[previous] = (convCount[previous] ?? 0) + path.conversions;
    nullCount[previous] = (nullCount[previous] ?? 0) + path.nulls;
    if (path.conversions > 0) {
      valueSum[previous] = (valueSum[previous] ?? 0) + path.value;
      convForValue[previous] = (convForValue[previous] ?? 0) + path.conversions;
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
  const statesOfChannel = [...channelIds.values()].map(() => new Uint8Array(stateCount));
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

/** Channel ids in order of first appearance (ChannelAttribution's output order). */
function channelIndex(paths: readonly AggregatedPath[]): Map<string, number> {
  const ids = new Map<string, number>();
  for (const path of paths) for (const c of path.channels) if (!ids.has(c)) ids.set(c, ids.size);
  return ids;
}

export function markovAttribution(paths: readonly AggregatedPath[], order = 1): MarkovResult {
  if (!Number.isInteger(order) || order < 1 || order > 3) throw new RangeError('order must be 1, 2 or 3');
  const channelIds = channelIndex(paths);
  const chain = buildChain(paths, order, channelIds);
  const totalConversions = paths.reduce((a, p) => a + p.conversions, 0);
  const totalValue = paths.reduce((a, p) => a + p.value, 0);
  const pAll = absorb(chain, null, null);
  const vAll = absorb(chain, chain.meanValue, null);
  const effects = [...channelIds.entries()].map(([channel, id]) => {
    const mask = chain.statesOfChannel[id] as Uint8Array;
    const p = absorb(chain, null, mask);
    const v = absorb(chain, chain.meanValue, mask);
    return {
      channel,
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

/**
 * Simplified Shapley value (Zhao et al., 2018): with the coalition worth v(S) = conversions of the
 * journeys whose set of channels is contained in S, each channel's Shapley value is the sum, over the
 * channel sets S that contain it, of conversions(S) / |S| — so it is computed in one pass, without
 * enumerating 2^n coalitions.
 */
export function shapleyAttribution(paths: readonly AggregatedPath[]): ChannelCredit[] {
  const out = new Map<string, ChannelCredit>();
  for (const c of channelIndex(paths).keys()) out.set(c, { channel: c, conversions: 0, value: 0 });
  for (const path of paths) {
    const unique = [...new Set(path.channels)];
    if (unique.length === 0 || path.conversions === 0) continue;
    for (const c of unique) {
      const entry = out.get(c) as ChannelCredit;
      entry.conversions += path.conversions / unique.length;
      entry.value += path.value / unique.length;
    }
  }
  return [...out.values()];
}
