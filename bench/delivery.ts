/**
 * npm run bench:delivery [-- --events 20000 --rate 1000 --duration 10 --backends sqlite,postgres --pg-url postgres://root@127.0.0.1:5432/postgres]
 *
 * Per backend, in one process with a local Meta CAPI stand-in (127.0.0.1, never the internet):
 * 1. throughput: `--events` Purchase events are ingested through accept() with the worker stopped,
 *    then one worker delivers them (batches of up to 1,000); conversions/s = events / time to drain.
 * 2. latency: the worker runs while events are ingested at `--rate`/s for `--duration` s; the
 *    ingest-to-delivered latency of each event is delivered_at - received_at (p50/p99).
 * Every event must be delivered exactly once (checked against the stand-in). Prints one JSON line.
 */

import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { parseConfig } from '../src/config/config.js';
import type { AppContext } from '../src/context/context.js';
import { closeContext, createContext } from '../src/context/create-context.js';
import { createDestination } from '../src/delivery/destinations.js';
import { metaRespond, startStandIn } from '../src/delivery/stand-in.js';
import { startDeliveryWorker } from '../src/delivery/worker.js';
import { accept, type IngestInput } from '../src/ingest/accept.js';
import { createWorkspace, type Workspace } from '../src/workspaces/workspaces.js';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '10000' },
    rate: { type: 'string', default: '1000' },
    duration: { type: 'string', default: '10' },
    backends: { type: 'string', default: 'sqlite,postgres' },
    'stand-in': { type: 'boolean', default: false },
    'pg-url': {
      type: 'string',
      default: process.env.TOUCHPOINT_BENCH_PG_URL ?? 'postgres://root@127.0.0.1:5432/postgres',
    },
  },
});
// The stand-in runs in its own process so parsing 1,000-event bodies never competes with the worker.
if (args['stand-in']) {
  const standIn = await startStandIn({ respond: metaRespond() });
  process.on('message', (message: string) => {
    if (message === 'ids') {
      const ids = standIn
        .succeeded()
        .flatMap((r) => ((r.body as { data?: Array<{ event_id: string }> }).data ?? []).map((e) => e.event_id));
      process.send?.({ ids, requests: standIn.succeeded().length });
    }
    if (message === 'stop') void standIn.close().then(() => process.exit(0));
  });
  process.send?.({ url: standIn.url });
  await new Promise(() => {});
}

interface RemoteStandIn {
  url: string;
  report(): Promise<{ ids: string[]; requests: number }>;
  close(): void;
}

function remoteStandIn(): Promise<RemoteStandIn> {
  const child = fork(fileURLToPath(import.meta.url), ['--stand-in'], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('message', (m: { url: string }) =>
      resolve({
        url: m.url,
        report: () =>
          new Promise((res) => {
            child.once('message', (r: { ids: string[]; requests: number }) => res(r));
            child.send('ids');
          }),
        close: () => child.send('stop'),
      }),
    );
  });
}

const EVENTS = Number(args.events);
const RATE = Number(args.rate);
const DURATION = Number(args.duration);

let seq = 0;
function purchase(): IngestInput {
  seq += 1;
  return {
    surface: 'capture',
    source: 'api',
    name: 'Purchase',
    dedupKey: `bench_${seq}_${randomBytes(4).toString('hex')}`,
    userData: { email: `buyer${seq}@example.com`, ip: '203.0.113.7', userAgent: 'Mozilla/5.0 (bench)' },
    clickIds: { fbclid: `IwAR${seq}` },
    context: { pageUrl: 'https://app.example.com/checkout' },
    properties: {},
    value: 49,
    currency: 'USD',
  };
}

async function ingest(ctx: AppContext, workspace: Workspace, n: number): Promise<void> {
  const outcomes = await accept(ctx, workspace, Array.from({ length: n }, purchase), { requestId: 'req_bench' });
  const rejected = outcomes.find((o) => o.status === 'rejected');
  if (rejected !== undefined && rejected.status === 'rejected') throw rejected.error;
}

