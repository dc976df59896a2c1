import { randomBytes } from 'node:crypto';
import { Counter, Histogram } from 'prom-client';
import type { AppContext } from '../context/context.js';
import { ADAPTERS } from '../destinations/registry.js';
import { createHttpClient, type HttpClient } from '../http/client.js';
import { TokenCache } from '../http/oauth.js';
import { newId } from '../ids/ids.js';
import type { DeliveryAttemptTable, DeliveryOutboxTable } from '../storage/tables/delivery.js';
import { type LoadedDestination, loadDestination, withAccessToken } from './destinations.js';
import { type DueDestination, dueDestinations, leaseBatch, type RowResult, recordResults } from './lease.js';
import { fbclidFirstSeen, loadEvents, mapContextFor, prepareItems } from './prepare.js';
import { TokenBucket } from './rate-limit.js';
import { DEFAULT_RETRY, nextRetry, type RetryPolicy } from './retry.js';
import { logPayload, sendBatch } from './send.js';
import { deliveryState } from './state.js';

export interface WorkerOptions {
  /** Idle poll for rows committed by other processes (in-process commits wake the worker at once). */
  pollMs: number;
  /** How long a lease protects rows from other workers (longer than any send timeout). */
  leaseMs: number;
  /** Destinations served at once; each destination has its own lane, so a slow one delays only itself. */
  maxLanes: number;
  retry: RetryPolicy;
  random: () => number;
  http: HttpClient;
  owner: string;
}

export interface DeliveryWorker {
  readonly owner: string;
  /** Wakes the worker now. */
  kick(): void;
  /** Stops leasing and waits for the sends in flight to finish and be recorded. */
  stop(): Promise<void>;
}

interface Metrics {
  outcomes: Counter<'destination_kind' | 'outcome'>;
  latency: Histogram<'destination_kind'>;
}

function metricsFor(ctx: AppContext): Metrics {
  const registry = ctx.metrics.registry;
  const outcomes =
    (registry.getSingleMetric('touchpoint_delivery_outcomes_total') as
      | Counter<'destination_kind' | 'outcome'>
      | undefined) ??
    new Counter({
      name: 'touchpoint_delivery_outcomes_total',
      help: 'Delivery attempts by destination kind and outcome',
      labelNames: ['destination_kind', 'outcome'],
      registers: [registry],
    });
  const latency =
    (registry.getSingleMetric('touchpoint_delivery_latency_seconds') as Histogram<'destination_kind'> | undefined) ??
    new Histogram({
      name: 'touchpoint_delivery_latency_seconds',
      help: 'Event received to delivered',
      labelNames: ['destination_kind'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 30, 300],
      registers: [registry],
    });
  return { outcomes, latency };
}

