import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, nextRetry, retryDelay } from './retry.js';

describe('retry schedule', () => {
  const policy = { baseMs: 1000, maxMs: 60_000, maxAttempts: 5 };

  it('doubles per attempt with jitter between half and the full delay, capped', () => {
    expect(retryDelay(1, policy, () => 0)).toBe(500);
    expect(retryDelay(1, policy, () => 1)).toBe(1000);
    expect(retryDelay(3, policy, () => 0.5)).toBe(3000);
    expect(retryDelay(20, policy, () => 1)).toBe(60_000);
  });

  it('waits at least as long as Retry-After', () => {
    const d = nextRetry({
      attempts: 1,
      now: 0,
      policy,
      random: () => 0,
      retryAfterMs: 30_000,
      occurredAt: 0,
      maxAgeMs: null,
    });
    expect(d).toEqual({ retry: true, at: 30_000, delayMs: 30_000 });
  });

  it('dead-letters after the last attempt', () => {
    const d = nextRetry({ attempts: 5, now: 0, policy, random: () => 0, occurredAt: 0, maxAgeMs: null });
    expect(d.retry).toBe(false);
  });

  it('dead-letters when the next attempt passes the age limit (Meta 7 days)', () => {
    const week = 7 * 24 * 3600 * 1000;
    const d = nextRetry({
      attempts: 1,
      now: week - 100,
      policy: DEFAULT_RETRY,
      random: () => 1,
      occurredAt: 0,
      maxAgeMs: week,
    });
    expect(d).toEqual({ retry: false, reason: 'the next attempt would pass the platform age limit' });
  });
});
