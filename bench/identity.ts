/**
 * npm run bench:identity [-- --database-url postgres://… --visitors 400 --views 10]
 *
 * Identity resolution and pixel beacons, in process (no HTTP), on a fresh database:
 * 1. resolution alone: the same events resolved one by one (EVENT_HOOKS.resolvePerson) and per batch
 *    (EVENT_HOOKS.resolvePeople) in write-queue transactions of 50;
 * 2. pixel beacons through accept() with every registered hook (identity, touchpoints, outbox);
 * plus the pixel's size. Every visitor views `--views` pages and submits one form with an email
 * (a quarter of the emails are shared by two browsers, so merges happen). Prints one JSON line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfig } from '../src/config/config.js';
import type { AppContext } from '../src/context/context.js';
import { closeContext, createContext } from '../src/context/create-context.js';
import { identifiersOf } from '../src/identity/identifiers.js';
import { type ResolveInput, resolvePeople, resolvePerson } from '../src/identity/resolve.js';
import { accept } from '../src/ingest/accept.js';
import { buildPixelBundle, gzipSize } from '../src/pixel/bundle.js';
import { type Beacon, beaconInputs } from '../src/pixel/collect.js';
import { createWorkspace } from '../src/workspaces/workspaces.js';

const { values: args } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    visitors: { type: 'string', default: '400' },
    views: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '50' },
  },
});
const databaseUrl = args['database-url'] ?? process.env.BENCH_DATABASE_URL;
const VISITORS = Number(args.visitors);
const VIEWS = Number(args.views);
const CONCURRENCY = Number(args.concurrency);

function shuffled<T>(list: T[]): T[] {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [list[i], list[j]] = [list[j] as T, list[i] as T];
  }
  return list;
}

function visitorData(v: number, withEmail: boolean) {
  return {
    visitorId: `tpv_bench_${v}`,
    fingerprint: `fp_${v}`,
    ip: `10.1.${v >> 8}.${v & 255}`,
    userAgent: 'Mozilla/5.0 bench',
    ...(withEmail ? { email: `user${v % Math.ceil(VISITORS * 0.75)}@example.com` } : {}),
  };
}

async function resolution(ctx: AppContext, batched: boolean): Promise<number> {
  const ws = await createWorkspace(ctx.storage.db, { name: batched ? 'batched' : 'per-event' });
  const inputs: ResolveInput[] = [];
  for (let v = 0; v < VISITORS; v++) {
    for (let i = 0; i < VIEWS; i++) {
      inputs.push({
        workspaceId: ws.id,
        identifiers: identifiersOf(visitorData(v, i === VIEWS - 1)),
        occurredAt: Date.now(),
        now: Date.now(),
        source: 'bench',
      });
    }
  }
  shuffled(inputs);
  const started = performance.now();
  const jobs: Promise<unknown>[] = [];
  for (let i = 0; i < inputs.length; i += 50) {
    const part = inputs.slice(i, i + 50);
    jobs.push(
      ctx.writes.enqueue(async (trx) => {
        if (batched) return resolvePeople(trx, part);
        const out: Array<string | null> = [];
        for (const input of part) out.push(await resolvePerson(trx, input));
        return out;
      }),
    );
  }
  await Promise.all(jobs);
  return Math.round(inputs.length / ((performance.now() - started) / 1000));
}

async function beacons(ctx: AppContext): Promise<{ eventsPerSec: number; people: number; touchpoints: number }> {
  const ws = await createWorkspace(ctx.storage.db, { name: 'beacons' });
  const work: Beacon[] = [];
  for (let v = 0; v < VISITORS; v++) {
    for (let i = 0; i < VIEWS; i++) {
      const landing = i === 0;
      const data = visitorData(v, i === VIEWS - 1);
      work.push({
        pixelId: ws.pixelId,
        visitorId: data.visitorId,
        fingerprint: data.fingerprint,
        traits: data.email === undefined ? {} : { email: data.email },
        clickIds: v % 2 ? { fbclid: `IwAR_${v}` } : {},
        utm: v % 2 ? { source: 'facebook', campaign: 'bench' } : {},
        events: [
          {
            eventId: `tpe_${v}_${i}`,
            name: i === VIEWS - 1 ? 'LeadCaptured' : 'PageView',
            url:
              landing && v % 2
                ? `https://shop.example/?fbclid=IwAR_${v}&utm_source=facebook`
                : `https://shop.example/p${i}`,
            referrer: landing ? 'https://www.facebook.com/' : 'https://shop.example/',
          },
        ],
      });
    }
  }
  shuffled(work);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < work.length) {
        const beacon = work[next++] as Beacon;
        const inputs = beaconInputs(beacon, { ip: '10.9.9.9', userAgent: 'Mozilla/5.0 bench', requestId: 'bench' });
        await accept(ctx, ws, inputs, { requestId: 'bench' });
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const count = async (table: 'people' | 'touchpoints') =>
    Number(
      (
        await ctx.storage.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number | string>().as('n'))
          .where('workspace_id', '=', ws.id)
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    eventsPerSec: Math.round(work.length / seconds),
    people: await count('people'),
    touchpoints: await count('touchpoints'),
  };
}

const data = databaseUrl === undefined ? mkdtempSync(join(tmpdir(), 'tp-bench-identity-')) : undefined;
const ctx = await createContext(
  parseConfig({ logLevel: 'silent', ...(databaseUrl === undefined ? { data } : { databaseUrl }) }, {}),
);
try {
  const perEvent = await resolution(ctx, false);
  const batched = await resolution(ctx, true);
  const pixel = await beacons(ctx);
  const bundle = await buildPixelBundle();
  console.log(
    JSON.stringify({
      bench: 'identity',
      backend: ctx.storage.dialect,
      events: VISITORS * VIEWS,
      resolvePerSecPerEvent: perEvent,
      resolvePerSecBatched: batched,
      beaconEventsPerSec: pixel.eventsPerSec,
      people: pixel.people,
      touchpoints: pixel.touchpoints,
      pixelBytes: bundle.length,
      pixelGzipBytes: gzipSize(bundle),
    }),
  );
} finally {
  await closeContext(ctx);
  if (data !== undefined) rmSync(data, { recursive: true, force: true });
}
