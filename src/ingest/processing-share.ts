/**
 * How the inbox processor shares the event loop with acknowledgements while requests are arriving.
 *
 * A pass holds the event loop (and, on SQLite, the only writer): every request that arrives during it
 * waits. So under load the processor waits between passes, and goes again as soon as either
 * - the loop had spare time while it waited (utilization under SPARE_UTILIZATION over a probe): the
 *   acknowledgements do not need the whole loop, so a steady moderate load is processed as it arrives;
 * - or it has waited long enough to have had MIN_SHARE of the time: a burst that saturates the loop is
 *   acknowledged at gateway speed and still processed, slowly, until it eases (or, past the backlog
 *   limit, acknowledgements wait and the processor runs flat out).
 *
 * Measured (`npm run bench:ingest`, SQLite, 50 connections): a fixed 20% share cost the acknowledging
 * side about a quarter of its rate under saturation; a fixed 5% share starved processing at a moderate
 * 12k requests/s that left the loop 40% idle.
 */
export const MIN_SHARE = 0.05;
/** Loop utilization under which the loop counts as having spare time. */
export const SPARE_UTILIZATION = 0.6;
/** How long the processor watches the loop before deciding again. */
export const PROBE_MS = 5;

export interface ShareProbe {
  /** Event-loop utilization (0..1) over the latest probe. */
  utilization: number;
  /** Time waited since the last pass ended. */
  waitedMs: number;
  /** How long the last pass took. */
  passMs: number;
}

/** Under load: whether the processor may run its next pass now. */
export function mayProcessNow(probe: ShareProbe): boolean {
  if (probe.utilization < SPARE_UTILIZATION) return true;
  return probe.waitedMs >= minimumWaitMs(probe.passMs);
}

/** The wait after a pass of `passMs` that gives the processor MIN_SHARE of the time. */
export function minimumWaitMs(passMs: number): number {
  return (passMs * (1 - MIN_SHARE)) / MIN_SHARE;
}
