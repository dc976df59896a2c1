import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStorage } from '../src/storage/database.js';
import { authenticateToken } from '../src/workspaces/tokens.js';
import { BACKENDS, createTestDatabase, type TestDatabase, testConfig } from './support/backends.js';
import { type RunningServer, runCli, startServer } from './support/cli.js';

describe('CLI: bad configuration', () => {
  it.each([
    [['serve', '--port', 'abc'], /--port must be an integer/],
    [['serve', '--port', '70000'], /--port must be an integer from 0 to 65535/],
    [['serve', '--database-url', 'mysql://x'], /--database-url must be a postgres/],
    [['serve', '--sync', 'sometimes'], /--sync must be normal or full/],
    [['serve', '--tls-cert', '/nonexistent.pem', '--tls-key', '/nonexistent.key'], /file not found/],
    [['serve', '--tls-cert', '/nonexistent.pem'], /must be given together/],
    [['serve', '--bogus-flag'], /unknown option/],
    [['workspace', 'create'], /--name is required/],
    [['token', 'create', '--scope', 'root', '--workspace', 'ws_x'], /--scope must be ingest, read or admin/],
    [['nonsense'], /unknown command/],
  ])('%j exits 2 with one clear line', async (args, message) => {
    const result = await runCli(args);
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^touchpoint: /);
    expect(lines[0]).toMatch(message);
  });

  it('reads options from TOUCHPOINT_* environment variables', async () => {
    const result = await runCli(['serve'], { TOUCHPOINT_PORT: 'not-a-port' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--port must be an integer/);
  });
});

