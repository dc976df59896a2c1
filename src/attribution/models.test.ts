import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHANNELS, PAID_CHANNELS } from './channels.js';
import { creditPath, DAY_MS, MODELS, type ModelName, type PathTouch, WINDOWS, windowMs } from './models.js';

const conversionAt = 100 * DAY_MS;
// Four touches: 20, 10, 3 and 1 day(s) before the conversion.
const path: PathTouch[] = [
  { at: conversionAt - 20 * DAY_MS, channel: 'paid_social' },
  { at: conversionAt - 10 * DAY_MS, channel: 'organic_search' },
  { at: conversionAt - 3 * DAY_MS, channel: 'paid_search' },
  { at: conversionAt - 1 * DAY_MS, channel: 'direct' },
];

// time decay, half-life 7 days: weights 2^(-20/7), 2^(-10/7), 2^(-3/7), 2^(-1/7)
const decay = [20, 10, 3, 1].map((d) => 2 ** (-d / 7));
const decaySum = decay.reduce((a, b) => a + b, 0);

const table: Array<[ModelName, number[]]> = [
  ['first_touch', [1, 0, 0, 0]],
  ['last_touch', [0, 0, 0, 1]],
  ['linear', [0.25, 0.25, 0.25, 0.25]],
  ['time_decay', decay.map((w) => w / decaySum)],
  ['position_based', [0.4, 0.1, 0.1, 0.4]],
  ['w_shaped', [0.3, 0.3, 0.1, 0.3]],
  ['last_non_direct', [0, 0, 1, 0]],
  ['full_impact', [1, 1, 1, 1]],
  ['clicks_only', [0.5, 0, 0.5, 0]],
  ['linear_paid', [0.5, 0, 0.5, 0]],
];

describe('heuristic models (lifetime window)', () => {
  it.each(table)('%s', (model, expected) => {
    const credits = creditPath(model, path, conversionAt, { windowMs: null });
    credits.forEach((c, i) => {
      expect(c).toBeCloseTo(expected[i] as number, 12);
    });
  });
});

describe('heuristic models, source specific (only paid touches)', () => {
  it.each([
    ['first_touch', [1, 0, 0, 0]],
    ['last_touch', [0, 0, 1, 0]],
    ['linear', [0.5, 0, 0.5, 0]],
    ['position_based', [0.5, 0, 0.5, 0]],
    ['full_impact', [1, 0, 1, 0]],
  ] as Array<[ModelName, number[]]>)('%s', (model, expected) => {
    expect(creditPath(model, path, conversionAt, { windowMs: null, sourceSpecific: true })).toEqual(expected);
  });
});

describe('windows (lookback from the conversion)', () => {
  it.each([
    ['lifetime', 'first_touch', [1, 0, 0, 0]],
    ['90d', 'first_touch', [1, 0, 0, 0]],
    ['14d', 'first_touch', [0, 1, 0, 0]],
    ['7d', 'first_touch', [0, 0, 1, 0]],
    ['7d', 'linear', [0, 0, 0.5, 0.5]],
    ['1d', 'first_touch', [0, 0, 0, 1]],
    ['1d', 'last_non_direct', [0, 0, 0, 1]],
    ['30d', 'position_based', [0.4, 0.1, 0.1, 0.4]],
  ] as const)('%s %s', (window, model, expected) => {
    expect(creditPath(model, path, conversionAt, { windowMs: windowMs(window) })).toEqual(expected);
  });

  it('ignores touches after the conversion and leaves a conversion without touches unattributed', () => {
    const later = [...path, { at: conversionAt + 1, channel: 'email' }];
    expect(creditPath('last_touch', later, conversionAt, { windowMs: null })).toEqual([0, 0, 0, 1, 0]);
    expect(creditPath('linear', path, conversionAt, { windowMs: 0.5 * DAY_MS })).toEqual([0, 0, 0, 0]);
  });

  it('w-shaped credits the lead-creating touch when given', () => {
    const five = [...path, { at: conversionAt - 0.5 * DAY_MS, channel: 'email' }];
    const credits = creditPath('w_shaped', five, conversionAt, { windowMs: null, milestoneIndex: 2 });
    expect(credits.map((c) => Number(c.toFixed(6)))).toEqual([0.3, 0.05, 0.3, 0.05, 0.3]);
  });

  it('markov and shapley split by channel weights', () => {
    const weights = new Map([
      ['paid_social', 3],
      ['organic_search', 1],
      ['paid_search', 0],
      ['direct', 0],
    ]);
    expect(creditPath('markov', path, conversionAt, { windowMs: null, channelWeights: weights })).toEqual([
      0.75, 0.25, 0, 0,
    ]);
  });
});

const touchArb = fc.record({
  at: fc.integer({ min: 0, max: 200 * DAY_MS }),
  channel: fc.constantFrom(...CHANNELS),
});
const pathArb = fc.array(touchArb, { maxLength: 12 }).map((ts) => [...ts].sort((a, b) => a.at - b.at));

describe('properties', () => {
  const models = MODELS.filter((m) => m !== 'full_impact');
  it('credit sums to 1 (or 0 when nothing is eligible) for every model and window', () => {
    fc.assert(
      fc.property(
        pathArb,
        fc.constantFrom(...models),
        fc.constantFrom(...WINDOWS),
        fc.boolean(),
        (touches, model, window, ss) => {
          const weights = new Map(CHANNELS.map((c, i) => [c, i + 1]));
          const credits = creditPath(model, touches, 150 * DAY_MS, {
            windowMs: windowMs(window),
            sourceSpecific: ss,
            channelWeights: weights,
          });
          const sum = credits.reduce((a, b) => a + b, 0);
          expect(credits.every((c) => c >= 0)).toBe(true);
          expect(sum === 0 || Math.abs(sum - 1) < 1e-9).toBe(true);
        },
      ),
    );
  });

  it('a longer window never credits fewer touches (monotonic)', () => {
    fc.assert(
      fc.property(pathArb, (touches) => {
        let previous = -1;
        for (const window of ['1d', '7d', '14d', '30d', '60d', '90d', 'lifetime'] as const) {
          const credited = creditPath('full_impact', touches, 150 * DAY_MS, { windowMs: windowMs(window) }).filter(
            (c) => c > 0,
          ).length;
          expect(credited).toBeGreaterThanOrEqual(previous);
          previous = credited;
        }
      }),
    );
  });

  it('source specific never credits organic, direct, email, referral or affiliate touches', () => {
    fc.assert(
      fc.property(pathArb, fc.constantFrom(...MODELS), (touches, model) => {
        const credits = creditPath(model, touches, 150 * DAY_MS, {
          windowMs: null,
          sourceSpecific: true,
          channelWeights: new Map(CHANNELS.map((c) => [c, 1])),
        });
        credits.forEach((c, i) => {
          if (!PAID_CHANNELS.has((touches[i] as PathTouch).channel)) expect(c).toBe(0);
        });
      }),
    );
  });
});
