import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHANNELS, PAID_CHANNELS } from './channels.js';
import { CreditScratch, creditColumns } from './credit-columns.js';
import { type EngineOptions, runAttribution } from './engine.js';
import { FIRST_PURCHASE, JourneyStore, NEW_CUSTOMER } from './journeys.js';
import { type AggregatedPath, markovAttribution, shapleyAttribution } from './markov.js';
import { creditPath, DAY_MS, MODELS, type ModelName, type PathTouch, WINDOWS, windowMs } from './models.js';
import { channelWeights } from './path-counts.js';
import { DayBuckets } from './timezones.js';

/**
 * The columnar engine against the reference definitions: `creditPath` per conversion (models.ts),
 * and data-driven weights from paths counted as strings, on random journeys.
 */

interface Journey {
  touches: Array<{ at: number; channel: string }>;
  events: Array<{ at: number; name: string; value: number }>;
}

const T0 = Date.parse('2026-01-01T00:00:00Z');
const NAMES = ['Purchase', 'StartTrial', 'Lead'];

const journeyArb = fc.record({
  touches: fc.array(
    fc.record({ at: fc.integer({ min: 0, max: 60 * DAY_MS }), channel: fc.constantFrom(...CHANNELS) }),
    { maxLength: 10 },
  ),
  events: fc.array(
    fc.record({
      at: fc.integer({ min: 0, max: 60 * DAY_MS }),
      name: fc.constantFrom(...NAMES),
      value: fc.integer({ min: 0, max: 500 }),
    }),
    { maxLength: 4 },
  ),
});

/** A store holding `journeys` (one person each) plus `anonymous` events without a person. */
function storeOf(journeys: Journey[], anonymous: Journey['events'] = []): JourneyStore {
  const store = new JourneyStore('test');
  store.channels.push(...CHANNELS);
  for (const channel of CHANNELS) {
    store.dims.push({
      channel,
      platform: 'meta',
      campaignId: null,
      campaignName: null,
      adsetId: null,
      adsetName: null,
      adId: null,
      adName: null,
    });
  }
  store.dimChannel = Uint16Array.from(CHANNELS, (_, i) => i);
  store.eventNames.push(...NAMES);
  const touches = journeys.map((j) => [...j.touches].sort((a, b) => a.at - b.at));
  const events = [...journeys.map((j) => j.events), anonymous].map((es) => [...es].sort((a, b) => a.at - b.at));
  const starts = (lists: unknown[][]) => {
    const out = new Int32Array(lists.length + 1);
    lists.forEach((l, i) => {
      out[i + 1] = (out[i] as number) + l.length;
    });
    return out;
  };
  store.touchStart = starts(touches);
  store.touchAt = Float64Array.from(touches.flat(), (t) => T0 + t.at);
  store.touchDim = Int32Array.from(touches.flat(), (t) => CHANNELS.indexOf(t.channel as never));
  store.eventStart = starts(events);
  store.eventAt = Float64Array.from(events.flat(), (e) => T0 + e.at);
  store.eventName = Uint16Array.from(events.flat(), (e) => NAMES.indexOf(e.name));
  store.eventValue = Float64Array.from(events.flat(), (e) => e.value);
  store.eventReceived = store.eventAt.slice();
  return store;
}

function pathsOf(store: JourneyStore, p: number): PathTouch[] {
  const out: PathTouch[] = [];
  for (let k = store.touchStart[p] as number; k < (store.touchStart[p + 1] as number); k++) {
    out.push({
      at: store.touchAt[k] as number,
      channel: store.channels[store.dimChannel[store.touchDim[k] as number] as number] as string,
    });
  }
  return out;
}

/** Data-driven weights as first written: every path joined into a string key. */
function referenceWeights(store: JourneyStore, options: EngineOptions, events: readonly string[]): Map<string, number> {
  const paths = new Map<string, AggregatedPath>();
  const add = (channels: string[], conversions: number, value: number, nulls: number) => {
    const key = channels.join('\u0000');
    const entry = paths.get(key) ?? { channels, conversions: 0, value: 0, nulls: 0 };
    paths.set(key, {
      ...entry,
      conversions: entry.conversions + conversions,
      value: entry.value + value,
      nulls: entry.nulls + nulls,
    });
  };
  const paid = (c: string) => options.sourceSpecific !== true || PAID_CHANNELS.has(c);
  const converted = new Set<number>();
  for (let p = 0; p < store.people; p++) {
    for (let e = store.eventStart[p] as number; e < (store.eventStart[p + 1] as number); e++) {
      const at = store.eventAt[e] as number;
      if (!events.includes(store.eventNames[store.eventName[e] as number] as string) || options.days.indexOf(at) === -1)
        continue;
      converted.add(p);
      const eligible = pathsOf(store, p).filter(
        (t) => t.at <= at && (options.windowMs === null || t.at >= at - options.windowMs) && paid(t.channel),
      );
      if (eligible.length > 0)
        add(
          eligible.map((t) => t.channel),
          1,
          store.eventValue[e] as number,
          0,
        );
    }
  }
  for (let p = 0; p < store.people; p++) {
    if (converted.has(p)) continue;
    const kept = pathsOf(store, p).filter((t) => options.days.indexOf(t.at) !== -1 && paid(t.channel));
    if (kept.length > 0)
      add(
        kept.map((t) => t.channel),
        0,
        0,
        1,
      );
  }
  const all = [...paths.values()];
  return new Map(
    options.model === 'markov'
      ? markovAttribution(all, options.order ?? 1).channels.map((c) => [c.channel, c.removalEffect])
      : shapleyAttribution(all).map((c) => [c.channel, c.conversions]),
  );
}

