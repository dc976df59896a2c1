/**
 * `npm run bench:attribution [-- --people N --backends sqlite,postgres]`: seeds `touchpoint seed` data
 * (default 1,300,000 people ≈ 1,000,000 purchases / 5,000,000+ touchpoints over 90 days), then times a
 * 90-day channel report under each model on each backend and prints one JSON line of figures.
 * PostgreSQL comes from TOUCHPOINT_BENCH_PG (an admin URL; a scratch database is created and dropped).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
const backends = arg('backends', 'sqlite,postgres').split(',');
const pgAdmin = process.env.TOUCHPOINT_BENCH_PG ?? 'postgres://root@127.0.0.1:5432/postgres';
let peakRss = 0;
const sample = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 50);

async function run(backend: string) {
  let storage: Storage;
  let cleanup: () => Promise<void>;
  if (backend === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'tp-bench-attr-'));
    storage = openSqlite(dir);
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    const name = `tp_bench_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: pgAdmin });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(pgAdmin);
    url.pathname = `/${name}`;
    storage = openPostgres(url.toString());
    cleanup = async () => {
      const c = new pg.Client({ connectionString: pgAdmin });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    };
  }
  try {
    await migrateToLatest(storage);
    const ws = await createWorkspace(storage.db, { name: 'bench' });
    let t = performance.now();
    const seeded = await seedWorkspace(storage.db, { workspaceId: ws.id, people, seed: 1, until: '2026-11-01' });
    const seedSeconds = (performance.now() - t) / 1000;
    const reports: Record<string, { ms: number; rssMb: number }> = {};
    // The first report builds the columnar journey store (cold); the rest reuse it while data is unchanged.
    t = performance.now();
    await attributionReport(
      storage.db,
      ws,
      parseReportQuery({ from: seeded.from, to: seeded.to, model: 'last_touch', window: '90d' }, ws),
    );
    const coldMs = Math.round(performance.now() - t);
    for (const model of MODELS) {
      peakRss = process.memoryUsage().rss;
      t = performance.now();
      const query = parseReportQuery(
        { from: seeded.from, to: seeded.to, model, window: '90d', groupBy: 'channel' },
        ws,
      );
      const report = await attributionReport(storage.db, ws, query);
      reports[model] = {
        ms: Math.round(performance.now() - t),
        rssMb: Math.round(Math.max(peakRss, process.memoryUsage().rss) / 1e6),
      };
      if (report.totals.conversions === 0) throw new Error('empty report');
    }
    return { backend, seeded, seedSeconds: Math.round(seedSeconds), coldFirstReportMs: coldMs, reports };
  } finally {
    await storage.close();
    await cleanup();
  }
}

const results = [];
for (const backend of backends) results.push(await run(backend));
clearInterval(sample);
console.log(
  JSON.stringify({
    bench: 'attribution',
    people,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    results,
  }),
);
