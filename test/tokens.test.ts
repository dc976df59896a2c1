import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { authenticateToken, createToken, hashSecret, mintToken, scopeAllows } from '../src/workspaces/tokens.js';
import { createWorkspace } from '../src/workspaces/workspaces.js';
import { BACKENDS, bearer, createTestApp, createTestWorkspace, type TestApp } from './support/backends.js';

describe('tokens (pure)', () => {
  it('mints prefixed tokens with at least 32 random bytes', () => {
    const token = mintToken('ingest');
    expect(token).toMatch(/^tp_ingest_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token.slice('tp_ingest_'.length), 'base64url')).toHaveLength(32);
    expect(mintToken('ingest')).not.toBe(token);
  });

  it.each([
    ['admin', 'read', true],
    ['admin', 'ingest', true],
    ['read', 'read', true],
    ['read', 'ingest', false],
    ['ingest', 'read', false],
    ['ingest', 'admin', false],
    ['read', 'admin', false],
  ] as const)('%s token on a %s route: %s', (granted, needed, allowed) => {
    expect(scopeAllows(granted, needed)).toBe(allowed);
  });
});

describe.each(BACKENDS)('%s backend: workspaces and tokens', (backend) => {
  let t: TestApp;
  afterEach(async () => t?.close());

  it('stores tokens only as hashes', async () => {
    t = await createTestApp(backend);
    const tokens = [t.ws.ingest.token, t.ws.read.token, t.ws.admin.token];
    const rows = await t.ctx.storage.db.selectFrom('api_tokens').selectAll().execute();
    expect(rows.map((r) => r.token_hash).sort()).toEqual(tokens.map(hashSecret).sort());
    // Scan everything the database holds for any token in clear.
    let haystack = '';
    if (backend === 'sqlite') {
      await sql`pragma wal_checkpoint(TRUNCATE)`.execute(t.ctx.storage.db);
      const dir = t.database.options.data as string;
      for (const file of readdirSync(dir)) haystack += readFileSync(join(dir, file)).toString('latin1');
    } else {
      for (const table of ['api_tokens', 'workspaces', 'sessions', 'settings']) {
        const dump = await sql<{ row: string }>`select t::text as row from ${sql.table(table)} t`.execute(
          t.ctx.storage.db,
        );
        haystack += dump.rows.map((r) => r.row).join('\n');
      }
    }
    expect(haystack.length).toBeGreaterThan(0);
    for (const token of tokens) {
      expect(haystack.includes(token)).toBe(false);
      expect(haystack.includes(token.slice(10, 40))).toBe(false);
    }
    expect(haystack.includes(hashSecret(t.ws.admin.token))).toBe(true);
  });

  it('lists tokens by prefix and last 4, never the token', async () => {
    t = await createTestApp(backend);
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/tokens', headers: bearer(t.ws.admin) });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { data: Array<{ display: string; scope: string }> };
    expect(body.data).toHaveLength(3);
    expect(res.body.includes(t.ws.ingest.token)).toBe(false);
    expect(body.data.map((d) => d.display)).toContain(`tp_ingest_…${t.ws.ingest.token.slice(-4)}`);
  });

  it('rejects a revoked token and accepts its regenerated replacement', async () => {
    t = await createTestApp(backend);
    const extra = await t.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: bearer(t.ws.admin),
      payload: { scope: 'read', name: 'report bot' },
    });
    expect(extra.statusCode).toBe(201);
    const created = extra.json() as { id: string; token: string };
    expect((await t.app.inject({ url: '/api/v1/workspace', headers: bearer(created.token) })).statusCode).toBe(200);

    const revoked = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/tokens/${created.id}`,
      headers: bearer(t.ws.admin),
    });
    expect(revoked.statusCode).toBe(200);
    const after = await t.app.inject({ url: '/api/v1/workspace', headers: bearer(created.token) });
    expect(after.statusCode).toBe(401);
    expect(after.json()).toMatchObject({ error: { code: 'unauthorized', field: 'authorization' } });

    const regen = await t.app.inject({
      method: 'POST',
      url: `/api/v1/tokens/${t.ws.read.id}/regenerate`,
      headers: bearer(t.ws.admin),
    });
    expect(regen.statusCode).toBe(201);
    const replacement = regen.json() as { token: string; scope: string };
    expect(replacement.scope).toBe('read');
    expect((await t.app.inject({ url: '/api/v1/workspace', headers: bearer(t.ws.read) })).statusCode).toBe(401);
    expect((await t.app.inject({ url: '/api/v1/workspace', headers: bearer(replacement.token) })).statusCode).toBe(200);
  });

  it('answers 401 without a token and 403 for a token of the wrong scope', async () => {
    t = await createTestApp(backend);
    const none = await t.app.inject({ url: '/api/v1/workspace' });
    expect(none.statusCode).toBe(401);
    const ingestOnRead = await t.app.inject({ url: '/api/v1/workspace', headers: bearer(t.ws.ingest) });
    expect(ingestOnRead.statusCode).toBe(403);
    expect(ingestOnRead.json()).toMatchObject({ error: { code: 'forbidden' } });
    const readOnAdmin = await t.app.inject({ url: '/api/v1/tokens', headers: bearer(t.ws.read) });
    expect(readOnAdmin.statusCode).toBe(403);
  });

  it('never lets a token of workspace A read or write workspace B', async () => {
    t = await createTestApp(backend);
    const b = await createTestWorkspace(t.ctx, { name: 'B' });
    const seenByA = await t.app.inject({ url: '/api/v1/workspace', headers: bearer(t.ws.admin) });
    expect(seenByA.json()).toMatchObject({ id: t.ws.workspace.id });
    // A's admin cannot revoke, regenerate or list B's tokens.
    const revoke = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/tokens/${b.ingest.id}`,
      headers: bearer(t.ws.admin),
    });
    expect(revoke.statusCode).toBe(404);
    const regen = await t.app.inject({
      method: 'POST',
      url: `/api/v1/tokens/${b.admin.id}/regenerate`,
      headers: bearer(t.ws.admin),
    });
    expect(regen.statusCode).toBe(404);
    expect(await authenticateToken(t.ctx.storage.db, b.ingest.token)).toMatchObject({ workspaceId: b.workspace.id });
    const listA = await t.app.inject({ url: '/api/v1/tokens', headers: bearer(t.ws.admin) });
    expect(listA.body.includes(b.ingest.id)).toBe(false);
    const patch = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/workspace',
      headers: bearer(b.admin),
      payload: { name: 'B renamed', timezone: 'Europe/Berlin' },
    });
    expect(patch.json()).toMatchObject({ id: b.workspace.id, name: 'B renamed', timezone: 'Europe/Berlin' });
    const aAgain = await t.app.inject({ url: '/api/v1/workspace', headers: bearer(t.ws.read) });
    expect(aAgain.json()).toMatchObject({ name: 'Test', timezone: 'UTC' });
  });

  it('validates timezone and currency of a workspace', async () => {
    t = await createTestApp(backend);
    await expect(createWorkspace(t.ctx.storage.db, { name: 'x', timezone: 'Mars/Olympus' })).rejects.toMatchObject({
      code: 'validation_failed',
      field: 'timezone',
    });
    await expect(createWorkspace(t.ctx.storage.db, { name: 'x', currency: 'XYZ' })).rejects.toMatchObject({
      field: 'currency',
    });
    const bad = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/workspace',
      headers: bearer(t.ws.admin),
      payload: { timezone: 'Not/AZone' },
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toMatchObject({ error: { code: 'validation_failed', field: 'timezone' } });
  });

  it('signs the dashboard in with an admin token and serves the API on the session cookie', async () => {
    t = await createTestApp(backend);
    const denied = await t.app.inject({ method: 'POST', url: '/api/v1/sessions', payload: { token: t.ws.read.token } });
    expect(denied.statusCode).toBe(403);
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/sessions', payload: { token: t.ws.admin.token } });
    expect(res.statusCode).toBe(201);
    const cookie = String(res.headers['set-cookie']).split(';')[0] as string;
    expect(cookie).toMatch(/^tp_session=tps_/);
    const viaCookie = await t.app.inject({ url: '/api/v1/tokens', headers: { cookie } });
    expect(viaCookie.statusCode).toBe(200);
    await t.app.inject({ method: 'DELETE', url: '/api/v1/sessions', headers: { cookie } });
    expect((await t.app.inject({ url: '/api/v1/tokens', headers: { cookie } })).statusCode).toBe(401);
  });

  it('authenticates a token created outside the app (CLI path)', async () => {
    t = await createTestApp(backend);
    const created = await createToken(t.ctx.storage.db, t.ws.workspace.id, 'read');
    expect((await t.app.inject({ url: '/api/v1/workspace', headers: bearer(created) })).statusCode).toBe(200);
  });
});
