/**
 * `npm run bench:attribution [-- --people N --backends sqlite,postgres]`: seeds `touchpoint seed` data
 * (default 1,350,000 people ≈ 1,000,000 purchases / 6,000,000 touchpoints over 90 days), then times
 * 90-day channel reports on each backend and prints one JSON line of figures: seed seconds, the cold
 * first report (it builds the columnar journey store), each model's warm report (median of 3), and
 * peak RSS. Per backend, seeding and reporting run in two child processes, so the reporting peak RSS
 * is the reports' own (a server answering reports never holds the seeder's buffers); the seeder's
 * is printed beside it.
 * PostgreSQL comes from TOUCHPOINT_BENCH_PG (an admin URL; a scratch database is created and dropped).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { MODELS } from '../src/attribution/models.js';
import { attributionReport, parseReportQuery } from '../src/attribution/report.js';
import { type SeedSummary, seedWorkspace } from '../src/attribution/seed.js';
import { openPostgres, openSqlite, type Storage } from '../src/storage/database.js';
import { migrateToLatest } from '../src/storage/migrate.js';
import { createWorkspace, getWorkspace } from '../src/workspaces/workspaces.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : (process.argv[i + 1] ?? fallback);
}

const people = Number(arg('people', '1350000'));
const pgAdmin = process.env.TOUCHPOINT_BENCH_PG ?? 'postgres://root@127.0.0.1:5432/postgres';
const seconds = (since: number) => Math.round((performance.now() - since) / 10) / 100;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);
const memoryMb = () => {
  const m = process.memoryUsage();
  const mb = (bytes: number) => Math.round(bytes / 1048576);
  return { rss: mb(m.rss), heapUsed: mb(m.heapUsed), arrayBuffers: mb(m.arrayBuffers), peakRss: peakRssMb() };
};

/** Where one backend's data lives: a SQLite directory or a scratch PostgreSQL database URL. */
async function createTarget(backend: string): Promise<{ target: string; cleanup: () => Promise<void> }> {
  if (backend === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'tp-bench-attr-'));
    return { target: dir, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `tp_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: pgAdmin, connectionTimeoutMillis: 5000 });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(pgAdmin);
  url.pathname = `/${name}`;
  return {
    target: url.toString(),
    cleanup: async () => {
      const c = new pg.Client({ connectionString: pgAdmin });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

const open = (backend: string, target: string): Storage =>
  backend === 'sqlite' ? openSqlite(target) : openPostgres(target);

/** Child, phase 1: migrate, create the workspace, seed. */
async function seedPhase(backend: string, target: string) {
  const storage = open(backend, target);
  try {
    await migrateToLatest(storage);
    const ws = await createWorkspace(storage.db, { name: 'bench' });
    const t = performance.now();
    const seeded = await seedWorkspace(storage.db, { workspaceId: ws.id, people, seed: 1, until: '2026-11-01' });
    return { workspaceId: ws.id, seeded, seedSeconds: seconds(t), seedPeakRssMb: peakRssMb() };
  } finally {
    await storage.close();
  }
}

/** Child, phase 2: the cold report, then every model warm (median of 3). */
async function reportPhase(backend: string, target: string, workspaceId: string, seeded: SeedSummary) {
  const storage = open(backend, target);
  try {
    const ws = await getWorkspace(storage.db, workspaceId);
    if (ws === undefined) throw new Error(`workspace ${workspaceId} not found`);
    const report = async (model: (typeof MODELS)[number]) => {
      const query = parseReportQuery({ from: seeded.from, to: seeded.to, model, window: '90d' }, ws);
      const result = await attributionReport(storage.db, ws, query);
      if (result.totals.conversions === 0) throw new Error('empty report');
    };
    let t = performance.now();
    await report('last_touch');
    const coldReportSeconds = seconds(t);
    // What the journey store holds once built (the rest of the peak is transient, during the build).
    const afterCold = memoryMb();
    const warmSeconds: Record<string, number> = {};
    // Peak RSS only grows: where it jumps tells which model needed the memory.
    const peakRssMbAfter: Record<string, number> = {};
    for (const model of MODELS) {
      const runs: number[] = [];
      for (let i = 0; i < 3; i++) {
        t = performance.now();
        await report(model);
        runs.push(seconds(t));
      }
      warmSeconds[model] = median(runs);
      peakRssMbAfter[model] = peakRssMb();
    }
    return {
      coldReportSeconds,
      warmSeconds,
      markovSeconds: warmSeconds.markov,
      memoryAfterColdMb: afterCold,
      peakRssAfterColdMb: afterCold.peakRss,
      peakRssMbAfter,
      peakRssMb: peakRssMb(),
    };
  } finally {
    await storage.close();
  }
}

/** Runs this script again as a child for one phase; returns its last stdout line, parsed. */
function child<T>(args: string[]): T {
  const run = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 24,
  });
  const line = run.stdout.trim().split('\n').pop() ?? '';
  try {
    const parsed = JSON.parse(line) as T & { error?: string };
    if (parsed.error !== undefined) throw new Error(parsed.error);
    return parsed;
  } catch (error) {
    if (line.startsWith('{')) throw error;
    throw new Error(`${args.join(' ')} exited ${run.status ?? run.signal}: ${line.slice(0, 500)}`);
  }
}

const phase = arg('phase', '');
if (phase !== '') {
  // Child: one phase of one backend, one JSON line on stdout.
  const backend = arg('backend', 'sqlite');
  const target = arg('target', '');
  const result = await (phase === 'seed'
    ? seedPhase(backend, target)
    : reportPhase(backend, target, arg('workspace', ''), JSON.parse(arg('seeded', '{}')) as SeedSummary)
  ).catch((error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }));
  console.log(JSON.stringify(result));
} else {
  const results: unknown[] = [];
  for (const backend of arg('backends', 'sqlite,postgres').split(',')) {
    const { target, cleanup } = await createTarget(backend);
    let result: Record<string, unknown>;
    try {
      const common = ['--backend', backend, '--target', target, '--people', String(people)];
      const seed = child<Awaited<ReturnType<typeof seedPhase>>>([...common, '--phase', 'seed']);
      const reports = child<Awaited<ReturnType<typeof reportPhase>>>([
        ...common,
        '--phase',
        'report',
        '--workspace',
        seed.workspaceId,
        '--seeded',
        JSON.stringify(seed.seeded),
      ]);
      result = {
        backend,
        seeded: seed.seeded,
        seedSeconds: seed.seedSeconds,
        seedPeakRssMb: seed.seedPeakRssMb,
        ...reports,
      };
    } catch (error) {
      result = { backend, error: error instanceof Error ? error.message : String(error) };
    } finally {
      await cleanup();
    }
    // Progress for whoever watches: each backend's figures as soon as they exist.
    process.stderr.write(`${JSON.stringify(result)}\n`);
    results.push(result);
  }
  console.log(JSON.stringify({ bench: 'attribution', people, results }));
}
