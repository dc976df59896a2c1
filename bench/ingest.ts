/**
 * npm run bench:ingest [-- --database-url postgres://… --duration 20 --connections 50 --rounds 3]
 *
 * 1. Single Cometly-style events (varying emails), autocannon, 50 connections, against a bare
 *    node:http server that JSON-parses and replies 202, then against Touchpoint (a child process);
 *    `--rounds` such pairs, the median pair reported (with every pair's figures).
 * 2. Segment /v1/batch with 100 events per request against Touchpoint (a fresh process).
 * After each Touchpoint run, every acknowledged event must be in the database exactly once.
 * Prints one JSON line.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { build } from 'esbuild';
import { openPostgres, openSqlite, type Storage } from '../src/storage/database.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    duration: { type: 'string', default: '20' },
    connections: { type: 'string', default: '50' },
    // Bare/Touchpoint pairs of the single-event run; the median pair's figures are reported.
    rounds: { type: 'string', default: '3' },
    'batch-duration': { type: 'string' },
    'batch-connections': { type: 'string', default: '10' },
    'batch-size': { type: 'string', default: '100' },
    // Diagnostics: a fixed request rate, so CPU per event compares across runs on a noisy machine.
    rate: { type: 'string' },
    'batch-rate': { type: 'string' },
    // As `serve --ingest-max-backlog`: how many events may wait for processing before acks wait.
    'max-backlog': { type: 'string' },
  },
});
const databaseUrl = args['database-url'] ?? process.env.TOUCHPOINT_DATABASE_URL;
const duration = Number(args.duration);
const connections = Number(args.connections);
const roundCount = Number(args.rounds);
const batchDuration = Number(args['batch-duration'] ?? args.duration);
const batchConnections = Number(args['batch-connections']);
const batchSize = Number(args['batch-size']);
const rate = args.rate === undefined ? undefined : Number(args.rate);
const batchRate = args['batch-rate'] === undefined ? undefined : Number(args['batch-rate']);
const keyed = process.env.BENCH_KEYED === '1';

interface Child {
  proc: ChildProcess;
  ready: { port: number; token?: string; workspaceId?: string; dataDir?: string | null };
}

/**
 * The servers run as plain Node processes: esbuild bundles them (npm packages stay external) into
 * node_modules/.cache, so the measurement includes no TypeScript loader.
 */
const outdir = join(here, '..', 'node_modules', '.cache', 'touchpoint-bench');
await build({
  entryPoints: {
    'app-server': join(here, 'support', 'app-server.ts'),
    'bare-server': join(here, 'support', 'bare-server.ts'),
    // Beside the app bundle, where the ingest thread looks for its entry.
    'ingest-thread-worker': join(here, '..', 'src', 'ingest', 'ingest-thread-worker.ts'),
  },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  outdir,
  outExtension: { '.js': '.mjs' },
  logLevel: 'error',
});

function start(script: string, env: Record<string, string> = {}): Promise<Child> {
  const proc = fork(join(outdir, script.replace(/\.ts$/, '.mjs')), [], {
    // BENCH_CPU_PROF=<dir>: profile the servers (diagnostics; figures are then not comparable).
    execArgv: process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : [],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    proc.once('error', reject);
    proc.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
    proc.on('message', (message: { type?: string } & Child['ready']) => {
      if (message.type === 'ready') resolve({ proc, ready: message });
    });
  });
}

function ask<T>(child: Child, type: string): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (message: { type?: string }) => {
      if (message.type === type) {
        child.proc.off('message', onMessage);
        resolve(message as T);
      }
    };
    child.proc.on('message', onMessage);
    child.proc.send({ type });
  });
}

