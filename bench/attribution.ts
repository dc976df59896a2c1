/**
 * `npm run bench:attribution [-- --people N --backends sqlite,postgres]`: seeds `touchpoint seed` data
 * (default 1,300,000 people ≈ 1,000,000 purchases / 5,000,000+ touchpoints over 90 days), then times
 * 90-day channel reports on each backend and prints one JSON line of figures: seed seconds, the cold
 * first report (it builds the columnar journey store), each model's warm report (median of 3), and
 * peak RSS. Each backend runs in its own child process, so its peak RSS is its own.
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
import { seedWorkspace } from '../src/attribution/seed.js';
import { openPostgres, openSqlite, type Storage } from '../src/storage/database.js';
import { migrateToLatest } from '../src/storage/migrate.js';
import { createWorkspace } from '../src/workspaces/workspaces.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : (process.argv[i + 1] ?? fallback);
}

const people = Number(arg('people', '1300000'));
const pgAdmin = process.env.TOUCHPOINT_BENCH_PG ?? 'postgres://root@127.0.0.1:5432/postgres';
const seconds = (since: number) => Math.round((performance.now() - since) / 10) / 100;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function open(backend: string): Promise<{ storage: Storage; cleanup: () => Promise<void> }> {
  if (backend === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'tp-bench-attr-'));
    return { storage: openSqlite(dir), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `tp_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: pgAdmin, connectionTimeoutMillis: 5000 });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(pgAdmin);
  url.pathname = `/${name}`;
  return {
    storage: openPostgres(url.toString()),
    cleanup: async () => {
      const c = new pg.Client({ connectionString: pgAdmin });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/** One backend, in this process: seed, cold report, warm reports. */
async function runBackend(backend: string) {
  const { storage, cleanup } = await open(backend);
  try {
    await migrateToLatest(storage);
    const ws = await createWorkspace(storage.db, { name: 'bench' });
    let t = performance.now();
    const seeded = await seedWorkspace(storage.db, { workspaceId: ws.id, people, seed: 1, until: '2026-11-01' });
    const seedSeconds = seconds(t);
    const report = async (model: (typeof MODELS)[number]) => {
      const query = parseReportQuery({ from: seeded.from, to: seeded.to, model, window: '90d' }, ws);
      const result = await attributionReport(storage.db, ws, query);
      if (result.totals.conversions === 0) throw new Error('empty report');
    };
    t = performance.now();
    await report('last_touch');
    const coldReportSeconds = seconds(t);
    const warmSeconds: Record<string, number> = {};
    for (const model of MODELS) {
      const runs: number[] = [];
      for (let i = 0; i < 3; i++) {
        t = performance.now();
        await report(model);
        runs.push(seconds(t));
      }
      warmSeconds[model] = median(runs);
    }
    return {
      backend,
      seeded,
      seedSeconds,
      coldReportSeconds,
      warmSeconds,
      markovSeconds: warmSeconds.markov,
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    };
  } finally {
    await storage.close();
    await cleanup();
  }
}

const only = arg('backend', '');
if (only !== '') {
  // Child: one backend, one JSON line on stdout.
  const result = await runBackend(only).catch((error: unknown) => ({
    backend: only,
    error: error instanceof Error ? error.message : String(error),
  }));
  console.log(JSON.stringify(result));
} else {
  const results: unknown[] = [];
  for (const backend of arg('backends', 'sqlite,postgres').split(',')) {
    const child = spawnSync(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url), '--backend', backend, '--people', String(people)],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 },
    );
    const line = child.stdout.trim().split('\n').pop() ?? '';
    // Progress for whoever watches: each backend's figures as soon as they exist.
    process.stderr.write(`${line}\n`);
    try {
      results.push(JSON.parse(line));
    } catch {
      results.push({ backend, error: `exited ${child.status ?? child.signal}`, output: line.slice(0, 500) });
    }
  }
  console.log(JSON.stringify({ bench: 'attribution', people, results }));
}