export function startDeliveryWorker(ctx: AppContext, options: Partial<WorkerOptions> = {}): DeliveryWorker {
  const opts: WorkerOptions = {
    pollMs: 100,
    leaseMs: 60_000,
    maxLanes: 32,
    retry: DEFAULT_RETRY,
    random: Math.random,
    http: createHttpClient(),
    owner: `wrk_${randomBytes(6).toString('hex')}`,
    ...options,
  };
  const db = ctx.storage.db;
  const metrics = metricsFor(ctx);
  const lanes = new Map<string, Promise<void>>();
  const buckets = new Map<string, { rate: number; bucket: TokenBucket }>();
  let stopping = false;
  let ticking = false;
  let again = false;

  const bucketFor = (destination: LoadedDestination): TokenBucket => {
    const known = buckets.get(destination.id);
    if (known !== undefined && known.rate === destination.ratePerSecond) return known.bucket;
    const bucket = new TokenBucket(destination.ratePerSecond);
    buckets.set(destination.id, { rate: destination.ratePerSecond, bucket });
    return bucket;
  };

  const tokens = new TokenCache();

  const processBatch = async (configured: LoadedDestination, rows: DeliveryOutboxTable[]): Promise<void> => {
    const now = ctx.clock.now();
    const ready = await withAccessToken(configured, opts.http, tokens, now);
    if (!ready.ok) {
      // no usable access token: the whole batch waits (or fails) like a failed request would
      const results = rows.map((row) => {
        const decision = nextRetry({
          attempts: Number(row.attempts),
          now,
          policy: opts.retry,
          random: opts.random,
          occurredAt: Number(row.event_occurred_at),
          maxAgeMs: null,
        });
        const result: RowResult =
          ready.retryable && decision.retry
            ? { status: 'pending', nextAttemptAt: decision.at, error: ready.error }
            : { status: 'dead', error: ready.error };
        return { deliveryId: row.delivery_id, result };
      });
      await recordResults(db, configured.workspaceId, opts.owner, now, results, []);
      return;
    }
    const destination = ready.destination;
    const adapter = ADAPTERS[destination.kind];
    const workspaceId = destination.workspaceId;
    const events = await loadEvents(
      db,
      workspaceId,
      rows.map((r) => r.event_id),
    );
    const mapCtx = await mapContextFor(db, workspaceId, now);
    const firstSeen =
      destination.kind === 'meta'
        ? await fbclidFirstSeen(db, workspaceId, [...events.values()])
        : new Map<string, number>();
    const prepared = prepareItems(
      destination,
      rows.map((row) => ({
        key: row,
        deliveryId: row.delivery_id,
        event: events.get(row.event_id),
        platformEventName: row.platform_event_name,
      })),
      firstSeen,
      mapCtx,
    );
    const results: Array<{ deliveryId: string; result: RowResult }> = [];
    const attempts: DeliveryAttemptTable[] = [];
    const logRow = (row: DeliveryOutboxTable, outcome: string, fields: Partial<DeliveryAttemptTable>): void => {
      attempts.push({
        workspace_id: workspaceId,
        attempt_id: newId('dlv', now),
        delivery_id: row.delivery_id,
        event_id: row.event_id,
        destination_id: row.destination_id,
        attempt: Number(row.attempts),
        started_at: now,
        duration_ms: 0,
        outcome,
        http_status: null,
        request: '{}',
        response: null,
        error: null,
        ...fields,
      });
    };
    const sendable = prepared.filter((p) => p.ok);
    for (const p of prepared) {
      if (p.ok) continue;
      results.push({ deliveryId: p.key.delivery_id, result: { status: 'dead', error: p.reason } });
      logRow(p.key, 'dead', { error: p.reason });
      metrics.outcomes.inc({ destination_kind: destination.kind, outcome: 'invalid' });
    }
    const sent = await sendBatch(
      destination,
      sendable.map((p) => (p.ok ? p.payload : undefined)),
      mapCtx,
      opts.http,
      ctx.clock,
      () => bucketFor(destination).take(),
    );
    // one jitter draw per batch keeps a failed batch together (one UPDATE) when it is retried
    const jitter = opts.random();
    const finished = ctx.clock.now();
    for (const sentItem of sent) {
      const { index, log } = sentItem;
      let outcome = sentItem.outcome;
      if (destination.oauth !== undefined && log.httpStatus === 401) {
        // an expired or revoked access token: fetch a new one and try again
        tokens.invalidate(destination.id);
        outcome = { kind: 'retryable', reason: 'access token rejected (HTTP 401); refreshing it' };
      }
      const p = sendable[index];
      if (p === undefined || !p.ok) continue;
      const row = p.key;
      let result: RowResult;
      switch (outcome.kind) {
        case 'delivered':
          result = { status: 'delivered' };
          metrics.latency.observe(
            { destination_kind: destination.kind },
            Math.max(0, finished - p.item.event.receivedAt) / 1000,
          );
          break;
        case 'skipped':
          result = { status: 'skipped', error: outcome.reason };
          break;
        case 'permanent':
          result = { status: 'dead', error: outcome.reason };
          break;
        case 'retryable': {
          const decision = nextRetry({
            attempts: Number(row.attempts),
            now: finished,
            policy: opts.retry,
            random: () => jitter,
            retryAfterMs: outcome.afterMs,
            occurredAt: p.item.event.occurredAt,
            maxAgeMs: adapter.maxAgeMs,
          });
          result = decision.retry
            ? { status: 'pending', nextAttemptAt: decision.at, error: outcome.reason }
            : { status: 'dead', error: `${outcome.reason}; ${decision.reason}` };
          break;
        }
      }
      results.push({ deliveryId: row.delivery_id, result });
      metrics.outcomes.inc({ destination_kind: destination.kind, outcome: outcome.kind });
      logRow(row, outcome.kind, {
        started_at: log.startedAt,
        duration_ms: log.durationMs,
        http_status: log.httpStatus,
        request: JSON.stringify({ ...log.request, body: JSON.parse(logPayload(p.payload)) as unknown }),
        response: log.response,
        error: outcome.kind === 'delivered' ? null : (log.error ?? ('reason' in outcome ? outcome.reason : null)),
      });
    }
    await recordResults(db, workspaceId, opts.owner, ctx.clock.now(), results, attempts);
  };

  const runLane = async (target: DueDestination): Promise<void> => {
    const destination = await loadDestination(ctx, target.workspace_id, target.destination_id);
    const adapter = destination === undefined ? undefined : ADAPTERS[destination.kind];
    while (!stopping) {
      const now = ctx.clock.now();
      const rows = await leaseBatch(ctx.storage, target, opts.owner, now, opts.leaseMs, adapter?.maxBatch ?? 500);
      if (rows.length === 0) return;
      if (destination === undefined || !destination.enabled) {
        const error = destination === undefined ? 'destination not found' : 'destination disabled or deleted';
        await recordResults(
          db,
          target.workspace_id,
          opts.owner,
          now,
          rows.map((r) => ({ deliveryId: r.delivery_id, result: { status: 'skipped', error } })),
          [],
        );
        continue;
      }
      try {
        await processBatch(destination, rows);
      } catch (error) {
        // Unexpected (database, bug): release the rows for a later retry instead of losing them.
        ctx.log.error({ err: error, destinationId: destination.id }, 'delivery.batch_failed');
        const at = ctx.clock.now() + 5000;
        await recordResults(
          db,
          target.workspace_id,
          opts.owner,
          ctx.clock.now(),
          rows.map((r) => ({
            deliveryId: r.delivery_id,
            result: { status: 'pending', nextAttemptAt: at, error: 'internal error' },
          })),
          [],
        ).catch(() => {});
        return;
      }
    }
  };

  const tick = async (): Promise<void> => {
    if (stopping) return;
    if (ticking) {
      again = true;
      return;
    }
    ticking = true;
    try {
      do {
        again = false;
        const due = await dueDestinations(db, ctx.clock.now(), 500);
        for (const target of due) {
          const key = `${target.workspace_id}/${target.destination_id}`;
          if (lanes.has(key) || lanes.size >= opts.maxLanes || stopping) continue;
          const lane = runLane(target)
            .catch((error: unknown) => ctx.log.error({ err: error }, 'delivery.lane_failed'))
            .finally(() => {
              lanes.delete(key);
              // more rows may have become due while this lane drained
              if (!stopping) setImmediate(() => void tick());
            });
          lanes.set(key, lane);
        }
      } while (again && !stopping);
    } catch (error) {
      if (!stopping) ctx.log.error({ err: error }, 'delivery.tick_failed');
    } finally {
      ticking = false;
    }
  };

  const state = deliveryState(ctx.storage);
  const listener = (): void => void tick();
  state.listeners.add(listener);
  const timer = setInterval(() => void tick(), opts.pollMs);
  timer.unref();
  void tick();

  return {
    owner: opts.owner,
    kick: () => void tick(),
    async stop() {
      stopping = true;
      clearInterval(timer);
      state.listeners.delete(listener);
      await Promise.all([...lanes.values()]);
      while (ticking) await new Promise((resolve) => setTimeout(resolve, 5));
    },
  };
}