async function stop(child: Child): Promise<void> {
  child.proc.removeAllListeners('exit');
  const exited = new Promise((resolve) => child.proc.once('exit', resolve));
  child.proc.send({ type: 'close' }, (error) => {
    if (error) child.proc.kill('SIGTERM');
  });
  const timer = setTimeout(() => child.proc.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

const UA =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.1 Safari/605.1.15';

/** What the server's ingest inbox held when a run ended, and how long processing it took. */
interface Settle {
  backlog: number;
  ms: number;
  /** Accepted events committed inline vs acknowledged through the inbox during the run. */
  committed: { inline: number; deferred: number };
  /** Processing passes that failed (a deadlock, say) and were redone one request at a time. */
  failedPasses: number;
}

/** End-to-end: events acknowledged during the run, over the run plus the time to process the backlog. */
function processed(events: number, seconds: number, settle: Settle) {
  return {
    committedInline: settle.committed.inline,
    acknowledgedThroughInbox: settle.committed.deferred,
    backlogAtEnd: settle.backlog,
    failedPasses: settle.failedPasses,
    drainSeconds: Math.round(settle.ms / 100) / 10,
    eventsPerSec: Math.round(events / (seconds + settle.ms / 1000)),
  };
}

interface Cpu {
  ms: number;
  /** The main thread's share (Linux): the event loop, which HTTP cannot leave. */
  mainMs?: number;
}

/** Server CPU per acknowledged event, while acknowledging and while processing what was left. */
function cpuPerEvent(events: number, run: Cpu, drain: Cpu) {
  const us = (ms: number) => Math.round((ms * 1000) / Math.max(events, 1));
  return {
    runUs: us(run.ms),
    runMainThreadUs: run.mainMs === undefined ? null : us(run.mainMs),
    drainUs: us(drain.ms),
    totalUs: us(run.ms + drain.ms),
  };
}

interface RunFigures {
  requestsPerSec: number;
  eventsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  peakRssMb: number;
  /** Requests in the slowest and fastest second of the run: how steady it was. */
  perSecondMin: number;
  perSecondMax: number;
}

async function single(child: Child, headers: Record<string, string>, collect: boolean) {
  const acked: string[] = [];
  let n = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${child.ready.port}/public-api/v1/events`,
    method: 'POST',
    connections,
    duration,
    ...(rate === undefined ? {} : { overallRate: rate }),
    headers: { 'content-type': 'application/json', ...headers },
    requests: [
      {
        setupRequest: (request) => {
          n++;
          request.body = JSON.stringify({
            event_name: 'lead_generated',
            email: `bench-${process.pid}-${n}@example.com`,
            // One visitor per event, as in real traffic (a shared IP + user agent would make every
            // event touch the same identity row).
            ip: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
            user_agent: UA,
            amount: 34,
            event_time: Math.floor(Date.now() / 1000),
            // BENCH_KEYED=1 (diagnostics): each event carries an idempotency key to claim.
            ...(keyed ? { idempotency_key: `bench-${process.pid}-${n}` } : {}),
          });
          return request;
        },
        onResponse: (status, body) => {
          if (collect && status === 202) acked.push((JSON.parse(body) as { id: string }).id);
        },
      },
    ],
  });
  const stats = await ask<{ peakRss: number }>(child, 'stats');
  const figures: RunFigures = {
    requestsPerSec: Math.round(result.requests.average),
    eventsPerSec: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    peakRssMb: Math.round(stats.peakRss / 1048576),
    perSecondMin: result.requests.min,
    perSecondMax: result.requests.max,
  };
  return { figures, acked, requests: result.requests.total };
}

async function batch(child: Child, token: string) {
  // One template per request size; each request gets unique messageIds by replacing the marker.
  const template = JSON.stringify({
    batch: Array.from({ length: batchSize }, (_, i) => ({
      type: 'track',
      messageId: `m-__N__-${i}`,
      userId: `u-__N__-${i % 10}`,
      event: 'Order Completed',
      properties: { revenue: 19.99, currency: 'USD' },
      context: { ip: `10.__A__.__B__.${i}`, userAgent: UA, traits: { email: `b-__N__-${i}@example.com` } },
      timestamp: new Date().toISOString(),
    })),
  });
  let n = 0;
  let accepted = 0;
  let rejected = 0;
  // Request numbers answered 200: every message of each must be stored exactly once.
  const acknowledged: number[] = [];
  const result = await autocannon({
    url: `http://127.0.0.1:${child.ready.port}/v1/batch`,
    method: 'POST',
    connections: batchConnections,
    duration: batchDuration,
    ...(batchRate === undefined ? {} : { overallRate: batchRate }),
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${token}:`).toString('base64')}`,
    },
    requests: [
      {
        setupRequest: (request, context) => {
          n++;
          // One request in flight per connection: its answer is this number's.
          (context as { n?: number }).n = n;
          request.body = template
            .replaceAll('__A__', String((n >> 8) & 255))
            .replaceAll('__B__', String(n & 255))
            .replaceAll('__N__', `${process.pid}x${n}`);
          return request;
        },
        onResponse: (status, body, context) => {
          if (status === 200) {
            // Processed before the answer: per-item counts; journaled under load: `queued`.
            const parsed = JSON.parse(body) as { accepted?: number; rejected?: number; queued?: number };
            accepted += parsed.accepted ?? parsed.queued ?? 0;
            rejected += parsed.rejected ?? 0;
            acknowledged.push((context as { n: number }).n);
          }
        },
      },
    ],
  });
  const stats = await ask<{ peakRss: number }>(child, 'stats');
  const seconds = batchDuration;
  const figures: RunFigures = {
    requestsPerSec: Math.round(result.requests.average),
    eventsPerSec: Math.round(accepted / seconds),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    peakRssMb: Math.round(stats.peakRss / 1048576),
    perSecondMin: result.requests.min,
    perSecondMax: result.requests.max,
  };
  return { figures, accepted, rejected, acknowledged };
}

