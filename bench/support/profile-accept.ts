/**
 * Diagnostic: time accept() in process (no HTTP) for batches of Segment-like events.
 * npx tsx bench/support/profile-accept.ts [batches] [batchSize]   (add --cpu-prof via NODE_OPTIONS)
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/config.js';
import { createContext } from '../../src/context/create-context.js';
import { accept, type IngestInput } from '../../src/ingest/accept.js';
import { createWorkspace } from '../../src/workspaces/workspaces.js';

const batches = Number(process.argv[2] ?? 200);
const size = Number(process.argv[3] ?? 100);
const url = process.env.BENCH_DATABASE_URL;
const ctx = await createContext(
  parseConfig(
    { logLevel: 'silent', ...(url ? { databaseUrl: url } : { data: mkdtempSync(join(tmpdir(), 'tp-prof-')) }) },
    {},
  ),
);
const workspace = await createWorkspace(ctx.storage.db, { name: 'Profile' });
let n = 0;
const input = (): IngestInput => {
  n++;
  return {
    surface: 'segment',
    source: 'segment',
    name: 'Order Completed',
    dedupKey: `msg-${n}`,
    userData: {
      email: `user${n}@example.com`,
      ip: `10.0.${(n >> 8) & 255}.${n & 255}`,
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0',
      visitorId: `anon-${n}`,
    },
    clickIds: {},
    context: { pageUrl: 'https://example.com/checkout?utm_source=google', utm: { source: 'google', medium: 'cpc' } },
    properties: { plan: 'pro' },
    value: 49,
    currency: 'USD',
  };
};
const started = performance.now();
const concurrent = 10;
for (let b = 0; b < batches; b += concurrent) {
  await Promise.all(
    Array.from({ length: concurrent }, () =>
      accept(ctx, workspace, Array.from({ length: size }, input), { requestId: 'req_x' }),
    ),
  );
}
const ms = performance.now() - started;
console.log(JSON.stringify({ events: n, ms: Math.round(ms), eventsPerSec: Math.round((n / ms) * 1000) }));
process.exit(0);