async function count(ctx: AppContext, status: string): Promise<number> {
  const row = await ctx.storage.db
    .selectFrom('delivery_outbox')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', status as 'delivered')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function database(backend: string): Promise<{ options: Record<string, string>; drop(): Promise<void> }> {
  if (backend === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'tp-bench-delivery-'));
    return { options: { data: dir }, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const admin = args['pg-url'];
  const name = `tp_bench_${randomBytes(5).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`create database ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    options: { databaseUrl: url.toString() },
    drop: async () => {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

async function run(backend: string): Promise<Record<string, number | boolean>> {
  const db = await database(backend);
  const ctx = await createContext(parseConfig({ logLevel: 'silent', ...db.options }, {}));
  const standIn = await remoteStandIn();
  try {
    const workspace = await createWorkspace(ctx.storage.db, { name: 'Bench' });
    await createDestination(ctx, workspace.id, {
      type: 'meta',
      config: {
        pixelId: '123',
        accessToken: 'EAAbench',
        baseUrl: standIn.url,
        rateLimitPerSecond: 1000,
        timeoutMs: 10_000,
      },
    });

    // 1. throughput: drain a backlog with batching
    for (let i = 0; i < EVENTS; i += 500) await ingest(ctx, workspace, Math.min(500, EVENTS - i));
    const started = performance.now();
    const worker = startDeliveryWorker(ctx);
    await until(async () => (await count(ctx, 'delivered')) >= EVENTS, 300_000);
    const drainSeconds = (performance.now() - started) / 1000;
    const batches = (await standIn.report()).requests;

    // 2. latency at a sustained rate, worker running
    const latencyStart = Date.now();
    const perTick = Math.max(1, Math.round(RATE / 100));
    const ticks = DURATION * 100;
    // Open loop at `--rate`, but with at most 50 ingest calls outstanding: when ingest itself cannot
    // keep up, the achieved rate is reported instead of measuring an ever-growing queue.
    const inflight = new Set<Promise<void>>();
    for (let t = 0; t < ticks; t++) {
      const due = latencyStart + t * 10;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      while (inflight.size >= 50) await Promise.race(inflight);
      const p: Promise<void> = ingest(ctx, workspace, perTick).finally(() => inflight.delete(p));
      inflight.add(p);
    }
    await Promise.all(inflight);
    const sustainedSeconds = (Date.now() - latencyStart) / 1000;
    const total = EVENTS + ticks * perTick;
    await until(async () => (await count(ctx, 'delivered')) >= total, 120_000);
    await worker.stop();

    const rows = await ctx.storage.db
      .selectFrom('delivery_outbox')
      .innerJoin('events', (j) =>
        j
          .onRef('events.workspace_id', '=', 'delivery_outbox.workspace_id')
          .onRef('events.event_id', '=', 'delivery_outbox.event_id'),
      )
      .select(['events.received_at', 'delivery_outbox.delivered_at', 'delivery_outbox.created_at'])
      .where('events.received_at', '>=', latencyStart)
      .execute();
    const latencies = rows.map((r) => Number(r.delivered_at) - Number(r.received_at)).sort((a, b) => a - b);
    // from the outbox row's creation (inside the ingest transaction) to delivered: the engine's own share
    const engine = rows.map((r) => Number(r.delivered_at) - Number(r.created_at)).sort((a, b) => a - b);
    const sentIds = (await standIn.report()).ids;
    return {
      conversionsPerSecond: Math.round(EVENTS / drainSeconds),
      drainRequests: batches,
      sustainedRatePerSecond: Math.round((ticks * perTick) / sustainedSeconds),
      latencyEvents: latencies.length,
      latencyP50Ms: percentile(latencies, 50),
      latencyP99Ms: percentile(latencies, 99),
      latencyMaxMs: latencies[latencies.length - 1] ?? 0,
      outboxToDeliveredP50Ms: percentile(engine, 50),
      outboxToDeliveredP99Ms: percentile(engine, 99),
      deliveredExactlyOnce: sentIds.length === total && new Set(sentIds).size === total,
    };
  } finally {
    standIn.close();
    await closeContext(ctx);
    await db.drop();
  }
}

const out: Record<string, unknown> = { bench: 'delivery', events: EVENTS, rate: RATE, durationSeconds: DURATION };
for (const backend of String(args.backends).split(',')) out[backend] = await run(backend.trim());
process.stdout.write(`${JSON.stringify(out)}\n`);
