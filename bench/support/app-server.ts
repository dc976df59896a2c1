import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/config.js';
import { createContext } from '../../src/context/create-context.js';
import { inboxOf, settleInbox } from '../../src/ingest/inbox.js';
import { buildApp } from '../../src/server/app.js';
import { createToken } from '../../src/workspaces/tokens.js';
import { createWorkspace } from '../../src/workspaces/workspaces.js';
import { reportStatsOverIpc } from './process-stats.js';

/**
 * The Touchpoint server as the benchmark runs it: a real process with the real app (no background
 * worker), a fresh workspace and ingest token, the per-workspace rate limit off.
 */
const databaseUrl = process.env.BENCH_DATABASE_URL || undefined;
const data = databaseUrl === undefined ? mkdtempSync(join(tmpdir(), 'tp-bench-')) : undefined;
const config = parseConfig(
  {
    logLevel: process.env.BENCH_LOG_LEVEL ?? 'silent',
    port: '0',
    rateLimit: '0',
    // BENCH_INGEST_THREAD=1: commit and process in the ingest thread (as `serve --ingest-thread`).
    ingestThread: process.env.BENCH_INGEST_THREAD === '1',
    // BENCH_MAX_BACKLOG: as `serve --ingest-max-backlog` (events acknowledged ahead of processing).
    ...(process.env.BENCH_MAX_BACKLOG ? { ingestMaxBacklog: process.env.BENCH_MAX_BACKLOG } : {}),
    ...(databaseUrl ? { databaseUrl } : { data }),
  },
  {},
);
const ctx = await createContext(config);
if (process.env.BENCH_NO_HOOKS === '1') {
  // Diagnostic only: measures the pipeline without other domains' hooks.
  const { EVENT_HOOKS } = await import('../../src/ingest/event-hooks.js');
  EVENT_HOOKS.resolvePerson = undefined;
  EVENT_HOOKS.resolvePeople = undefined;
  EVENT_HOOKS.afterInsert = [];
  EVENT_HOOKS.afterInsertBatch = [];
}
const app = await buildApp(ctx);
// BENCH_HOLD_PROCESSING=1 (diagnostics): the inbox processor waits until the settle message, so the
// figures are those of the acknowledging side alone.
const held = process.env.BENCH_HOLD_PROCESSING === '1' ? inboxOf(ctx) : undefined;
if (held !== undefined) held.kick = () => {};
const workspace = await createWorkspace(ctx.storage.db, { name: 'Bench' });
const token = await createToken(ctx.storage.db, workspace.id, 'ingest');
reportStatsOverIpc();
const address = await app.listen({ port: 0, host: '127.0.0.1' });
process.send?.({
  type: 'ready',
  port: Number(new URL(address).port),
  token: token.token,
  workspaceId: workspace.id,
  dataDir: data ?? null,
});
process.on('message', async (message: { type?: string }) => {
  if (message?.type === 'settle') {
    // Acknowledged events still in the ingest inbox: the time to process them is part of the figures.
    const inbox = inboxOf(ctx);
    if (held !== undefined) Reflect.deleteProperty(held, 'kick');
    const backlog = inbox.backlog;
    const started = performance.now();
    await settleInbox(ctx);
    const ms = Math.round(performance.now() - started);
    process.send?.({
      type: 'settle',
      backlog,
      ms,
      committed: { ...inbox.committed },
      failedPasses: inbox.failedPasses,
    });
    inbox.committed.inline = 0;
    inbox.committed.deferred = 0;
  }
  if (message?.type === 'close') {
    await app.close();
    await ctx.writes.close();
    await ctx.storage.close();
    process.exit(0);
  }
});