describe.each(BACKENDS)('%s backend: CLI', { timeout: 120_000 }, (backend) => {
  let database: TestDatabase;
  let server: RunningServer | undefined;
  afterEach(async () => {
    if (server !== undefined && server.child.exitCode === null) await server.stop();
    server = undefined;
    await database?.drop();
  });

  it('creates workspaces and tokens with --json output, lists and revokes them', async () => {
    database = await createTestDatabase(backend);
    const migrated = await runCli(['migrate', '--json', ...database.flags]);
    expect(migrated.code).toBe(0);
    expect(JSON.parse(migrated.stdout)).toMatchObject({ database: backend });
    const again = await runCli(['migrate', '--json', ...database.flags]);
    expect(JSON.parse(again.stdout)).toEqual({ applied: [], database: backend });

    const created = await runCli([
      'workspace',
      'create',
      '--name',
      'Acme',
      '--timezone',
      'America/New_York',
      '--currency',
      'eur',
      '--domain',
      'acme.com',
      '--domain',
      'https://shop.acme.com/',
      '--json',
      ...database.flags,
    ]);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const ws = JSON.parse(created.stdout) as Record<string, string>;
    expect(ws).toMatchObject({
      name: 'Acme',
      timezone: 'America/New_York',
      currency: 'EUR',
      allowedDomains: ['acme.com', 'shop.acme.com'],
    });
    expect(ws.id).toMatch(/^ws_/);
    expect(ws.pixelId).toMatch(/^px_/);
    expect(ws.apiToken).toMatch(/^tp_ingest_/);
    expect(ws.adminToken).toMatch(/^tp_admin_/);

    const token = await runCli([
      'token',
      'create',
      '--workspace',
      ws.id as string,
      '--scope',
      'read',
      '--json',
      ...database.flags,
    ]);
    const tok = JSON.parse(token.stdout) as { id: string; token: string; scope: string };
    expect(tok).toMatchObject({ scope: 'read' });
    expect(tok.token).toMatch(/^tp_read_/);

    const listed = await runCli(['token', 'list', '--workspace', ws.id as string, '--json', ...database.flags]);
    const list = JSON.parse(listed.stdout) as { tokens: Array<{ id: string; display: string }> };
    expect(list.tokens).toHaveLength(3);
    expect(listed.stdout.includes(tok.token)).toBe(false);
    expect(list.tokens.find((t) => t.id === tok.id)?.display).toBe(`tp_read_…${tok.token.slice(-4)}`);

    const revoked = await runCli(['token', 'revoke', tok.id, '--workspace', ws.id as string, ...database.flags]);
    expect(revoked.code).toBe(0);
    const storage = openStorage(testConfig(database).storage);
    try {
      expect(await authenticateToken(storage.db, tok.token)).toBeUndefined();
      expect(await authenticateToken(storage.db, ws.apiToken as string)).toMatchObject({
        workspaceId: ws.id,
        scope: 'ingest',
      });
    } finally {
      await storage.close();
    }

    const workspaces = await runCli(['workspace', 'list', '--json', ...database.flags]);
    expect((JSON.parse(workspaces.stdout) as { workspaces: unknown[] }).workspaces).toHaveLength(1);
    const badTz = await runCli(['workspace', 'create', '--name', 'X', '--timezone', 'Moon/Base', ...database.flags]);
    expect(badTz.code).toBe(2);
    expect(badTz.stderr).toMatch(/timezone/);
  });

  it('serve --port 0 prints the listening line first, answers /healthz, and the CLI works beside it', async () => {
    database = await createTestDatabase(backend);
    server = await startServer(database.flags);
    expect(server.firstLine).toMatch(/^Touchpoint listening on http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.url).not.toMatch(/:0$/);
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(health.headers.get('request-id')).toMatch(/^req_/);

    // First run created a default workspace and printed its tokens once.
    await new Promise((r) => setTimeout(r, 200));
    const tokenLine = server.lines.find((l) => l.startsWith('API token:'));
    expect(tokenLine).toMatch(/tp_ingest_/);
    expect(server.lines.some((l) => l.includes('/docs'))).toBe(true);

    // The CLI writes to the same data while the server runs; the server sees it at once.
    const created = await runCli(['workspace', 'create', '--name', 'Side', '--json', ...database.flags]);
    expect(created.code).toBe(0);
    const { adminToken, id } = JSON.parse(created.stdout) as { adminToken: string; id: string };
    const seen = await fetch(`${server.url}/api/v1/workspace`, { headers: { authorization: `Bearer ${adminToken}` } });
    expect(await seen.json()).toMatchObject({ id, name: 'Side' });
    expect(await server.stop()).toBe(0);
  });

  it('graceful shutdown loses no acknowledged write', async () => {
    database = await createTestDatabase(backend);
    const created = await runCli(['workspace', 'create', '--name', 'Load', '--json', ...database.flags]);
    const { adminToken, id: workspaceId } = JSON.parse(created.stdout) as { adminToken: string; id: string };
    server = await startServer(database.flags);
    const url = server.url;
    const acknowledged: string[] = [];
    let failures = 0;
    const send = async () => {
      try {
        const res = await fetch(`${url}/api/v1/tokens`, {
          method: 'POST',
          headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ scope: 'ingest' }),
        });
        if (res.status === 201) acknowledged.push(((await res.json()) as { id: string }).id);
        else failures++;
      } catch {
        failures++; // refused after close: never acknowledged, so nothing to keep
      }
    };
    // 20 clients send back to back; SIGTERM lands while requests are in flight.
    let stopped = false;
    let sent = 0;
    const client = async () => {
      while (!stopped || sent < 40) {
        sent++;
        await send();
        if (stopped && failures > 0) return;
      }
    };
    const clients = Array.from({ length: 20 }, () => client());
    while (acknowledged.length < 20) await new Promise((r) => setTimeout(r, 5));
    const exit = server.stop('SIGTERM');
    stopped = true;
    await Promise.all(clients);
    // Keep-alive connections whose requests were in flight must not hold the shutdown open until
    // the server's keep-alive timeout (72 s); the server ends as soon as its work is done.
    const ended = await Promise.race([exit, new Promise((r) => setTimeout(() => r('still running'), 30_000))]);
    expect(ended).toBe(0);
    expect(acknowledged.length).toBeGreaterThan(0);
    const storage = openStorage(testConfig(database).storage);
    try {
      const rows = await storage.db
        .selectFrom('api_tokens')
        .select('token_id')
        .where('workspace_id', '=', workspaceId)
        .execute();
      const stored = new Set(rows.map((r) => r.token_id));
      for (const tokenId of acknowledged) expect(stored.has(tokenId)).toBe(true);
      expect(acknowledged.length + failures).toBe(sent);
    } finally {
      await storage.close();
    }
  });
});

