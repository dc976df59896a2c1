import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonSizeAtMost } from './item-size.js';

const size = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

describe('jsonSizeAtMost', () => {
  it.each([
    ['a small event', { event: 'Signed Up', userId: 'u-1', properties: { plan: 'pro', value: 49 } }, 1024, true],
    ['a string over the limit', { note: 'x'.repeat(2000) }, 1024, false],
    ['escapes counted at their worst', { note: '\u0001'.repeat(160) }, 1024, true],
    ['escapes past the limit', { note: '\u0001'.repeat(200) }, 1024, false],
    ['numbers counted at their widest', Array.from({ length: 100 }, (_, i) => i), 1024, false],
    ['a value with toJSON (unknown size)', { at: new Date(0) }, 1024, false],
  ])('%s', (_name, value, limit, expected) => {
    expect(jsonSizeAtMost(value, limit)).toBe(expected);
  });

  it('never says "at most" of a value whose JSON is larger', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 0, max: 4096 }), (value, limit) => {
        if (jsonSizeAtMost(value, limit)) expect(size(value)).toBeLessThanOrEqual(limit);
      }),
      { numRuns: 2000 },
    );
  });
});
