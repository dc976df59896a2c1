import { describe, expect, it } from 'vitest';
import { firstIdAt, newId, timeOfId } from './ids.js';

describe('firstIdAt', () => {
  it.each([
    ['a millisecond', 1_764_650_000_000],
    ['the epoch', 0],
    ['a time just past a digit carry', 32 ** 3],
  ])('splits ids minted before and from %s', (_label, ms) => {
    const bound = firstIdAt('log', ms);
    for (let i = 0; i < 200; i++) {
      expect(newId('log', ms) >= bound).toBe(true);
      expect(newId('log', ms + 1 + i) >= bound).toBe(true);
      if (ms > 0) expect(newId('log', ms - 1 - i) < bound).toBe(true);
    }
  });

  it('clamps times an id cannot encode', () => {
    expect(firstIdAt('log', -5)).toBe(firstIdAt('log', 0));
    expect(firstIdAt('log', 1e20)).toBe('log_ZZZZZZZZZZ');
    expect(newId('log', Date.now()) < firstIdAt('log', 1e20)).toBe(true);
  });
});

describe('timeOfId', () => {
  it.each([
    ['a millisecond', 1_764_650_000_000],
    ['the epoch', 0],
    ['a time just past a digit carry', 32 ** 3],
  ])('reads back the time of an id minted at %s', (_label, ms) => {
    expect(timeOfId(newId('inb', ms))).toBe(ms);
    expect(timeOfId(firstIdAt('log', ms))).toBe(ms);
  });

  it.each([['nothing'], ['log_'], ['log_01J'], ['log_01J!0000000'], ['01JABCDEFGH']])(
    'is undefined for %s, which is no id',
    (text) => expect(timeOfId(text)).toBeUndefined(),
  );
});