describe('sqlite backend: serve --ingest-thread', { timeout: 120_000 }, () => {
  let database: TestDatabase | undefined;
  let server: RunningServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    await database?.drop();
    database = undefined;
  });

  it('ingests through the thread and stores every acknowledged event before it exits', async () => {
    database = await createTestDatabase('sqlite');
    const created = await runCli(['workspace', 'create', '--name', 'Thread', '--json', ...database.flags]);
    const { apiToken: ingestToken } = JSON.parse(created.stdout) as { apiToken: string };
    server = await startServer([...database.flags, '--ingest-thread', '--log-level', 'info']);
    const url = server.url;
    const post = async (i: number) => {
      const res = await fetch(`${url}/public-api/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ingestToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ event_name: 'lead_generated', email: `cli-thread-${i}@example.com` }),
      });
      expect(res.status).toBe(202);
      return ((await res.json()) as { id: string }).id;
    };
    const ids = await Promise.all(Array.from({ length: 40 }, (_, i) => post(i)));
    expect(await server.stop('SIGTERM')).toBe(0);
    expect(server.stderr()).toContain('ingest thread started');
    server = undefined;
    const storage = openStorage(testConfig(database).storage);
    try {
      const rows = await storage.db.selectFrom('events').select('event_id').execute();
      expect(rows.map((r) => r.event_id).sort()).toEqual([...ids].sort());
      expect(await storage.db.selectFrom('ingest_inbox').select('inbox_id').execute()).toEqual([]);
    } finally {
      await storage.close();
    }
  });
  it('after a kill -9, the next start replays the acknowledgement journal: every acknowledged event stored once', async () => {
    // The thread applies journal lines ~20 ms after they are written: the kill must land before it
    // applied the last ones. Tried until an attempt left lines to replay.
    let replayed = false;
    for (let attempt = 0; attempt < 5 && !replayed; attempt++) {
      await database?.drop();
      database = await createTestDatabase('sqlite');
      const created = await runCli(['workspace', 'create', '--name', 'Crash', '--json', ...database.flags]);
      const { apiToken: ingestToken } = JSON.parse(created.stdout) as { apiToken: string };
      const running = await startServer([...database.flags, '--ingest-thread']);
      server = running;
      const acknowledged: string[] = [];
      let killed: Promise<number> | undefined;
      const post = async (i: number) => {
        try {
          const res = await fetch(`${running.url}/public-api/v1/events`, {
            method: 'POST',
            headers: { authorization: `Bearer ${ingestToken}`, 'content-type': 'application/json' },
            body: JSON.stringify({ event_name: 'lead_generated', email: `crash-${i}@example.com` }),
          });
          if (res.status !== 202) return;
          acknowledged.push(((await res.json()) as { id: string }).id);
          // Killed mid-burst, at once after an acknowledgement.
          if (acknowledged.length === 120) killed = running.stop('SIGKILL');
        } catch {
          // Cut off by the kill: never acknowledged.
        }
      };
      await Promise.all(Array.from({ length: 300 }, (_, i) => post(i)));
      expect(killed).toBeDefined();
      expect(await killed).not.toBe(0);
      const dir = join(database.options.data as string, 'ingest-journal');
      expect(readdirSync(dir).filter((name) => name.endsWith('.jsonl'))).toHaveLength(1);

      server = await startServer([...database.flags, '--ingest-thread', '--log-level', 'warn']);
      expect(await server.stop('SIGTERM')).toBe(0);
      replayed = `${server.lines.join('\n')}\n${server.stderr()}`.includes('replayed an acknowledgement journal');
      server = undefined;
      expect(readdirSync(dir)).toEqual([]);
      const storage = openStorage(testConfig(database).storage);
      try {
        const events = (await storage.db.selectFrom('events').select('event_id').execute()).map((r) => r.event_id);
        // Every acknowledged event; requests cut off may have been written too, but each only once.
        const stored = new Set(events);
        for (const id of acknowledged) expect(stored.has(id)).toBe(true);
        const log = await storage.db
          .selectFrom('events_log')
          .select('event_id')
          .where('status', '=', 'accepted')
          .execute();
        expect(log.map((r) => r.event_id).sort()).toEqual([...events].sort());
        expect(await storage.db.selectFrom('ingest_inbox').select('inbox_id').execute()).toEqual([]);
        expect(await storage.db.selectFrom('ingest_journal').selectAll().execute()).toEqual([]);
      } finally {
        await storage.close();
      }
    }
    expect(replayed).toBe(true);
  });
});

describe('sqlite backend: TLS', { timeout: 120_000 }, () => {
  it('serves HTTPS with --tls-cert/--tls-key', async () => {
    const { execFileSync } = await import('node:child_process');
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const https = await import('node:https');
    const dir = mkdtempSync(join(tmpdir(), 'tp-tls-'));
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
      ],
      {
        stdio: 'ignore',
      },
    );
    const server = await startServer([
      '--data',
      join(dir, 'data'),
      '--tls-cert',
      cert,
      '--tls-key',
      key,
      '--require-https',
    ]);
    try {
      expect(server.firstLine).toMatch(/^Touchpoint listening on https:\/\/127\.0\.0\.1:\d+$/);
      const status = await new Promise<number>((resolve, reject) => {
        https
          .get(`${server.url}/api/v1/workspace`, { rejectUnauthorized: false }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          })
          .on('error', reject);
      });
      // over HTTPS the request passes the HTTPS check and reaches authentication
      expect(status).toBe(401);
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
