import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { type Config, parseConfig } from '../../src/config/config.js';
import type { AppContext } from '../../src/context/context.js';
import { closeContext, createContext } from '../../src/context/create-context.js';
import { type App, buildApp } from '../../src/server/app.js';
import { type CreatedToken, createToken } from '../../src/workspaces/tokens.js';
import { createWorkspace, type Workspace } from '../../src/workspaces/workspaces.js';

export const BACKENDS = ['sqlite', 'postgres'] as const;
export type Backend = (typeof BACKENDS)[number];

export interface TestDatabase {
  /** Options to hand to parseConfig / the CLI (`--data` or `--database-url`). */
  options: { data?: string; databaseUrl?: string };
  /** The SQLite directory or the PostgreSQL URL, for CLI flags. */
  flags: string[];
  drop(): Promise<void>;
}

/** A fresh, empty database of the given backend: a temp dir for SQLite, a new database on PostgreSQL. */
export async function createTestDatabase(backend: Backend): Promise<TestDatabase> {
  if (backend === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'tp-test-'));
    return {
      options: { data: dir },
      flags: ['--data', dir],
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const adminUrl = inject('pgAdminUrl');
  const name = `tp_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  return {
    options: { databaseUrl },
    flags: ['--database-url', databaseUrl],
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

export function testConfig(database: TestDatabase, overrides: Record<string, unknown> = {}): Config {
  return parseConfig({ logLevel: 'silent', port: '0', ...database.options, ...overrides }, {});
}

export interface TestContext {
  ctx: AppContext;
  database: TestDatabase;
  close(): Promise<void>;
}

export async function createTestContext(
  backend: Backend,
  overrides: Record<string, unknown> = {},
): Promise<TestContext> {
  const database = await createTestDatabase(backend);
  const ctx = await createContext(testConfig(database, overrides));
  return {
    ctx,
    database,
    close: async () => {
      await closeContext(ctx);
      await database.drop();
    },
  };
}

export interface TestWorkspace {
  workspace: Workspace;
  ingest: CreatedToken;
  read: CreatedToken;
  admin: CreatedToken;
}

export async function createTestWorkspace(
  ctx: AppContext,
  input: { name?: string; timezone?: string; currency?: string; domains?: string[] } = {},
): Promise<TestWorkspace> {
  const workspace = await createWorkspace(ctx.storage.db, { name: input.name ?? 'Test', ...input });
  return {
    workspace,
    ingest: await createToken(ctx.storage.db, workspace.id, 'ingest'),
    read: await createToken(ctx.storage.db, workspace.id, 'read'),
    admin: await createToken(ctx.storage.db, workspace.id, 'admin'),
  };
}

export interface TestApp extends TestContext {
  app: App;
  ws: TestWorkspace;
}

/** A built app (not listening: use app.inject) on a fresh database with one workspace and its tokens. */
export async function createTestApp(backend: Backend, overrides: Record<string, unknown> = {}): Promise<TestApp> {
  const base = await createTestContext(backend, overrides);
  const app = await buildApp(base.ctx);
  await app.ready();
  const ws = await createTestWorkspace(base.ctx);
  return {
    ...base,
    app,
    ws,
    close: async () => {
      await app.close();
      await base.close();
    },
  };
}

export function bearer(token: { token: string } | string): { authorization: string } {
  return { authorization: `Bearer ${typeof token === 'string' ? token : token.token}` };
}