function openBenchStorage(child: Child): Storage {
  if (databaseUrl !== undefined) return openPostgres(databaseUrl, 2);
  const dir = child.ready.dataDir;
  if (!dir) throw new Error('no data dir');
  return openSqlite(dir);
}

/** Every acknowledged id stored exactly once; nothing stored that was not acknowledged. */
async function verifySingle(storage: Storage, workspaceId: string, acked: string[]) {
  const rows = await storage.db
    .selectFrom('events')
    .select('event_id')
    .where('workspace_id', '=', workspaceId)
    .where('source', '=', 'api')
    .execute();
  const stored = new Map<string, number>();
  for (const row of rows) stored.set(row.event_id, (stored.get(row.event_id) ?? 0) + 1);
  const missing = acked.filter((id) => stored.get(id) !== 1).length;
  const ackedSet = new Set(acked);
  // Requests still in flight when autocannon stopped are stored but were never acknowledged.
  return {
    acknowledged: acked.length,
    stored: rows.length,
    inFlightAtStop: rows.length - acked.length,
    missing,
    duplicatedAcks: acked.length - ackedSet.size,
    ok: missing === 0 && ackedSet.size === acked.length && rows.length >= acked.length,
  };
}

/** Every message of every acknowledged request stored exactly once (message ids are all distinct). */
async function verifyBatch(storage: Storage, workspaceId: string, accepted: number, acknowledged: number[]) {
  const perRequest = new Map<string, number>();
  let stored = 0;
  let duplicated = 0;
  const seen = new Set<string>();
  for (let after = ''; ; ) {
    const rows = await storage.db
      .selectFrom('events')
      .select('dedup_key')
      .where('workspace_id', '=', workspaceId)
      .where('source', '=', 'segment')
      .where('dedup_key', '>', after)
      .orderBy('dedup_key')
      .limit(50_000)
      .execute();
    for (const { dedup_key: key } of rows) {
      stored++;
      if (seen.has(key)) duplicated++;
      seen.add(key);
      // m-<pid>x<n>-<i>
      const request = key.slice(0, key.lastIndexOf('-'));
      perRequest.set(request, (perRequest.get(request) ?? 0) + 1);
    }
    const last = rows[rows.length - 1];
    if (last === undefined) break;
    after = last.dedup_key;
  }
  const incomplete = acknowledged.filter((n) => perRequest.get(`m-${process.pid}x${n}`) !== batchSize).length;
  // Requests cut off at the end of the run add rows beyond the acknowledged count.
  return {
    acknowledged: accepted,
    acknowledgedRequests: acknowledged.length,
    stored,
    inFlightAtStop: stored - accepted,
    incompleteRequests: incomplete,
    duplicated,
    ok: incomplete === 0 && duplicated === 0 && stored >= accepted,
  };
}

interface SingleRound {
  bare: RunFigures;
  bareCpuPerEventUs: number;
  touchpoint: RunFigures;
  ratio: number;
  processed: ReturnType<typeof processed>;
  serverCpuPerEvent: ReturnType<typeof cpuPerEvent>;
  verified: Awaited<ReturnType<typeof verifySingle>>;
}

function appEnv(): Record<string, string> {
  return {
    ...(databaseUrl === undefined ? {} : { BENCH_DATABASE_URL: databaseUrl }),
    ...(args['max-backlog'] === undefined ? {} : { BENCH_MAX_BACKLOG: args['max-backlog'] }),
  };
}

