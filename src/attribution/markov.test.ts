import { describe, expect, it } from 'vitest';
import { markovAttribution, shapleyAttribution } from './markov.js';
import { attributePaths, parsePathsFile } from './paths-file.js';

// start -> A (2), start -> B (2); A -> B (1), A -> null (1); B -> conv (2), B -> null (1)
// P(conv) = 0.5·(0.5·2/3) + 0.5·2/3 = 1/2. Without A: 0.5·2/3 = 1/3 -> RE(A) = 1/3. Without B: 0 -> RE(B) = 1.
const small = [
  { channels: ['A', 'B'], conversions: 1, value: 10, nulls: 0 },
  { channels: ['A'], conversions: 0, value: 0, nulls: 1 },
  { channels: ['B'], conversions: 1, value: 30, nulls: 1 },
];

describe('markov removal effects', () => {
  it('matches the hand-computed small graph', () => {
    const result = markovAttribution(small, 1);
    expect(result.conversionProbability).toBeCloseTo(0.5, 12);
    const [a, b] = result.channels;
    expect(a?.channel).toBe('A');
    expect(a?.removalEffect).toBeCloseTo(1 / 3, 12);
    expect(b?.removalEffect).toBeCloseTo(1, 12);
    // normalized to the 2 conversions and 40 of value
    expect(a?.conversions).toBeCloseTo(0.5, 12);
    expect(b?.conversions).toBeCloseTo(1.5, 12);
    expect(a?.value).toBeCloseTo(10, 12);
    expect(b?.value).toBeCloseTo(30, 12);
  });

  it('agrees with the published pychattr/ChannelAttribution example (simulated: A 1.991, B 1.009)', () => {
    // The README example of pychattr, a port of ChannelAttribution: three converting paths, no nulls,
    // 10,000 simulations. The exact chain gives A 2 and B 1; the simulation lands within 0.01.
    const result = markovAttribution(
      [
        { channels: ['A', 'B', 'A', 'B', 'B', 'A'], conversions: 1, value: 1, nulls: 0 },
        { channels: ['A', 'B', 'B', 'A', 'A'], conversions: 1, value: 1, nulls: 0 },
        { channels: ['A', 'A'], conversions: 1, value: 1, nulls: 0 },
      ],
      1,
    );
    const byChannel = Object.fromEntries(result.channels.map((c) => [c.channel, c.conversions]));
    expect(Math.abs((byChannel.A ?? 0) - 1.991106)).toBeLessThan(0.01);
    expect(Math.abs((byChannel.B ?? 0) - 1.008894)).toBeLessThan(0.01);
  });

  it('collapses repeated channels and handles loops', () => {
    // A > A > B is the same chain as A > B at order 1
    const repeated = markovAttribution([
      { ...small[0], channels: ['A', 'A', 'B'] } as never,
      small[1],
      small[2],
    ] as never);
    expect(repeated.channels.map((c) => c.conversions)).toEqual(
      markovAttribution(small).channels.map((c) => c.conversions),
    );
    const loop = markovAttribution([
      { channels: ['A', 'B', 'A'], conversions: 2, value: 2, nulls: 1 },
      { channels: ['B'], conversions: 0, value: 0, nulls: 3 },
    ]);
    const total = loop.channels.reduce((s, c) => s + c.conversions, 0);
    expect(total).toBeCloseTo(2, 9);
  });

  it('higher orders use windows of channels as states and still sum to the total', () => {
    for (const order of [2, 3]) {
      const result = markovAttribution(
        [
          { channels: ['A', 'B', 'C'], conversions: 3, value: 30, nulls: 2 },
          { channels: ['C', 'B'], conversions: 1, value: 5, nulls: 4 },
          { channels: ['A'], conversions: 0, value: 0, nulls: 2 },
        ],
        order,
      );
      expect(result.channels.reduce((s, c) => s + c.conversions, 0)).toBeCloseTo(4, 9);
      expect(result.channels.reduce((s, c) => s + c.value, 0)).toBeCloseTo(35, 9);
    }
    // order 2 on A > B > C: states "A B" and "B C"; removing any channel breaks the only converting path
    const only = markovAttribution([{ channels: ['A', 'B', 'C'], conversions: 3, value: 3, nulls: 0 }], 2);
    expect(only.channels.map((c) => c.removalEffect)).toEqual([1, 1, 1]);
  });

  it('simplified shapley splits each journey over its distinct channels', () => {
    expect(shapleyAttribution(small)).toEqual([
      { channel: 'A', conversions: 0.5, value: 5 },
      { channel: 'B', conversions: 1.5, value: 35 },
    ]);
  });
});

describe('paths files and `touchpoint attribute`', () => {
  const csv = 'path;total_conversions;total_conversion_value;total_null\nA > B;1;10;0\nA;0;0;1\nB;1;30;1\n';

  it('parses ; and , delimited files', () => {
    expect(parsePathsFile(csv)).toEqual(small);
    expect(parsePathsFile(csv.replaceAll(';', ','))).toEqual(small);
  });

  it('heuristics split by occurrence (ChannelAttribution linear_touch)', () => {
    const paths = parsePathsFile('path,total_conversions,total_conversion_value,total_null\nA > A > B,3,30,1\n');
    expect(attributePaths(paths, 'linear')).toEqual([
      { channel: 'A', conversions: 2, value: 20 },
      { channel: 'B', conversions: 1, value: 10 },
    ]);
    expect(attributePaths(paths, 'first_touch')[0]).toEqual({ channel: 'A', conversions: 3, value: 30 });
  });
});
