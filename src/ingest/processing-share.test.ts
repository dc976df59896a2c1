import { describe, expect, it } from 'vitest';
import { MIN_SHARE, mayProcessNow, minimumWaitMs, SPARE_UTILIZATION } from './processing-share.js';

describe('processing share under load', () => {
  it('waits long enough after a pass to give the processor its minimum share and no more', () => {
    const passMs = 10;
    const waitMs = minimumWaitMs(passMs);
    expect(passMs / (passMs + waitMs)).toBeCloseTo(MIN_SHARE, 10);
    expect(minimumWaitMs(0)).toBe(0);
  });

  it.each([
    // [what the loop did while the processor waited, utilization, waited ms, last pass ms, go now?]
    ['saturated by acknowledgements, just after a pass', 0.97, 5, 10, false],
    ['saturated, waited almost the minimum', 0.97, minimumWaitMs(10) - 1, 10, false],
    ['saturated, waited the minimum', 0.97, minimumWaitMs(10), 10, true],
    ['busy at the spare-time line', SPARE_UTILIZATION, 5, 10, false],
    ['spare time just under the line', SPARE_UTILIZATION - 0.01, 5, 10, true],
    ['mostly idle (a steady moderate load)', 0.2, 5, 10, true],
    ['idle, after a long pass', 0, 5, 400, true],
    ['saturated, after an empty pass', 1, 5, 0, true],
  ])('%s: utilization %s, waited %s ms after a %s ms pass -> %s', (_case, utilization, waitedMs, passMs, expected) => {
    expect(mayProcessNow({ utilization, waitedMs, passMs })).toBe(expected);
  });
});
