import type { AppContext } from '../context/context.js';
import { AppError } from '../errors/codes.js';

interface Window {
  start: number;
  count: number;
}

const WINDOWS = new WeakMap<AppContext, Map<string, Window>>();
const MINUTE = 60_000;

/**
 * Per-workspace request budget on ingestion routes (config `rateLimit`, per minute; 0 = off): a fixed
 * one-minute window per process. Over budget -> 429 with Retry-After (seconds to the next window).
 */
export function takeRateLimit(ctx: AppContext, workspaceId: string, now = ctx.clock.now()): void {
  const limit = ctx.config.server.rateLimitPerMinute;
  if (limit === 0) return;
  let windows = WINDOWS.get(ctx);
  if (windows === undefined) {
    windows = new Map();
    WINDOWS.set(ctx, windows);
  }
  let window = windows.get(workspaceId);
  if (window === undefined || now - window.start >= MINUTE) {
    window = { start: now - (now % MINUTE), count: 0 };
    windows.set(workspaceId, window);
  }
  window.count++;
  if (window.count > limit) {
    const retryAfter = Math.max(1, Math.ceil((window.start + MINUTE - now) / 1000));
    throw new AppError(
      'rate_limited',
      `this workspace sent more than ${limit} requests this minute; retry in ${retryAfter} s`,
      undefined,
      { 'Retry-After': String(retryAfter) },
    );
  }
}