async function removeData(app: Child): Promise<void> {
  await stop(app);
  if (app.ready.dataDir) rmSync(app.ready.dataDir, { recursive: true, force: true });
}

/** One pair: the bare server, then Touchpoint (each a fresh process), back to back. */
async function singleRound(): Promise<SingleRound> {
  const bare = await start('bare-server.ts');
  await ask(bare, 'cpu');
  const bareRun = await single(bare, {}, false);
  const bareCpu = await ask<Cpu>(bare, 'cpu');
  await stop(bare);

  const app = await start('app-server.ts', appEnv());
  await ask(app, 'cpu');
  const appRun = await single(app, { authorization: `Bearer ${app.ready.token ?? ''}` }, true);
  const runCpu = await ask<Cpu>(app, 'cpu');
  const settle = await ask<Settle>(app, 'settle');
  const drainCpu = await ask<Cpu>(app, 'cpu');
  const storage = openBenchStorage(app);
  const verified = await verifySingle(storage, app.ready.workspaceId ?? '', appRun.acked);
  await storage.close();
  await removeData(app);
  return {
    bare: bareRun.figures,
    bareCpuPerEventUs: Math.round((bareCpu.ms * 1000) / Math.max(bareRun.requests, 1)),
    touchpoint: appRun.figures,
    ratio: Math.round((appRun.figures.requestsPerSec / Math.max(bareRun.figures.requestsPerSec, 1)) * 100) / 100,
    processed: processed(appRun.acked.length, duration, settle),
    serverCpuPerEvent: cpuPerEvent(appRun.acked.length, runCpu, drainCpu),
    verified,
  };
}

async function batchRun() {
  const app = await start('app-server.ts', appEnv());
  const token = app.ready.token ?? '';
  await ask(app, 'cpu');
  const run = await batch(app, token);
  const runCpu = await ask<Cpu>(app, 'cpu');
  const settle = await ask<Settle>(app, 'settle');
  const drainCpu = await ask<Cpu>(app, 'cpu');
  const afterDrain = await ask<{ peakRss: number }>(app, 'stats');
  const storage = openBenchStorage(app);
  const verified = await verifyBatch(storage, app.ready.workspaceId ?? '', run.accepted, run.acknowledged);
  await storage.close();
  await removeData(app);
  return {
    eventsPerRequest: batchSize,
    connections: batchConnections,
    ...run.figures,
    rejected: run.rejected,
    processed: processed(run.accepted, batchDuration, settle),
    serverCpuPerEvent: cpuPerEvent(run.accepted, runCpu, drainCpu),
    peakRssMbWhileProcessing: Math.round(afterDrain.peakRss / 1048576),
    verified,
  };
}

async function main(): Promise<void> {
  // The machine's speed drifts by tens of percent within minutes, and the bare server's more than
  // ours (it is bound by the load generator): pairs run back to back, and the median pair is reported.
  const rounds: SingleRound[] = [];
  for (let i = 0; i < roundCount; i++) rounds.push(await singleRound());
  const median = [...rounds].sort((a, b) => a.ratio - b.ratio)[Math.floor((rounds.length - 1) / 2)];
  if (median === undefined) throw new Error('--rounds must be at least 1');
  const batchFigures = await batchRun();
  const line = {
    bench: 'ingest',
    backend: databaseUrl === undefined ? 'sqlite' : 'postgres',
    durationS: duration,
    connections,
    single: {
      ...median,
      rounds: rounds.map((r) => ({
        eventsPerSec: r.touchpoint.eventsPerSec,
        bareEventsPerSec: r.bare.eventsPerSec,
        ratio: r.ratio,
        runMainThreadUs: r.serverCpuPerEvent.runMainThreadUs,
        // Diagnostics of a slow pair: the slowest second, and how much the processor took on.
        perSecondMin: r.touchpoint.perSecondMin,
        barePerSecondMin: r.bare.perSecondMin,
        processedDuringRun: r.processed.acknowledgedThroughInbox - r.processed.backlogAtEnd,
      })),
      verified: {
        ...median.verified,
        ok: rounds.every((r) => r.verified.ok),
        missingInAllRounds: rounds.reduce((n, r) => n + r.verified.missing, 0),
      },
    },
    batch: batchFigures,
  };
  console.log(JSON.stringify(line));
  if (!line.single.verified.ok || !batchFigures.verified.ok) process.exitCode = 1;
}

await main();
