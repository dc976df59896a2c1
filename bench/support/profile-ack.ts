/**
 * Diagnostic: cost of acknowledging single events through the ingest inbox, in process (no HTTP),
 * with the processor held back; then the cost of processing them.
 * npx tsx bench/support/profile-ack.ts [events] [concurrency]   (BENCH_DATABASE_URL for PostgreSQL)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/config.js';
import { createContext } from '../../src/context/create-context.js';
import { acceptItems, type IngestInput } from '../../src/ingest/accept.js';
import { inboxOf, settleInbox } from '../../src/ingest/inbox.js';
import { createWorkspace } from '../../src/workspaces/workspaces.js';

const total = Number(process.argv[2] ?? 20000);
const concurrency = Number(process.argv[3] ?? 50);
const databaseUrl = process.env.BENCH_DATABASE_URL || undefined;
const data = databaseUrl ? undefined : mkdtempSync(join(tmpdir(), 'tp-ack-'));
const ctx = await createContext(parseConfig({ logLevel: 'silent', ...(databaseUrl ? { databaseUrl } : { data }) }, {}));
const workspace = await createWorkspace(ctx.storage.db, { name: 'Ack' });
const inbox = inboxOf(ctx);
inbox.enabled = true;
// Hold the processor back: the acknowledging side is measured first.
const kick = inbox.kick.bind(inbox);
inbox.kick = () => {};
inbox.backlog = 1;
let n = 0;
const input = (): IngestInput => {
  n++;
  return {
    surface: 'cometly',
    source: 'api',
    name: 'lead_generated',
    userData: {
      email: `ack-${n}@example.com`,
      ip: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
      userAgent:
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.1 Safari/605.1.15',
    },
    clickIds: {},
    context: {},
    properties: {},
    value: 34,
    occurredAt: Math.floor(Date.now() / 1000),
  };
};
const cpu = process.cpuUsage();
const started = performance.now();
for (let done = 0; done < total; done += concurrency) {
  await Promise.all(
    Array.from({ length: concurrency }, (_, i) =>
      acceptItems(ctx, workspace, [input()], { requestId: `req_${done + i}`, deferrable: true }),
    ),
  );
}
const ms = performance.now() - started;
const used = process.cpuUsage(cpu);
const processCpu = process.cpuUsage();
const processStarted = performance.now();
inbox.kick = kick;
inbox.enabled = false; // no yielding to acknowledgements: flat out
await settleInbox(ctx);
const processMs = performance.now() - processStarted;
const processUsed = process.cpuUsage(processCpu);
console.log(
  JSON.stringify({
    events: n,
    deferred: inbox.committed.deferred,
    ack: { eventsPerSec: Math.round((n / ms) * 1000), cpuUsPerEvent: Math.round((used.user + used.system) / n) },
    process: {
      eventsPerSec: Math.round((n / processMs) * 1000),
      cpuUsPerEvent: Math.round((processUsed.user + processUsed.system) / n),
    },
  }),
);
await ctx.writes.close();
await ctx.storage.close();
if (data !== undefined) rmSync(data, { recursive: true, force: true });
process.exit(0);
