/**
 * Diagnostic: cost of acknowledging single events through the ingest inbox, in process (no HTTP),
 * with the processor held back; then the cost of processing them.
 * npx tsx bench/support/profile-ack.ts [events] [concurrency]   (BENCH_DATABASE_URL for PostgreSQL)
 * BENCH_WAL_FRAMES=1 (SQLite): also the WAL frames each acknowledging commit appends; checkpoints are
 * then off (a checkpointed WAL starts over, so its growth would no longer count the frames), which
 * leaves the checkpointer's CPU out of the figures.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { parseConfig } from '../../src/config/config.js';
import { createContext } from '../../src/context/create-context.js';
import { newId } from '../../src/ids/ids.js';
import { acceptItems, type IngestInput } from '../../src/ingest/accept.js';
import { inboxOf, settleInbox } from '../../src/ingest/inbox.js';
import { createWorkspace } from '../../src/workspaces/workspaces.js';

const total = Number(process.argv[2] ?? 20000);
const concurrency = Number(process.argv[3] ?? 50);
const databaseUrl = process.env.BENCH_DATABASE_URL || undefined;
const data = databaseUrl ? undefined : mkdtempSync(join(tmpdir(), 'tp-ack-'));
const countFrames = process.env.BENCH_WAL_FRAMES === '1' && data !== undefined;
const ctx = await createContext(
  parseConfig({ logLevel: 'silent', ...(databaseUrl ? { databaseUrl } : { data }) }, {}),
  countFrames ? { checkpointer: false } : {},
);
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
const walBytes = () => statSync(`${ctx.storage.file}-wal`, { throwIfNoEntry: false })?.size ?? 0;
const walBefore = countFrames ? walBytes() : 0;
const cpu = process.cpuUsage();
const started = performance.now();
for (let done = 0; done < total; done += concurrency) {
  await Promise.all(
    Array.from({ length: concurrency }, () =>
      acceptItems(ctx, workspace, [input()], { requestId: newId('req'), deferrable: true }),
    ),
  );
}
const ms = performance.now() - started;
const used = process.cpuUsage(cpu);
let wal: { commits: number; framesPerCommit: number } | undefined;
if (countFrames) {
  // One inbox row per acknowledging commit (a single workspace), none processed yet.
  const rows = await ctx.storage.db
    .selectFrom('ingest_inbox')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirstOrThrow();
  const count = Number(rows.count);
  const page = await sql<{ page_size: number }>`pragma page_size`.execute(ctx.storage.db);
  const pageSize = Number(page.rows[0]?.page_size);
  // A WAL frame is a 24-byte header and one page.
  const frames = (walBytes() - walBefore) / (pageSize + 24);
  wal = { commits: count, framesPerCommit: Math.round((frames / count) * 10) / 10 };
}
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
    ack: {
      eventsPerSec: Math.round((n / ms) * 1000),
      cpuUsPerEvent: Math.round((used.user + used.system) / n),
      ...(wal === undefined ? {} : { wal }),
    },
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