const optionsArb = fc.record({
  model: fc.constantFrom(...MODELS),
  window: fc.constantFrom(...WINDOWS),
  sourceSpecific: fc.boolean(),
  creditDate: fc.constantFrom('conversion' as const, 'click' as const),
  halfLifeDays: fc.integer({ min: 1, max: 14 }),
  order: fc.integer({ min: 1, max: 3 }),
});

describe('columnar engine', () => {
  it('credits every conversion exactly as creditPath does, for every model and window', () => {
    fc.assert(
      fc.property(fc.array(journeyArb, { maxLength: 25 }), journeyArb, optionsArb, (journeys, extra, o) => {
        const store = storeOf(journeys, extra.events);
        const days = new DayBuckets('2026-01-20', '2026-02-20', 'UTC');
        const options: EngineOptions = {
          model: o.model,
          windowMs: windowMs(o.window),
          sourceSpecific: o.sourceSpecific,
          halfLifeMs: o.halfLifeDays * DAY_MS,
          creditDate: o.creditDate,
          days,
          order: o.order,
        };
        const events = ['Purchase', 'Lead'];
        const period = store.conversions(events, days.start, days.end + 30 * DAY_MS);
        const got: Array<[number, number, number, number]> = [];
        runAttribution(store, period, options, (c, k, credit, day) => got.push([c, k, credit, day]));

        const dataDriven = o.model === 'markov' || o.model === 'shapley';
        const weights = dataDriven ? referenceWeights(store, options, events) : undefined;
        if (weights) {
          const fast = channelWeights(store, period, options);
          for (const [channel, w] of weights) expect(fast[store.channels.indexOf(channel)]).toBeCloseTo(w, 12);
        }
        const want: Array<[number, number, number, number]> = [];
        for (let c = 0; c < period.count; c++) {
          const at = store.eventAt[period.event[c] as number] as number;
          const conversionDay = days.indexOf(at);
          if (o.creditDate === 'conversion' && conversionDay === -1) continue;
          const p = period.person[c] as number;
          const touches = p === -1 ? [] : pathsOf(store, p);
          const credits = creditPath(o.model as ModelName, touches, at, { ...options, channelWeights: weights });
          let given = 0;
          credits.forEach((credit, i) => {
            const day = o.creditDate === 'conversion' ? conversionDay : days.indexOf((touches[i] as PathTouch).at);
            if (credit === 0 || day === -1) return;
            given += credit;
            want.push([c, (store.touchStart[p] as number) + i, credit, day]);
          });
          if (given === 0 && conversionDay !== -1) want.push([c, -1, 1, conversionDay]);
        }
        expect(got.length).toBe(want.length);
        got.forEach((g, i) => {
          const w = want[i] as [number, number, number, number];
          expect([g[0], g[1], g[3]]).toEqual([w[0], w[1], w[3]]);
          if (dataDriven) expect(g[2]).toBeCloseTo(w[2], 12);
          else expect(g[2]).toBe(w[2]);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('honours the W-shaped milestone as creditPath does', () => {
    fc.assert(
      fc.property(journeyArb, fc.nat(12), (journey, milestone) => {
        const store = storeOf([journey]);
        const touches = pathsOf(store, 0);
        const options = { windowMs: null, milestoneIndex: milestone };
        const scratch = new CreditScratch();
        const traits = { paid: store.paidDims(), passive: store.paidDims(), direct: store.paidDims(), weight: null };
        const at = T0 + 61 * DAY_MS;
        creditColumns('w_shaped', store.touchAt, store.touchDim, traits, 0, touches.length, at, options, scratch);
        expect(Array.from(scratch.credit.subarray(0, touches.length))).toEqual(
          creditPath('w_shaped', touches, at, options),
        );
      }),
    );
  });

  it('flags new customers and first purchases over each person’s whole history', () => {
    fc.assert(
      fc.property(fc.array(journeyArb, { maxLength: 20 }), journeyArb, (journeys, extra) => {
        const store = storeOf(journeys, extra.events);
        const from = T0 + 20 * DAY_MS;
        const to = T0 + 40 * DAY_MS;
        const period = store.conversions(['Purchase', 'StartTrial'], from, to);
        const want: Array<[number, number]> = [];
        for (let p = 0; p < store.eventStart.length - 1; p++) {
          let seenAny = false;
          let seenPurchase = false;
          for (let e = store.eventStart[p] as number; e < (store.eventStart[p + 1] as number); e++) {
            const name = store.eventNames[store.eventName[e] as number];
            const at = store.eventAt[e] as number;
            if (name === 'Lead' || at >= to) continue;
            const anonymous = p === store.people;
            const flags =
              (anonymous || !seenAny ? NEW_CUSTOMER : 0) |
              (name === 'Purchase' && (anonymous || !seenPurchase) ? FIRST_PURCHASE : 0);
            if (!anonymous) {
              seenAny = true;
              seenPurchase ||= name === 'Purchase';
            }
            if (at >= from) want.push([e, flags]);
          }
        }
        expect(Array.from({ length: period.count }, (_, c) => [period.event[c], period.flags[c]])).toEqual(want);
      }),
      { numRuns: 200 },
    );
  });
});
