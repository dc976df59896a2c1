/**
 * The retry schedule, a pure function of the attempt number, the policy and a random source:
 * exponential backoff with "equal jitter" (half fixed, half random), at least the server's
 * Retry-After, capped; dead letter after `maxAttempts` or when the next try would pass the
 * platform's age limit (Meta: 7 days, after which one stale event fails a whole batch).
 */
export interface RetryPolicy {
  baseMs: number;
  maxMs: number;
  maxAttempts: number;
}

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 1000, maxMs: 60 * 60 * 1000, maxAttempts: 12 };

export type RetryDecision = { retry: true; at: number; delayMs: number } | { retry: false; reason: string };

export function retryDelay(attempt: number, policy: RetryPolicy, random: () => number): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + (exp / 2) * random());
}

export function nextRetry(input: {
  /** Attempts made so far, including the one that just failed. */
  attempts: number;
  now: number;
  policy: RetryPolicy;
  random: () => number;
  retryAfterMs?: number | undefined;
  /** The event's time and the destination's age limit, if any. */
  occurredAt: number;
  maxAgeMs: number | null;
}): RetryDecision {
  if (input.attempts >= input.policy.maxAttempts) {
    return { retry: false, reason: `gave up after ${input.attempts} attempts` };
  }
  const backoff = retryDelay(input.attempts, input.policy, input.random);
  const delayMs = Math.max(backoff, Math.min(input.retryAfterMs ?? 0, input.policy.maxMs * 6));
  const at = input.now + delayMs;
  if (input.maxAgeMs !== null && at - input.occurredAt > input.maxAgeMs) {
    return { retry: false, reason: 'the next attempt would pass the platform age limit' };
  }
  return { retry: true, at, delayMs };
}
